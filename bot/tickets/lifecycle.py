"""The ticket state machine. Every change of a ticket — creation included — goes through
:func:`apply`, which checks the actor's role and department, the current status and the version
the caller saw, changes the ticket, appends a ticket event and writes the audit entry, all in the
caller's transaction. A lost race (another transaction updated the ticket first) surfaces as
:class:`Conflict` when the session flushes (``UPDATE ... WHERE version = :seen`` matched nothing).

Statuses: pending_dispatch 待派单 → dispatched 待签收 → signed 已签收 → contacted 处理中 →
replied 已答复 → resolved 已办结 → closed 已回访; returned 已退单 goes back to the dispatcher.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable, Optional

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.audit.trail import append as audit_append
from bot.auth.models import Department, User
from bot.auth.service import Principal
from bot.tickets import sla
from bot.tickets.models import OPEN_STATUSES, SATISFACTION, STATUSES, Ticket, TicketEvent

MAX_EXTENSION_DAYS = 30
_random = random.SystemRandom()


class TicketError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, code: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(TicketError):
    status, code = 400, "invalid_input"


class Forbidden(TicketError):
    status, code = 403, "forbidden"


class NotFound(TicketError):
    status, code = 404, "not_found"


class InvalidTransition(TicketError):
    status, code = 409, "invalid_transition"


class Conflict(TicketError):
    status, code = 409, "conflict"


@dataclass(frozen=True)
class Rule:
    label: str                 # Chinese name of the action, for messages and history
    from_statuses: tuple       # statuses the action may start from (() = creation)
    roles: tuple               # roles allowed besides admin
    handler: Callable


RULES: dict[str, Rule] = {}


def rule(action: str, label: str, from_statuses: tuple, roles: tuple):
    def decorator(func):
        RULES[action] = Rule(label, from_statuses, roles, func)
        return func

    return decorator


def _text(params: dict, key: str, label: str, required: bool = True, max_len: int = 2000) -> Optional[str]:
    value = params.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"请填写{label}（{key}）", "missing_" + key)
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{label}（{key}）应为文本", "invalid_" + key)
    value = value.strip()
    if len(value) > max_len:
        raise InvalidInput(f"{label}（{key}）不能超过 {max_len} 个字符", "invalid_" + key)
    return value


async def _department(session: AsyncSession, name: Optional[str]) -> str:
    if not name or not isinstance(name, str):
        raise InvalidInput("请指定承办部门（department）", "missing_department")
    dep = (await session.execute(select(Department).where(Department.name == name.strip()))).scalar_one_or_none()
    if dep is None or not dep.active:
        raise InvalidInput(f"部门不存在或已停用：{name}", "unknown_department")
    return dep.name


async def _pick_handler(session: AsyncSession, department: str, username: Optional[str]) -> Optional[User]:
    """The named handler (must belong to the department), else one drawn at random (随机分发)."""
    query = (select(User).join(Department, User.department_id == Department.id)
             .where(Department.name == department, User.role == "handler", User.active.is_(True)))
    if username:
        user = (await session.execute(query.where(User.username == username))).unique().scalar_one_or_none()
        if user is None:
            raise InvalidInput(f"承办人 {username} 不是 {department} 的在岗承办人", "unknown_handler")
        return user
    handlers = list((await session.execute(query.order_by(User.id))).unique().scalars())
    return _random.choice(handlers) if handlers else None


def _reset_clocks(t: Ticket, now: datetime, policy: sla.SlaPolicy) -> None:
    """Dispatch (again): the sign clock starts now; first contact counts from the sign deadline."""
    t.dispatched_at = now
    t.signed_at = None
    t.sign_by = sla.sign_deadline(t.urgent, now, policy)
    t.first_contact_by = sla.first_contact_deadline(t.urgent, t.sign_by, policy)


# ---- the actions ----------------------------------------------------------------------------

@rule("create", "创建", (), ("dispatcher",))
async def _create(session, t: Ticket, actor, params, now, policy):
    t.status = "pending_dispatch"
    return {}


@rule("dispatch", "派单", ("pending_dispatch", "returned"), ("dispatcher",))
async def _dispatch(session, t, actor, params, now, policy):
    t.department = await _department(session, params.get("department"))
    handler = await _pick_handler(session, t.department, params.get("handler"))
    t.handler = handler
    t.handler_id = handler.id if handler else None
    _reset_clocks(t, now, policy)
    t.status = "dispatched"
    return {"department": t.department, "handler": handler.username if handler else None,
            "auto": bool(params.get("auto"))}


@rule("reassign", "改派", ("dispatched", "signed", "contacted"), ("dispatcher", "supervisor"))
async def _reassign(session, t, actor, params, now, policy):
    department = await _department(session, params.get("department") or t.department)
    handler = await _pick_handler(session, department, params.get("handler"))
    previous = {"department": t.department, "handler": t.handler.username if t.handler else None}
    t.department, t.handler, t.handler_id = department, handler, handler.id if handler else None
    _reset_clocks(t, now, policy)
    t.first_contacted_at = None
    t.status = "dispatched"
    return {"previous": previous, "department": department, "handler": handler.username if handler else None}


@rule("sign", "签收", ("dispatched",), ("handler",))
async def _sign(session, t, actor, params, now, policy):
    if actor.role == "handler" and actor.user_id is not None:
        user = await session.get(User, actor.user_id)
        t.handler, t.handler_id = user, user.id
    t.signed_at = now
    t.first_contact_by = sla.first_contact_deadline(t.urgent, now, policy)
    t.status = "signed"
    return {"first_contact_by": sla.iso(t.first_contact_by)}


@rule("contact", "联系群众", ("signed",), ("handler",))
async def _contact(session, t, actor, params, now, policy):
    t.first_contacted_at = now
    t.status = "contacted"
    return {"note": _text(params, "note", "联系情况", required=False)}


@rule("reply", "答复", ("signed", "contacted"), ("handler",))
async def _reply(session, t, actor, params, now, policy):
    t.reply_text = _text(params, "text", "答复内容")
    t.replied_at = now
    if t.first_contacted_at is None:  # answering the citizen is contacting them
        t.first_contacted_at = now
    t.status = "replied"
    return {"text": t.reply_text}


@rule("resolve", "办结", ("contacted", "replied"), ("handler",))
async def _resolve(session, t, actor, params, now, policy):
    text = _text(params, "text", "办结说明", required=t.reply_text is None)
    if text:
        t.reply_text = text
    t.resolved_at = now
    t.status = "resolved"
    return {"text": text}


@rule("return", "退单", ("dispatched", "signed"), ("handler",))
async def _return(session, t, actor, params, now, policy):
    reason = _text(params, "reason", "退单理由")
    previous = t.department
    t.department, t.handler, t.handler_id = None, None, None
    t.signed_at = None
    t.status = "returned"
    return {"from_department": previous, "reason": reason}


@rule("extension", "申请延期", ("signed", "contacted", "replied"), ("handler",))
async def _extension(session, t, actor, params, now, policy):
    if t.extension_days:
        raise InvalidTransition("该工单已有待审批的延期申请", "extension_pending")
    days = params.get("days")
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput(f"延期天数（days）应为 1–{MAX_EXTENSION_DAYS} 的整数（工作日）", "invalid_days")
    t.extension_days = days
    t.extension_reason = _text(params, "reason", "延期理由")
    return {"days": days, "reason": t.extension_reason}


@rule("extension_approve", "延期审批", ("signed", "contacted", "replied"), ("supervisor", "dispatcher"))
async def _extension_approve(session, t, actor, params, now, policy):
    if not t.extension_days:
        raise InvalidTransition("该工单没有待审批的延期申请", "no_extension_pending")
    approved = params.get("approved", True)
    if not isinstance(approved, bool):
        raise InvalidInput("approved 应为 true 或 false", "invalid_approved")
    days = t.extension_days
    if approved:
        t.resolve_by = sla.extend_deadline(t.resolve_by, t.urgent, days)
        t.extension_count += 1
    t.extension_days, t.extension_reason = None, None
    return {"approved": approved, "days": days, "resolve_by": sla.iso(t.resolve_by)}


@rule("supervise", "督办", OPEN_STATUSES, ("supervisor",))
async def _supervise(session, t, actor, params, now, policy):
    t.supervise_count += 1
    return {"note": _text(params, "reason", "督办意见")}


@rule("urge", "催办", OPEN_STATUSES, ("admin",))
async def _urge(session, t, actor, params, now, policy):
    """The citizen asks for the ticket to be hurried (in chat, through the system actor): recorded in
    the history the handler sees; no clock changes."""
    return {"note": _text(params, "reason", "催办说明", required=False) or "市民催办"}


async def _active_link(session, t: Ticket):
    from bot.tickets.models import ACTIVE_LINK, TicketLink

    return (await session.execute(select(TicketLink).where(
        TicketLink.ticket_id == t.id, TicketLink.status.in_(ACTIVE_LINK)))).scalar_one_or_none()


@rule("link", "关联", OPEN_STATUSES, ("dispatcher", "supervisor"))
async def _link(session, t, actor, params, now, policy):
    """一事多诉: this ticket is about the same event as ``lead`` (a ticket number). ``evidence`` is
    what the system found (auto-link at creation); a dispatcher's own link records who made it."""
    from bot.identifiers import normalize_ticket_no
    from bot.tickets.models import ACTIVE_LINK, TicketLink

    lead_no = params.get("lead")
    if not isinstance(lead_no, str) or not lead_no.strip():
        raise InvalidInput("请指定主单工单编号（lead）", "missing_lead")
    lead = (await session.execute(select(Ticket).where(Ticket.ticket_no == normalize_ticket_no(lead_no)))
            ).unique().scalar_one_or_none()
    if lead is None:
        raise InvalidInput(f"主单不存在：{lead_no}", "unknown_lead")
    if lead.id == t.id:
        raise InvalidInput("不能把工单关联到它自己", "invalid_lead")
    # a lead is never itself a follower: link to the lead's own lead
    parent = await _active_link(session, lead)
    if parent is not None:
        lead = await session.get(Ticket, parent.lead_id)
        if lead.id == t.id:
            raise InvalidInput("该工单已是对方的主单", "invalid_lead")
    if lead.status not in OPEN_STATUSES:
        raise InvalidTransition(f"主单 {lead.ticket_no} 已{STATUSES[lead.status]}，不能再关联", "lead_closed")
    if await _active_link(session, t) is not None:
        raise InvalidTransition("该工单已关联到其他工单，请先撤销关联", "already_linked")
    followers = (await session.execute(select(TicketLink.id).where(
        TicketLink.lead_id == t.id, TicketLink.status.in_(ACTIVE_LINK)))).first()
    if followers is not None:
        raise InvalidTransition("该工单是其他工单的主单，不能再关联到别的工单", "is_lead")
    link = (await session.execute(select(TicketLink).where(
        TicketLink.ticket_id == t.id, TicketLink.lead_id == lead.id))).scalar_one_or_none()
    auto = bool(params.get("auto")) and actor.role == "admin" and actor.username == "system"
    # only the system's own evidence is stored; a dispatcher's link records who made it
    evidence = params.get("evidence") if auto and isinstance(params.get("evidence"), dict) else None
    if link is None:
        link = TicketLink(ticket_id=t.id, ticket_no=t.ticket_no, lead_id=lead.id, lead_no=lead.ticket_no,
                          created_at=now, created_by=actor.username)
        session.add(link)
    elif link.status == "undone" and auto:
        raise InvalidTransition("派单员已撤销过这两件工单的关联", "link_undone")
    link.status = "auto" if auto else "confirmed"
    link.evidence = evidence or {"text": f"派单员 {actor.username} 手工关联到工单{lead.ticket_no}"}
    link.decided_at, link.decided_by = (None, None) if auto else (now, actor.username)
    return {"lead": lead.ticket_no, "status": link.status, "evidence": link.evidence}


