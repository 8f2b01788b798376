"""The agent desktop's API (#16) through a real aiohttp server, on SQLite and PostgreSQL (and Redis):
request keys make create and transitions idempotent, the queue searches, filters and pages, a
ticket carries its transcript and call notes, the caller's context is masked and role-checked, the
header gets the display name."""
import asyncio
import uuid
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)


def h(staff, who, key=None):
    out = {"Authorization": f"Bearer {staff.tokens[who]}"}
    if key:
        out["Idempotency-Key"] = key
    return out


async def count(client, staff, text):
    resp = await client.get("/api/tickets", params={"q": text}, headers=h(staff, "d1"))
    assert resp.status == 200
    return (await resp.json())["total"]


async def create_twice_with_one_key(client, staff):
    marker = uuid.uuid4().hex[:8]
    body = {"description": f"楼道灯坏了一个月 {marker}", "department": "区住建局", "contact_phone": "13900001111"}
    key = "k" + uuid.uuid4().hex
    first, second = await asyncio.gather(*(client.post("/api/tickets", json=body, headers=h(staff, "d1", key))
                                           for _ in range(2)))
    a, b = await first.json(), await second.json()
    assert first.status == second.status == 201, (a, b)
    assert a["ticket_no"] == b["ticket_no"]
    assert {first.headers.get("Idempotent-Replayed"), second.headers.get("Idempotent-Replayed")} == {None, "true"}
    # a later repeat (a retry after a lost answer) gets the same ticket again
    third = await client.post("/api/tickets", json=body, headers=h(staff, "d1", key))
    assert third.status == 201 and (await third.json())["ticket_no"] == a["ticket_no"]
    assert await count(client, staff, marker) == 1
    # another key is another request
    other = await client.post("/api/tickets", json=body, headers=h(staff, "d1", "k" + uuid.uuid4().hex))
    assert other.status == 201 and (await other.json())["ticket_no"] != a["ticket_no"]
    assert await count(client, staff, marker) == 2
    return a


async def test_one_request_key_makes_one_ticket(client, staff):
    await create_twice_with_one_key(client, staff)
    bad = await client.post("/api/tickets", json={"description": "x"}, headers=h(staff, "d1", "short"))
    assert bad.status == 400 and (await bad.json())["error"]["code"] == "invalid_request_key"


async def test_one_request_key_makes_one_ticket_through_redis(client, staff, redis_url, monkeypatch):
    import redis

    from bot.redis_client import close_redis
    from bot.settings import reload_settings

    monkeypatch.setenv("REDIS_URL", redis_url)
    reload_settings()
    r = redis.Redis.from_url(redis_url)
    before = set(r.scan_iter(match="gov:console:req:*"))
    try:
        await create_twice_with_one_key(client, staff)
        assert len(set(r.scan_iter(match="gov:console:req:*")) - before) == 2
    finally:
        for k in set(r.scan_iter(match="gov:console:req:*")) - before:
            r.delete(k)
        r.close()
        await close_redis()


async def test_a_repeated_transition_is_answered_not_refused(client, staff):
    resp = await client.post("/api/tickets", json={"description": "小区路灯不亮", "department": "区住建局"},
                             headers=h(staff, "d1"))
    t = await resp.json()
    key = "k" + uuid.uuid4().hex
    handler = t["handler"]
    sign = [await client.post(f"/api/tickets/{t['ticket_no']}/sign", json={"version": t["version"]},
                              headers=h(staff, handler, key)) for _ in range(2)]
    assert [s.status for s in sign] == [200, 200]
    assert (await sign[0].json())["version"] == (await sign[1].json())["version"]
    again = await client.post(f"/api/tickets/{t['ticket_no']}/sign", json={"version": t["version"]},
                              headers=h(staff, handler))
    assert again.status == 409  # without the key a stale repeat is a conflict, as before
    history = (await (await client.get(f"/api/tickets/{t['ticket_no']}", headers=h(staff, "d1"))).json())["history"]
    assert [e["action"] for e in history].count("sign") == 1


