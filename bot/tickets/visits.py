"""Return visits (回访) by the citizen (docs/tickets.md, "Return visits").

When a ticket is 办结 the worker (bot.tickets.sweep) asks the citizen for a verdict through the
channel they used — a chat message with the buttons 满意 / 基本满意 / 不满意, and by SMS when a phone
was left — each carrying a link to a signed one-time page (``/visit/{token}``). The token signs the
ticket number and the moment of this 办结 (HMAC-SHA256 with ``GOV_SECRET_KEY``, else the audit key):
it is valid while the ticket is still 已办结 from that moment and the window has not passed, so it
works once. After ``VISIT_REMINDER_DAYS`` working days without an answer the citizen is reminded
once; after ``VISIT_WINDOW_DAYS`` the visit is recorded as 未评价 (lifecycle ``visit_expire``), never
as satisfied. The verdict is the lifecycle ``visit`` action by the citizen: 不满意 reopens the
ticket to its department with the comment, once; a second 不满意 closes it and escalates it to the
supervisors. A dispatcher can still record a phone visit (``POST /api/tickets/{no}/visit``).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import datetime, time, timedelta, timezone
from typing import Optional

from sqlalchemy import select

from bot.auth.models import User
from bot.auth.service import SYSTEM, Principal
from bot.calendar import add_working_days, format_cn_date
from bot.db import session_scope
from bot.identifiers import is_valid_ticket_no, normalize_ticket_no
from bot.replies import HOTLINE_NAME
from bot.settings import get_settings
from bot.tickets import lifecycle, sla
from bot.tickets.lifecycle import InvalidInput, TicketError
from bot.tickets.models import SATISFACTION, Ticket, TicketEvent, TicketNotification
from bot.tickets.notices import SweepResult, exists, notice_row, send_notice, visit_link

logger = logging.getLogger(__name__)

CITIZEN = Principal("citizen", "citizen")  # not a role of bot.auth: no token can carry it
MAX_COMMENT = 500
BATCH = 500
ESCALATION_LOOKBACK = timedelta(days=7)  # escalations are written by the next sweep; a week covers downtime


class LinkInvalid(TicketError):
    status, code = 404, "invalid_link"


class LinkUsed(TicketError):
    status, code = 410, "link_used"


def _key() -> bytes:
    settings = get_settings()
    return ("visit:" + (settings.secret_key or settings.audit_key)).encode("utf-8")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def stamp(moment: datetime) -> int:
    """Milliseconds since the epoch: names one 办结 of a ticket (a reopened ticket is resolved again later)."""
    return int(sla.as_utc(moment).timestamp() * 1000)


def token_for(ticket_no: str, resolved_at: datetime) -> str:
    """``TICKETNO.STAMP.SIGNATURE``: the link of the return visit of this 办结."""
    epoch = stamp(resolved_at)
    payload = f"{ticket_no}.{epoch}"
    return payload + "." + _b64(hmac.new(_key(), payload.encode("ascii"), hashlib.sha256).digest()[:18])


def parse_token(token: str) -> tuple[str, int]:
    """(ticket number, epoch of the 办结) of a well-signed token; LinkInvalid otherwise."""
    parts = (token or "").split(".")
    if len(parts) != 3 or len(token) > 80 or not parts[1].isdigit():
        raise LinkInvalid("评价链接无效，请核对短信或消息中的完整链接")
    payload = f"{parts[0]}.{parts[1]}"
    expected = _b64(hmac.new(_key(), payload.encode("ascii", "replace"), hashlib.sha256).digest()[:18])
    if not hmac.compare_digest(expected, parts[2]) or not is_valid_ticket_no(normalize_ticket_no(parts[0])):
        raise LinkInvalid("评价链接无效，请核对短信或消息中的完整链接")
    return normalize_ticket_no(parts[0]), int(parts[1])


def _at_working_days(start: datetime, days: int) -> datetime:
    """The same local time ``days`` working days after ``start``."""
    local = sla.as_utc(start).astimezone(sla.local_tz())
    day = add_working_days(local.date(), days)
    return datetime.combine(day, time(local.hour, local.minute, local.second), tzinfo=sla.local_tz()
                            ).astimezone(timezone.utc)


def reminder_at(resolved_at: datetime) -> datetime:
    return _at_working_days(resolved_at, get_settings().visit_reminder_days)


def expires_at(resolved_at: datetime) -> datetime:
    return _at_working_days(resolved_at, get_settings().visit_window_days)


def invite_text(t: Ticket, token: str, reminder: bool = False) -> str:
    until = format_cn_date(expires_at(t.resolved_at).astimezone(sla.local_tz()).date())
    head = (f"提醒：您反映的诉求（工单{t.ticket_no}）已办结，还没有收到您的评价。" if reminder else
            f"您反映的诉求（工单{t.ticket_no}）已办结。请您对办理结果作出评价（满意／基本满意／不满意）；"
            "如不满意，我们将交承办部门重新办理。")
    return f"{head}评价请点击：{visit_link(token)}\n链接{until}前有效，仅可评价一次。"


async def _current(session, ticket_no: str, epoch: int, now: datetime) -> Ticket:
    t = (await session.execute(select(Ticket).where(Ticket.ticket_no == ticket_no))).unique().scalar_one_or_none()
    if t is None:
        raise LinkInvalid("评价链接无效，请核对短信或消息中的完整链接")
    if t.status != "resolved" or t.resolved_at is None or stamp(t.resolved_at) != epoch:
        raise LinkUsed("该评价链接已使用或工单已重新办理，感谢您的反馈")
    resolved = sla.as_utc(t.resolved_at)
    if now >= expires_at(resolved) or any(e.action == "visit_expire" and sla.as_utc(e.at) >= resolved
                                          for e in t.events):
        raise LinkUsed(f"该评价链接已过期。如对办理结果有意见，请拨打{HOTLINE_NAME}")
    return t


async def visit_page(token: str, url: Optional[str] = None, now: Optional[datetime] = None) -> dict:
    """What the citizen's page shows: the ticket's number, category, 办结 date and answer."""
    ticket_no, epoch = parse_token(token)
    now = sla.as_utc(now or datetime.now(timezone.utc))
    async with session_scope(url) as session:
        t = await _current(session, ticket_no, epoch, now)
        return {"ticket_no": t.ticket_no, "category": t.category, "department": t.department,
                "resolved": format_cn_date(sla.as_utc(t.resolved_at).astimezone(sla.local_tz()).date()),
                "reply": t.reply_text, "choices": list(SATISFACTION),
                "expires": sla.iso(expires_at(t.resolved_at))}


async def record_verdict(token: str, satisfaction: str, comment: Optional[str] = None, url: Optional[str] = None,
                         now: Optional[datetime] = None) -> dict:
    """The citizen's verdict, once: the lifecycle ``visit`` action by the citizen."""
    ticket_no, epoch = parse_token(token)
    if satisfaction not in SATISFACTION:
        raise InvalidInput(f"请选择{'、'.join(SATISFACTION)}之一", "invalid_satisfaction")
    if comment is not None and not isinstance(comment, str):
        raise InvalidInput("意见应为文本", "invalid_comment")
    comment = (comment or "").replace("\x00", "").strip() or None
    if comment and len(comment) > MAX_COMMENT:
        raise InvalidInput(f"意见不能超过 {MAX_COMMENT} 个字", "invalid_comment")
    now = sla.as_utc(now or datetime.now(timezone.utc))
    from sqlalchemy.orm.exc import StaleDataError

    try:
        async with session_scope(url) as session:
            t = await _current(session, ticket_no, epoch, now)
            event = await lifecycle.apply(session, t, "visit", CITIZEN, now=now,
                                          params={"satisfaction": satisfaction, "reason": comment})
            data = event.data or {}
    except StaleDataError as exc:  # two submissions at once: the other one counted
        raise LinkUsed("该评价链接已使用，感谢您的反馈") from exc
    logger.info("return visit answered", extra={"ticket_no": ticket_no, "satisfaction": satisfaction})
    return {"ticket_no": ticket_no, "satisfaction": satisfaction, "reopened": bool(data.get("reopened")),
            "escalated": bool(data.get("escalated"))}