async def _decide_link(session, t: Ticket, actor, now: datetime, status: str) -> dict:
    link = await _active_link(session, t)
    if link is None:
        raise InvalidTransition("该工单没有关联到其他工单", "not_linked")
    link.status, link.decided_at, link.decided_by = status, now, actor.username
    return {"lead": link.lead_no, "status": status}


@rule("link_confirm", "确认关联", tuple(STATUSES), ("dispatcher", "supervisor"))
async def _link_confirm(session, t, actor, params, now, policy):
    return await _decide_link(session, t, actor, now, "confirmed")


@rule("unlink", "撤销关联", tuple(STATUSES), ("dispatcher", "supervisor"))
async def _unlink(session, t, actor, params, now, policy):
    """The ticket is handled on its own from now on; the undone link keeps the two apart."""
    return await _decide_link(session, t, actor, now, "undone")


def _reopen(t: Ticket, now: datetime, policy: sla.SlaPolicy) -> None:
    if not t.department:
        raise InvalidTransition("工单没有承办部门，无法重办")
    _reset_clocks(t, now, policy)
    t.reopened_at = now
    t.resolve_by = sla.resolve_deadline(t.category, t.urgent, now, policy)
    t.first_contacted_at = t.replied_at = t.resolved_at = t.closed_at = None
    t.satisfaction = None
    t.reopen_count += 1
    t.status = "dispatched"


