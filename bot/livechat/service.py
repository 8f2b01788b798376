"""Live chat hand-off over the database, shared by the action server (request) and the web service
(queue, accept, reply, deliver, close).

Flow: the citizen asks for a human → in service hours ``request_handoff`` records a *waiting*
hand-off (one open hand-off per conversation, with the conversation's channel) → an agent opens it
in the console (*active*) and replies: ``add_agent_message`` stores the text and
``deliver_agent_messages`` sends every undelivered message as ``【人工客服】…`` on the conversation's
channel by bot.delivery → the agent closes the hand-off.
"""
from __future__ import annotations

import re
from datetime import datetime, time, timezone
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.calendar import is_working_day
from bot.delivery import FAILED, Deliverer, Message, deliver
from bot.livechat import replies
from bot.db import session_scope
from bot.livechat.models import AgentMessage, Handoff
from bot.settings import get_settings

OPEN = ("waiting", "active")
MAX_MESSAGE = 1000
_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class LiveChatError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: Optional[str] = None, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        if status:
            self.status = status


NEVER = (time(23, 59, 59), time(0, 0))  # start after end: no moment is inside


def service_hours(spec: Optional[str] = None) -> Optional[tuple[time, time]]:
    """(start, end) of the working-day service hours; None for "always"; an empty window for
    "never" (no live agents: requests for a human become tickets). Raises on a bad setting."""
    spec = spec if spec is not None else get_settings().livechat_hours
    if spec.strip().lower() == "always":
        return None
    if spec.strip().lower() == "never":
        return NEVER
    m = _HOURS.match(spec)
    if not m:
        raise ValueError(f"LIVECHAT_HOURS must look like 09:00-17:30 or be 'always' or 'never', got {spec!r}")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    end = time(23, 59, 59) if (h2, m2) == (24, 0) else time(h2, m2)
    return time(h1, m1), end


def in_service(now: Optional[datetime] = None, spec: Optional[str] = None) -> bool:
    hours = service_hours(spec)
    if hours is None:
        return True
    local = (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(get_settings().timezone))
    return is_working_day(local.date()) and hours[0] <= local.time() <= hours[1]


def hours_text(spec: Optional[str] = None) -> str:
    hours = service_hours(spec)
    if hours is None:
        return replies.HOURS_ALWAYS
    if hours == NEVER:
        return replies.HOURS_NEVER
    return replies.HOURS.format(start=hours[0].strftime('%H:%M'), end=hours[1].strftime('%H:%M'))


def _json(h: Handoff) -> dict:
    iso = lambda d: d.astimezone(timezone.utc).isoformat() if d and d.tzinfo else (d.isoformat() + "Z" if d else None)  # noqa: E731
    return {"id": h.id, "conversation_id": h.conversation_id, "channel": h.channel, "status": h.status,
            "last_text": h.last_text, "agent": h.agent, "requested_at": iso(h.requested_at),
            "accepted_at": iso(h.accepted_at), "closed_at": iso(h.closed_at)}


async def request_handoff(conversation_id: str, channel: Optional[str], text: Optional[str],
                          url: Optional[str] = None, now: Optional[datetime] = None) -> dict:
    """A waiting hand-off for the conversation (the open one when it already has one)."""
    now = now or datetime.now(timezone.utc)
    async with session_scope(url) as session:
        existing = (await session.execute(
            select(Handoff).where(Handoff.conversation_id == conversation_id, Handoff.status.in_(OPEN))
        )).scalars().first()
        if existing is not None:
            if text:
                existing.last_text = text[:MAX_MESSAGE]
            return _json(existing)
        h = Handoff(conversation_id=conversation_id, channel=(channel or None) and channel[:32], status="waiting",
                    last_text=(text or "")[:MAX_MESSAGE] or None, requested_at=now)
        session.add(h)
        await session.flush()
        return _json(h)


