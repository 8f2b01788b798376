"""Publication of answered requests (外网公开反馈), docs/publication.md.

A ticket becomes a candidate when the citizen agreed to publication (``Ticket.publish_consent``,
asked at intake, default no) and the department has answered it (已办结 or 已回访, with an answer
text). A moderator (supervisor or admin) sees the candidate with a draft whose personal data is
already removed (bot.privacy.anonymize_text), may edit it, and approves or rejects it; an approved
answer can be withdrawn. Every decision is written to the audit trail in the same transaction.
The public sees approved answers only, and only while their ticket stays answered (a ticket
reopened after a 不满意 return visit disappears from the public list until it is answered again).
Texts leave through anonymize_text once more on the way out, whatever the moderator typed.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import and_, func, or_, select

from bot.audit.trail import append as audit_append
from bot.auth.service import Principal
from bot.db import session_scope
from bot.identifiers import is_valid_ticket_no, normalize_ticket_no
from bot.privacy import anonymize_text, mask_ticket_for_role
from bot.publication.models import PublicAnswer
from bot.tickets import sla
from bot.tickets.lifecycle import Forbidden, InvalidInput, InvalidTransition, NotFound
from bot.tickets.models import Ticket

MODERATOR_ROLES = ("supervisor",)          # besides admin
ANSWERED = ("resolved", "closed")
STATES = ("pending", "approved", "rejected", "withdrawn")
MAX_TEXT = 5000
MAX_QUERY = 50
MAX_PAGE_SIZE = 50


def known_values(t: Ticket) -> list[str]:
    """What the ticket itself tells about the citizen: removed wherever it appears in the texts."""
    return [v for v in (t.contact_name, t.contact_phone) if v]


def answered_at(t: Ticket) -> Optional[datetime]:
    return t.resolved_at or t.replied_at


def _publishable(t: Ticket) -> bool:
    return bool(t.publish_consent) and t.status in ANSWERED and bool((t.reply_text or "").strip())


def draft(t: Ticket) -> dict:
    """The question and answer as they would be published, personal data removed."""
    known = known_values(t)
    return {"question": anonymize_text(t.description, known), "answer": anonymize_text(t.reply_text, known)}


def _local_date(value: Optional[datetime]) -> Optional[str]:
    return sla.as_utc(value).astimezone(sla.local_tz()).date().isoformat() if value else None


# ---- the moderator's queue --------------------------------------------------------------------

def _check_moderator(actor: Principal) -> None:
    if not actor.has_role(*MODERATOR_ROLES):
        raise Forbidden(f"角色 {actor.role} 无权审核公开答复")


def _candidate_json(t: Ticket, row: Optional[PublicAnswer], role: str) -> dict:
    original = mask_ticket_for_role({"description": t.description, "reply": t.reply_text,
                                     "contact_name": t.contact_name, "contact_phone": t.contact_phone}, role)
    out = {
        "ticket_no": t.ticket_no, "category": t.category, "department": t.department,
        "ticket_status": t.status, "received": _local_date(t.created_at), "answered": _local_date(answered_at(t)),
        "state": row.status if row is not None else "pending",
        "original": {"question": original["description"], "answer": original["reply"]},
        "draft": draft(t),
    }
    if row is not None:
        out.update({"public_id": row.id, "published": {"question": row.question, "answer": row.answer},
                    "reason": row.reason, "decided_by": row.decided_by, "decided_at": sla.iso(row.decided_at)})
    return out


async def queue(actor: Principal, state: str = "pending", limit: int = 50, offset: int = 0,
                url: Optional[str] = None) -> dict:
    """Candidates waiting for a decision (``pending``), or the decided ones of one state."""
    _check_moderator(actor)
    if state not in STATES:
        raise InvalidInput(f"state 应为 {'、'.join(STATES)}", "invalid_state")
    async with session_scope(url) as session:
        if state == "pending":
            query = (select(Ticket).outerjoin(PublicAnswer, PublicAnswer.ticket_id == Ticket.id)
                     .where(PublicAnswer.id.is_(None), Ticket.publish_consent.is_(True),
                            Ticket.status.in_(ANSWERED), Ticket.reply_text.isnot(None))
                     .order_by(Ticket.resolved_at.asc(), Ticket.id.asc()))
            total = (await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
                     ).scalar_one()
            rows = [(t, None) for t in (await session.execute(query.offset(offset).limit(limit))).unique().scalars()]
        else:
            query = (select(Ticket, PublicAnswer).join(PublicAnswer, PublicAnswer.ticket_id == Ticket.id)
                     .where(PublicAnswer.status == state).order_by(PublicAnswer.decided_at.desc(), PublicAnswer.id.desc()))
            total = (await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))
                     ).scalar_one()
            rows = list((await session.execute(query.offset(offset).limit(limit))).unique().all())
        return {"items": [_candidate_json(t, row, actor.role) for t, row in rows], "total": total,
                "offset": offset, "state": state}


def _edited(params: dict, key: str, label: str, fallback: str) -> str:
    value = params.get(key)
    if value is None:
        value = fallback
    if not isinstance(value, str):
        raise InvalidInput(f"{label}（{key}）应为文本", "invalid_" + key)
    value = value.replace("\x00", "").strip()
    if not value:
        raise InvalidInput(f"请填写要公开的{label}（{key}）", "missing_" + key)
    if len(value) > MAX_TEXT:
        raise InvalidInput(f"{label}（{key}）不能超过 {MAX_TEXT} 个字符", "invalid_" + key)
    return value


def _reason(params: dict, required: bool) -> Optional[str]:
    reason = params.get("reason")
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        if required:
            raise InvalidInput("请填写理由（reason）", "missing_reason")
        return None
    if not isinstance(reason, str) or len(reason) > 500:
        raise InvalidInput("理由（reason）应为不超过 500 个字符的文本", "invalid_reason")
    return reason.replace("\x00", "").strip() or None


@dataclass(frozen=True)
class Decision:
    label: str
    from_states: tuple   # states the decision may be taken in ("pending": no row yet)


DECISIONS = {
    "approve": Decision("公开", ("pending", "rejected", "withdrawn")),
    "reject": Decision("不予公开", ("pending",)),
    "withdraw": Decision("撤回公开", ("approved",)),
}


async def decide(ticket_no: str, action: str, actor: Principal, params: Optional[dict] = None,
                 url: Optional[str] = None, now: Optional[datetime] = None) -> dict:
    """approve {question?, answer?} (the moderator's edits of the draft; anonymised again),
    reject {reason}, withdraw {reason}. Returns the candidate as the queue shows it."""
    _check_moderator(actor)
    spec = DECISIONS.get(action)
    if spec is None:
        raise InvalidInput(f"未知操作：{action}", "unknown_action")
    params = params or {}
    now = sla.as_utc(now or datetime.now(timezone.utc))
    number = normalize_ticket_no(ticket_no or "")
    if not is_valid_ticket_no(number):
        raise NotFound(f"工单编号格式不正确：{ticket_no}", "invalid_ticket_no")
    async with session_scope(url) as session:
        t = (await session.execute(select(Ticket).where(Ticket.ticket_no == number))).unique().scalar_one_or_none()
        if t is None:
            raise NotFound(f"工单不存在：{number}")
        row = (await session.execute(select(PublicAnswer).where(PublicAnswer.ticket_id == t.id)
                                     .with_for_update())).scalar_one_or_none()
        state = row.status if row is not None else "pending"
        if not t.publish_consent:
            raise InvalidTransition("市民未同意公开，不能公开", "no_consent")
        if state not in spec.from_states:
            raise InvalidTransition(f"该答复当前为“{_STATE_LABELS[state]}”，不能{spec.label}", "invalid_state")
        data: dict = {}
        if action == "approve":
            if not _publishable(t):
                raise InvalidTransition("工单尚未办结答复，不能公开", "not_answered")
            proposed = draft(t)
            known = known_values(t)
            question = anonymize_text(_edited(params, "question", "诉求内容", proposed["question"]), known)
            answer = anonymize_text(_edited(params, "answer", "答复内容", proposed["answer"]), known)
            if row is None:
                row = PublicAnswer(ticket_id=t.id)
                session.add(row)
            row.status, row.reason = "approved", None
            row.category, row.department = t.category, t.department
            row.received_at, row.answered_at = t.created_at, answered_at(t)
            row.question, row.answer = question, answer
            data = {"edited": question != proposed["question"] or answer != proposed["answer"]}
        else:
            reason = _reason(params, required=True)
            if row is None:
                proposed = draft(t)
                row = PublicAnswer(ticket_id=t.id, category=t.category, department=t.department,
                                   received_at=t.created_at, answered_at=answered_at(t) or now,
                                   question=proposed["question"], answer=proposed["answer"])
                session.add(row)
            row.status = "rejected" if action == "reject" else "withdrawn"
            row.reason = reason
            data = {"reason": reason}
        row.decided_by, row.decided_at = actor.username, now
        await session.flush()
        await audit_append(session, actor=f"{actor.role}:{actor.username}", action=f"publication.{action}",
                           object_type="ticket", object_id=t.ticket_no, reason=data.get("reason"),
                           data={"from": state, "to": row.status, "public_id": row.id, **data}, at=now)
        return _candidate_json(t, row, actor.role)


_STATE_LABELS = {"pending": "待审核", "approved": "已公开", "rejected": "不予公开", "withdrawn": "已撤回"}


# ---- what the public sees -------------------------------------------------------------------

def _public_json(row: PublicAnswer) -> dict:
    return {"id": row.id, "category": row.category, "department": row.department,
            "received": _local_date(row.received_at), "answered": _local_date(row.answered_at),
            "published": sla.iso(row.decided_at),
            "question": anonymize_text(row.question), "answer": anonymize_text(row.answer)}


def _public_query():
    return (select(PublicAnswer).join(Ticket, Ticket.id == PublicAnswer.ticket_id)
            .where(PublicAnswer.status == "approved", Ticket.publish_consent.is_(True), Ticket.status.in_(ANSWERED)))


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def public_answers(text: Optional[str] = None, department: Optional[str] = None,
                         category: Optional[str] = None, page: int = 1, page_size: int = 20,
                         url: Optional[str] = None) -> dict:
    """Published answers, newest first, with the departments and categories to filter by."""
    query = _public_query()
    if text:
        words = [w for w in text.split()[:5] if w]
        query = query.where(and_(*(or_(PublicAnswer.question.like(_like(w), escape="\\"),
                                       PublicAnswer.answer.like(_like(w), escape="\\")) for w in words)))
    if department:
        query = query.where(PublicAnswer.department == department)
    if category:
        query = query.where(PublicAnswer.category == category)
    async with session_scope(url) as session:
        total = (await session.execute(select(func.count()).select_from(query.order_by(None).subquery()))).scalar_one()
        rows = list((await session.execute(query.order_by(PublicAnswer.decided_at.desc(), PublicAnswer.id.desc())
                                           .offset((page - 1) * page_size).limit(page_size))).scalars())
        facets = (await session.execute(_public_query().with_only_columns(
            PublicAnswer.department, PublicAnswer.category).distinct())).all()
    return {"items": [_public_json(r) for r in rows], "total": total, "page": page, "page_size": page_size,
            "departments": sorted({d for d, _c in facets if d}), "categories": sorted({c for _d, c in facets if c})}


async def public_answer(public_id: int, url: Optional[str] = None) -> Optional[dict]:
    async with session_scope(url) as session:
        row = (await session.execute(_public_query().where(PublicAnswer.id == public_id))).scalar_one_or_none()
        return _public_json(row) if row is not None else None
