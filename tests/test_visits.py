"""Return visits (回访) by the citizen: the invitation through the channel used (chat buttons and
SMS with a signed one-time link), once; one reminder after 2 working days; 未评价 after the window,
never satisfied; 不满意 reopens once, a second goes to the supervisors; the page and its API through
the real web app, on SQLite and PostgreSQL."""
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from bot.delivery import Deliverer as ChannelNotifier
from bot.tickets import kpi, service, visits
from bot.tickets.models import Ticket, TicketNotification
from tests.test_tickets_worker import RecordingSms, fake_rasa  # noqa: F401  (fixture, helper)
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

LINK = re.compile(r"/visit/([A-Za-z0-9_.\-]+)")


async def resolved(staff, channel="socketio", phone="13800001234", conversation=None):
    t = await service.create_ticket({
        "description": "楼下烧烤油烟太大", "category": "投诉", "department": "区住建局", "handler": "zj1",
        "channel": channel, "conversation_id": conversation or f"conv-{uuid.uuid4().hex[:8]}",
        "contact_phone": phone}, actor=staff.principals["d1"])
    for action, params in (("sign", {}), ("reply", {"text": "已约谈商家，限期整改"}), ("resolve", {})):
        t = await service.act(t["ticket_no"], action, staff.principals["zj1"], params)
    return t


def resolved_at(t) -> datetime:
    return datetime.fromisoformat(t["resolved_at"]).astimezone(timezone.utc)


async def notices(staff, ticket_no, kind=None):
    from sqlalchemy import select

    from bot.db import session_scope

    async with session_scope(staff.url) as s:
        query = select(TicketNotification).where(TicketNotification.ticket_no == ticket_no)
        if kind:
            query = query.where(TicketNotification.kind == kind)
        return list((await s.execute(query.order_by(TicketNotification.id))).scalars())


def test_tokens_are_signed_and_bound_to_the_resolution():
    at = datetime(2026, 12, 7, 3, 0, tzinfo=timezone.utc)
    token = visits.token_for("GD7KX3M9QP", at)
    assert visits.parse_token(token) == ("GD7KX3M9QP", visits.stamp(at))
    number, epoch, signature = token.split(".")
    for bad in (f"GD7KX3M9QR.{epoch}.{signature}", f"{number}.{int(epoch) + 1}.{signature}",
                f"{number}.{epoch}.{signature[:-1]}A", "x", "", f"{number}.{epoch}", token + ".x"):
        with pytest.raises(visits.LinkInvalid):
            visits.parse_token(bad)
    assert visits.token_for("GD7KX3M9QP", at + timedelta(milliseconds=1)) != token


async def test_invitation_reminder_and_verdict_once(client, staff, fake_rasa):
    rasa_url, got = fake_rasa
    t = await resolved(staff)
    sms, notifier = RecordingSms(), ChannelNotifier(rasa_url)
    now = resolved_at(t) + timedelta(minutes=1)
    r = await visits.sweep_visits(staff.url, now=now, notifier=notifier, sms=sms)
    assert r.citizen == 1 and r.sms == 1
    # chat: the text with the link, and the three verdicts as buttons opening the page
    event = got[-1]["events"][0]
    assert [b["title"] for b in event["data"]["buttons"]] == ["满意", "基本满意", "不满意"]
    assert all(b["url"].startswith("http") and "/visit/" in b["url"] for b in event["data"]["buttons"])
    phone, text = sms.sent[-1]
    assert phone == "13800001234" and t["ticket_no"] in text and "仅可评价一次" in text
    token = LINK.search(text).group(1)
    assert LINK.search(event["text"]).group(1) == token
    # once: the next sweeps send nothing until the reminder is due, then the reminder once
    assert (await visits.sweep_visits(staff.url, now=now, notifier=notifier, sms=sms)).sms == 0
    remind = visits.reminder_at(resolved_at(t)) + timedelta(minutes=1)
    assert remind - resolved_at(t) >= timedelta(days=2)
    assert (await visits.sweep_visits(staff.url, now=remind - timedelta(minutes=2), notifier=notifier, sms=sms)).sms == 0
    r = await visits.sweep_visits(staff.url, now=remind, notifier=notifier, sms=sms)
    assert r.sms == 1 and "还没有收到您的评价" in sms.sent[-1][1] and LINK.search(sms.sent[-1][1]).group(1) == token
    assert (await visits.sweep_visits(staff.url, now=remind, notifier=notifier, sms=sms)).sms == 0
    assert len(await notices(staff, t["ticket_no"], "visit_sms")) == 2

    page = await client.get(f"/visit/{token}", params={"choice": "基本满意"})
    html = await page.text()
    assert page.status == 200 and "已约谈商家，限期整改" in html and 'value="基本满意" checked' in html
    assert "13800001234" not in html and page.headers["Cache-Control"] == "no-store"
    resp = await client.post(f"/visit/{token}", data={"satisfaction": "满意", "comment": "处理很快"})
    assert resp.status == 200 and "感谢您的评价" in await resp.text()
    ticket = await service.get_ticket(t["ticket_no"], staff.principals["a1"])
    assert ticket["status"] == "closed" and ticket["satisfaction"] == "满意"
    visit = ticket["history"][-1]
    assert visit["action"] == "visit" and visit["actor"] == "citizen" and visit["data"]["by"] == "citizen"
    assert visit["data"]["comment"] == "处理很快"
    again = await client.post(f"/visit/{token}", data={"satisfaction": "不满意"})
    assert again.status == 410 and "已使用" in await again.text()
    api = await client.post(f"/api/visits/{token}", json={"satisfaction": "不满意"})
    assert api.status == 410 and (await api.json())["error"]["code"] == "link_used"
    figures = await kpi.compute("区住建局", url=staff.url)
    assert figures["overall"]["satisfaction_rate"] == 1.0


