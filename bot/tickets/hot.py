"""Hot issues (热点问题) over the database: tickets and assisted hotline calls without a ticket
(bot.tickets.calls) of a date range grouped into events (bot.tickets.events), ranked by heat, with
growth alerts; and "已有N件相同诉求" for the hotline assist. ``GET /api/hot-issues`` and the console dashboard use :func:`hot_issues`.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

from bot.db import session_scope
from bot.tickets import calls as assisted_calls
from bot.tickets import events as ev
from bot.tickets import linking, sla
from bot.tickets.models import OPEN_STATUSES, STATUSES, Ticket

MAX_RANGE_DAYS = 92
MAX_TICKETS = 20000
DESCRIPTION_CHARS = 120


def bounds(start: Optional[date], end: Optional[date], now: datetime, days: int = 7) -> tuple[date, date]:
    """The local date range asked for; by default the last ``days`` days up to today."""
    today = now.astimezone(sla.local_tz()).date()
    end = end or today
    start = start or (end - timedelta(days=days - 1))
    return start, end


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=sla.local_tz()).astimezone(timezone.utc)


def _ticket_entry(item: ev.Item, event: ev.Event) -> dict:
    from bot.privacy import mask

    evidence = event.links.get(item.id)
    return {"ticket_no": item.ticket_no, "created_at": sla.iso(item.at), "status": item.status,
            "status_label": STATUSES.get(item.status, item.status), "department": item.department,
            "urgent": item.urgent, "location": mask(item.location) if item.location else None,
            "description": _short_masked(item.text),
            "follows": next((i.ticket_no for i in event.items if i.id == item.lead_id), None),
            "evidence": evidence.as_json()["text"] if evidence is not None else None}


def _short_masked(text: Optional[str]) -> str:
    """A ticket's or call's text on one line, cut to DESCRIPTION_CHARS, personal data masked."""
    from bot.privacy import mask

    text = (text or "").strip().replace("\n", " ")
    return mask(text if len(text) <= DESCRIPTION_CHARS else text[:DESCRIPTION_CHARS - 1] + "…")


def _call_entry(item: ev.Item) -> dict:
    return {"created_at": sla.iso(item.at), "department": item.department, "urgent": item.urgent,
            "description": _short_masked(item.text)}


def event_json(event: ev.Event, now: datetime, params: ev.HotParams, tickets: bool = True) -> dict:
    ticket_items = [i for i in event.items if i.kind != "call"]
    call_items = [i for i in event.items if i.kind == "call"]
    lead = ticket_items[0] if ticket_items else None
    place = event.place()
    matter = event.matter()
    g = ev.growth(event, now, params)
    departments = sorted({i.department for i in event.items if i.department})
    out = {
        "id": f"E{lead.ticket_no}" if lead else f"EC{-event.lead.id}",
        "title": ev.title(event, params),
        "problem": ev.problem_label(event, params),
        "matter": matter, "matter_name": matter.split("/", 1)[1] if matter else None,
        "place": {"division": place.division or None, "site": place.site or None, "label": place.label or None},
        "tickets_count": len(ticket_items), "calls_count": len(call_items), "citizens": event.citizens(),
        "first_at": sla.iso(event.first_at), "last_at": sla.iso(event.last_at), "span_days": ev.span_days(event),
        "urgent": sum(1 for i in event.items if i.urgent),
        "open": sum(1 for i in event.items if i.status in OPEN_STATUSES),
        "heat": ev.heat(event, now, params),
        "growth": g, "alert": g["alert"],
        "departments": departments,
        "lead": lead.ticket_no if lead else None,
    }
    if tickets:
        out["tickets"] = [_ticket_entry(i, event) for i in ticket_items]
        out["calls"] = [_call_entry(i) for i in call_items]
    return out


async def hot_issues(start: Optional[date] = None, end: Optional[date] = None, department: Optional[str] = None,
                     limit: Optional[int] = None, url: Optional[str] = None, now: Optional[datetime] = None,
                     tickets: bool = True, own_tickets_only: bool = False) -> dict:
    """The events of tickets created from ``start`` to ``end`` (local dates, inclusive), hottest
    first; ``department`` keeps the events one of whose tickets it handles, and with
    ``own_tickets_only`` (a handler asking) lists only that department's tickets of each event —
    the counts still cover the whole event."""
    now = sla.as_utc(now or datetime.now(timezone.utc))
    params = ev.load_params()
    start, end = bounds(start, end, now)
    query = (linking.ticket_columns().where(Ticket.created_at >= _utc(start),
                                            Ticket.created_at < _utc(end + timedelta(days=1)))
             .order_by(Ticket.created_at.desc()).limit(MAX_TICKETS))
    async with session_scope(url) as session:
        items = await linking.item_rows(session, query)
        calls = await assisted_calls.call_items(session, _utc(start), _utc(end + timedelta(days=1)))
    events = [e for e in ev.group(items + calls, params) if len(e.items) >= params.min_tickets]
    if department:
        events = [e for e in events if any(i.department == department for i in e.items)]
    ranked = sorted((event_json(e, now, params, tickets) for e in events),
                    key=lambda e: (-e["heat"], -e["tickets_count"], e["id"]))
    if tickets and own_tickets_only and department:
        for e in ranked:
            e["tickets"] = [t for t in e["tickets"] if t["department"] == department]
    limit = limit or params.top_events
    return {"from": start.isoformat(), "to": end.isoformat(), "department": department,
            "tickets_scanned": len(items), "calls_scanned": len(calls), "events_total": len(ranked),
            "items": ranked[:limit], "alerts": [e for e in ranked if e["alert"]][:limit]}


async def same_issue(text: str, location: Optional[str] = None, url: Optional[str] = None,
                     now: Optional[datetime] = None) -> Optional[dict]:
    """For the hotline assist during a call: the open event the caller is talking about, as
    "已有N件相同诉求（工单…）" with the evidence; None when there is none."""
    if not (text or "").strip():
        return None
    now = sla.as_utc(now or datetime.now(timezone.utc))
    async with session_scope(url) as session:
        found = await linking.open_event_for(session, text, location, now)
    if found is None:
        return None
    event, lead, evidence = found
    open_items = [i for i in event.items if i.status in OPEN_STATUSES]
    numbers = [i.ticket_no for i in open_items]
    shown = "、".join(numbers[:5]) + ("等" if len(numbers) > 5 else "")
    return {"count": len(numbers), "tickets": numbers, "lead": lead.ticket_no,
            "text": f"已有{len(numbers)}件相同诉求（工单{shown}）",
            "evidence": evidence.as_json(lead.ticket_no)}
