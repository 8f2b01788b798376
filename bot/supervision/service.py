"""Recomputing lights, writing warnings and applicant notices, delivering them (docs/supervision.md).

``refresh()`` is called after every push of the source systems (bot.web.sync) for the pushed
numbers, and by the worker on every sweep for every open application; both only derive rows from
the application tables, so a worker or Redis restart loses nothing: the next sweep writes what is
missing. Each warning and notice is an INSERT … ON CONFLICT DO NOTHING on the unique
``(application, kind, dedupe_key)``, so duplicate and concurrent events produce it once.
Applicant notices are written ``pending`` (the outbox) and sent by ``deliver()``: claimed with a
conditional UPDATE (one sender per row), retried with growing pauses on failure
(bot.delivery.retry_delay, MAX_ATTEMPTS), ``skipped`` when the recipient opted out (退订).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Iterable, Optional

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import selectinload

from bot.approvals.models import Application
from bot.approvals.queries import facts_of
from bot.approvals.status import compute_status
from bot.db import session_scope
from bot.imports.fields import as_utc, local_tz
from bot.delivery import FAILED, MAX_ATTEMPTS, Deliverer, SmsSender, deliverer, retry_delay
from bot.privacy import mask_phone
from bot.supervision import notices as texts
from bot.supervision.lights import GREEN, RED, YELLOW, Supervision, detail_of, supervise
from bot.supervision.models import NoticeOptOut, SupervisionNotice, SupervisionState
from bot.supervision.policy import SupervisionPolicy, load_policy
from bot.supervision.routes import WECHAT_CHANNELS, send_wechat

logger = logging.getLogger(__name__)

BATCH = 500
CLAIM_LEASE = timedelta(minutes=5)  # a claimed notice whose sender died is taken again after this


@dataclass
class RefreshResult:
    applications: int = 0
    changed: list = field(default_factory=list)   # (application_no, old light, new light)
    warnings: int = 0
    escalations: int = 0
    notices: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0


def today_of(now: datetime) -> date:
    return as_utc(now).astimezone(local_tz()).date()


async def _insert_once(session, values: dict) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on (application_id, kind, dedupe_key); True when inserted."""
    table = SupervisionNotice.__table__
    dialect = session.bind.dialect.name
    stmt = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).values(**values)
    stmt = stmt.on_conflict_do_nothing(index_elements=["application_id", "kind", "dedupe_key"])
    return (await session.execute(stmt)).rowcount == 1


async def _upsert_state(session, application_id: int, values: dict) -> None:
    """One state row per application, written by whichever refresh comes (the 督办 mark is kept)."""
    table = SupervisionState.__table__
    dialect = session.bind.dialect.name
    stmt = (postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)).values(
        application_id=application_id, supervised=False, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["application_id"], set_=values))


def _staff_text(sv: Supervision, level: str) -> str:
    f, c = sv.facts, sv.current
    if level == YELLOW:
        return (f"【黄灯预警】办件{f.application_no}（{f.item_name}）{c.stage}环节已用{c.used}个工作日，"
                f"时限{c.limit}个工作日，即将超期，请抓紧办理。")
    return (f"【红灯警示】办件{f.application_no}（{f.item_name}）{c.stage}环节已超期{c.over}个工作日"
            f"（时限{c.limit}个工作日，已用{c.used}个工作日），请尽快办理并说明超期原因。")


async def _warn(session, app: Application, sv: Supervision, now: datetime, result: RefreshResult) -> None:
    """Yellow → the department; red → the department and the 监察 role; once per stage and level."""
    c = sv.current
    if c is None or c.light == GREEN:
        return
    key = f"{c.light}:{c.stage}"
    base = dict(application_id=app.id, application_no=app.application_no, dedupe_key=key, channel="staff",
                status="stored", created_at=now)
    text = _staff_text(sv, c.light)
    if await _insert_once(session, dict(base, kind="warning", recipient=f"department:{app.department}", text=text)):
        result.warnings += 1
    if c.light == RED and await _insert_once(session, dict(
            base, kind="escalation", recipient="role:supervisor", text=f"{text}承办部门：{app.department}。")):
        result.escalations += 1


async def _applicant_notices(session, app: Application, sv: Supervision, policy: SupervisionPolicy,
                             now: datetime, result: RefreshResult, any_age: bool = False) -> None:
    oldest = datetime.min.replace(tzinfo=timezone.utc) if any_age else \
        now - timedelta(hours=policy.notices.max_event_age_hours)
    status = compute_status(sv.facts, today_of(now))
    channel, address = texts.recipient(app.notify_channel, app.notify_to, app.applicant_phone)
    for event in sv.facts.events:
        if event.stage not in policy.notices.stages or as_utc(event.at) < oldest:
            continue
        if await _insert_once(session, dict(
                application_id=app.id, application_no=app.application_no, kind="applicant",
                dedupe_key=texts.dedupe_key(event), channel=channel, recipient=address[:128],
                text=texts.stage_text(event, status, policy, sv.total_limit), status="pending",
                fields=texts.stage_fields(event, status, sv.total_limit),
                created_at=now, attempts=0, next_attempt_at=now)):
            result.notices += 1


