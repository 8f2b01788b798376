"""Figures of the console's dashboard: tickets by day and category, SLA lights of open tickets
(a lead and the tickets that follow it — 一事多诉 — count once per department), and the top hot
issues of the period as events (bot.tickets.hot: one problem at one place, with heat and growth),
with alerts only for the events growing unusually fast.

Before #15 the "topics" were single jieba keywords ("我要", "小区"…); an event has a title an operator
can act on ("枣山街道幸福小区 下水道堵、污水外溢 — 7件 6人 3天").
"""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

from sqlalchemy import select

from bot.tickets.sla import CATEGORIES, local_tz


def _local_day(dt: datetime) -> date:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(local_tz()).date()


async def compute(department: Optional[str] = None, days: int = 14, url: Optional[str] = None,
                  now: Optional[datetime] = None) -> dict:
    import bot.db.models  # noqa: F401  (every mapped class, for the relationships)
    from bot.db import session_scope
    from bot.tickets import hot
    from bot.tickets.lifecycle import ticket_light
    from bot.tickets.models import ACTIVE_LINK, OPEN_STATUSES, Ticket, TicketLink

    now = now or datetime.now(timezone.utc)
    today = _local_day(now)
    first_day = today - timedelta(days=days - 1)
    since = datetime.combine(first_day, time(0), tzinfo=local_tz()).astimezone(timezone.utc)
    query = select(Ticket).where(Ticket.created_at >= since)
    open_query = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
    if department:
        query = query.where(Ticket.department == department)
        open_query = open_query.where(Ticket.department == department)
    async with session_scope(url) as session:
        recent = list((await session.execute(query)).unique().scalars())
        open_tickets = list((await session.execute(open_query)).unique().scalars())
        followers = set((await session.execute(select(TicketLink.ticket_id).where(
            TicketLink.status.in_(ACTIVE_LINK)))).scalars())
        lights_by_department: dict[str, Counter] = {}
        lights: Counter = Counter()
        for t in open_tickets:
            light = ticket_light(t, now)
            lights[light] += 1
            if t.id not in followers:  # workload: one event handled once
                lights_by_department.setdefault(t.department or "（待派单）", Counter())[light] += 1
        day_list = [first_day + timedelta(days=i) for i in range(days)]
        by_day = {d: Counter() for d in day_list}
        for t in recent:
            day = _local_day(t.created_at)
            if day in by_day:
                by_day[day][t.category] += 1
    events = await hot.hot_issues(first_day, today, department=department, url=url, now=now, tickets=False)
    return {
        "department": department,
        "days": [d.isoformat() for d in day_list],
        "categories": list(CATEGORIES),
        "by_day": {c: [by_day[d][c] for d in day_list] for c in CATEGORIES},
        "lights": {k: lights.get(k, 0) for k in ("green", "yellow", "red")},
        "lights_by_department": {d: {k: c.get(k, 0) for k in ("green", "yellow", "red")}
                                 for d, c in sorted(lights_by_department.items())},
        "hot_events": events["items"],
        "alerts": events["alerts"],
        "period_tickets": len(recent),
    }
