"""/api/tickets and /api/kpi through a real aiohttp server, on SQLite and PostgreSQL."""
import asyncio

import pytest

from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

FIELDS = {"ticket_no", "category", "urgent", "department", "status", "created_at", "sign_by", "first_contact_by",
          "resolve_by", "light", "history"}


def h(staff, who):
    return {"Authorization": f"Bearer {staff.tokens[who]}"}


async def post(client, staff, who, path, body=None):
    resp = await client.post(path, json=body or {}, headers=h(staff, who))
    return resp.status, await resp.json()


async def test_create_work_through_and_rate(client, staff):
    status, t = await post(client, staff, "d1", "/api/tickets", {
        "description": "我要投诉：小区电梯坏了一周物业不修", "category": "投诉", "department": "区住建局",
        "contact_phone": "13800138000", "contact_name": "张三", "channel": "webchat", "conversation_id": "conv-1",
        "transcript": [{"from": "user", "text": "电梯坏了"}]})
    assert status == 201 and FIELDS <= set(t) and t["status"] == "dispatched" and t["category"] == "投诉"
    no = t["ticket_no"]
    handler = t["handler"]
    for action, body in (("sign", {}), ("contact", {"note": "电话联系"}), ("reply", {"text": "已约谈物业"}),
                         ("resolve", {})):
        status, t = await post(client, staff, handler, f"/api/tickets/{no}/{action}", body)
        assert status == 200, t
    status, t = await post(client, staff, "d1", f"/api/tickets/{no}/visit", {"satisfaction": "满意"})
    assert status == 200 and t["status"] == "closed"
    resp = await client.get(f"/api/tickets/{no.lower()}", headers=h(staff, "s1"))
    body = await resp.json()
    assert resp.status == 200 and [e["action"] for e in body["history"]] == [
        "create", "dispatch", "sign", "contact", "reply", "resolve", "visit"]
    resp = await client.get("/api/tickets", params={"conversation_id": "conv-1"}, headers=h(staff, "d1"))
    assert [i["ticket_no"] for i in (await resp.json())["items"]] == [no]


async def test_list_filters(client, staff):
    await post(client, staff, "d1", "/api/tickets", {"description": "路灯坏了", "department": "区住建局"})
    await post(client, staff, "d1", "/api/tickets", {"description": "占道经营", "department": "区综合执法局"})
    await post(client, staff, "d1", "/api/tickets", {"description": "咨询一下", "category": "咨询"})
    get = lambda **q: client.get("/api/tickets", params=q, headers=h(staff, "d1"))  # noqa: E731
    items = (await (await get(department="区综合执法局")).json())["items"]
    assert len(items) == 1 and items[0]["department"] == "区综合执法局"
    assert all(i["status"] == "dispatched" for i in (await (await get(status="dispatched")).json())["items"])
    assert len((await (await get(light="green")).json())["items"]) >= 2
    assert (await get(light="purple")).status == 400
    assert (await get(status="done")).status == 400


async def test_conflicting_updates_get_409(client, staff):
    status, t = await post(client, staff, "d1", "/api/tickets", {"description": "楼道灯坏了", "department": "区住建局"})
    no, version = t["ticket_no"], t["version"]
    results = await asyncio.gather(*(
        client.post(f"/api/tickets/{no}/sign", json={"version": version}, headers=h(staff, who))
        for who in ("zj1", "zj2")))
    codes = sorted(r.status for r in results)
    assert codes == [200, 409]
    loser = next(r for r in results if r.status == 409)
    assert (await loser.json())["error"]["code"] in ("conflict", "invalid_transition")
    status, body = await post(client, staff, "zj1", f"/api/tickets/{no}/contact", {"version": version})
    assert status == 409 and body["error"]["code"] == "conflict"


async def test_errors_are_clear_4xx(client, staff):
    status, body = await post(client, staff, "d1", "/api/tickets", {"description": ""})
    assert status == 400 and body["error"]["code"] == "missing_description"
    resp = await client.post("/api/tickets", data="{not json", headers=h(staff, "d1"))
    assert resp.status == 400
    assert (await client.get("/api/tickets/GD23456789", headers=h(staff, "d1"))).status == 404
    assert (await client.get("/api/tickets/NOTATICKET", headers=h(staff, "d1"))).status == 404
    status, t = await post(client, staff, "d1", "/api/tickets", {"description": "井盖丢了", "department": "区住建局"})
    assert t["urgent"] is True
    status, body = await post(client, staff, "zj1", f"/api/tickets/{t['ticket_no']}/resolve", {"text": "x"})
    assert status == 409 and body["error"]["code"] == "invalid_transition" and "待签收" in body["error"]["message"]
    status, body = await post(client, staff, "zj1", f"/api/tickets/{t['ticket_no']}/sign", {"version": "1"})
    assert status == 400
    assert (await client.post(f"/api/tickets/{t['ticket_no']}/explode", headers=h(staff, "a1"))).status == 404


async def test_kpi(client, staff):
    _, a = await post(client, staff, "d1", "/api/tickets", {"description": "电梯坏了", "department": "区住建局"})
    _, b = await post(client, staff, "d1", "/api/tickets", {"description": "路灯坏了", "department": "区住建局"})
    await post(client, staff, "d1", "/api/tickets", {"description": "占道经营", "department": "区综合执法局"})
    for action, body in (("sign", {}), ("contact", {}), ("resolve", {"text": "已修"})):
        await post(client, staff, "zj1", f"/api/tickets/{a['ticket_no']}/{action}", body)
    await post(client, staff, "d1", f"/api/tickets/{a['ticket_no']}/visit", {"satisfaction": "满意"})
    await post(client, staff, "zj1", f"/api/tickets/{b['ticket_no']}/sign")
    resp = await client.get("/api/kpi", headers=h(staff, "s1"))
    body = await resp.json()
    assert resp.status == 200
    zj = body["departments"]["区住建局"]
    assert zj["tickets"] == 2 and zj["sign_on_time_rate"] == 1.0 and zj["response_rate"] == 1.0
    assert zj["resolve_rate"] == 0.5 and zj["satisfaction_rate"] == 1.0 and zj["open"] == 1 and zj["overdue"] == 0
    assert zj["first_contact_hours"]["avg"] is not None and zj["resolution_hours"]["p90"] is not None
    assert body["overall"]["tickets"] == 3 and body["overall"]["resolve_rate"] == pytest.approx(0.3333, abs=1e-3)
    # a handler sees only their department
    mine = await (await client.get("/api/kpi", headers=h(staff, "zf1"))).json()
    assert list(mine["departments"]) == ["区综合执法局"]
    assert (await client.get("/api/kpi", params={"from": "2026-13-01"}, headers=h(staff, "s1"))).status == 400
    empty = await (await client.get("/api/kpi", params={"from": "2001-01-01", "to": "2001-01-31"},
                                    headers=h(staff, "s1"))).json()
    assert empty["overall"]["tickets"] == 0 and empty["overall"]["resolve_rate"] is None