async def test_dissatisfied_reopens_once_then_goes_to_the_supervisor(client, staff):
    t = await resolved(staff, channel="api")
    sms = RecordingSms()
    await visits.sweep_visits(staff.url, now=resolved_at(t) + timedelta(minutes=1), sms=sms)
    first = LINK.search(sms.sent[-1][1]).group(1)
    info = await client.get(f"/api/visits/{first}")
    assert info.status == 200 and (await info.json())["choices"] == ["满意", "基本满意", "不满意"]
    resp = await client.post(f"/api/visits/{first}", json={"satisfaction": "不满意", "comment": "油烟还是很大"})
    body = await resp.json()
    assert resp.status == 200 and body["reopened"] is True and body["escalated"] is False
    ticket = await service.get_ticket(t["ticket_no"], staff.principals["a1"])
    assert ticket["status"] == "dispatched" and ticket["department"] == "区住建局" and ticket["reopen_count"] == 1
    assert ticket["history"][-1]["data"]["comment"] == "油烟还是很大"
    assert (await client.get(f"/api/visits/{first}")).status == 410

    # answered again: a new return visit with a new link; the second 不满意 closes and escalates
    for action, params in (("sign", {}), ("reply", {"text": "已安装油烟净化器"}), ("resolve", {})):
        t = await service.act(t["ticket_no"], action, staff.principals["zj1"], params)
    await visits.sweep_visits(staff.url, now=resolved_at(t) + timedelta(minutes=1), sms=sms)
    second = LINK.search(sms.sent[-1][1]).group(1)
    assert second != first
    body = await (await client.post(f"/api/visits/{second}", json={"satisfaction": "不满意"})).json()
    assert body["reopened"] is False and body["escalated"] is True
    ticket = await service.get_ticket(t["ticket_no"], staff.principals["a1"])
    assert ticket["status"] == "closed" and ticket["satisfaction"] == "不满意" and ticket["reopen_count"] == 1
    r = await visits.sweep_visits(staff.url, now=resolved_at(t) + timedelta(minutes=2), sms=sms)
    escalations = await notices(staff, t["ticket_no"], "escalation")
    assert r.escalations == 1 and [n.recipient for n in escalations] == ["user:s1"]
    assert "回访仍不满意" in escalations[0].text
    assert (await visits.sweep_visits(staff.url, now=resolved_at(t) + timedelta(minutes=3), sms=sms)).escalations == 0
    # both visits count in the 满意率's denominator, neither as satisfied
    assert (await kpi.compute("区住建局", url=staff.url))["overall"]["satisfaction_rate"] == 0.0


async def test_no_answer_is_unrated_and_a_phone_visit_still_works(client, staff):
    t = await resolved(staff, channel="api")
    sms = RecordingSms()
    await visits.sweep_visits(staff.url, now=resolved_at(t) + timedelta(minutes=1), sms=sms)
    token = LINK.search(sms.sent[-1][1]).group(1)
    late = visits.expires_at(resolved_at(t)) + timedelta(minutes=1)
    with pytest.raises(visits.LinkUsed):
        await visits.visit_page(token, url=staff.url, now=late)
    await visits.sweep_visits(staff.url, now=late, sms=sms)
    ticket = await service.get_ticket(t["ticket_no"], staff.principals["a1"])
    assert ticket["status"] == "resolved" and ticket["satisfaction"] is None
    assert ticket["history"][-1]["action"] == "visit_expire" and ticket["history"][-1]["data"] == {"satisfaction": "未评价"}
    page = await client.get(f"/visit/{token}")
    assert page.status == 410 and "过期" in await page.text()
    assert (await kpi.compute("区住建局", url=staff.url))["overall"]["satisfaction_rate"] is None  # not satisfied
    # the sweep does not expire twice, and the operator can still record a phone visit
    await visits.sweep_visits(staff.url, now=late + timedelta(days=1), sms=sms)
    ticket = await service.act(t["ticket_no"], "visit", staff.principals["d1"], {"satisfaction": "基本满意"})
    assert ticket["status"] == "closed" and ticket["history"][-1]["data"]["by"] == "phone"
    assert [e["action"] for e in ticket["history"]].count("visit_expire") == 1


async def test_bad_links_and_input_get_clear_answers(client, staff):
    t = await resolved(staff, channel="hotline", phone=None)
    # a hotline call without a phone: nobody to send the link to; the dispatcher phones (or not)
    r = await visits.sweep_visits(staff.url, now=resolved_at(t) + timedelta(minutes=1), sms=RecordingSms())
    assert r.sms == 0 and r.citizen == 0 and not await notices(staff, t["ticket_no"])
    token = visits.token_for(t["ticket_no"], resolved_at(t))
    assert (await client.get("/visit/not-a-token")).status == 404
    resp = await client.get("/api/visits/GD7KX3M9QP.1.abc")
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "invalid_link"
    resp = await client.post(f"/api/visits/{token}", json={"satisfaction": "还行"})
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_satisfaction"
    resp = await client.post(f"/api/visits/{token}", json={"satisfaction": "满意", "comment": "长" * 501})
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_comment"
    page = await client.post(f"/visit/{token}", data={"comment": "没选"})
    assert page.status == 400 and "请选择" in await page.text()
    ticket = await service.get_ticket(t["ticket_no"], staff.principals["a1"])
    assert ticket["status"] == "resolved"   # nothing half-written
    from bot.db import session_scope
    from sqlalchemy import select
    async with session_scope(staff.url) as s:
        assert (await s.execute(select(Ticket.status).where(Ticket.ticket_no == t["ticket_no"]))).scalar_one() == "resolved"
