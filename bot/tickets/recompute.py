"""Stored deadlines follow the calendar: after a State Council notice is entered in
knowledge/holidays.yml (or the calendar library is upgraded), ``python -m bot calendar recompute``
recomputes the sign / first-contact / resolve deadlines of every open ticket from its own history
(bot.tickets.lifecycle.expected_deadlines). Each ticket that changes goes through the lifecycle's
``recompute`` action in its own transaction: a ticket event and an audit entry with the old and new
deadlines, by the system actor.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy import select

from bot.auth.service import SYSTEM
from bot.db import session_scope
from bot.tickets import lifecycle, sla
from bot.tickets.models import OPEN_STATUSES, Ticket

DEFAULT_REASON = "节假日安排更新，按新日历重算时限"
FIELDS = ("sign_by", "first_contact_by", "resolve_by")


@dataclass
class Recomputed:
    ticket_no: str
    changed: dict   # field → {"from": iso, "to": iso}


def _differences(t: Ticket, policy: sla.SlaPolicy) -> dict:
    new = lifecycle.expected_deadlines(t, policy)
    return {name: {"from": sla.iso(getattr(t, name)), "to": sla.iso(getattr(new, name))}
            for name in FIELDS if sla.as_utc(getattr(t, name)) != sla.as_utc(getattr(new, name))}


async def recompute_open_tickets(url: Optional[str] = None, *, reason: str = DEFAULT_REASON,
                                 dry_run: bool = False, now: Optional[datetime] = None) -> list[Recomputed]:
    """Recompute the deadlines of open tickets; returns the tickets whose deadlines changed."""
    from bot.tickets.service import act

    policy = sla.load_policy()
    async with session_scope(url) as session:
        rows = (await session.execute(select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
                                      .order_by(Ticket.id))).unique().scalars()
        pending = [Recomputed(t.ticket_no, diff) for t in rows if (diff := _differences(t, policy))]
    if dry_run:
        return pending
    done = []
    for item in pending:
        ticket = await act(item.ticket_no, "recompute", SYSTEM, {"reason": reason}, url=url, now=now)
        changed = ticket["history"][-1]["data"].get("changed") or {}
        if changed:
            done.append(Recomputed(item.ticket_no, changed))
    return done
