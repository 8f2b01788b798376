"""Hot issues as events and 一事多诉 (#15): grouping on a seeded month of tickets, readable titles
and no filler-word topic (pure logic); on SQLite and PostgreSQL: auto-linking with evidence,
confirm/undo/manual link through the API, a linked ticket dispatched, urged and answered with its
lead (the answer reaching every citizen through the worker's notice path), workload counted once
and the 三率 per ticket, the dispatcher queue's order, GET /api/hot-issues with its role checks,
the dashboard's events, and the hotline assist ("已有N件相同诉求", precedents of the same matter)."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from bot.tickets import events as ev
from bot.tickets import hot, service, sweep
from bench.hot_issues import measure, seeded_month
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

DRAIN = "枣山街道幸福小区3栋门口下水道堵了，污水冒得到处都是"
DRAIN_2 = "幸福小区的下水道又堵了，臭得很，污水漫到路上"
DRAIN_3 = "我住枣山街道幸福小区，楼下下水道堵塞好几天了，污水外溢"
# the same problem in another 小区 of the same 街道, and another problem in the same 小区
DRAIN_ELSEWHERE = "枣山街道御景湾小区下水道堵了，污水冒出来"
LAMP_SAME_PLACE = "枣山街道幸福小区的路灯坏了，晚上黑黢黢的"


def h(staff, who):
    return {"Authorization": f"Bearer {staff.tokens[who]}"}


# --- grouping (pure) --------------------------------------------------------------------------------
def test_grouping_on_a_seeded_month_is_precise_and_complete():
    figures = measure()
    assert figures["tickets"] >= 120 and figures["true_events"] >= 14
    assert figures["pairwise"]["precision"] >= 0.95, figures
    assert figures["pairwise"]["recall"] >= 0.9, figures
    assert figures["stopword_titles"] == []
    assert figures["true_events_found_whole"] >= figures["true_events"] - 3


def test_same_problem_elsewhere_another_problem_here_and_three_weeks_later_are_other_events():
    t0 = datetime(2026, 11, 2, 2, tzinfo=timezone.utc)
    texts = [(DRAIN, t0), (DRAIN_2, t0 + timedelta(hours=20)), (DRAIN_3, t0 + timedelta(days=2)),
             (DRAIN_ELSEWHERE, t0 + timedelta(hours=3)), (LAMP_SAME_PLACE, t0 + timedelta(hours=5)),
             (DRAIN_2, t0 + timedelta(days=23))]
    items = [ev.Item(id=i + 1, ticket_no=f"T{i + 1}", created_at=at, text=text, citizen=f"p{i}")
             for i, (text, at) in enumerate(texts)]
    groups = sorted(([i.id for i in g.items] for g in ev.group(items)), key=len, reverse=True)
    assert groups == [[1, 2, 3], [4], [5], [6]]


@pytest.mark.parametrize("location, text, division, site", [
    (None, "枣山街道幸福小区3栋门口下水道堵了", "枣山街道", "幸福小区"),
    ("幸福小区5栋2单元", "下水道堵了", "", "幸福小区"),
    (None, "我住在枣山那边的幸福小区，下水道堵了", "枣山街道", "幸福小区"),
    (None, "协兴镇花园村3组的路灯坏了", "协兴镇", "花园村"),
    (None, "滨河路12号门口的井盖不见了", "", "滨河路"),
    ("广安区北辰街道某小区", "停水了", "北辰街道", ""),
    (None, "我们小区楼下烧烤店油烟大", "", ""),
    (None, "孩子在学校食堂吃坏了肚子", "", ""),
    (None, "和平路和中山路交叉口红绿灯坏了", "", "和平路"),
])
def test_places_are_normalised_to_division_and_site(location, text, division, site):
    assert ev.place_key(location, text) == ev.PlaceKey(division, site)
    assert ev.PlaceKey("枣山街道", "幸福小区").compatible(ev.PlaceKey("", "幸福小区")) == "site"
    assert ev.PlaceKey("枣山街道", "幸福小区").compatible(ev.PlaceKey("北辰街道", "幸福小区")) is None
    assert ev.PlaceKey("枣山街道", "").compatible(ev.PlaceKey("枣山街道", "")) == "division"


def test_title_reads_place_problem_and_counts():
    t0 = datetime(2026, 11, 2, 2, tzinfo=timezone.utc)
    calls = [(DRAIN, 0, "a"), (DRAIN_2, 1, "b"), (DRAIN_3, 2, "c"), (DRAIN_2, 2.1, "c")]
    items = [ev.Item(id=i + 1, ticket_no=f"T{i + 1}", created_at=t0 + timedelta(days=d), text=text, citizen=c)
             for i, (text, d, c) in enumerate(calls)]
    (event,) = ev.group(items)
    params = ev.load_params()
    title = ev.title(event, params)
    assert title.startswith("枣山街道幸福小区 ") and title.endswith("— 4件 3人 3天"), title
    assert "下水道" in title
    now = t0 + timedelta(days=2, hours=3)
    hot_now, hot_later = ev.heat(event, now, params), ev.heat(event, now + timedelta(days=6), params)
    assert hot_now > hot_later > 0, "heat falls as the event goes quiet"


def test_unrelated_real_style_requests_form_no_event():
    """knowledge/routing/test.yml: 213 requests of different citizens about different matters, put on
    one day — none is the same problem at the same place as another."""
    import yaml

    from bot.settings import get_settings

    data = yaml.safe_load((get_settings().knowledge_dir / "routing" / "test.yml").read_text(encoding="utf-8"))
    texts = [t for d in data["departments"] for t in d["texts"]]
    t0 = datetime(2026, 11, 2, 1, tzinfo=timezone.utc)
    items = [ev.Item(id=i, ticket_no=str(i), created_at=t0 + timedelta(minutes=i), text=t, citizen=str(i))
             for i, t in enumerate(texts)]
    assert len(texts) > 200
    assert [[i.text for i in g.items] for g in ev.group(items) if len(g.items) > 1] == []


def test_filler_words_never_form_a_topic():
    """The old banners were single words ("我要", "小区", "楼下", "半个"): vague messages from one 小区
    may form an event, but its title never names a filler word as the problem."""
    params = ev.load_params()
    t0 = datetime(2026, 11, 2, 2, tzinfo=timezone.utc)
    vague = ["我要反映幸福小区楼下的情况，半个月了都没人管", "我要投诉幸福小区楼下，半个月了还是这样",
             "幸福小区楼下的事我要反映一下，半个月了", "我要问一下幸福小区楼下那个事情，半个多月了"]
    items = [ev.Item(id=i + 1, ticket_no=f"T{i + 1}", created_at=t0 + timedelta(hours=i), text=t, citizen=str(i))
             for i, t in enumerate(vague)]
    for event in ev.group(items, params):
        label = ev.problem_label(event, params)
        for word in label.split("、"):
            assert word not in params.stopwords and word not in ("我要", "小区", "楼下", "半个"), label
    for word in ("我要", "小区", "楼下", "半个"):
        assert word in params.stopwords


def test_params_are_validated_with_the_place_of_each_problem():
    from bot.knowledge.loader import KnowledgeError

    with pytest.raises(KnowledgeError) as info:
        ev.parse_params({"window_days": 0, "heat": {"half_life_hours": "x"}, "stopwords": [1]})
    text = str(info.value)
    assert "window_days" in text and "heat.half_life_hours" in text and "stopwords" in text


# --- linking (database) --------------------------------------------------------------------------
async def _create(staff, text, phone, now=None, **extra):
    return await service.create_ticket({"description": text, "contact_phone": phone, **extra},
                                       actor=staff.principals["d1"], url=staff.url, now=now, auto_dispatch=False)


class _Sms:
    def __init__(self):
        self.sent = []

    async def send(self, phone, text):
        self.sent.append((phone, text))


async def test_a_new_ticket_about_an_open_event_is_linked_with_evidence_and_undone(staff):
    now = datetime.now(timezone.utc)
    lead = await _create(staff, DRAIN, "13800138001", now=now - timedelta(hours=6))
    other = await _create(staff, LAMP_SAME_PLACE, "13800138004", now=now - timedelta(hours=5))
    follower = await _create(staff, DRAIN_2, "13800138002", location="枣山街道幸福小区")
    assert lead["link"] is None and other["link"] is None
    link = follower["link"]
    assert link["lead"] == lead["ticket_no"] and link["status"] == "auto" and link["created_by"] == "system"
    evidence = link["evidence"]
    assert evidence["place"] == "枣山街道幸福小区" and evidence["matter_name"] == "排水与城市内涝"
    assert lead["ticket_no"] in evidence["text"] and "同一地点" in evidence["text"]
    shown = await service.get_ticket(lead["ticket_no"], staff.principals["d1"], url=staff.url)
    assert [x["ticket_no"] for x in shown["linked"]] == [follower["ticket_no"]]

    P = staff.principals
    confirmed = await service.act(follower["ticket_no"], "link_confirm", P["d1"], {}, url=staff.url)
    assert confirmed["link"]["status"] == "confirmed" and confirmed["link"]["decided_by"] == "d1"
    undone = await service.act(follower["ticket_no"], "unlink", P["d1"], {"reason": "不是同一处"}, url=staff.url)
    assert undone["link"] is None and [e["action"] for e in undone["history"]][-2:] == ["link_confirm", "unlink"]
    # handlers may not link; a dispatcher may link by hand again
    from bot.tickets.lifecycle import Forbidden, InvalidTransition

    with pytest.raises(Forbidden):
        await service.act(follower["ticket_no"], "link", P["zj1"], {"lead": lead["ticket_no"]}, url=staff.url)
    relinked = await service.act(follower["ticket_no"], "link", P["d1"], {"lead": lead["ticket_no"]}, url=staff.url)
    assert relinked["link"]["status"] == "confirmed" and "手工关联" in relinked["link"]["evidence"]["text"]
    with pytest.raises(InvalidTransition):
        await service.act(follower["ticket_no"], "link", P["d1"], {"lead": other["ticket_no"]}, url=staff.url)
    await service.act(follower["ticket_no"], "unlink", P["d1"], {}, url=staff.url)
    # after an undo the system does not group those two again …
    items = (await hot.hot_issues(url=staff.url, department=None))["items"]
    assert all(not {lead["ticket_no"], follower["ticket_no"]} <= {t["ticket_no"] for t in e["tickets"]}
               for e in items)
    # … and a third citizen still joins the lead
    third = await _create(staff, DRAIN_3, "13800138003")
    assert third["link"]["lead"] == lead["ticket_no"]


async def test_praise_neither_joins_nor_leads_an_event(staff):
    """Thanks for the crew that cleared the drain name the drain and the place, but report no problem."""
    now = datetime.now(timezone.utc)
    praise = await _create(staff, "表扬一下！" + DRAIN, "13800138011", now=now - timedelta(hours=6), category="表扬")
    lead = await _create(staff, DRAIN, "13800138012", now=now - timedelta(hours=5))
    thanks = await _create(staff, "表扬一下！" + DRAIN_2, "13800138013", location="枣山街道幸福小区", category="表扬")
    follower = await _create(staff, DRAIN_2, "13800138014", location="枣山街道幸福小区")
    assert praise["link"] is None and thanks["link"] is None
    assert lead["link"] is None and follower["link"]["lead"] == lead["ticket_no"]


async def test_linked_tickets_are_dispatched_urged_and_answered_together(staff):
    now = datetime.now(timezone.utc)
    P = staff.principals
    lead = await _create(staff, DRAIN, "13800138001", now=now - timedelta(hours=3))
    f1 = await _create(staff, DRAIN_2, "13800138002", now=now - timedelta(hours=2), location="枣山街道幸福小区")
    f2 = await _create(staff, DRAIN_3, "13800138003", now=now - timedelta(hours=1))
    assert f1["link"]["lead"] == f2["link"]["lead"] == lead["ticket_no"]
    assert f1["status"] == f2["status"] == "pending_dispatch"

    done = await service.act(lead["ticket_no"], "dispatch", P["d1"], {"department": "区住建局"}, url=staff.url)
    assert {f["ticket_no"] for f in done["followers"]} == {f1["ticket_no"], f2["ticket_no"]}
    handler = done["handler"]
    for no in (f1["ticket_no"], f2["ticket_no"]):
        t = await service.get_ticket(no, P["d1"], url=staff.url)
        assert t["status"] == "dispatched" and t["department"] == "区住建局" and t["handler"] == handler

    urged = await service.urge_ticket(f1["ticket_no"], url=staff.url)  # the citizen of f1 urges in chat
    for no in (lead["ticket_no"], f1["ticket_no"], f2["ticket_no"]):
        t = await service.get_ticket(no, P["d1"], url=staff.url)
        assert [e["action"] for e in t["history"]].count("urge") == 1, (no, t["history"])
    assert urged["ticket_no"] == f1["ticket_no"]

    reply = "已安排疏通幸福小区3栋下水道，并清理外溢污水。"
    await service.act(lead["ticket_no"], "sign", P[handler], {}, url=staff.url)
    answered = await service.act(lead["ticket_no"], "reply", P[handler], {"text": reply}, url=staff.url)
    assert all(f["status"] == "replied" for f in answered["followers"])
    sms = _Sms()
    await sweep.notify_citizens(url=staff.url, sms=sms)
    got = {phone: text for phone, text in sms.sent}
    assert set(got) == {"13800138001", "13800138002", "13800138003"}, "the answer reaches every citizen"
    for phone, no in (("13800138001", lead), ("13800138002", f1), ("13800138003", f2)):
        assert reply in got[phone] and no["ticket_no"] in got[phone], "each citizen gets their own ticket number"

    # once the lead is answered, the same matter told again is not joined to it by itself (it may
    # persist): the dispatcher decides, and a ticket linked by hand catches up with the lead
    late = await _create(staff, "枣山街道幸福小区下水道堵塞，污水冒到路上了", "13800138009")
    assert late["link"] is None and late["status"] == "pending_dispatch"
    late = await service.act(late["ticket_no"], "link", P["d1"], {"lead": lead["ticket_no"]}, url=staff.url)
    assert late["status"] == "replied" and late["reply"] == reply
    # a ticket linked by hand (another 小区: not auto-linked) catches up as well
    manual = await _create(staff, "北辰街道万盛小区下水道堵了，污水冒出来", "13800138010")
    assert manual["link"] is None and manual["status"] == "pending_dispatch"
    manual = await service.act(manual["ticket_no"], "link", P["d1"], {"lead": lead["ticket_no"]}, url=staff.url)
    assert manual["status"] == "replied" and manual["reply"] == reply and manual["link"]["status"] == "confirmed"
    await service.act(lead["ticket_no"], "resolve", P[handler], {}, url=staff.url)
    for no in (f1["ticket_no"], f2["ticket_no"], late["ticket_no"], manual["ticket_no"]):
        assert (await service.get_ticket(no, P["d1"], url=staff.url))["status"] == "resolved"

    # workload once, the 三率 per citizen
    from bot.tickets import kpi

    figures = await kpi.compute(url=staff.url)
    assert figures["overall"]["tickets"] == 5 and figures["overall"]["workload"] == 1
    assert figures["overall"]["linked"] == 4
    assert figures["departments"]["区住建局"]["workload"] == 1
    assert figures["overall"]["resolve_rate"] == 1.0


async def test_dispatcher_queue_is_urgent_first_then_by_deadline(staff):
    now = datetime.now(timezone.utc)
    old = await _create(staff, "小区里有个问题想咨询一下怎么处理", "13800138011", now=now - timedelta(days=2))
    new = await _create(staff, "想咨询一下办事的流程", "13800138012", now=now - timedelta(hours=1))
    urgent = await _create(staff, "协兴镇花园村楼道里燃气泄漏，味道很大", "13800138013", now=now - timedelta(minutes=5))
    assert urgent["urgent"] is True
    items = await service.list_tickets(staff.principals["d1"], status="pending_dispatch", sort="queue", url=staff.url)
    assert [t["ticket_no"] for t in items][:3] == [urgent["ticket_no"], old["ticket_no"], new["ticket_no"]]
    from bot.tickets.lifecycle import InvalidInput

    with pytest.raises(InvalidInput):
        await service.list_tickets(staff.principals["d1"], sort="heat", url=staff.url)


async def test_an_unsure_routing_waits_for_the_dispatcher(staff):
    t = await service.create_ticket({"description": "我有个事情想问一下"}, actor=staff.principals["d1"], url=staff.url)
    assert t["status"] == "pending_dispatch" and t["department"] is None and t["routing_unsure"] is True


async def test_hot_issues_api(client, staff):
    now = datetime.now(timezone.utc)
    for i, text in enumerate((DRAIN, DRAIN_2, DRAIN_3)):
        await _create(staff, text, f"1380013810{i}", now=now - timedelta(hours=5 - i))
    await _create(staff, LAMP_SAME_PLACE, "13800138109", now=now - timedelta(hours=1))
    today = now.astimezone(timezone(timedelta(hours=8))).date()
    resp = await client.get(f"/api/hot-issues?from={today - timedelta(days=1)}&to={today}", headers=h(staff, "s1"))
    body = await resp.json()
    assert resp.status == 200, body
    (event,) = body["items"]
    assert event["title"].startswith("枣山街道幸福小区") and "3件 3人" in event["title"]
    assert event["tickets_count"] == 3 and event["citizens"] == 3 and event["heat"] > 0
    assert len(event["tickets"]) == 3 and all("13800138" not in (t["description"] or "") for t in event["tickets"])
    assert event["matter_name"] == "排水与城市内涝" and event["place"]["site"] == "幸福小区"
    assert (await client.get("/api/hot-issues")).status == 401
    resp = await client.get("/api/hot-issues?from=2026-02-01&to=2026-01-01", headers=h(staff, "d1"))
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_range"
    resp = await client.get("/api/hot-issues?from=2026-13-01", headers=h(staff, "d1"))
    assert resp.status == 400
    resp = await client.get("/api/hot-issues?department=区水务局", headers=h(staff, "zj1"))
    assert resp.status == 403, "a handler sees their own department's events only"
    resp = await client.get("/api/hot-issues", headers=h(staff, "zj1"))
    assert resp.status == 200 and (await resp.json())["department"] == "区住建局"
    assert (await resp.json())["items"] == [], "no ticket of the event is 住建's yet"
    # confirm / undo through the API
    follower = event["tickets"][1]["ticket_no"]
    resp = await client.post(f"/api/tickets/{follower}/link/confirm", headers=h(staff, "d1"))
    assert resp.status == 200 and (await resp.json())["link"]["status"] == "confirmed"
    resp = await client.post(f"/api/tickets/{follower}/unlink", headers=h(staff, "zj1"))
    assert resp.status == 403
    resp = await client.post(f"/api/tickets/{follower}/unlink", headers=h(staff, "d1"))
    assert resp.status == 200 and (await resp.json())["link"] is None
    resp = await client.get("/api/tickets?status=pending_dispatch&sort=queue", headers=h(staff, "d1"))
    assert resp.status == 200
    # the dashboard shows the event, not single words
    resp = await client.get("/api/console/dashboard?days=7", headers=h(staff, "s1"))
    dash = await resp.json()
    assert "topics" not in dash and dash["hot_events"] and dash["hot_events"][0]["title"].startswith("枣山街道幸福小区")


async def test_growth_alert_only_when_unusually_fast(staff):
    params = ev.load_params()
    now = datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    slow = [ev.Item(id=i, ticket_no=f"S{i}", created_at=now - timedelta(days=6 - i), text=DRAIN, citizen=str(i))
            for i in range(6)]
    (event,) = ev.group(slow, params)
    assert ev.growth(event, now, params)["alert"] is False, "one a day for a week is not a surge"
    fast = [ev.Item(id=i, ticket_no=f"F{i}", created_at=now - timedelta(hours=10 - i), text=DRAIN, citizen=str(i))
            for i in range(4)]
    (event,) = ev.group(fast, params)
    g = ev.growth(event, now, params)
    assert g["alert"] is True and g["new"] == 4 and g["new_citizens"] == 4
    same_caller = [ev.Item(id=i, ticket_no=f"C{i}", created_at=now - timedelta(hours=5 - i), text=DRAIN, citizen="x")
                   for i in range(4)]
    (event,) = ev.group(same_caller, params)
    assert ev.growth(event, now, params)["alert"] is False, "one citizen calling four times is no surge"


async def test_assist_says_how_many_have_reported_it_and_offers_precedents_of_the_same_matter(client, staff):
    from bot import assist

    assist.SIMILAR.reset()
    now = datetime.now(timezone.utc)
    for i, text in enumerate((DRAIN, DRAIN_2)):
        await _create(staff, text, f"1380013820{i}", now=now - timedelta(hours=3 - i), location="枣山街道幸福小区")
    # a resolved elevator ticket must never be offered for a 居住证 question
    resp = await client.post("/api/tickets", headers=h(staff, "d1"), json={
        "description": "和平小区3栋电梯坏了一周，物业一直不修，怎么办理维修", "department": "区住建局"})
    t = await resp.json()
    for action, body in (("sign", {}), ("contact", {}), ("reply", {"text": "已责成物业修复电梯。"}), ("resolve", {})):
        resp = await client.post(f"/api/tickets/{t['ticket_no']}/{action}", json=body, headers=h(staff, t["handler"]))
        assert resp.status == 200
    resp = await client.post("/api/assist", headers=h(staff, "d1"),
                             json={"text": "我在枣山街道幸福小区，这里下水道堵了污水冒出来", "call_id": uuid.uuid4().hex})
    body = await resp.json()
    assert resp.status == 200 and body["same_issue"]["count"] == 2, body.get("same_issue")
    assert body["same_issue"]["text"].startswith("已有2件相同诉求（工单")
    resp = await client.post("/api/assist", headers=h(staff, "d1"),
                             json={"text": "居住证怎么办理，需要什么材料", "call_id": uuid.uuid4().hex})
    body = await resp.json()
    assert body["same_issue"] is None
    assert all(s["source"] != "ticket" for s in body["suggestions"]), body["suggestions"]
    assert all(s.get("basis") for s in body["suggestions"])
    resp = await client.post("/api/assist", headers=h(staff, "d1"),
                             json={"text": "小区电梯坏了好几天物业不修", "call_id": uuid.uuid4().hex})
    similar = [s for s in (await resp.json())["suggestions"] if s["source"] == "ticket"]
    assert similar and similar[0]["id"] == t["ticket_no"] and "同一事项" in similar[0]["basis"]


def test_seeded_month_is_deterministic():
    assert [t["text"] for t in seeded_month()] == [t["text"] for t in seeded_month()]


async def test_same_issue_over_a_call_kept_in_redis(client, staff, redis_url, redis_prefix, monkeypatch):
    """The call's utterances accumulate in Redis; the place said in one turn and the problem in the
    next make "已有N件相同诉求" together."""
    from bot import assist
    from bot.redis_client import close_redis
    from bot.settings import reload_settings

    now = datetime.now(timezone.utc)
    for i, text in enumerate((DRAIN, DRAIN_2, DRAIN_3)):
        await _create(staff, text, f"1380013830{i}", now=now - timedelta(hours=4 - i))
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setattr(assist, "KEY_PREFIX", redis_prefix + "assist:")
    reload_settings()
    call = uuid.uuid4().hex
    try:
        resp = await client.post("/api/assist", headers=h(staff, "d1"), json={"text": "我是枣山街道幸福小区的", "call_id": call})
        assert (await resp.json())["same_issue"] is None, "a place alone is no event"
        resp = await client.post("/api/assist", headers=h(staff, "d1"), json={"text": "下水道堵了，污水冒出来了", "call_id": call})
        body = await resp.json()
        assert body["turns"] == 2 and assist.LOCAL.get(call) == []
        assert body["same_issue"]["count"] == 3 and body["same_issue"]["text"].startswith("已有3件相同诉求（工单")
    finally:
        await close_redis()


async def test_a_seeded_month_through_ticket_creation(staff):
    """The seeded month created ticket by ticket (routing, auto-link at creation, dispatch): every
    auto-link joins two tickets of one true event, and GET /api/hot-issues' grouping of the month
    matches the true events."""
    from itertools import combinations

    from sqlalchemy import select

    from bot.db import session_scope
    from bot.tickets.models import TicketLink

    month = seeded_month()
    truth, number = {}, {}
    for t in month:
        made = await service.create_ticket({"description": t["text"], "location": t["location"],
                                            "contact_phone": t["phone"]}, url=staff.url, now=t["created_at"])
        truth[made["ticket_no"]] = t["event"]
        number[t["id"]] = made["ticket_no"]
    async with session_scope(staff.url) as session:
        links = list((await session.execute(select(TicketLink))).scalars())
    assert len(links) >= 20
    assert all(truth[link.ticket_no] == truth[link.lead_no] for link in links), "an auto-link joined two events"
    result = await hot.hot_issues(month[0]["created_at"].date(), month[-1]["created_at"].date() + timedelta(days=1),
                                  url=staff.url, now=month[-1]["created_at"] + timedelta(hours=1), limit=100)
    predicted = {frozenset(x["ticket_no"] for x in e["tickets"]) for e in result["items"]}
    pairs = {p for group in predicted for p in combinations(sorted(group), 2)}
    true_pairs = {(a, b) for a, b in combinations(sorted(truth), 2) if truth[a] == truth[b]}
    precision = len(pairs & true_pairs) / len(pairs)
    recall = len(pairs & true_pairs) / len(true_pairs)
    assert precision >= 0.95 and recall >= 0.9, (precision, recall)
    assert all(" — " in e["title"] and "件" in e["title"] for e in result["items"])


async def test_a_failing_event_search_never_costs_the_ticket(staff, monkeypatch):
    from bot.tickets import linking

    original = linking.link_new_ticket

    async def broken(session, t, now, policy):
        await original(session, t, now, policy)  # the link is written, then something breaks
        raise RuntimeError("event search broke")

    lead = await _create(staff, DRAIN, "13800138401")
    monkeypatch.setattr(linking, "link_new_ticket", broken)
    t = await _create(staff, DRAIN_2, "13800138402", location="枣山街道幸福小区")
    assert t["link"] is None and t["status"] == "pending_dispatch" and t["history"][-1]["action"] == "create"
    shown = await service.get_ticket(lead["ticket_no"], staff.principals["d1"], url=staff.url)
    assert shown["linked"] == [], "the half-written link was rolled back with its savepoint"


async def test_calls_answered_without_a_ticket_count_in_hot_issues(client, staff):
    """Calls the agent answered on the spot form an event of their own and join a ticket event; a call
    that became a ticket counts once; phone numbers are masked before they are stored; old calls are purged."""
    from sqlalchemy import select

    from bot.db import session_scope
    from bot.tickets import calls
    from bot.tickets.models import AssistedCall

    now = datetime.now(timezone.utc)
    await _create(staff, DRAIN, "13800138401", now=now - timedelta(hours=3))
    outage = "北辰街道金安社区停水了，今天早上到现在都没得水，啥时候来水嘛，我电话13912345678"
    for text in (DRAIN_2, outage, "北辰街道金安社区咋个又停水了，一滴水都没得", "金安社区停水好久来水"):
        resp = await client.post("/api/assist", headers=h(staff, "d1"), json={"text": text, "call_id": uuid.uuid4().hex})
        assert resp.status == 200
    ticketed_call = uuid.uuid4().hex  # this caller's matter became a ticket: counted as the ticket only
    resp = await client.post("/api/assist", headers=h(staff, "d1"), json={"text": DRAIN_3, "call_id": ticketed_call})
    assert resp.status == 200
    resp = await client.post("/api/tickets", headers=h(staff, "d1"), json={
        "description": DRAIN_3, "contact_phone": "13800138402", "channel": "hotline", "conversation_id": ticketed_call})
    assert resp.status == 201, await resp.json()
    async with session_scope(staff.url) as session:
        stored = [r.text for r in (await session.execute(select(AssistedCall))).scalars()]
    assert len(stored) == 5 and not any("13912345678" in t for t in stored)

    today = now.astimezone(timezone(timedelta(hours=8))).date()
    resp = await client.get(f"/api/hot-issues?from={today - timedelta(days=1)}&to={today}", headers=h(staff, "s1"))
    body = await resp.json()
    assert resp.status == 200 and body["calls_scanned"] == 4, body
    events = {e["matter_name"]: e for e in body["items"]}
    drains, water = events["排水与城市内涝"], events["城乡供水"]
    assert (drains["tickets_count"], drains["calls_count"]) == (2, 1) and drains["lead"] is not None
    assert (water["tickets_count"], water["calls_count"]) == (0, 3) and water["lead"] is None
    assert water["id"].startswith("EC") and water["citizens"] == 3 and water["tickets"] == []
    assert "3通来电 3人" in water["title"] and "2件 1通来电 3人" in drains["title"], (water["title"], drains["title"])
    assert all("13912345678" not in c["description"] for c in water["calls"])

    assert await calls.purge(staff.url, now=now + timedelta(days=calls.CALL_RETENTION_DAYS + 1)) == 5
    resp = await client.get(f"/api/hot-issues?from={today - timedelta(days=1)}&to={today}", headers=h(staff, "s1"))
    assert (await resp.json())["calls_scanned"] == 0
