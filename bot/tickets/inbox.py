"""A staff member's reminders and escalations (督办提醒), written by the worker's sweep as
``ticket_notifications`` rows addressed to ``user:<name>``, ``department:<name>`` or ``role:<role>``.
Unread rows are ``stored``; reading one marks it ``delivered``."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import select

from bot.auth.service import Principal
from bot.db import session_scope
from bot.tickets.models import TicketNotification

STAFF_KINDS = ("reminder", "escalation")
LIMIT = 100


def addresses(who: Principal) -> list[str]:
    """Every recipient string that reaches this person."""
    out = [f"user:{who.username}", f"role:{who.role}"]
    if who.department:
        out.append(f"department:{who.department}")
    return out


def _as_dict(row: TicketNotification) -> dict:
    return {"id": row.id, "kind": row.kind, "ticket_no": row.ticket_no, "text": row.text,
            "to": row.recipient, "read": row.status == "delivered",
            "created_at": row.created_at.isoformat() if row.created_at else None}


async def list_for(who: Principal, include_read: bool = False, url: Optional[str] = None) -> dict:
    table = TicketNotification
    query = select(table).where(table.kind.in_(STAFF_KINDS), table.recipient.in_(addresses(who)))
    query = query.where(table.status.in_(("stored", "delivered") if include_read else ("stored",)))
    async with session_scope(url) as session:
        rows = (await session.execute(query.order_by(table.id.desc()).limit(LIMIT))).scalars().all()
        unread = len([r for r in rows if r.status == "stored"])
    return {"unread": unread, "items": [_as_dict(r) for r in rows]}


async def mark_read(who: Principal, notification_id: int, url: Optional[str] = None) -> Optional[dict]:
    """Mark one of this person's notices read; None when it is not theirs or does not exist."""
    table = TicketNotification
    async with session_scope(url) as session:
        row = (await session.execute(select(table).where(
            table.id == notification_id, table.kind.in_(STAFF_KINDS),
            table.recipient.in_(addresses(who))))).scalar_one_or_none()
        if row is None:
            return None
        if row.status == "stored":
            row.status = "delivered"
            row.sent_at = datetime.now(timezone.utc)
        return _as_dict(row)