MAX_VISIT_REOPENS = 1  # a 不满意 verdict reopens a ticket once; after that it goes to the supervisors


@rule("visit", "回访", ("resolved",), ("dispatcher", "citizen"))
async def _visit(session, t, actor, params, now, policy):
    """The return visit's verdict: by a dispatcher's phone call, or by the citizen (bot.tickets.visits,
    role ``citizen``). 不满意 reopens the ticket to its department with the comment — once: a ticket
    already reopened is closed as 不满意 and escalated to the supervisors (who may 重办 it)."""
    satisfaction = params.get("satisfaction")
    if satisfaction not in SATISFACTION:
        raise InvalidInput(f"满意度（satisfaction）应为 {'、'.join(SATISFACTION)}", "invalid_satisfaction")
    comment = _text(params, "reason", "回访意见", required=False)
    by = "citizen" if actor.role == "citizen" else "phone"
    if satisfaction == "不满意" and t.reopen_count < MAX_VISIT_REOPENS:
        _reopen(t, now, policy)
        return {"satisfaction": satisfaction, "comment": comment, "reopened": True, "by": by}
    t.satisfaction = satisfaction
    t.closed_at = now
    t.status = "closed"
    if satisfaction == "不满意":
        return {"satisfaction": satisfaction, "comment": comment, "escalated": True, "by": by}
    return {"satisfaction": satisfaction, "comment": comment, "by": by}


