"""One round of the ticket worker (bot.worker runs it on the leader only):

1. **Lights**: every open ticket's stored ``light`` is brought up to date (green → yellow at 80% of a
   pending limit → red when overdue). A plain column update: no version bump, so a handler acting at
   the same moment never gets a spurious conflict.
2. **Reminders** to the ticket's handler (or its department / the dispatchers when nobody holds it)
   when a limit turns yellow or red, and **escalation** to every supervisor when it turns red.
3. **Citizen notices**: each reply / 办结 text goes back to the citizen through the channel the
   ticket came from, and by SMS (both by bot.delivery) when a phone was left.

Everything sent is a row of ``ticket_notifications``; its unique ``(ticket, kind, dedupe_key)``
makes each notice once-only (a limit's key names the limit and its deadline, so an extension or a
reopen can remind again).
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import select

from bot.auth.models import User
from bot.db import session_scope
from bot.delivery import FAILED, Deliverer, SmsSender, deliverer
from bot.replies import HOTLINE_NAME
from bot.tickets import sla
from bot.tickets.intake import local
from bot.tickets.lifecycle import ticket_light
from bot.tickets.models import OPEN_STATUSES, Ticket, TicketEvent, TicketNotification
from bot.tickets.notices import (
    CHAT_KINDS, SMS_KINDS, SweepResult, exists, notice_row, send_notice,
)

logger = logging.getLogger(__name__)

LIMIT_LABELS = {"sign": "签收", "first_contact": "联系群众", "resolve": "办结"}
CITIZEN_ACTIONS = ("reply", "resolve")
BATCH = 500


def pending_limits(t: Ticket) -> list[tuple[str, datetime, datetime]]:
    """(name, start, deadline) of the limits still running, as lifecycle.ticket_light sees them."""
    limits = [("resolve", t.reopened_at or t.created_at, t.resolve_by)]
    if t.status in ("pending_dispatch", "returned", "dispatched"):
        limits.append(("sign", t.dispatched_at or t.created_at, t.sign_by))
    elif t.status == "signed":
        limits.append(("first_contact", t.signed_at, t.first_contact_by))
    return limits


def worst_limit(t: Ticket, now: datetime, policy: sla.SlaPolicy) -> Optional[tuple[str, str, datetime]]:
    """(light, limit name, deadline) of the most pressing yellow/red limit, or None when all green."""
    rank = {"green": 0, "yellow": 1, "red": 2}
    best = None
    for name, start, deadline in pending_limits(t):
        light = sla.light_for([(start, deadline)], now, t.urgent, policy)
        if light != "green" and (best is None or rank[light] > rank[best[0]]):
            best = (light, name, deadline)
    return best


def _when(deadline: datetime, urgent: bool) -> str:
    at = local(sla.as_utc(deadline))
    return f"{at.year}年{at.month}月{at.day}日 {at:%H:%M}" if urgent else f"{at.year}年{at.month}月{at.day}日"


async def _staff_notices(session, t: Ticket, light: str, limit: str, deadline: datetime, now: datetime,
                         supervisors: list[str], result: SweepResult) -> None:
    key = f"{light}:{limit}:{sla.iso(deadline)}"
    label = LIMIT_LABELS[limit]
    state = "已超期" if light == "red" else "即将到期"
    text = (f"工单{t.ticket_no}（{t.category}{'，紧急' if t.urgent else ''}）{label}时限{state}："
            f"应于{_when(deadline, t.urgent)}前{label}。")
    if not await exists(session, t.id, "reminder", key):
        if t.handler is not None:
            recipient = f"user:{t.handler.username}"
        elif t.department:
            recipient = f"department:{t.department}"
        else:
            recipient = "role:dispatcher"
        session.add(notice_row(t, "reminder", key, "staff", recipient, text, "stored", now))
        result.reminders += 1
    if light == "red":
        sent = False
        for who in supervisors or ["role:supervisor"]:
            who_key = f"{key}>{who}"
            if not await exists(session, t.id, "escalation", who_key):
                session.add(notice_row(t, "escalation", who_key, "staff", who,
                                 f"【督办提醒】{text}承办部门：{t.department or '待分派'}。", "stored", now))
                sent = True
        result.escalations += sent


async def sweep_lights_and_reminders(url: Optional[str] = None, now: Optional[datetime] = None) -> SweepResult:
    now = sla.as_utc(now or datetime.now(timezone.utc))
    policy = sla.load_policy()
    result = SweepResult()
    async with session_scope(url) as session:
        supervisors = [f"user:{u}" for u in (await session.execute(
            select(User.username).where(User.role == "supervisor", User.active.is_(True)).order_by(User.id)
        )).scalars()]
        tickets = (await session.execute(
            select(Ticket).where(Ticket.status.in_(OPEN_STATUSES)).order_by(Ticket.id).limit(BATCH * 20)
        )).unique().scalars().all()
        table = Ticket.__table__
        for t in tickets:
            light = ticket_light(t, now, policy)
            if light != t.light:
                await session.execute(table.update().where(table.c.id == t.id).values(light=light))
                result.lights += 1
                result.changed.append((t.ticket_no, t.light, light))
            worst = worst_limit(t, now, policy)
            if worst is not None:
                await _staff_notices(session, t, *worst, now, supervisors, result)
    if result.lights or result.reminders:
        logger.info("ticket sweep", extra={"lights": result.lights, "reminders": result.reminders,
                                           "escalations": result.escalations})
    return result


def citizen_text(t: Ticket, reply: str) -> str:
    return (f"您反映的诉求（工单{t.ticket_no}）已有答复：{reply}\n"
            f"如有疑问，可发送工单编号查询办理进度，或拨打{HOTLINE_NAME}。")


async def notify_citizens(url: Optional[str] = None, now: Optional[datetime] = None,
                          notifier: Optional[Deliverer] = None,
                          sms: Optional[SmsSender] = None) -> SweepResult:
    """Send every reply/办结 text not yet sent to its citizen (chat channel, then SMS)."""
    now = sla.as_utc(now or datetime.now(timezone.utc))
    courier = deliverer(notifier, sms)
    result = SweepResult()
    todo = []
    async with session_scope(url) as session:
        rows = (await session.execute(
            select(TicketEvent, Ticket).join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(TicketEvent.action.in_(CITIZEN_ACTIONS)).order_by(TicketEvent.id).limit(BATCH)
            .where(~select(TicketNotification.id).where(
                TicketNotification.ticket_id == TicketEvent.ticket_id,
                TicketNotification.kind.in_(("citizen", "sms")),
                TicketNotification.dedupe_key == ("event:" + sla_str(TicketEvent.id))).exists())
        )).unique().all()
        for event, t in rows:
            reply = (event.data or {}).get("text") or t.reply_text
            if not reply:
                continue
            key = f"event:{event.id}"
            text = citizen_text(t, reply)
            if t.conversation_id and t.channel not in ("api", "hotline"):
                row = notice_row(t, "citizen", key, t.channel, t.conversation_id, text, "pending", now)
                session.add(row)
                todo.append(row)
            if t.contact_phone:
                row = notice_row(t, "sms", key, "sms", t.contact_phone, text, "pending", now)
                session.add(row)
                todo.append(row)
    # Claimed (rows committed as pending); now deliver outside the transaction.
    for row in todo:
        await send_notice(url, row, 1, courier, result, now)
    return result


async def retry_failed_notices(url: Optional[str] = None, now: Optional[datetime] = None,
                               notifier: Optional[Deliverer] = None,
                               sms: Optional[SmsSender] = None) -> SweepResult:
    """Send again the citizen notices and SMS that failed and are due for another try."""
    now = sla.as_utc(now or datetime.now(timezone.utc))
    result = SweepResult()
    table = TicketNotification.__table__
    async with session_scope(url) as session:
        due = (await session.execute(
            select(table.c.id, table.c.ticket_no, table.c.kind, table.c.channel, table.c.recipient, table.c.text,
                   table.c.attempts)
            .where(table.c.status == FAILED, table.c.kind.in_(CHAT_KINDS + SMS_KINDS),
                   table.c.next_attempt_at.is_not(None), table.c.next_attempt_at <= now)
            .order_by(table.c.next_attempt_at).limit(BATCH))).all()
        claimed = []
        for row in due:  # claim: only one worker retries a row
            taken = await session.execute(table.update().where(table.c.id == row.id, table.c.status == FAILED)
                                          .values(status="pending"))
            if taken.rowcount == 1:
                claimed.append(row)
    if not claimed:
        return result
    courier = deliverer(notifier, sms)
    for row in claimed:
        await send_notice(url, row, row.attempts + 1, courier, result, now)
    return result


def sla_str(column):
    """SQL text of an integer column (for the dedupe key comparison)."""
    from sqlalchemy import String, cast

    return cast(column, String)


async def stored_recipients(url: Optional[str] = None) -> set[str]:
    """Conversations with citizen notices waiting for their next message."""
    async with session_scope(url) as session:
        rows = await session.execute(
            select(TicketNotification.recipient).where(TicketNotification.kind == "citizen",
                                                       TicketNotification.status == "stored").distinct())
        return {r[0] for r in rows}


async def take_stored(conversation_id: str, url: Optional[str] = None) -> list[str]:
    """Texts stored for a conversation on a pull channel (REST), marked delivered: for the channel
    to put in front of its answer to the citizen's next message."""
    async with session_scope(url) as session:
        rows = (await session.execute(
            select(TicketNotification).where(TicketNotification.recipient == conversation_id,
                                             TicketNotification.kind == "citizen",
                                             TicketNotification.status == "stored")
            .order_by(TicketNotification.id).with_for_update())).scalars().all()
        for row in rows:
            row.status = "delivered"
        return [r.text for r in rows]


async def sweep(url: Optional[str] = None, now: Optional[datetime] = None,
                notifier: Optional[Deliverer] = None, sms: Optional[SmsSender] = None) -> SweepResult:
    first = await sweep_lights_and_reminders(url, now)
    second = await notify_citizens(url, now, notifier, sms)
    from bot.tickets.visits import sweep_visits

    visits = await sweep_visits(url, now, notifier, sms)  # return visits: invite, remind, expire, escalate
    third = await retry_failed_notices(url, now, notifier, sms)
    from bot.tickets.calls import purge

    await purge(url, now)  # assisted calls past their retention
    first.citizen = second.citizen + third.citizen + visits.citizen
    first.sms = second.sms + third.sms + visits.sms
    first.escalations += visits.escalations
    return first