def _state_values(app: Application, sv: Supervision, now: datetime) -> dict:
    c = sv.current
    return dict(application_no=app.application_no, department=app.department, light=sv.light,
                stage=c.stage if c else None, stage_light=c.light if c else None,
                detail=detail_of(sv),
                computed_at=now)


async def refresh(url: Optional[str] = None, numbers: Optional[Iterable[str]] = None,
                  now: Optional[datetime] = None, policy: Optional[SupervisionPolicy] = None,
                  send: bool = True, notifier: Optional[Deliverer] = None,
                  sms: Optional[SmsSender] = None, live: bool = False) -> RefreshResult:
    """Recompute the lights of the given applications (all open ones when ``numbers`` is None),
    write warnings and applicant notices once, then deliver what is due. ``live``: the events were
    just pushed by the source system, so each stage not told yet is told whatever its age (files and
    sweeps tell only events younger than notices.max_event_age_hours)."""
    now = as_utc(now or datetime.now(timezone.utc))
    policy = policy or load_policy()
    result = RefreshResult()
    async with session_scope(url) as session:
        query = select(Application).options(selectinload(Application.events)).order_by(Application.id)
        if numbers is None:
            query = query.where(Application.status == "in_progress").limit(BATCH * 20)
        else:
            query = query.where(Application.application_no.in_(list(numbers)))
        apps = (await session.execute(query)).scalars().all()
        states = dict((await session.execute(
            select(SupervisionState.application_id, SupervisionState.light)
            .where(SupervisionState.application_id.in_([a.id for a in apps])))).all()) if apps else {}
        for app in apps:
            sv = supervise(facts_of(app), policy, today_of(now))
            old = states.get(app.id)
            if old != sv.light:
                result.changed.append((app.application_no, old, sv.light))
            await _upsert_state(session, app.id, _state_values(app, sv, now))
            if not sv.finished:
                await _warn(session, app, sv, now, result)
            await _applicant_notices(session, app, sv, policy, now, result, live)
            result.applications += 1
    if send:
        sent = await deliver(url, now, notifier, sms)
        result.sent, result.failed, result.skipped = sent.sent, sent.failed, sent.skipped
    if result.warnings or result.notices or result.changed:
        logger.info("supervision refresh", extra={
            "applications": result.applications, "changed": len(result.changed), "warnings": result.warnings,
            "escalations": result.escalations, "notices": result.notices, "sent": result.sent})
    return result


async def deliver(url: Optional[str] = None, now: Optional[datetime] = None,
                  notifier: Optional[Deliverer] = None, sms: Optional[SmsSender] = None) -> RefreshResult:
    """Send the applicant notices that are due (new, failed and due again, or claimed by a sender
    that died); each claimed by one sender only."""
    now = as_utc(now or datetime.now(timezone.utc))
    result = RefreshResult()
    table = SupervisionNotice.__table__
    claimed = []
    async with session_scope(url) as session:
        due = (await session.execute(
            select(table.c.id, table.c.application_no, table.c.channel, table.c.recipient, table.c.text,
                   table.c.attempts, table.c.status, table.c.fields, Application.applicant_phone.label("phone"))
            .join(Application, Application.id == table.c.application_id)
            .where(table.c.kind == "applicant", table.c.status.in_(("pending", FAILED, "sending")),
                   table.c.next_attempt_at.is_not(None), table.c.next_attempt_at <= now)
            .order_by(table.c.id).limit(BATCH))).all()
        opted = set((await session.execute(select(NoticeOptOut.recipient_hash).where(
            NoticeOptOut.recipient_hash.in_([texts.recipient_hash(r.recipient) for r in due])))).scalars()) \
            if due else set()
        for row in due:
            if texts.recipient_hash(row.recipient) in opted:
                await session.execute(table.update().where(table.c.id == row.id, table.c.status == row.status)
                                      .values(status="skipped", next_attempt_at=None, sent_at=now))
                result.skipped += 1
                continue
            taken = await session.execute(
                table.update().where(table.c.id == row.id, table.c.status == row.status,
                                     table.c.attempts == row.attempts)
                .values(status="sending", attempts=row.attempts + 1, next_attempt_at=now + CLAIM_LEASE))
            if taken.rowcount == 1:
                claimed.append(row)
    if not claimed:
        return result
    courier = deliverer(notifier, sms)
    policy = load_policy()
    for row in claimed:
        attempt = row.attempts + 1
        route = row.channel
        if row.channel in WECHAT_CHANNELS:  # template/subscribe → customer-service message → SMS
            try:
                outcome = await send_wechat(row.channel, row.recipient, row.text, row.fields, row.phone,
                                            policy, courier, url)
                status, error, route = outcome.status, outcome.error, outcome.route
            except Exception as exc:  # network, WeChat busy: a passing failure, retried from the top
                status, error = FAILED, type(exc).__name__
        else:
            delivery = await courier.deliver(row.channel, row.recipient, row.text)
            status, error = delivery.status, delivery.error
        retry_at = None
        if status == FAILED:
            result.failed += 1
            retry_at = now + retry_delay(attempt) if attempt < MAX_ATTEMPTS else None
            logger.warning("applicant notice failed", extra={
                "application_no": row.application_no, "channel": row.channel, "error": error,
                "attempt": attempt, "to": mask_phone(row.recipient) if row.channel == "sms" else "chat",
                "will_retry": retry_at is not None})
        else:
            result.sent += 1
        async with session_scope(url) as session:
            await session.execute(table.update().where(table.c.id == row.id).values(
                status=status, error=(error or "")[:200] or None, sent_at=datetime.now(timezone.utc),
                next_attempt_at=retry_at, route=route if status != FAILED else None))
    return result