@rule("visit_expire", "回访未评价", ("resolved",), ())
async def _visit_expire(session, t, actor, params, now, policy):
    """The citizen did not answer the return visit in time (bot.tickets.visits): 未评价, never
    satisfied. The ticket stays 已办结, so a dispatcher can still record a phone visit."""
    return {"satisfaction": "未评价"}


@rule("reopen", "重办", ("resolved", "closed"), ("dispatcher", "supervisor"))
async def _reopen_action(session, t, actor, params, now, policy):
    reason = _text(params, "reason", "重办理由")
    _reopen(t, now, policy)
    return {"reason": reason}


def expected_deadlines(t: Ticket, policy: sla.SlaPolicy) -> sla.Deadlines:
    """The deadlines the ticket's own history gives on today's calendar: the sign clock from the last
    dispatch (or creation), first contact from signing (or the sign deadline), resolution from the
    last reopen (or creation) plus every extension approved since."""
    sign_by = sla.sign_deadline(t.urgent, t.dispatched_at or t.created_at, policy)
    first_contact_by = sla.first_contact_deadline(t.urgent, t.signed_at or sign_by, policy)
    resolve_from = t.reopened_at or t.created_at
    resolve_by = sla.resolve_deadline(t.category, t.urgent, resolve_from, policy)
    for e in t.events:
        if (e.action == "extension_approve" and isinstance(e.data, dict) and e.data.get("approved")
                and sla.as_utc(e.at) >= sla.as_utc(resolve_from)):
            resolve_by = sla.extend_deadline(resolve_by, t.urgent, int(e.data["days"]))
    return sla.Deadlines(sign_by=sign_by, first_contact_by=first_contact_by, resolve_by=resolve_by)


