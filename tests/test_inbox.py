"""Staff reminders and escalations from the worker's sweep reach their people through
GET /api/notifications and are marked read one by one (SQLite and PostgreSQL)."""
from __future__ import annotations

from datetime import datetime, timezone

from bot.tickets import sweep as sw
from bot.tickets.service import create_ticket
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

UTC = timezone.utc


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


async def test_overdue_ticket_reminds_its_handler_and_escalates_to_supervisors(client, staff):
    created = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    t = await create_ticket({"description": "小区路灯坏了一个月", "category": "求助", "department": "区住建局",
                             "handler": "zj1"}, actor=staff.principals["d1"], now=created)
    unassigned = await create_ticket({"description": "河道有死鱼", "category": "求助", "department": "区综合执法局"},
                                     actor=staff.principals["d1"], now=created)
    await sw.sweep_lights_and_reminders(staff.url, now=datetime(2026, 3, 4, 2, 0, tzinfo=UTC))  # both red

    async def inbox(who, **params):
        resp = await client.get("/api/notifications", params=params, headers=bearer(staff.tokens[who]))
        assert resp.status == 200
        return await resp.json()

    mine = await inbox("zj1")
    assert mine["unread"] == 1 and mine["items"][0]["ticket_no"] == t["ticket_no"]
    assert mine["items"][0]["kind"] == "reminder" and "已超期" in mine["items"][0]["text"]
    assert (await inbox("zj2"))["items"] == [], "another handler of the department: not theirs"
    theirs = await inbox("zf1")  # nobody holds the unassigned ticket: its department hears of it
    assert [i["ticket_no"] for i in theirs["items"]] == [unassigned["ticket_no"]]
    supervisor = await inbox("s1")
    assert {i["kind"] for i in supervisor["items"]} == {"escalation"} and supervisor["unread"] == 2

    notice = mine["items"][0]["id"]
    assert (await client.post(f"/api/notifications/{notice}/read", headers=bearer(staff.tokens["zj2"]))).status == 404
    assert (await client.post("/api/notifications/abc/read", headers=bearer(staff.tokens["zj1"]))).status == 404
    read = await client.post(f"/api/notifications/{notice}/read", headers=bearer(staff.tokens["zj1"]))
    assert read.status == 200 and (await read.json())["read"] is True
    assert (await inbox("zj1"))["unread"] == 0 and (await inbox("zj1"))["items"] == []
    everything = await inbox("zj1", all="1")
    assert [(i["id"], i["read"]) for i in everything["items"]] == [(notice, True)]
    assert (await client.get("/api/notifications")).status == 401
