"""Push API of the source systems — POST /api/approvals/applications and /api/disclosure/requests —
through a real aiohttp server on SQLite and PostgreSQL: upsert, idempotence, per-row errors, the
system role, batch limits, malformed bodies, and that pushed numbers are then found by the chat's
case-number lookup."""
import json
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.approvals.importer import import_approvals
from bot.approvals.models import Application
from bot.auth import service as auth
from bot.cases.lookup import find_held
from bot.db import sync_engine
from bot.disclosure.models import DisclosureRequest
from bot.web.sync import MAX_ROWS
from tests.approvals_helpers import application_row, request_row, write_jsonl
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

APPS = "/api/approvals/applications"
REQUESTS = "/api/disclosure/requests"
# Numbering schemes unlike the demo's: 3-letter prefix + 14 digits, 19 pure digits, dashes.
NUMBERS = ("GAQ20251103000217", "5116020260000001234", "GA-SP-2026-001234")


@pytest.fixture
def system_token(staff):
    """A user of the system role with a bearer token."""
    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s, s.begin():
        auth.add_user(s, "approval-feed", "system")
        token = auth.issue_token(s, "approval-feed", "sync")
    engine.dispose()
    return token


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


async def push(client, path, rows, token):
    resp = await client.post(path, json={"rows": rows}, headers=bearer(token))
    return resp.status, await resp.json()


def _events(url, number):
    engine = sync_engine(url)
    try:
        with Session(engine, future=True) as s:
            app = s.execute(select(Application).where(Application.application_no == number)).scalar_one()
            return app.status, [e.stage for e in app.events]
    finally:
        engine.dispose()


async def test_insert_then_unchanged_then_update(client, staff, system_token):
    rows = [application_row(no) for no in NUMBERS]
    status, body = await push(client, APPS, rows, system_token)
    assert status == 200, body
    assert body == {"inserted": 3, "updated": 0, "unchanged": 0, "invalid": 0, "errors": []}
    status, body = await push(client, APPS, rows, system_token)
    assert (status, body["unchanged"], body["inserted"], body["updated"]) == (200, 3, 0, 0)

    changed = application_row(NUMBERS[1], status="approved", events=[
        {"stage": "受理", "at": "2026-03-02T10:00:00+08:00"},
        {"stage": "办结", "at": "2026-03-05T16:00:00+08:00", "handler": "李科长"}])
    status, body = await push(client, APPS, [changed, application_row("GAQ20251103000218")], system_token)
    assert status == 200 and body["updated"] == 1 and body["inserted"] == 1 and body["unchanged"] == 0
    assert _events(staff.url, NUMBERS[1]) == ("approved", ["受理", "办结"])
    assert _events(staff.url, NUMBERS[0])[1] == ["受理", "补正", "补正完成", "审核"]

    held = await find_held([*NUMBERS, "gaq 2025 1103 000218"])
    assert {n: h.kind for n, h in held.items()} == {
        **{n: "application" for n in NUMBERS}, "GAQ20251103000218": "application"}
    assert held["GAQ20251103000217"].phone == "13800138000"


async def test_per_row_errors_and_the_valid_rest_written(client, staff, system_token):
    rows = [
        application_row("GAQ20251103000301"),                                              # 0 ok
        application_row("GAQ20251103000302", applicant_phone="12"),                        # 1 bad phone
        application_row("GAQ20251103000303", events=[{"stage": "盖章", "at": "2026-03-02T10:00:00+08:00"}]),  # 2
        "not an object",                                                                   # 3
        application_row("gaq20251103000301"),                                              # 4 duplicate of 0
        application_row("12345"),                                                          # 5 too short
        application_row("GAQ20251103000306", submitted_at="2026-03-02T09:30:00"),          # 6 no offset
        application_row("GAQ20251103000307", item_name="a\x00b"),                          # 7 NUL
        application_row("GAQ20251103000308", submitted_at="0001-01-01T00:00:00+08:00"),   # 8 out of range
        application_row(" ga-sp-2026-００１２３５ "),                                       # 9 ok, normalised
    ]
    status, body = await push(client, APPS, rows, system_token)
    assert status == 200, body
    assert {k: body[k] for k in ("inserted", "updated", "unchanged", "invalid")} == {
        "inserted": 2, "updated": 0, "unchanged": 0, "invalid": 8}
    errors = {e["index"]: e for e in body["errors"]}
    assert sorted(errors) == [1, 2, 3, 4, 5, 6, 7, 8]
    assert "applicant_phone" in errors[1]["message"] and errors[1]["key"] == "GAQ20251103000302"
    assert "events[0].stage" in errors[2]["message"] and errors[2]["key"] == "GAQ20251103000303"
    assert "对象" in errors[3]["message"] and errors[3]["key"] is None
    assert "rows[0]" in errors[4]["message"] and errors[4]["key"] == "GAQ20251103000301"
    assert "application_no" in errors[5]["message"]
    assert "时区" in errors[6]["message"]
    assert "item_name" in errors[7]["message"]
    assert "submitted_at" in errors[8]["message"]
    held = await find_held(["GAQ20251103000301", "GA-SP-2026-001235", "GAQ20251103000302"])
    assert set(held) == {"GAQ20251103000301", "GA-SP-2026-001235"}


