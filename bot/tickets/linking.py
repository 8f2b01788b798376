"""一事多诉: tickets of several citizens about one event are handled once.

- At creation, a ticket about an open event (bot.tickets.events: same problem, same place, within
  the window) is linked to the event's lead ticket (主单) by the system (``auto``), with the
  evidence; a dispatcher confirms (``link_confirm``) or undoes (``unlink``) it, or links by hand.
- A linked ticket follows its lead: whatever the lead reaches — dispatched, signed, contacted,
  answered, 办结 — the follower reaches too, through the same lifecycle actions (each with its own
  ticket event and audit entry, so the worker sends the answer to every citizen through the usual
  notice path). 改派, 退单, 催办, 督办 and extensions are repeated on the followers; 回访 and 重办 stay
  per citizen. A 催办 on a follower hurries the lead and all its followers.
- Workload counts a lead and its followers once; the 三率 count every citizen's ticket.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Optional

from sqlalchemy import or_, select

from bot.auth.models import User
from bot.auth.service import SYSTEM, Principal
from bot.tickets import events as ev
from bot.tickets import lifecycle
from bot.tickets.models import ACTIVE_LINK, OPEN_STATUSES, Ticket, TicketLink

logger = logging.getLogger(__name__)

# How far a ticket has come; a follower is brought up to its lead's stage.
STAGE = {"pending_dispatch": 0, "returned": 0, "dispatched": 1, "signed": 2, "contacted": 3, "replied": 4,
         "resolved": 5, "closed": 5}
# Actions repeated as they are on the followers (the stage actions are caught up instead).
REPEATED = ("reassign", "return", "urge", "supervise", "extension", "extension_approve")
STAGE_ACTIONS = ("dispatch", "sign", "contact", "reply", "resolve")
# Auto-linking is stricter than grouping on the dashboard: the place must be named on both sides.
LINK_MIN_DIVISION_SIMILARITY = 0.4
# Thanks for a rescue name the matter it was about ("心梗…救回来了") but report no problem: a praise
# ticket neither joins an event nor leads one.
NO_EVENT_CATEGORIES = ("表扬",)


async def item_rows(session, query) -> list[ev.Item]:
    """Items of the tickets ``query`` (a select of Ticket columns, see :func:`ticket_columns`)
    returns, with their links."""
    rows = (await session.execute(query)).all()
    items = {r.id: ev.Item(id=r.id, ticket_no=r.ticket_no, created_at=r.created_at, text=r.description,
                           location=r.location, urgent=bool(r.urgent), status=r.status, department=r.department,
                           citizen=r.contact_phone or (f"conv:{r.conversation_id}" if r.conversation_id else None))
             for r in rows}
    if items:
        ids = list(items)
        links = []
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            links += list((await session.execute(select(TicketLink).where(
                or_(TicketLink.ticket_id.in_(chunk), TicketLink.lead_id.in_(chunk))))).scalars())
        for link in links:
            item = items.get(link.ticket_id)
            if item is None:
                continue
            if link.status in ACTIVE_LINK:
                item.lead_id = link.lead_id
            else:
                item.apart_from = item.apart_from | {link.lead_id}
                lead = items.get(link.lead_id)
                if lead is not None:
                    lead.apart_from = lead.apart_from | {link.ticket_id}
    return list(items.values())


def ticket_columns():
    return select(Ticket.id, Ticket.ticket_no, Ticket.created_at, Ticket.description, Ticket.location,
                  Ticket.urgent, Ticket.status, Ticket.department, Ticket.contact_phone, Ticket.conversation_id)


async def open_event_for(session, text: str, location: Optional[str], now: datetime,
                         exclude_id: Optional[int] = None, params: Optional[ev.HotParams] = None,
                         strict: bool = True) -> Optional[tuple[ev.Event, ev.Item, ev.Evidence]]:
    """The open event a request is about: (event, its lead, evidence), or None. ``strict`` (for
    linking) wants the place named on both sides."""
    params = params or ev.load_params()
    query = ticket_columns().where(Ticket.created_at >= now - params.window, Ticket.created_at <= now,
                                   Ticket.status.in_(OPEN_STATUSES), Ticket.category.not_in(NO_EVENT_CATEGORIES))
    if exclude_id is not None:
        query = query.where(Ticket.id != exclude_id)
    items = await item_rows(session, query)
    if not items:
        return None
    probe = ev.Item(id=-1, ticket_no="", created_at=now, text=text, location=location).analyse(params)
    events = ev.group(_could_join(items, probe, params), params)
    best = None
    for event in events:
        found = event.best_match(probe, params.window)
        if found is None:
            continue
        evidence = found[1]
        if strict and not (evidence.place_match == "site" or (
                evidence.place_match == "division" and evidence.similarity >= LINK_MIN_DIVISION_SIMILARITY)):
            continue
        if best is None or evidence.score > best[2].score:
            best = (event, _lead_of(event), evidence)
    return best


def _could_join(items: list[ev.Item], probe: ev.Item, params: ev.HotParams) -> list[ev.Item]:
    """The open tickets that could be in the probe's event — sharing a matter type or the site, or
    (the probe has neither) without a matter type — with the leads they follow: grouping only these
    keeps a creation or an assist call fast however many tickets are open."""
    wanted = set(probe.problem.matters)
    keep = {}
    for item in items:
        item.analyse(params)
        if (wanted & set(item.problem.matters) or (probe.place.site and item.place.site == probe.place.site)
                or (not wanted and not item.problem.matters)):
            keep[item.id] = item
    by_id = {i.id: i for i in items}
    for item in list(keep.values()):
        if item.lead_id in by_id:
            keep.setdefault(item.lead_id, by_id[item.lead_id])
    return list(keep.values())


def _lead_of(event: ev.Event) -> ev.Item:
    """The ticket followers link to: the event's existing lead, else its oldest ticket that follows
    nobody."""
    leads = {i.lead_id for i in event.items if i.lead_id}
    for item in event.items:
        if item.id in leads:
            return item
    return next((i for i in event.items if not i.lead_id), event.items[0])


# A new ticket joins a lead still being handled; once the department has answered, the same matter
# told again means it persists: a ticket of its own, not one that silently takes the old answer.
LINKABLE_STATUSES = tuple(s for s in OPEN_STATUSES if s != "replied")


async def link_new_ticket(session, t: Ticket, now: datetime, policy) -> Optional[dict]:
    """Link a just-created ticket to the open event it is about (actor: system); returns the
    evidence or None. The ticket is then brought to its lead's stage."""
    if t.category in NO_EVENT_CATEGORIES:
        return None
    params = ev.load_params()
    found = await open_event_for(session, t.description, t.location, now, exclude_id=t.id, params=params)
    if found is None:
        return None
    event, lead_item, evidence = found
    lead = await session.get(Ticket, lead_item.id)
    if lead is None or lead.status not in LINKABLE_STATUSES:
        return None
    pair = ev.pair_evidence(lead_item, ev.Item(id=t.id, ticket_no=t.ticket_no, created_at=now, text=t.description,
                                                location=t.location).analyse(params)) or evidence
    data = pair.as_json(lead.ticket_no)
    others = [i.ticket_no for i in event.items]
    data["event_tickets"] = others[:20]
    data["event_size"] = len(others)
    try:
        await lifecycle.apply(session, t, "link", SYSTEM, params={"lead": lead.ticket_no, "auto": True,
                                                                   "evidence": data}, now=now, policy=policy)
    except lifecycle.TicketError as exc:  # e.g. a dispatcher undid this pair before
        logger.info("ticket not auto-linked", extra={"ticket_no": t.ticket_no, "reason": exc.code})
        return None
    await catch_up(session, t, lead, SYSTEM, now, policy)
    return data