async def test_queue_search_filters_and_pages(client, staff):
    from bot.tickets import service

    marker = uuid.uuid4().hex[:6]
    # 23:30 China time on 1 March is 15:30 UTC: the day is China's
    late = datetime(2026, 3, 1, 15, 30, tzinfo=timezone.utc)
    made = []
    for i, (text, urgent, phone) in enumerate((("煤气味很大 " + marker, True, "13811112222"),
                                              ("路面坑洼 " + marker, False, "13933334444"),
                                              ("表扬社区工作人员 " + marker, False, None))):
        body = {"description": text, "urgent": urgent, "location": "和平路" + marker}
        if phone:
            body["contact_phone"] = phone
        made.append(await service.create_ticket(body, actor=staff.principals["d1"], url=staff.url, now=late,
                                                auto_dispatch=False, link=False))

    async def search(**q):
        resp = await client.get("/api/tickets", params={"sort": "queue", **q}, headers=h(staff, "d1"))
        assert resp.status == 200, await resp.text()
        return await resp.json()

    everything = await search(q=marker)
    assert everything["total"] == 3 and everything["items"][0]["urgent"]  # urgent first
    assert [i["ticket_no"] for i in (await search(q="13933334444"))["items"]] == [made[1]["ticket_no"]]
    assert [i["ticket_no"] for i in (await search(q=made[2]["ticket_no"].lower()))["items"]] == [made[2]["ticket_no"]]
    assert (await search(q="和平路" + marker))["total"] == 3
    assert [i["ticket_no"] for i in (await search(q=marker, urgent="true"))["items"]] == [made[0]["ticket_no"]]
    assert (await search(q=marker, urgent="false"))["total"] == 2
    assert (await search(q=marker, **{"from": "2026-03-01", "to": "2026-03-01"}))["total"] == 3
    assert (await search(q=marker, **{"from": "2026-03-02"}))["total"] == 0
    assert (await search(q=marker, to="2026-02-28"))["total"] == 0
    page = await search(q=marker, limit="2", offset="2")
    assert page["total"] == 3 and len(page["items"]) == 1 and page["offset"] == 2
    assert (await search(q="100%_")).get("total") == 0  # LIKE wildcards are text
    bad = await client.get("/api/tickets", params={"from": "2026-03-02", "to": "2026-03-01"}, headers=h(staff, "d1"))
    assert bad.status == 400


async def test_ticket_view_has_transcript_call_notes_and_timer(client, staff):
    transcript = [{"from": "caller", "text": "我家楼道有煤气味，我电话13812345678"},
                  {"from": "agent_notes", "text": "已告知先开窗通风"},
                  {"from": "call", "text": "通话时长 02:05", "seconds": 125}]
    resp = await client.post("/api/tickets", headers=h(staff, "d1"), json={
        "description": "楼道煤气味", "channel": "hotline", "conversation_id": "call-1", "transcript": transcript,
        "department": "区住建局"})
    no = (await resp.json())["ticket_no"]
    t = await (await client.get(f"/api/tickets/{no}", headers=h(staff, "d1"))).json()
    assert t["transcript"] == transcript
    supervised = await (await client.get(f"/api/tickets/{no}", headers=h(staff, "s1"))).json()
    assert "13812345678" not in str(supervised["transcript"]) and "已告知先开窗通风" in str(supervised["transcript"])
    listed = (await (await client.get("/api/tickets", params={"q": no}, headers=h(staff, "d1"))).json())["items"]
    assert "transcript" not in listed[0]  # lists stay light