async def test_disclosure_requests(client, staff, system_token):
    rows = [request_row("YSQ20250930011"), request_row("2025093000000000012"),
            request_row("YSQ-2025-0013", status="pending"),                         # bad status
            request_row("YSQ-2025-0014", received_at="2025-12-31 10:00")]           # no offset
    status, body = await push(client, REQUESTS, rows, system_token)
    assert status == 200, body
    assert (body["inserted"], body["invalid"]) == (2, 2)
    assert [(e["index"], e["key"]) for e in body["errors"]] == [(2, "YSQ-2025-0013"), (3, "YSQ-2025-0014")]
    assert "status" in body["errors"][0]["message"]
    status, body = await push(client, REQUESTS, rows[:2], system_token)
    assert body["unchanged"] == 2 and body["inserted"] == body["updated"] == 0
    status, body = await push(client, REQUESTS, [request_row("YSQ20250930011", status="answered",
                                                             answered_at="2026-01-20T10:00:00+08:00")],
                              system_token)
    assert body["updated"] == 1
    engine = sync_engine(staff.url)
    try:
        with engine.connect() as conn:
            got = dict(conn.execute(select(DisclosureRequest.request_no, DisclosureRequest.status)).all())
    finally:
        engine.dispose()
    assert got == {"YSQ20250930011": "answered", "2025093000000000012": "processing"}
    held = await find_held(["ysq20250930011"])
    assert held["YSQ20250930011"].kind == "disclosure"


async def test_the_file_import_and_the_api_accept_the_same_rows(client, staff, system_token, tmp_path):
    rows = [application_row(no) for no in NUMBERS]
    path = write_jsonl(tmp_path / "a.jsonl", rows)
    assert import_approvals(path, staff.url).counts()["inserted"] == 3
    status, body = await push(client, APPS, rows, system_token)
    assert (status, body["unchanged"]) == (200, 3)


async def test_system_role_and_admin_only(client, staff, system_token):
    for path in (APPS, REQUESTS):
        resp = await client.post(path, json={"rows": []})
        assert resp.status == 401 and (await resp.json())["error"]["code"] == "unauthorized"
        resp = await client.post(path, json={"rows": []}, headers=bearer("nonsense"))
        assert resp.status == 401
        for who in ("d1", "s1", "zj1"):
            resp = await client.post(path, json={"rows": []}, headers=bearer(staff.tokens[who]))
            assert resp.status == 403 and (await resp.json())["error"]["code"] == "forbidden", who
        status, body = await push(client, path, [], staff.tokens["a1"])
        assert status == 200 and body["invalid"] == 0
    # the system role has no ticket rights
    assert (await client.get("/api/tickets", headers=bearer(system_token))).status == 403
    assert (await client.post("/api/tickets", json={"description": "x"}, headers=bearer(system_token))).status == 403


async def test_system_user_from_the_command_line(client, staff, capsys):
    from bot.cli import main

    assert main(["users", "add", "disclosure-feed", "--role", "system", "--token"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    status, body = await push(client, REQUESTS, [request_row("YSQ20250930099")], token)
    assert status == 200 and body["inserted"] == 1


async def test_batch_too_large_and_malformed_bodies(client, staff, system_token):
    resp = await client.post(APPS, json={"rows": [{}] * (MAX_ROWS + 1)}, headers=bearer(system_token))
    body = await resp.json()
    assert resp.status == 413 and body["error"]["code"] == "too_many_rows"
    assert str(MAX_ROWS) in body["error"]["message"] and str(MAX_ROWS + 1) in body["error"]["message"]
    cases = [("{not json", "invalid_json"), ("[]", "invalid_json"), ("", "invalid_json"),
             ("[" * 100000 + "]" * 100000, "invalid_json"), ('{"rows": "x"}', "invalid_rows"),
             ('{"rows": {"a": 1}}', "invalid_rows"), ("{}", "invalid_rows")]
    for path in (APPS, REQUESTS):
        for data, code in cases:
            resp = await client.post(path, data=data, headers={**bearer(system_token),
                                                               "Content-Type": "application/json"})
            assert resp.status == 400, (path, data[:20], resp.status)
            assert (await resp.json())["error"]["code"] == code, (path, data[:20])
    # rows that are not objects are per-row errors, not a failed request
    status, body = await push(client, APPS, [None, 1, [], {}], system_token)
    assert status == 200 and body["invalid"] == 4 and [e["index"] for e in body["errors"]] == [0, 1, 2, 3]


async def test_personal_data_stays_out_of_the_logs(client, staff, system_token, caplog):
    rows = [application_row("GAQ20251103000401", applicant_name="王小明", applicant_phone="13912345678"),
            application_row("GAQ20251103000402", status="13912345678")]   # a phone echoed in the error
    with caplog.at_level(logging.DEBUG):
        status, body = await push(client, APPS, rows, system_token)
    assert status == 200 and body["inserted"] == 1 and body["invalid"] == 1
    logged = json.dumps([r.__dict__ for r in caplog.records], ensure_ascii=False, default=str)
    assert "sync push" in logged
    assert "13912345678" not in logged and "王小明" not in logged
