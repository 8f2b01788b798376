"""When the calendar changes (a State Council notice entered in knowledge/holidays.yml), stored
deadlines of open tickets follow it — each change a ticket event and an audit entry — and until it
is entered, /health and the admin console say so. SQLite and PostgreSQL."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot import calendar
from bot.audit.trail import verify
from bot.tickets import service
from bot.tickets.recompute import recompute_open_tickets
from tests.test_calendar import FICTITIOUS_NOTICE
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

CST = ZoneInfo("Asia/Shanghai")
CREATED = datetime(2027, 1, 25, 10, 0, tzinfo=CST)


def local(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


async def _ticket(staff, **data) -> dict:
    return await service.create_ticket({"description": "小区路灯坏了一个月没人修", "category": "投诉",
                                        "department": "区住建局", **data},
                                       actor=staff.principals["d1"], url=staff.url, now=CREATED)


async def _audit_actions(url: str) -> list:
    from sqlalchemy import select

    from bot.audit.models import AuditEntry
    from bot.db import session_scope

    async with session_scope(url) as session:
        return list((await session.execute(select(AuditEntry).order_by(AuditEntry.seq))).scalars())


async def test_recompute_follows_a_new_notice_with_an_event_and_an_audit_entry(staff, holiday_file):
    holiday_file("years: {}\n")
    P = staff.principals
    open_ticket = await _ticket(staff)
    assert local(open_ticket["resolve_by"]) == "2027-02-17 23:59:59"    # the law: Feb 5-8 off
    extended = await _ticket(staff)
    await service.act(extended["ticket_no"], "sign", P["zj1"], {}, url=staff.url, now=CREATED)
    await service.act(extended["ticket_no"], "extension", P["zj1"], {"days": 2, "reason": "等配件"}, url=staff.url,
                      now=CREATED)
    extended = await service.act(extended["ticket_no"], "extension_approve", P["s1"], {}, url=staff.url, now=CREATED)
    assert local(extended["resolve_by"]) == "2027-02-19 23:59:59"
    done = await _ticket(staff)
    for action, who, params in (("sign", "zj1", {}), ("reply", "zj1", {"text": "已修复"}),
                                ("resolve", "zj1", {"text": "已办结"})):
        done = await service.act(done["ticket_no"], action, P[who], params, url=staff.url, now=CREATED)

    assert await recompute_open_tickets(staff.url) == []          # nothing changed yet
    holiday_file(FICTITIOUS_NOTICE)                                # Feb 5-13 off, Sun 14 and Sat 20 worked
    preview = await recompute_open_tickets(staff.url, dry_run=True)
    assert {p.ticket_no for p in preview} == {open_ticket["ticket_no"], extended["ticket_no"]}
    entries_before = len(await _audit_actions(staff.url))

    changed = await recompute_open_tickets(staff.url, reason="录入2027年放假安排（测试）")
    by_no = {c.ticket_no: c.changed for c in changed}
    assert set(by_no) == {open_ticket["ticket_no"], extended["ticket_no"]}
    # 15 working days after Jan 25: Jan 26-29, Feb 1-4, Sun Feb 14, Feb 15-19, Sat Feb 20
    assert by_no[open_ticket["ticket_no"]] == {"resolve_by": {"from": "2027-02-17T23:59:59+08:00",
                                                              "to": "2027-02-20T23:59:59+08:00"}}
    # the approved extension (2 working days) is kept on top: Feb 20 → Feb 22, 23
    assert by_no[extended["ticket_no"]]["resolve_by"]["to"] == "2027-02-23T23:59:59+08:00"

    t = await service.get_ticket(open_ticket["ticket_no"], P["a1"], url=staff.url)
    assert local(t["resolve_by"]) == "2027-02-20 23:59:59" and local(t["sign_by"]) == "2027-01-26 23:59:59"
    last = t["history"][-1]
    assert last["action"] == "recompute" and last["label"] == "重算时限" and last["actor"] == "system"
    assert last["reason"] == "录入2027年放假安排（测试）" and last["from"] == last["to"] == "dispatched"
    untouched = await service.get_ticket(done["ticket_no"], P["a1"], url=staff.url)
    assert local(untouched["resolve_by"]) == "2027-02-17 23:59:59"     # finished tickets keep theirs

    entries = (await _audit_actions(staff.url))[entries_before:]
    assert [(e.action, e.object_id) for e in entries] == [("ticket.recompute", c.ticket_no) for c in changed]
    assert entries[0].actor == "admin:system" and entries[0].reason == "录入2027年放假安排（测试）"
    assert entries[0].data["changed"]["resolve_by"]["to"] == "2027-02-20T23:59:59+08:00"
    assert verify(staff.url).ok
    assert await recompute_open_tickets(staff.url) == []          # idempotent


def test_cli_recompute_and_status(staff, holiday_file, capsys):
    from bot.cli import main as cli_main

    holiday_file("years: {}\n")
    assert cli_main(["calendar", "recompute", "--dry-run"]) == 0
    assert capsys.readouterr().out.strip().endswith("0 open tickets would change")
    assert cli_main(["calendar", "recompute", "extra"]) == 2


async def test_health_and_console_warn_when_the_next_year_is_not_entered(client, staff, holiday_file, monkeypatch):
    holiday_file("years: {}\n")
    real = calendar.coverage
    monkeypatch.setattr(calendar, "coverage", lambda today=None: real(date(2026, 11, 1)))
    body = await (await client.get("/health")).json()
    assert body["status"] == "degraded"
    assert body["checks"]["calendar"]["ok"] is False and body["checks"]["calendar"]["next_year_source"] == "law"
    assert body["checks"]["calendar"]["message"].startswith("下一年度节假日安排尚未录入")
    me = await (await client.get("/api/console/me", headers={"Authorization": f"Bearer {staff.tokens['a1']}"})).json()
    assert [n["kind"] for n in me["notices"]] == ["calendar"]
    assert me["notices"][0]["text"].startswith("下一年度节假日安排尚未录入")
    handler = await (await client.get("/api/console/me",
                                      headers={"Authorization": f"Bearer {staff.tokens['zj1']}"})).json()
    assert handler["notices"] == []                                   # admins only

    monkeypatch.setattr(calendar, "coverage", lambda today=None: real(date(2026, 10, 31)))
    body = await (await client.get("/health")).json()
    assert body["checks"]["calendar"] == {"ok": True, "last_known_year": 2026, "warn_from": "2026-11-01",
                                          "next_year": 2027, "next_year_source": "law"}
    me = await (await client.get("/api/console/me", headers={"Authorization": f"Bearer {staff.tokens['a1']}"})).json()
    assert me["notices"] == []