async def list_handoffs(status: Optional[str] = None, url: Optional[str] = None, limit: int = 100) -> list[dict]:
    query = select(Handoff).order_by(Handoff.requested_at, Handoff.id).limit(limit)
    if status:
        if status not in ("waiting", "active", "closed", "open"):
            raise LiveChatError("status 应为 waiting、active、closed 或 open", "invalid_status")
        query = query.where(Handoff.status.in_(OPEN) if status == "open" else Handoff.status == status)
    async with session_scope(url) as session:
        return [_json(h) for h in (await session.execute(query)).scalars()]


async def _load(session, handoff_id: int) -> Handoff:
    h = await session.get(Handoff, handoff_id)
    if h is None:
        raise LiveChatError(f"会话不存在：{handoff_id}", "not_found", 404)
    return h


async def get_handoff(handoff_id: int, url: Optional[str] = None) -> dict:
    async with session_scope(url) as session:
        return _json(await _load(session, handoff_id))


async def add_agent_message(handoff_id: int, agent: str, text, url: Optional[str] = None,
                            now: Optional[datetime] = None) -> tuple[dict, int]:
    """Store an agent's reply (the hand-off becomes active, taken by this agent); returns the
    hand-off and the message id."""
    if not isinstance(text, str) or not text.strip():
        raise LiveChatError("请输入回复内容（text）", "missing_text")
    if len(text) > MAX_MESSAGE:
        raise LiveChatError(f"回复内容不能超过 {MAX_MESSAGE} 个字符", "invalid_text")
    now = now or datetime.now(timezone.utc)
    async with session_scope(url) as session:
        h = await _load(session, handoff_id)
        if h.status == "closed":
            raise LiveChatError("该会话已结束", "closed", 409)
        if h.status == "waiting":
            h.status, h.agent, h.accepted_at = "active", agent, now
        message = AgentMessage(handoff_id=h.id, conversation_id=h.conversation_id, agent=agent,
                               text=text.strip(), created_at=now)
        session.add(message)
        await session.flush()
        return _json(h), message.id


async def close_handoff(handoff_id: int, agent: str, url: Optional[str] = None,
                        now: Optional[datetime] = None) -> dict:
    async with session_scope(url) as session:
        h = await _load(session, handoff_id)
        if h.status != "closed":
            h.status, h.closed_at = "closed", now or datetime.now(timezone.utc)
            h.agent = h.agent or agent
        return _json(h)


async def deliver_agent_messages(conversation_id: str, channel: Optional[str], url: Optional[str] = None,
                                 now: Optional[datetime] = None, deliverer: Optional[Deliverer] = None) -> bool:
    """Deliver the agents' messages not yet delivered to the conversation, oldest first (each claimed
    as delivered first, so two replies at once send it once). False when a delivery failed: that
    message and the ones after it are released, to go with the next reply."""
    now = now or datetime.now(timezone.utc)
    async with session_scope(url) as session:
        rows = list((await session.execute(
            select(AgentMessage).where(AgentMessage.conversation_id == conversation_id,
                                       AgentMessage.delivered_at.is_(None)).order_by(AgentMessage.id)
        )).scalars())
        for row in rows:
            row.delivered_at = now
        claimed = [(row.id, row.text) for row in rows]
    send = deliverer.deliver if deliverer is not None else deliver
    for index, (_id, text) in enumerate(claimed):
        delivery = await send(channel, conversation_id, Message(replies.AGENT_PREFIX + text))
        # ``stored`` with an error: not even appended to the conversation (Rasa unreachable).
        if delivery.status == FAILED or delivery.error:
            released = [i for i, _ in claimed[index:]]
            async with session_scope(url) as session:
                await session.execute(AgentMessage.__table__.update()
                                      .where(AgentMessage.id.in_(released)).values(delivered_at=None))
            return False
    return True


async def messages(handoff_id: int, url: Optional[str] = None) -> list[dict]:
    async with session_scope(url) as session:
        rows = (await session.execute(
            select(AgentMessage).where(AgentMessage.handoff_id == handoff_id).order_by(AgentMessage.id)
        )).scalars()
        return [{"id": m.id, "agent": m.agent, "text": m.text, "delivered": m.delivered_at is not None}
                for m in rows]
