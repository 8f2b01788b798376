"""常用语 edits are audited (#16): who created, changed and removed a canned reply, with the text
before and after, in the hash-chained trail (same transaction), readable as the reply's history —
on SQLite and PostgreSQL."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.audit import trail
from bot.audit.models import AuditEntry
from bot.db import sync_engine
from tests.test_console_desk import h
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)


def _entries(url):
    engine = sync_engine(url)
    try:
        with Session(engine, future=True) as s:
            return [(e.actor, e.action, e.object_id, e.data) for e in s.execute(
                select(AuditEntry).where(AuditEntry.object_type == "canned_reply").order_by(AuditEntry.seq)).scalars()]
    finally:
        engine.dispose()


async def test_every_canned_reply_change_is_in_the_audit_trail(client, staff):
    first = {"title": "物业维修", "text": "请先联系物业。", "department": "区住建局"}
    made = await (await client.post("/api/canned-replies", json=first, headers=h(staff, "a1"))).json()
    rid = str(made["id"])
    second = {"title": "物业维修", "text": "请先联系物业，物业不处理的我们督促。", "department": "区住建局"}
    assert (await client.put(f"/api/canned-replies/{rid}", json=second, headers=h(staff, "a1"))).status == 200
    # refused or unchanged edits leave no entry
    assert (await client.put(f"/api/canned-replies/{rid}", json={"title": "", "text": "x"}, headers=h(staff, "a1"))).status == 400
    assert (await client.put(f"/api/canned-replies/{rid}", json=second, headers=h(staff, "zj1"))).status == 403
    assert (await client.put(f"/api/canned-replies/{rid}", json=second, headers=h(staff, "a1"))).status == 200
    assert (await client.delete(f"/api/canned-replies/{rid}", headers=h(staff, "a1"))).status == 204

    assert _entries(staff.url) == [
        ("a1", "canned_reply_create", rid, {"before": None, "after": first}),
        ("a1", "canned_reply_update", rid, {"before": first, "after": second}),
        ("a1", "canned_reply_delete", rid, {"before": second, "after": None}),
    ]
    assert trail.verify(staff.url).ok

    resp = await client.get(f"/api/canned-replies/{rid}/history", headers=h(staff, "a1"))
    assert resp.status == 200
    items = (await resp.json())["items"]
    assert [(i["actor"], i["action"]) for i in items] == [("a1", "create"), ("a1", "update"), ("a1", "delete")]
    assert items[1]["before"]["text"] == "请先联系物业。" and items[1]["after"]["text"] == second["text"]
    assert (await client.get(f"/api/canned-replies/{rid}/history", headers=h(staff, "d1"))).status == 403
    assert (await client.get("/api/canned-replies/999999/history", headers=h(staff, "a1"))).status == 404
    assert (await client.get("/api/canned-replies/abc/history", headers=h(staff, "a1"))).status == 404
