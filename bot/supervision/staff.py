"""What staff do with supervision: read their warnings, explain a red stage (department), mark an
application 督办 (supervisor). Explanations and 督办 go to the audit trail in the same transaction."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import select

from bot.approvals.models import Application
from bot.audit import trail
from bot.auth.service import Principal
from bot.db import session_scope
from bot.supervision.models import SupervisionExplanation, SupervisionNotice, SupervisionState
from bot.tickets.inbox import addresses

STAFF_KINDS = ("warning", "escalation")
LIMIT = 100


class SupervisionError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _notice(row: SupervisionNotice) -> dict:
    level, _, stage = row.dedupe_key.partition(":")  # "red:承办"; "督办" has no stage
    return {"id": row.id, "kind": row.kind, "application_no": row.application_no, "text": row.text,
            "level": level if stage else row.dedupe_key, "stage": stage or None,
            "to": row.recipient, "read": row.status == "delivered", "created_at": row.created_at.isoformat()}


async def notifications(who: Principal, include_read: bool = False, url: Optional[str] = None) -> dict:
    t = SupervisionNotice
    query = select(t).where(t.kind.in_(STAFF_KINDS), t.recipient.in_(addresses(who)),
                            t.status.in_(("stored", "delivered") if include_read else ("stored",)))
    async with session_scope(url) as session:
        rows = (await session.execute(query.order_by(t.id.desc()).limit(LIMIT))).scalars().all()
    return {"unread": sum(r.status == "stored" for r in rows), "items": [_notice(r) for r in rows]}


async def mark_read(who: Principal, notice_id: int, url: Optional[str] = None) -> Optional[dict]:
    t = SupervisionNotice
    async with session_scope(url) as session:
        row = (await session.execute(select(t).where(t.id == notice_id, t.kind.in_(STAFF_KINDS),
                                                     t.recipient.in_(addresses(who))))).scalar_one_or_none()
        if row is None:
            return None
        if row.status == "stored":
            row.status, row.sent_at = "delivered", datetime.now(timezone.utc)
        return _notice(row)


async def _state(session, number: str) -> tuple[Application, SupervisionState]:
    app = (await session.execute(select(Application).where(Application.application_no == number))).scalar_one_or_none()
    state = await session.get(SupervisionState, app.id) if app is not None else None
    if app is None or state is None:
        raise SupervisionError(404, "not_found", "没有这个办件，或它尚未纳入电子监察")
    return app, state


def _red_stages(state: SupervisionState) -> set:
    return {s["stage"] for s in (state.detail or {}).get("stages", []) if s.get("light") == "red"}


async def explain(who: Principal, number: str, stage: str, reason: str, url: Optional[str] = None) -> dict:
    """The handling department's reason for a red stage."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 1000:
        raise SupervisionError(400, "invalid_reason", "请填写超期原因（1–1000字）")
    async with session_scope(url) as session:
        app, state = await _state(session, number)
        if who.role != "admin" and who.department != app.department:
            raise SupervisionError(403, "forbidden", "只能说明本部门办件的超期原因")
        if stage not in _red_stages(state):
            raise SupervisionError(409, "not_red", f"{stage or '该'}环节未超期，无需说明")
        now = datetime.now(timezone.utc)
        session.add(SupervisionExplanation(application_id=app.id, stage=stage, reason=reason,
                                           author=who.username, created_at=now))
        await trail.append(session, actor=who.username, action="supervision_explain", object_type="application",
                           object_id=app.application_no, reason=reason, data={"stage": stage}, at=now)
        return {"application_no": app.application_no, "stage": stage, "reason": reason, "by": who.username,
                "at": now.isoformat()}


async def mark_supervised(who: Principal, number: str, note: Optional[str], url: Optional[str] = None) -> dict:
    """督办: the supervisor marks an application; the department is told once."""
    note = (note or "").strip()[:1000] or None
    async with session_scope(url) as session:
        app, state = await _state(session, number)
        now = datetime.now(timezone.utc)
        if not state.supervised:
            state.supervised, state.supervised_by, state.supervised_at, state.supervise_note = True, who.username, now, note
            await trail.append(session, actor=who.username, action="supervision_supervise",
                               object_type="application", object_id=app.application_no, reason=note, at=now)
            session.add(SupervisionNotice(
                application_id=app.id, application_no=app.application_no, kind="warning", dedupe_key="督办",
                channel="staff", recipient=f"department:{app.department}", status="stored", created_at=now,
                text=f"【督办】办件{app.application_no}（{app.item_name}）已被列为督办件"
                     f"{'：' + note if note else ''}，请优先办理并反馈。"))
        return {"application_no": app.application_no, "supervised": True, "by": state.supervised_by,
                "at": state.supervised_at.isoformat() if state.supervised_at else None, "note": state.supervise_note}
