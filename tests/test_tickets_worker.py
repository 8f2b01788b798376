"""The ticket worker: leadership (database lease and Redis lock), SLA sweeps with reminders and
escalation, and citizen notices through the ticket's channel (a real HTTP server standing in for
Rasa's API) and SMS."""
from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from aiohttp import web
from sqlalchemy import select

from bot.db import dispose_engine, session_scope
from bot.delivery import Deliverer as ChannelNotifier, LogSmsSender, load_sms_sender
from bot.tickets import notices, sweep as sw
from bot.tickets.models import Ticket, TicketNotification
from bot.tickets.service import act, create_ticket
from bot.worker import DbLeader, RedisLeader, Worker
from tests.tickets_helpers import staff  # noqa: F401  (fixture)

UTC = timezone.utc


class Clock:
    def __init__(self):
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


async def test_one_worker_leads_and_another_takes_over_when_it_dies(staff):
    clock = Clock()
    swept = {"w1": 0, "w2": 0}

    def worker(name):
        async def sweep():
            swept[name] += 1
        return Worker(url=staff.url, leader=DbLeader(name, staff.url, lease=30, clock=clock), sweep=sweep,
                      worker_id=name, interval=1)

    w1, w2 = worker("w1"), worker("w2")
    assert await w1.tick() is True
    assert await w2.tick() is False
    clock.now += timedelta(seconds=20)
    assert await w1.tick() is True          # renewed before expiry
    clock.now += timedelta(seconds=20)
    assert await w2.tick() is False         # 20 s after the renewal: still w1's
    assert swept == {"w1": 2, "w2": 0}
    clock.now += timedelta(seconds=31)      # w1 died: no renewal for longer than the lease
    assert await w2.tick() is True
    assert await w1.tick() is False         # it came back: stands by
    assert swept == {"w1": 2, "w2": 1}
    await w2.leader.release()               # a clean stop hands over at once
    assert await w1.tick() is True


async def _until(condition, timeout: float = 20.0) -> None:
    """Wait for the running loops to reach a state (no fixed sleep standing in for them)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "the workers never got there"
        await asyncio.sleep(0.02)


async def test_running_workers_elect_exactly_one(staff):
    workers = [Worker(url=staff.url, leader=DbLeader(f"w{i}", staff.url, lease=5), sweep=_noop,
                      worker_id=f"w{i}", interval=0.05) for i in range(3)]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    await _until(lambda: any(w.leading for w in workers))
    for _ in range(10):                     # every worker has ticked again since: still one leader
        assert sum(w.leading for w in workers) == 1
        await asyncio.sleep(0.05)
    leader = next(w for w in workers if w.leading)
    leader.stop()                           # releases the lease on the way out
    others = [w for w in workers if w is not leader]
    await _until(lambda: any(w.leading for w in others))
    assert sum(w.leading for w in others) == 1
    for w in others:
        w.stop()
    await asyncio.gather(*tasks)


async def _noop():
    return None


async def test_redis_lock_leadership(redis_url, redis_prefix):
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url)
    key = redis_prefix + "leader"
    # The lease is what is tested here, so time passes for real; every margin is 0.3 s or more (the
    # renewal 0.5 s before the first 2 s lease ends; the check 0.8 s after it would have ended and
    # 1.2 s before the renewed one does) and the takeover is waited for.
    a, b = RedisLeader(client, "a", key=key, lease=2.0), RedisLeader(client, "b", key=key, lease=2.0)
    try:
        assert await a.hold() and not await b.hold()
        await asyncio.sleep(1.5)
        assert await a.hold()               # renewal extends the PX
        await asyncio.sleep(0.8)            # past the first lease, inside the renewed one
        assert not await b.hold()
        started = asyncio.get_running_loop().time()
        while not await b.hold():           # a died: b takes over once the lease runs out
            assert asyncio.get_running_loop().time() - started < 10, "the lease never expired"
            await asyncio.sleep(0.05)
        assert not await a.hold()
        await a.release()                   # not a's lock any more: nothing deleted
        assert (await client.get(key)) == b"b"
        await b.release()
        assert await client.get(key) is None
    finally:
        await client.aclose() if hasattr(client, "aclose") else await client.close()


@pytest.fixture
async def worker_db(staff):
    yield staff
    await dispose_engine()


async def _rows(url, **where):
    async with session_scope(url) as s:
        q = select(TicketNotification).order_by(TicketNotification.id)
        for k, v in where.items():
            q = q.where(getattr(TicketNotification, k) == v)
        return list((await s.execute(q)).scalars())


async def test_sweep_turns_lights_and_reminds_then_escalates_once(worker_db):
    created = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)   # Monday 17:00 local
    t = await create_ticket({"description": "小区路灯坏了一个月", "category": "求助", "department": "区住建局",
                             "handler": "zj1"}, actor=worker_db.principals["d1"], now=created)
    # sign by end of Tuesday (local): Tuesday afternoon is past 80% → yellow, Wednesday → red
    yellow_at = datetime(2026, 3, 3, 12, 0, tzinfo=UTC)
    r = await sw.sweep_lights_and_reminders(worker_db.url, now=yellow_at)
    assert (t["ticket_no"], "green", "yellow") in r.changed and r.reminders == 1 and r.escalations == 0
    reminder = (await _rows(worker_db.url, kind="reminder"))[0]
    assert reminder.recipient == "user:zj1" and "签收时限即将到期" in reminder.text and "2026年3月3日" in reminder.text
    again = await sw.sweep_lights_and_reminders(worker_db.url, now=yellow_at + timedelta(minutes=5))
    assert again.lights == 0 and again.reminders == 0   # once only
    red_at = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
    r = await sw.sweep_lights_and_reminders(worker_db.url, now=red_at)
    assert (t["ticket_no"], "yellow", "red") in r.changed and r.reminders == 1 and r.escalations == 1
    escalations = await _rows(worker_db.url, kind="escalation")
    assert [e.recipient for e in escalations] == ["user:s1"] and "督办" in escalations[0].text
    async with session_scope(worker_db.url) as s:
        row = (await s.execute(select(Ticket).where(Ticket.ticket_no == t["ticket_no"]))).unique().scalar_one()
        assert row.light == "red" and row.version == t["version"]   # no version bump: no spurious 409
    assert (await sw.sweep_lights_and_reminders(worker_db.url, now=red_at)).escalations == 0


@pytest.fixture
async def fake_rasa():
    """A real HTTP server with Rasa's tracker-events endpoint, recording what it gets."""
    got = []

    async def events(request):
        got.append({"conversation": request.match_info["cid"], "params": dict(request.query),
                    "events": await request.json()})
        return web.json_response({"events": None})

    app = web.Application()
    app.router.add_post("/conversations/{cid}/tracker/events", events)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", got
    await runner.cleanup()