@rule("recompute", "重算时限", OPEN_STATUSES, ())
async def _recompute(session, t, actor, params, now, policy):
    """The holiday calendar changed (a State Council notice was entered): deadlines follow it."""
    new = expected_deadlines(t, policy)
    changed = {}
    for name in ("sign_by", "first_contact_by", "resolve_by"):
        old_value, new_value = getattr(t, name), getattr(new, name)
        if sla.as_utc(old_value) != sla.as_utc(new_value):
            changed[name] = {"from": sla.iso(old_value), "to": sla.iso(new_value)}
            setattr(t, name, new_value)
    return {"changed": changed}


# ---- the one function -----------------------------------------------------------------------

def ticket_light(t: Ticket, now: Optional[datetime] = None, policy: Optional[sla.SlaPolicy] = None) -> str:
    """green / yellow / red for the limits still pending (finished tickets: red if any was missed)."""
    policy = policy or sla.load_policy()
    now = now or datetime.now(timezone.utc)
    if t.status in ("resolved", "closed"):
        late = any(done is not None and sla.as_utc(done) > sla.as_utc(limit) for done, limit in (
            (t.signed_at, t.sign_by), (t.first_contacted_at, t.first_contact_by), (t.resolved_at, t.resolve_by)))
        return "red" if late else "green"
    limits = [(t.reopened_at or t.created_at, t.resolve_by)]
    if t.status in ("pending_dispatch", "returned", "dispatched"):
        limits.append((t.dispatched_at or t.created_at, t.sign_by))
    elif t.status == "signed":
        limits.append((t.signed_at, t.first_contact_by))
    return sla.light_for(limits, now, t.urgent, policy)


async def apply(session: AsyncSession, ticket: Ticket, action: str, actor: Principal, *,
                params: Optional[dict] = None, expected_version: Optional[int] = None,
                now: Optional[datetime] = None, policy: Optional[sla.SlaPolicy] = None) -> TicketEvent:
    """Perform one action on a ticket in the caller's transaction; raises a TicketError subclass."""
    params = params or {}
    now = sla.as_utc(now or datetime.now(timezone.utc))
    policy = policy or sla.load_policy()
    spec = RULES.get(action)
    if spec is None:
        raise InvalidInput(f"未知操作：{action}", "unknown_action")
    if not actor.has_role(*spec.roles):
        raise Forbidden(f"角色 {actor.role} 无权执行“{spec.label}”")
    creating = action == "create"
    if not creating:
        if not actor.sees_department(ticket.department):
            raise Forbidden("只能处理本部门的工单")
        if expected_version is not None and expected_version != ticket.version:
            raise Conflict(f"工单 {ticket.ticket_no} 已被他人更新（版本 {ticket.version}，你看到的是 "
                           f"{expected_version}），请刷新后重试")
        if ticket.status not in spec.from_statuses:
            raise InvalidTransition(
                f"工单当前状态为“{STATUSES.get(ticket.status, ticket.status)}”，不能{spec.label}"
                f"（仅在 {'、'.join(STATUSES[s] for s in spec.from_statuses)} 时可以）")
    from_status = None if creating else ticket.status
    if creating:  # initialise the collections so nothing lazy-loads later (async sessions cannot)
        ticket.events = []
        ticket.handler = None
    with session.sync_session.no_autoflush:  # one version-checked UPDATE per action
        data = await spec.handler(session, ticket, actor, params, now, policy)
    reason = params.get("reason") if isinstance(params.get("reason"), str) else None
    ticket.light = ticket_light(ticket, now, policy)
    ticket.updated_at = now
    if creating:
        session.add(ticket)
    await session.flush()  # the version-checked UPDATE happens here (StaleDataError on a lost race)
    seq = len(ticket.events) + 1 if not creating else 1
    event = TicketEvent(ticket_id=ticket.id, seq=seq, at=now, action=action, actor=actor.username,
                        from_status=from_status, to_status=ticket.status, department=ticket.department,
                        reason=reason, data=data or None)
    session.add(event)
    # Attach without marking the ticket dirty (a dirty ticket would be version-bumped once more).
    set_committed_value(ticket, "events", list(ticket.events) + [event])
    await audit_append(session, actor=f"{actor.role}:{actor.username}", action=f"ticket.{action}",
                       object_type="ticket", object_id=ticket.ticket_no, reason=reason,
                       data={"from": from_status, "to": ticket.status, "department": ticket.department,
                             "version": ticket.version, **(data or {})}, at=now)
    return event
