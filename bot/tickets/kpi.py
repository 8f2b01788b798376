"""Performance figures of ticket handling, per department and overall (docs/tickets.md).

Scope: tickets created between ``from`` and ``to`` (local dates, inclusive). Rates are null when
their denominator is 0.
- 签收及时率 sign_on_time_rate = signed by sign_by ÷ (signed + unsigned whose sign_by has passed)
- 响应率 response_rate = first contact by first_contact_by ÷ (contacted + signed-but-not-contacted whose
  first_contact_by has passed)
- 解决率 resolve_rate = resolved (已办结/已回访) ÷ all tickets in scope
- 满意率 satisfaction_rate = (满意 + 基本满意) ÷ return visits (every visit counts, also those whose
  不满意 reopened the ticket)
- time to first contact / to resolution: from creation, in working hours (hours that fall on
  working days of the calendar), average and p90 (nearest-rank)
- open: tickets not yet resolved; overdue: open tickets whose light is red now
- 一事多诉 (bot.tickets.linking): ``tickets`` and every rate count each citizen's ticket;
  ``workload`` counts a lead and the tickets linked to it once (what the department handles),
  ``linked`` the tickets that follow a lead
"""
from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

from sqlalchemy import select

from bot.db import session_scope
from bot.tickets import sla
from bot.tickets.lifecycle import ticket_light
from bot.tickets.models import ACTIVE_LINK, OPEN_STATUSES, Ticket, TicketLink

SATISFIED = ("满意", "基本满意")
UNDISPATCHED = "（待派单）"  # the department key of tickets not dispatched yet


def _rate(num: int, den: int) -> Optional[float]:
    return round(num / den, 4) if den else None


def _p90(values: list[float]) -> Optional[float]:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)], 2)


def _avg(values: list[float]) -> Optional[float]:
    return round(sum(values) / len(values), 2) if values else None


def figures(tickets: list[Ticket], now: datetime, followers: frozenset = frozenset()) -> dict:
    sign_num = sign_den = resp_num = resp_den = resolved = visits = satisfied = open_ = overdue = 0
    contact_hours: list[float] = []
    resolve_hours: list[float] = []
    for t in tickets:
        if t.signed_at is not None:
            sign_den += 1
            sign_num += sla.as_utc(t.signed_at) <= sla.as_utc(t.sign_by)
        elif t.status in OPEN_STATUSES and sla.as_utc(t.sign_by) < now:
            sign_den += 1
        if t.first_contacted_at is not None:
            resp_den += 1
            resp_num += sla.as_utc(t.first_contacted_at) <= sla.as_utc(t.first_contact_by)
            contact_hours.append(sla.working_hours(t.created_at, t.first_contacted_at))
        elif t.signed_at is not None and sla.as_utc(t.first_contact_by) < now:
            resp_den += 1
        if t.status in ("resolved", "closed"):
            resolved += 1
            if t.resolved_at is not None:
                resolve_hours.append(sla.working_hours(t.created_at, t.resolved_at))
        for e in t.events:
            if e.action == "visit" and isinstance(e.data, dict):
                visits += 1
                satisfied += e.data.get("satisfaction") in SATISFIED
        if t.status in OPEN_STATUSES:
            open_ += 1
            overdue += ticket_light(t, now) == "red"
    linked = sum(1 for t in tickets if t.id in followers)
    return {
        "tickets": len(tickets),
        "workload": len(tickets) - linked,
        "linked": linked,
        "sign_on_time_rate": _rate(sign_num, sign_den),
        "response_rate": _rate(resp_num, resp_den),
        "resolve_rate": _rate(resolved, len(tickets)),
        "satisfaction_rate": _rate(satisfied, visits),
        "first_contact_hours": {"avg": _avg(contact_hours), "p90": _p90(contact_hours)},
        "resolution_hours": {"avg": _avg(resolve_hours), "p90": _p90(resolve_hours)},
        "open": open_,
        "overdue": overdue,
    }


def _bounds(start: Optional[date], end: Optional[date]) -> tuple[Optional[datetime], Optional[datetime]]:
    tz = sla.local_tz()
    lo = datetime.combine(start, time(0), tzinfo=tz).astimezone(timezone.utc) if start else None
    hi = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz).astimezone(timezone.utc) if end else None
    return lo, hi


async def load(session, department: Optional[str] = None, start: Optional[date] = None,
               end: Optional[date] = None) -> tuple[list[Ticket], frozenset]:
    """The tickets in scope (created between the local dates ``start`` and ``end``, inclusive) and the
    ids of those that follow a lead (一事多诉): what :func:`figures` takes. Also the public figures'
    source (bot.publication.figures), so both count the same tickets."""
    lo, hi = _bounds(start, end)
    query = select(Ticket)
    if department:
        query = query.where(Ticket.department == department)
    if lo:
        query = query.where(Ticket.created_at >= lo)
    if hi:
        query = query.where(Ticket.created_at < hi)
    tickets = list((await session.execute(query)).unique().scalars())
    followers = frozenset((await session.execute(select(TicketLink.ticket_id).where(
        TicketLink.status.in_(ACTIVE_LINK)))).scalars())
    return tickets, followers


async def compute(department: Optional[str] = None, start: Optional[date] = None, end: Optional[date] = None,
                  url: Optional[str] = None, now: Optional[datetime] = None) -> dict:
    now = sla.as_utc(now or datetime.now(timezone.utc))
    async with session_scope(url) as session:
        tickets, followers = await load(session, department, start, end)
        by_department: dict[str, list[Ticket]] = {}
        for t in tickets:
            by_department.setdefault(t.department or UNDISPATCHED, []).append(t)
        return {
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
            "department": department,
            "overall": figures(tickets, now, followers),
            "departments": {d: figures(ts, now, followers) for d, ts in sorted(by_department.items())},
        }