class RecordingSms:
    def __init__(self):
        self.sent = []

    async def send(self, phone, text):
        self.sent.append((phone, text))


async def _replied(staff, channel, conversation, phone=None):
    t = await create_ticket({"description": "楼下烧烤油烟太大", "category": "投诉", "department": "区住建局",
                             "handler": "zj1", "channel": channel, "conversation_id": conversation,
                             "contact_phone": phone}, actor=staff.principals["d1"])
    await act(t["ticket_no"], "sign", staff.principals["zj1"])
    await act(t["ticket_no"], "reply", staff.principals["zj1"], {"text": "已约谈商家，限期整改"})
    return t


async def test_citizen_notices_go_back_through_the_channel(worker_db, fake_rasa):
    rasa_url, got = fake_rasa
    web_conv, rest_conv = f"sock-{uuid.uuid4().hex[:8]}", f"rest-{uuid.uuid4().hex[:8]}"
    t1 = await _replied(worker_db, "socketio", web_conv, "13800001234")
    t2 = await _replied(worker_db, "rest", rest_conv)
    sms = RecordingSms()
    r = await sw.notify_citizens(worker_db.url, notifier=ChannelNotifier(rasa_url), sms=sms)
    assert r.citizen == 2 and r.sms == 1
    by_conv = {g["conversation"]: g for g in got}
    push = by_conv[web_conv]
    assert push["params"]["output_channel"] == "socketio" and push["params"]["execute_side_effects"] == "true"
    assert push["events"][0]["event"] == "bot" and "已约谈商家，限期整改" in push["events"][0]["text"]
    assert t1["ticket_no"] in push["events"][0]["text"]
    assert "output_channel" not in by_conv[rest_conv]["params"]   # REST: recorded in the conversation only
    assert sms.sent == [("13800001234", push["events"][0]["text"])]
    rows = {(n.ticket_no, n.kind): n.status for n in await _rows(worker_db.url)}
    assert rows[(t1["ticket_no"], "citizen")] == "sent" and rows[(t1["ticket_no"], "sms")] == "sent"
    assert rows[(t2["ticket_no"], "citizen")] == "stored"
    # stored for the next message of the REST conversation, handed out once
    texts = await sw.take_stored(rest_conv, worker_db.url)
    assert len(texts) == 1 and t2["ticket_no"] in texts[0]
    assert await sw.take_stored(rest_conv, worker_db.url) == []
    # once only
    again = await sw.notify_citizens(worker_db.url, notifier=ChannelNotifier(rasa_url), sms=sms)
    assert again.citizen == 0 and again.sms == 0 and len(got) == 2