async def test_caller_context_is_masked_and_role_checked(client, staff):
    from bot.approvals.models import Application
    from bot.db import sync_engine

    phone = "13755556666"
    for text in ("我叫张三丰，小区电梯坏了", "噪音扰民"):
        await client.post("/api/tickets", headers=h(staff, "d1"), json={
            "description": text, "contact_phone": phone, "contact_name": "张三丰", "department": "区住建局"})
    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s, s.begin():
        for no, status in (("SP-1", "in_progress"), ("SP-2", "approved")):
            s.add(Application(application_no=no + uuid.uuid4().hex[:6], item_name="居住证办理", department="区公安分局",
                              applicant_name="张三丰", applicant_phone=phone, submitted_at=datetime.now(timezone.utc),
                              promised_working_days=5, legal_working_days=10, status=status, content_hash="x"))
    engine.dispose()
    resp = await client.get("/api/console/caller", params={"phone": phone}, headers=h(staff, "d1"))
    c = await resp.json()
    assert resp.status == 200, c
    assert c["phone"] == "137****6666" and len(c["tickets"]) == 2 and c["open_tickets"] == 2
    assert [a["item_name"] for a in c["applications"]] == ["居住证办理"]  # open ones only
    assert "张三丰" not in str(c) and phone not in str(c)
    assert c["tickets"][0]["description"] == "噪音扰民"  # newest first
    for who in ("zj1",):
        assert (await client.get("/api/console/caller", params={"phone": phone}, headers=h(staff, who))).status == 403
    assert (await client.get("/api/console/caller", params={"phone": phone})).status == 401
    bad = await client.get("/api/console/caller", params={"phone": "123"}, headers=h(staff, "d1"))
    assert bad.status == 400


async def test_header_shows_the_display_name(client, staff):
    from bot.auth import service as auth
    from bot.db import sync_engine

    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s, s.begin():
        auth.add_user(s, "wang", "dispatcher", display_name="王小丽")
        token = auth.issue_token(s, "wang")
    engine.dispose()
    me = await (await client.get("/api/console/me", headers={"Authorization": f"Bearer {token}"})).json()
    assert me["display_name"] == "王小丽" and me["username"] == "wang"
    me = await (await client.get("/api/console/me", headers=h(staff, "d1"))).json()
    assert me["display_name"] == "d1"


async def test_console_page_has_no_cli_text_and_a_favicon(client, staff):
    page = await (await client.get("/console")).text()
    assert "python -m" not in page and "favicon.svg" in page and "desk.js" in page
    icon = await client.get("/favicon.ico")
    assert icon.status == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    js = await (await client.get("/static/console/desk.js")).text()
    assert ".innerHTML" not in js


async def test_canned_replies_per_department_kept_by_admins(client, staff):
    body = {"title": "受理告知", "text": "您反映的问题已记录，将转交相关部门办理。", "department": ""}
    resp = await client.post("/api/canned-replies", json=body, headers=h(staff, "d1"))
    assert resp.status == 403  # only admins keep the list
    general = await (await client.post("/api/canned-replies", json=body, headers=h(staff, "a1"))).json()
    assert general["department"] is None and general["updated_by"] == "a1"
    zj = await client.post("/api/canned-replies", headers=h(staff, "a1"),
                           json={"title": "物业维修", "text": "请先联系物业，物业不处理的我们督促。", "department": "区住建局"})
    zj = await zj.json()
    await client.post("/api/canned-replies", headers=h(staff, "a1"),
                      json={"title": "占道经营", "text": "已转城管。", "department": "区综合执法局"})

    async def titles(who, **q):
        resp = await client.get("/api/canned-replies", params=q, headers=h(staff, who))
        assert resp.status == 200
        return [i["title"] for i in (await resp.json())["items"]]

    assert await titles("zj1") == ["受理告知", "物业维修"]          # a handler: general + own department
    assert await titles("zj1", department="区综合执法局") == ["受理告知", "物业维修"]
    assert len(await titles("d1")) == 3 and (await titles("d1"))[0] == "受理告知"
    assert await titles("d1", department="区综合执法局") == ["受理告知", "占道经营"]
    changed = await client.put(f"/api/canned-replies/{zj['id']}", headers=h(staff, "a1"),
                               json={"title": "物业维修（新）", "text": "新的说法", "department": "区住建局"})
    assert changed.status == 200 and (await changed.json())["title"] == "物业维修（新）"
    assert (await client.put(f"/api/canned-replies/{zj['id']}", headers=h(staff, "a1"), json={"title": "", "text": "x"})).status == 400
    assert (await client.delete(f"/api/canned-replies/{zj['id']}", headers=h(staff, "zj1"))).status == 403
    assert (await client.delete(f"/api/canned-replies/{zj['id']}", headers=h(staff, "a1"))).status == 204
    assert (await client.delete(f"/api/canned-replies/{zj['id']}", headers=h(staff, "a1"))).status == 404
    assert await titles("zj1") == ["受理告知"]
