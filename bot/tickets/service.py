"""Ticket use cases over the database: create (classified, routed, dispatched), act, read, list.

Each call is one transaction (bot.db.session_scope). Creation survives a database restart in the
middle of the request: the insert is retried with the same ticket number (idempotent), and when
the database stays away a :class:`Unavailable` error tells the caller to apologise and retry.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import func, or_, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from bot.auth.models import Department
from bot.auth.service import SYSTEM, Principal
from bot.db import session_scope
from bot.identifiers import (is_external_ticket_no, is_valid_mobile, is_valid_ticket_no, new_ticket_no, normalize_phone,
                             normalize_ticket_no)
from bot.tickets import lifecycle, linking, sla
from bot.tickets.lifecycle import Conflict, InvalidInput, NotFound, TicketError
from bot.tickets.models import OPEN_STATUSES, STATUSES, Ticket
from bot.tickets.sla import CATEGORIES

logger = logging.getLogger(__name__)

CHANNELS_MAX = 32
RETRIES = 3
AUTO_DISPATCH_MIN_SCORE = 0.30  # below this the dispatcher chooses from the top-3 (待派单); on the blind
# routing dev set a top suggestion scoring 0.25–0.35 was right 11 times in 13, and 0.30–0.35 7 in 9


class Unavailable(TicketError):
    status, code = 503, "database_unavailable"


def _transient(exc: Exception) -> bool:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, (OperationalError, ConnectionError, OSError)) and not isinstance(exc, IntegrityError)


def _clean_create(data: dict) -> dict:
    out = {}
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise InvalidInput("请填写诉求内容（description）", "missing_description")
    if len(description) > 5000:
        raise InvalidInput("诉求内容不能超过 5000 个字符", "invalid_description")
    out["description"] = description.strip()
    category = data.get("category")
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(f"类别（category）应为 {'、'.join(CATEGORIES)}", "invalid_category")
    out["category"] = category
    urgent = data.get("urgent")
    if urgent is not None and not isinstance(urgent, bool):
        raise InvalidInput("urgent 应为 true 或 false", "invalid_urgent")
    out["urgent"] = urgent
    phone = data.get("contact_phone")
    if phone not in (None, ""):
        if not isinstance(phone, str) or not is_valid_mobile(phone):
            raise InvalidInput("联系电话（contact_phone）应为 11 位手机号码", "invalid_phone")
        out["contact_phone"] = normalize_phone(phone)
    for key, limit in (("location", 200), ("contact_name", 64), ("conversation_id", 128), ("channel", CHANNELS_MAX),
                       ("department", 64), ("handler", 64)):
        value = data.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or len(value.strip()) > limit:
            raise InvalidInput(f"{key} 应为不超过 {limit} 个字符的文本", "invalid_" + key)
        out[key] = value.strip()
    transcript = data.get("transcript")
    if transcript is not None and not isinstance(transcript, list):
        raise InvalidInput("transcript 应为对话记录列表", "invalid_transcript")
    out["transcript"] = transcript
    consent = data.get("publish_consent", False)
    if consent is None:
        consent = False
    if not isinstance(consent, bool):
        raise InvalidInput("publish_consent 应为 true 或 false", "invalid_publish_consent")
    out["publish_consent"] = consent
    out["intent"] = data.get("intent") if isinstance(data.get("intent"), str) else None
    number = data.get("ticket_no")  # a ticket handed down by another 12345 system keeps its number
    if number not in (None, ""):
        if not isinstance(number, str) or not is_external_ticket_no(number):
            raise InvalidInput("工单编号（ticket_no）应为 6–40 位字母、数字或连字符，至少含 6 位数字", "invalid_ticket_no")
        out["ticket_no"] = normalize_ticket_no(number)
    return out


def _routing_for(description: str, location: Optional[str] = None) -> list[dict]:
    from bot.tickets.routing import get_router, suggest_for

    try:
        return [s.as_json() for s in suggest_for(get_router(), description, location, k=3)]
    except Exception:  # routing data broken: the dispatcher routes by hand
        logger.exception("ticket routing unavailable")
        return []


async def create_ticket(data: dict, actor: Principal = SYSTEM, url: Optional[str] = None,
                        now: Optional[datetime] = None, auto_dispatch: bool = True, link: bool = True) -> dict:
    """Validate, classify, route and store a new ticket; link it to the open event it is about
    (一事多诉, bot.tickets.linking: it then follows that event's lead ticket), else dispatch it when
    routing is confident (or a department was given). Returns the ticket as JSON."""
    from bot.tickets.classify import classify

    clean = _clean_create(data)
    now = sla.as_utc(now or datetime.now(timezone.utc))
    guessed = classify(clean["description"], clean["intent"])
    category = clean["category"] or guessed.category
    urgent = guessed.urgent if clean["urgent"] is None else clean["urgent"]
    routing = await asyncio.get_running_loop().run_in_executor(None, _routing_for, clean["description"],
                                                               clean.get("location"))
    policy = sla.load_policy()
    deadlines = sla.compute_deadlines(category, urgent, now, policy=policy)
    ticket_no = clean.get("ticket_no") or new_ticket_no()  # the same external number twice: the ticket stored
    target = clean.get("department")
    if target is None and auto_dispatch and routing and routing[0]["score"] >= AUTO_DISPATCH_MIN_SCORE:
        target = routing[0]["department"]

    for attempt in range(1, RETRIES + 1):
        try:
            async with session_scope(url) as session:
                existing = (await session.execute(select(Ticket).where(Ticket.ticket_no == ticket_no))).scalar_one_or_none()
                if existing is not None:  # a previous attempt committed before the connection broke, or the
                    # same handed-down ticket (its own number) is posted again: the one stored
                    return ticket_json(existing, now)
                t = Ticket(ticket_no=ticket_no, category=category, urgent=urgent, status="pending_dispatch",
                           channel=clean.get("channel") or "api", conversation_id=clean.get("conversation_id"),
                           description=clean["description"], location=clean.get("location"),
                           contact_phone=clean.get("contact_phone"), contact_name=clean.get("contact_name"),
                           transcript=clean["transcript"], routing=routing, created_at=now,
                           sign_by=deadlines.sign_by, first_contact_by=deadlines.first_contact_by,
                           resolve_by=deadlines.resolve_by, light="green", extension_count=0,
                           supervise_count=0, reopen_count=0, publish_consent=clean["publish_consent"])
                await lifecycle.apply(session, t, "create", actor, now=now, policy=policy,
                                      params={"reason": None})
                linked = await _link_new(session, t, now, policy) if link else None
                if target is not None and linked is None:
                    known = (await session.execute(
                        select(Department.id).where(Department.name == target, Department.active.is_(True))
                    )).scalar_one_or_none()
                    if known is not None or clean.get("department"):
                        dispatcher = actor if clean.get("department") else SYSTEM
                        await lifecycle.apply(session, t, "dispatch", dispatcher, now=now, policy=policy,
                                              params={"department": target, "handler": clean.get("handler"),
                                                      "auto": not clean.get("department")})
                result = ticket_json(t, now, links=(await linking.links_json(session, [t])).get(t.id))
            logger.info("ticket created", extra={"ticket_no": ticket_no, "category": category,
                                                 "department": result["department"], "urgent": urgent})
            return result
        except TicketError:
            raise
        except Exception as exc:
            if not _transient(exc) or attempt == RETRIES:
                if _transient(exc):
                    logger.error("ticket not created: database unavailable", extra={"ticket_no": ticket_no})
                    raise Unavailable("工单系统暂时不可用，请稍后再试") from exc
                raise
            logger.warning("database error while creating a ticket; retrying",
                           extra={"attempt": attempt, "error": type(exc).__name__})
            await asyncio.sleep(0.2 * attempt)
    raise Unavailable("工单系统暂时不可用，请稍后再试")


async def _link_new(session, t: Ticket, now: datetime, policy) -> Optional[dict]:
    """Auto-link (一事多诉) inside the creation transaction, in a savepoint: a failure of the event
    search never costs the citizen the ticket."""
    ticket_no = t.ticket_no  # read before: a rolled-back savepoint expires the ticket
    try:
        async with session.begin_nested():
            return await linking.link_new_ticket(session, t, now, policy)
    except Exception as exc:
        if _transient(exc):
            raise
        logger.exception("ticket auto-link failed", extra={"ticket_no": ticket_no})
    # the savepoint's rollback expired what it touched: load the ticket as committed in this transaction
    await session.refresh(t)
    return None


async def _load(session, ticket_no: str) -> Ticket:
    ticket_no = normalize_ticket_no(ticket_no)
    if not is_valid_ticket_no(ticket_no):
        raise NotFound(f"工单编号格式不正确：{ticket_no}", "invalid_ticket_no")
    t = (await session.execute(select(Ticket).where(Ticket.ticket_no == ticket_no))).unique().scalar_one_or_none()
    if t is None:
        raise NotFound(f"工单不存在：{ticket_no}")
    return t


async def act(ticket_no: str, action: str, actor: Principal, params: Optional[dict] = None,
              expected_version: Optional[int] = None, url: Optional[str] = None,
              now: Optional[datetime] = None) -> dict:
    """Perform one lifecycle action; returns the updated ticket as JSON."""
    try:
        async with session_scope(url) as session:
            t = await _load(session, ticket_no)
            now = sla.as_utc(now or datetime.now(timezone.utc))
            await lifecycle.apply(session, t, action, actor, params=params, expected_version=expected_version,
                                  now=now)
            if action == "urge":  # hurrying one ticket of an event hurries the event
                lead = await linking.lead_of(session, t)
                if lead is not None and lead.status in OPEN_STATUSES:
                    await lifecycle.apply(session, lead, "urge", actor, params=params, now=now)
                    await linking.follow(session, lead, "urge", actor, {**(params or {}), "skip": t.id}, now)
                    return await _json_with_links(session, t, now)
            if action == "link":  # linked by hand: the ticket joins its lead where it has got to
                lead = await linking.lead_of(session, t)
                if lead is not None:
                    await linking.catch_up(session, t, lead, actor, now)
            followed = await linking.follow(session, t, action, actor, params or {}, now)
            out = await _json_with_links(session, t, now)
            if followed:
                out["followers"] = followed
            return out
    except StaleDataError as exc:
        raise Conflict(f"工单 {normalize_ticket_no(ticket_no)} 刚被他人更新，请刷新后重试") from exc
    except IntegrityError as exc:  # a concurrent writer took the same event/audit sequence number
        raise Conflict(f"工单 {normalize_ticket_no(ticket_no)} 刚被他人更新，请刷新后重试") from exc


async def _json_with_links(session, t: Ticket, now: Optional[datetime] = None) -> dict:
    return ticket_json(t, now, links=(await linking.links_json(session, [t])).get(t.id))


async def get_ticket(ticket_no: str, actor: Principal, url: Optional[str] = None, transcript: bool = False) -> dict:
    """The ticket for a staff member; ``transcript`` adds the conversation or call (the caller's
    words, the agent's call notes, the call timer), masked for roles that do not see contact data."""
    from bot.privacy import mask, role_sees_personal_data

    async with session_scope(url) as session:
        t = await _load(session, ticket_no)
        if not actor.sees_department(t.department):
            raise lifecycle.Forbidden("只能查看本部门的工单")
        out = await _json_with_links(session, t)
        if transcript:
            out["transcript"] = (t.transcript or []) if role_sees_personal_data(actor.role) else mask(t.transcript or [])
        return out


async def find_for_citizen(ticket_no: str, phone_last4: str, url: Optional[str] = None) -> Optional[dict]:
    """The ticket when the number exists and the phone's last 4 digits match, else None (the two
    cases are not told apart, so numbers cannot be probed)."""
    if not is_valid_ticket_no(ticket_no) or not (phone_last4 or "").isdigit() or len(phone_last4) != 4:
        return None
    async with session_scope(url) as session:
        t = (await session.execute(select(Ticket).where(Ticket.ticket_no == normalize_ticket_no(ticket_no)))
             ).unique().scalar_one_or_none()
        if t is None or not t.contact_phone or not t.contact_phone.endswith(phone_last4):
            return None
        return ticket_json(t)


async def find_ticket(ticket_no: str, url: Optional[str] = None) -> Optional[dict]:
    """The ticket by number, for a caller that has already established who is asking."""
    async with session_scope(url) as session:
        t = (await session.execute(select(Ticket).where(Ticket.ticket_no == normalize_ticket_no(ticket_no)))
             ).unique().scalar_one_or_none()
        return ticket_json(t) if t is not None else None


async def urge_ticket(ticket_no: str, url: Optional[str] = None, reason: str = "市民在对话中催办") -> Optional[dict]:
    """催办 from the citizen: an audited "urge" event on an open ticket; None when it is closed."""
    async with session_scope(url) as session:
        t = await _load(session, ticket_no)
        if t.status not in OPEN_STATUSES:
            return None
        params = {"reason": reason}
        await lifecycle.apply(session, t, "urge", SYSTEM, params=params)
        # 一事多诉: the event is hurried — the lead this ticket follows, and every follower of that lead
        lead = await linking.lead_of(session, t)
        if lead is not None and lead.status in OPEN_STATUSES:
            await lifecycle.apply(session, lead, "urge", SYSTEM, params=params)
        await linking.follow(session, lead if lead is not None else t, "urge", SYSTEM, {**params, "skip": t.id},
                             datetime.now(timezone.utc))
        return ticket_json(t)


async def not_satisfied(ticket_no: str, words: str, url: Optional[str] = None) -> Optional[str]:
    """"处理结果不满意 要求重新处理" from the verified citizen in chat, with their words: an answered
    (办结) ticket gets the citizen's 不满意 verdict (reopened once, then escalated — the lifecycle
    ``visit``); an open one an urge that carries the words. Returns "reopened", "escalated", "urged",
    or None when the ticket is closed (the return visit is over)."""
    from bot.tickets.visits import CITIZEN

    words = (words or "").strip()[:500]
    async with session_scope(url) as session:
        t = await _load(session, ticket_no)
        if t.status == "resolved":
            await lifecycle.apply(session, t, "visit", CITIZEN, params={"satisfaction": "不满意", "reason": words})
            return "reopened" if t.status != "closed" else "escalated"
        still_open = t.status in OPEN_STATUSES
    if not still_open:
        return None
    await urge_ticket(ticket_no, url, reason=f"市民在对话中表示不满意：{words}")
    return "urged"


async def is_active_department(name: Optional[str], url: Optional[str] = None) -> bool:
    """The name is a department tickets can go to (another system's name may not be)."""
    if not name:
        return False
    async with session_scope(url) as session:
        return (await session.execute(select(Department.id).where(
            Department.name == name, Department.active.is_(True)))).first() is not None


async def list_tickets(actor: Principal, status: Optional[str] = None, department: Optional[str] = None,
                       conversation_id: Optional[str] = None, light: Optional[str] = None,
                       limit: int = 200, url: Optional[str] = None, sort: Optional[str] = None,
                       text: Optional[str] = None, date_from=None, date_to=None, urgent: Optional[bool] = None,
                       offset: int = 0, total: Optional[list] = None) -> list[dict]:
    """Tickets, newest first; ``sort="queue"`` is the dispatcher's order: urgent first, then by the
    nearest deadline (sign, then resolve), then the oldest. ``text`` searches the number, the
    contact phone, the description, the place and the department; ``date_from``/``date_to`` are
    days of acceptance in China time (inclusive). When ``total`` is a list, the number of matching
    tickets (before ``offset``/``limit``) is appended to it."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status 应为 {', '.join(STATUSES)}", "invalid_status")
    if light is not None and light not in sla.LIGHTS:
        raise InvalidInput(f"light 应为 {', '.join(sla.LIGHTS)}", "invalid_light")
    if actor.role == "handler":
        if department and department != actor.department:
            raise lifecycle.Forbidden("只能查看本部门的工单")
        department = actor.department
    if sort not in (None, "", "created", "queue"):
        raise InvalidInput("sort 应为 created 或 queue", "invalid_sort")
    if sort == "queue":
        query = select(Ticket).order_by(Ticket.urgent.desc(), Ticket.sign_by.asc(), Ticket.resolve_by.asc(),
                                        Ticket.created_at.asc(), Ticket.id.asc())
    else:
        query = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc())
    if status:
        query = query.where(Ticket.status == status)
    if department:
        query = query.where(Ticket.department == department)
    if conversation_id:
        query = query.where(Ticket.conversation_id == conversation_id)
    query = _search(query, text, date_from, date_to, urgent)
    now = datetime.now(timezone.utc)
    async with session_scope(url) as session:
        if total is not None and not light:
            total.append((await session.execute(
                select(func.count()).select_from(query.order_by(None).subquery()))).scalar_one())
        rows = list((await session.execute(query.offset(offset).limit(limit * 5 if light else limit))).unique().scalars())
        links = await linking.links_json(session, rows)
        items = [ticket_json(t, now, links=links.get(t.id)) for t in rows]
    if light:
        items = [i for i in items if i["light"] == light][:limit]
    return items


def _search(query, text: Optional[str], date_from, date_to, urgent: Optional[bool]):
    """The queue's search box and filters (GET /api/tickets?q=&from=&to=&urgent=)."""
    from datetime import time as dtime, timedelta

    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        number = normalize_ticket_no(text)
        query = query.where(or_(Ticket.ticket_no == number, Ticket.contact_phone.like(like, escape="\\"),
                                Ticket.description.like(like, escape="\\"), Ticket.location.like(like, escape="\\"),
                                Ticket.department.like(like, escape="\\"), Ticket.ticket_no.like(like, escape="\\")))
    tz = sla.local_tz()
    if date_from is not None:
        query = query.where(Ticket.created_at >= datetime.combine(date_from, dtime(0), tz).astimezone(timezone.utc))
    if date_to is not None:
        query = query.where(Ticket.created_at < datetime.combine(date_to + timedelta(days=1), dtime(0), tz)
                            .astimezone(timezone.utc))
    if urgent is not None:
        query = query.where(Ticket.urgent.is_(urgent))
    return query


def ticket_json(t: Ticket, now: Optional[datetime] = None, history: bool = True,
                links: Optional[dict] = None) -> dict:
    """The ticket as the API returns it; ``links`` (bot.tickets.linking.links_json) adds ``link``
    (the lead this ticket follows: 一事多诉) and ``linked`` (its followers)."""
    out = {
        "ticket_no": t.ticket_no, "category": t.category, "urgent": t.urgent,
        "department": t.department, "handler": t.handler.username if t.handler else None,
        "status": t.status, "status_label": STATUSES.get(t.status, t.status),
        "channel": t.channel, "conversation_id": t.conversation_id,
        "description": t.description, "location": t.location,
        "contact_phone": t.contact_phone, "contact_name": t.contact_name,
        "created_at": sla.iso(t.created_at), "dispatched_at": sla.iso(t.dispatched_at),
        "signed_at": sla.iso(t.signed_at), "first_contacted_at": sla.iso(t.first_contacted_at),
        "replied_at": sla.iso(t.replied_at), "resolved_at": sla.iso(t.resolved_at),
        "closed_at": sla.iso(t.closed_at),
        "sign_by": sla.iso(t.sign_by), "first_contact_by": sla.iso(t.first_contact_by),
        "resolve_by": sla.iso(t.resolve_by),
        "light": lifecycle.ticket_light(t, now), "reply": t.reply_text, "satisfaction": t.satisfaction,
        "extension_pending": {"days": t.extension_days, "reason": t.extension_reason} if t.extension_days else None,
        "extension_count": t.extension_count, "supervise_count": t.supervise_count,
        "reopen_count": t.reopen_count, "publish_consent": bool(t.publish_consent), "routing": t.routing or [], "version": t.version,
        # the router was not sure enough to dispatch by itself: the dispatcher decides (派单队列)
        "routing_unsure": not t.routing or (t.routing[0].get("score") or 0) < AUTO_DISPATCH_MIN_SCORE,
        "link": (links or {}).get("link"), "linked": (links or {}).get("linked") or [],
    }
    if history:
        out["history"] = [{"seq": e.seq, "at": sla.iso(e.at), "action": e.action,
                           "label": lifecycle.RULES[e.action].label if e.action in lifecycle.RULES else e.action,
                           "actor": e.actor, "from": e.from_status, "to": e.to_status,
                           "department": e.department, "reason": e.reason, "data": e.data}
                          for e in t.events]
    return out