async def opt_out(address: str, url: Optional[str] = None, now: Optional[datetime] = None) -> bool:
    """退订: no more stage notices to this phone or openid; True when newly recorded."""
    digest = texts.recipient_hash(address)
    async with session_scope(url) as session:
        if await session.get(NoticeOptOut, digest) is not None:
            return False
        session.add(NoticeOptOut(recipient_hash=digest, created_at=as_utc(now or datetime.now(timezone.utc))))
    return True


async def opt_in(address: str, url: Optional[str] = None) -> bool:
    """恢复通知: stage notices to this phone or openid again; True when an opt-out was removed."""
    digest = texts.recipient_hash(address)
    async with session_scope(url) as session:
        row = await session.get(NoticeOptOut, digest)
        if row is None:
            return False
        await session.delete(row)
    return True


@dataclass
class ChatOptOut:
    """What 退订 / 恢复通知 in chat changed: the applications it covers (numbers), whether a phone
    typed in the message was included, whether anything changed."""
    applications: list = field(default_factory=list)
    phone: Optional[str] = None
    changed: bool = False

    @property
    def found(self) -> bool:
        return bool(self.applications or self.phone)


async def _chat_addresses(sender_id: str, phone: Optional[str], url: Optional[str]) -> tuple[ChatOptOut, set]:
    """The addresses the conversation's applicant is told at: the conversation id where it is the
    applications' notify_to (WeChat openid, widget conversation), those applications' phones (the SMS
    fallback), and a phone the citizen typed."""
    from bot.identifiers import normalize_phone

    result = ChatOptOut()
    addresses: set = set()
    async with session_scope(url) as session:
        if sender_id:
            rows = (await session.execute(select(Application.application_no, Application.applicant_phone)
                                          .where(Application.notify_to == sender_id)
                                          .order_by(Application.id))).all()
            if rows:
                addresses.add(sender_id)
            for no, app_phone in rows:
                result.applications.append(no)
                if app_phone:
                    addresses.add(app_phone)
    if phone:
        result.phone = normalize_phone(phone)
        addresses.add(result.phone)
    return result, addresses


async def opt_out_chat(sender_id: str, phone: Optional[str] = None, url: Optional[str] = None,
                       now: Optional[datetime] = None) -> ChatOptOut:
    """退订 said in chat: no more stage notices to any address of this conversation's applicant."""
    result, addresses = await _chat_addresses(sender_id, phone, url)
    for address in sorted(addresses):
        result.changed = await opt_out(address, url, now) or result.changed
    if result.found:
        logger.info("stage notices opted out in chat", extra={
            "applications": len(result.applications), "typed_phone": mask_phone(result.phone or "")})
    return result


async def opt_in_chat(sender_id: str, phone: Optional[str] = None, url: Optional[str] = None) -> ChatOptOut:
    """恢复通知 said in chat: stage notices to this conversation's applicant again."""
    result, addresses = await _chat_addresses(sender_id, phone, url)
    for address in sorted(addresses):
        result.changed = await opt_in(address, url) or result.changed
    return result


async def sweep(url: Optional[str] = None, now: Optional[datetime] = None) -> RefreshResult:
    """The worker's beat: every open application, then every due notice."""
    return await refresh(url, None, now)


__all__ = ["refresh", "deliver", "sweep", "opt_out", "opt_in", "opt_out_chat", "opt_in_chat", "RefreshResult",
           "ChatOptOut"]