async def _handler_principal(session, lead: Ticket) -> Principal:
    if lead.handler_id is None:
        return SYSTEM
    user = await session.get(User, lead.handler_id)
    if user is None:
        return SYSTEM
    return Principal(user.username, "handler", lead.department, user.id)


async def catch_up(session, follower: Ticket, lead: Ticket, actor: Principal, now: datetime, policy=None) -> list[str]:
    """Bring a follower to its lead's stage with the same lifecycle actions; returns the actions
    applied. Stops where the follower cannot follow (another department after a 改派 of its own…)."""
    done = []
    for _ in range(6):
        have, want = STAGE.get(follower.status, 0), STAGE.get(lead.status, 0)
        if have >= want:
            break
        reason = f"一事多诉：随主单{lead.ticket_no}办理"
        if have == 0:
            if not lead.department:
                break
            who = actor if actor.has_role("dispatcher") else SYSTEM
            action, params = "dispatch", {"department": lead.department, "reason": reason,
                                          "handler": lead.handler.username if lead.handler else None}
        elif have == 1:
            if follower.department != lead.department:
                break
            who = actor if actor.role == "handler" else await _handler_principal(session, lead)
            action, params = "sign", {"reason": reason}
        else:
            who = actor if actor.role == "handler" and actor.sees_department(follower.department) else \
                await _handler_principal(session, lead)
            if want >= 4 and lead.reply_text and have in (2, 3):
                action, params = "reply", {"text": lead.reply_text, "reason": reason}
            elif have == 2:
                action, params = "contact", {"note": f"随主单{lead.ticket_no}联系", "reason": reason}
            elif want >= 5:
                action, params = "resolve", {"text": lead.reply_text, "reason": reason} if lead.reply_text else {
                    "reason": reason}
            else:
                break
        try:
            await lifecycle.apply(session, follower, action, who, params=params, now=now, policy=policy)
        except lifecycle.TicketError as exc:
            logger.info("follower could not follow its lead", extra={"ticket_no": follower.ticket_no,
                                                                     "action": action, "reason": exc.code})
            break
        done.append(action)
    return done