# ---- the worker's part ------------------------------------------------------------------------

async def sweep_visits(url: Optional[str] = None, now: Optional[datetime] = None, notifier=None, sms=None):
    """Invite, remind, expire (see the module's docstring) and escalate second 不满意 verdicts.
    Returns a bot.tickets.notices.SweepResult (citizen / sms counts of what was sent)."""
    from bot.delivery import deliverer

    now = sla.as_utc(now or datetime.now(timezone.utc))
    result, todo = SweepResult(), []
    async with session_scope(url) as session:
        tickets = (await session.execute(select(Ticket).where(Ticket.status == "resolved", Ticket.resolved_at.isnot(None))
                                         .order_by(Ticket.resolved_at).limit(BATCH))).unique().scalars().all()
        ids = [t.id for t in tickets]
        sent = set()
        if ids:
            sent = {(k, d, i) for k, d, i in (await session.execute(
                select(TicketNotification.kind, TicketNotification.dedupe_key, TicketNotification.ticket_id)
                .where(TicketNotification.ticket_id.in_(ids), TicketNotification.kind.in_(("visit", "visit_sms")))))}
        for t in tickets:
            resolved = sla.as_utc(t.resolved_at)
            base = f"visit:{stamp(resolved)}"
            invited = any(d == base + ":invite" and i == t.id for _k, d, i in sent)
            if any(e.action == "visit_expire" and sla.as_utc(e.at) >= resolved for e in t.events):
                continue
            if not invited:
                if now >= expires_at(resolved):
                    continue  # resolved before return visits were sent (or long ago): a phone visit
                step, reminder = "invite", False
            elif now >= expires_at(resolved):
                await lifecycle.apply(session, t, "visit_expire", SYSTEM, now=now)
                continue
            elif now >= reminder_at(resolved) and not any(d == base + ":reminder" and i == t.id for _k, d, i in sent):
                step, reminder = "reminder", True
            else:
                continue
            token = token_for(t.ticket_no, resolved)
            text = invite_text(t, token, reminder)
            if t.conversation_id and t.channel not in ("api", "hotline"):
                row = notice_row(t, "visit", f"{base}:{step}", t.channel, t.conversation_id, text, "pending", now)
                session.add(row)
                todo.append(row)
            if t.contact_phone:
                row = notice_row(t, "visit_sms", f"{base}:{step}", "sms", t.contact_phone, text, "pending", now)
                session.add(row)
                todo.append(row)
        await _escalate(session, now, result)
    courier = deliverer(notifier, sms)
    for row in todo:
        await send_notice(url, row, 1, courier, result, now)
    return result


async def _escalate(session, now: datetime, result) -> None:
    """A 不满意 after the ticket was already reopened once: a notice to every supervisor (once)."""

    events = (await session.execute(
        select(TicketEvent, Ticket).join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.action == "visit", TicketEvent.to_status == "closed",
               TicketEvent.at >= now - ESCALATION_LOOKBACK)
        .order_by(TicketEvent.id).limit(BATCH))).unique().all()
    supervisors = None
    for event, t in events:
        data = event.data or {}
        if not data.get("escalated"):
            continue
        if supervisors is None:
            supervisors = [f"user:{u}" for u in (await session.execute(
                select(User.username).where(User.role == "supervisor", User.active.is_(True)).order_by(User.id)
            )).scalars()] or ["role:supervisor"]
        comment = f"市民意见：{data['comment']}" if data.get("comment") else "市民未填写意见"
        added = False
        for who in supervisors:
            key = f"visit:{event.id}>{who}"
            if await exists(session, t.id, "escalation", key):
                continue
            session.add(notice_row(t, "escalation", key, "staff", who,
                             f"【回访不满意】工单{t.ticket_no}（{t.department or '—'}）已重办过，回访仍不满意，"
                             f"请督办处理。{comment}", "stored", now))
            added = True
        result.escalations += added