async def test_unreachable_channel_is_recorded_as_failed(worker_db):
    from bot.ports import free_ports

    t = await _replied(worker_db, "socketio", "sock-x")
    await sw.notify_citizens(worker_db.url, notifier=ChannelNotifier(f"http://127.0.0.1:{free_ports(1)[0]}"),
                             sms=RecordingSms())
    row = (await _rows(worker_db.url, ticket_no=t["ticket_no"], kind="citizen"))[0]
    assert row.status == "failed" and row.error


async def test_log_only_sms_is_masked(caplog):
    assert isinstance(load_sms_sender(""), LogSmsSender)
    assert isinstance(load_sms_sender("tests.test_tickets_worker:RecordingSms"), RecordingSms)
    with caplog.at_level(logging.INFO, logger="bot.delivery"):
        await LogSmsSender().send("13800001234", "张先生您好，工单已答复，电话13800001234")
    record = caplog.records[-1]
    assert "13800001234" not in record.phone and "13800001234" not in record.text
    with pytest.raises(ValueError):
        load_sms_sender("no-colon")


class FlakySms:
    """An SMS gateway that is down for the first ``failures`` messages."""

    def __init__(self, failures):
        self.failures, self.sent = failures, []

    async def send(self, phone, text):
        if self.failures > 0:
            self.failures -= 1
            raise ConnectionError("gateway down")
        self.sent.append((phone, text))


async def test_failed_notices_are_retried_with_growing_pauses_then_given_up(worker_db, fake_rasa):
    from datetime import datetime, timedelta, timezone

    rasa_url, got = fake_rasa
    t = await _replied(worker_db, "socketio", f"sock-{uuid.uuid4().hex[:8]}", "13800001234")
    now = datetime.now(timezone.utc)
    sms = FlakySms(failures=2)
    await sw.notify_citizens(worker_db.url, now=now, notifier=ChannelNotifier(rasa_url), sms=sms)
    row = (await _rows(worker_db.url, ticket_no=t["ticket_no"], kind="sms"))[0]
    assert row.status == "failed" and row.attempts == 1 and row.error == "ConnectionError"
    assert sw.sla.as_utc(row.next_attempt_at) == now + timedelta(minutes=1)

    # Not due yet: nothing happens. Due: tried again (fails), then the pause doubles.
    assert (await sw.retry_failed_notices(worker_db.url, now=now + timedelta(seconds=30), sms=sms)).sms == 0
    await sw.retry_failed_notices(worker_db.url, now=now + timedelta(minutes=1), sms=sms)
    row = (await _rows(worker_db.url, ticket_no=t["ticket_no"], kind="sms"))[0]
    assert row.status == "failed" and row.attempts == 2
    assert sw.sla.as_utc(row.next_attempt_at) == now + timedelta(minutes=3)
    third = await sw.retry_failed_notices(worker_db.url, now=now + timedelta(minutes=3), sms=sms)
    assert third.sms == 1 and sms.sent and t["ticket_no"] in sms.sent[0][1]
    row = (await _rows(worker_db.url, ticket_no=t["ticket_no"], kind="sms"))[0]
    assert row.status == "sent" and row.attempts == 3 and row.next_attempt_at is None
    # The chat notice went through the first time and is never sent again.
    assert len(got) == 1

    # A gateway that never recovers: MAX_ATTEMPTS tries in all, then the notice stays failed.
    t2 = await _replied(worker_db, "api", None, "13900001234")
    dead = FlakySms(failures=100)
    await sw.notify_citizens(worker_db.url, now=now, sms=dead)
    moment = now
    for _ in range(notices.MAX_ATTEMPTS + 2):
        moment += timedelta(hours=2)
        await sw.retry_failed_notices(worker_db.url, now=moment, sms=dead)
    row = (await _rows(worker_db.url, ticket_no=t2["ticket_no"], kind="sms"))[0]
    assert row.status == "failed" and row.attempts == notices.MAX_ATTEMPTS and row.next_attempt_at is None
    assert dead.failures == 100 - notices.MAX_ATTEMPTS