async def followers(session, lead: Ticket) -> list[Ticket]:
    ids = [r[0] for r in (await session.execute(select(TicketLink.ticket_id).where(
        TicketLink.lead_id == lead.id, TicketLink.status.in_(ACTIVE_LINK)).order_by(TicketLink.id))).all()]
    out = []
    for i in ids:
        t = (await session.execute(select(Ticket).where(Ticket.id == i))).unique().scalar_one_or_none()
        if t is not None:
            out.append(t)
    return out


async def lead_of(session, t: Ticket) -> Optional[Ticket]:
    link = (await session.execute(select(TicketLink).where(
        TicketLink.ticket_id == t.id, TicketLink.status.in_(ACTIVE_LINK)))).scalar_one_or_none()
    if link is None:
        return None
    return (await session.execute(select(Ticket).where(Ticket.id == link.lead_id))).unique().scalar_one_or_none()


async def follow(session, lead: Ticket, action: str, actor: Principal, params: dict, now: datetime) -> list[dict]:
    """After ``action`` on a lead: every follower does the same (stage actions: caught up to the
    lead; 改派/退单/催办/督办/延期: repeated). Returns what each follower did."""
    if action not in STAGE_ACTIONS + REPEATED:
        return []
    params = dict(params or {})
    skip = params.pop("skip", None)  # a follower that has already done it (a 催办 on that follower)
    out = []
    for f in await followers(session, lead):
        if f.id == skip:
            continue
        if action in STAGE_ACTIONS:
            done = await catch_up(session, f, lead, actor, now)
        else:
            repeated = dict(params)
            repeated.setdefault("reason", f"一事多诉：随主单{lead.ticket_no}")
            if action == "reassign":
                repeated["department"] = lead.department
                repeated["handler"] = lead.handler.username if lead.handler else None
            who = actor
            if actor.role == "handler" and not actor.sees_department(f.department):
                continue
            try:
                await lifecycle.apply(session, f, action, who, params=repeated, now=now)
                done = [action]
            except lifecycle.TicketError as exc:
                logger.info("follower did not repeat its lead's action",
                            extra={"ticket_no": f.ticket_no, "action": action, "reason": exc.code})
                done = []
        out.append({"ticket_no": f.ticket_no, "actions": done, "status": f.status})
    return out


async def links_json(session, tickets: list[Ticket]) -> dict[int, dict]:
    """Per ticket id: ``link`` (the lead it follows, with status and evidence) and ``linked``
    (its followers), for the ticket JSON."""
    ids = [t.id for t in tickets if t.id is not None]
    out: dict[int, dict] = {i: {"link": None, "linked": []} for i in ids}
    if not ids:
        return out
    rows = []
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows += list((await session.execute(select(TicketLink).where(
            or_(TicketLink.ticket_id.in_(chunk), TicketLink.lead_id.in_(chunk))).order_by(TicketLink.id))).scalars())
    for link in rows:
        entry = {"lead": link.lead_no, "ticket_no": link.ticket_no, "status": link.status,
                 "evidence": link.evidence, "created_at": _iso(link.created_at), "created_by": link.created_by,
                 "decided_at": _iso(link.decided_at), "decided_by": link.decided_by}
        if link.ticket_id in out and link.status in ACTIVE_LINK:
            out[link.ticket_id]["link"] = entry
        if link.lead_id in out and link.status in ACTIVE_LINK:
            out[link.lead_id]["linked"].append(entry)
    return out


def _iso(value):
    from bot.tickets.sla import iso

    return iso(value) if value is not None else None
