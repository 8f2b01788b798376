"""GET /api/disclosure/annual-report and POST /api/disclosure/appeals through the real aiohttp app
on SQLite and PostgreSQL: roles, bad parameters, the JSON figures, the Word and HTML downloads."""
from __future__ import annotations

import io
from urllib.parse import unquote

from bot.disclosure import template as t
from bot.disclosure.importer import import_disclosure_requests
from bot.disclosure.report import table3_of
from tests.approvals_helpers import request_row, write_jsonl
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

REPORT = "/api/disclosure/annual-report"
APPEALS = "/api/disclosure/appeals"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def seed(url, tmp_path):
    rows = [request_row("YSQ2025-0001", received_at="2025-03-03T10:00:00+08:00", status="answered",
                        answered_at="2025-03-20T10:00:00+08:00", department="区政府办", applicant_kind="business",
                        outcome="unable", outcome_reason="not_held"),
            request_row("YSQ2025-0002", received_at="2025-12-29T10:00:00+08:00", department="区政府办",
                        applicant_kind="natural_person"),
            request_row("YSQ2025-0003", received_at="2025-05-03T10:00:00+08:00", department="区住建局",
                        applicant_kind="natural_person")]
    assert import_disclosure_requests(write_jsonl(tmp_path / "r.jsonl", rows), url).errors == []


async def test_supervisor_gets_the_figures_and_the_documents(client, staff, tmp_path):
    seed(staff.url, tmp_path)
    resp = await client.get(REPORT, params={"year": "2025", "department": "区政府办"},
                            headers=bearer(staff.tokens["s1"]))
    assert resp.status == 200, await resp.text()
    report = await resp.json()
    table = table3_of(report)
    assert report["checks"]["ok"] and t.check_table3(table) == []
    assert table["unable.not_held"]["business"] == 1
    assert table[t.NEW][t.TOTAL] == 2 and table[t.CARRIED_OUT]["natural_person"] == 1

    resp = await client.get(REPORT, params={"year": "2025"}, headers=bearer(staff.tokens["a1"]))
    assert resp.status == 200 and table3_of(await resp.json())[t.NEW][t.TOTAL] == 3   # all departments

    resp = await client.get(REPORT, params={"year": "2025", "department": "区政府办", "format": "docx"},
                            headers=bearer(staff.tokens["s1"]))
    assert resp.status == 200
    assert resp.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert unquote(resp.headers["Content-Disposition"]).endswith("区政府办-2025-政府信息公开工作年度报告.docx")
    from docx import Document

    document = Document(io.BytesIO(await resp.read()))
    assert document.paragraphs[0].text == "广安市广安区人民政府办公室2025年政府信息公开工作年度报告"
    assert len(document.tables) == 3

    resp = await client.get(REPORT, params={"year": "2025", "department": "区政府办", "format": "csv"},
                            headers=bearer(staff.tokens["s1"]))
    assert resp.status == 200 and resp.content_type == "text/csv"
    text = await resp.text()
    assert text.startswith("\ufeff表,项目,列,数值") and "三,（四）无法提供 1.本机关不掌握相关政府信息,商业企业,1" in text

    resp = await client.get(REPORT, params={"year": "2025", "format": "html"}, headers=bearer(staff.tokens["s1"]))
    assert resp.status == 200 and resp.content_type == "text/html"
    assert "三、收到和处理政府信息公开申请情况" in await resp.text()


async def test_roles_and_bad_parameters(client, staff):
    assert (await client.get(REPORT, params={"year": "2025"})).status == 401
    for user in ("d1", "zj1"):
        resp = await client.get(REPORT, params={"year": "2025"}, headers=bearer(staff.tokens[user]))
        assert resp.status == 403 and (await resp.json())["error"]["code"] == "forbidden"
    for params, code in (({}, "invalid_year"), ({"year": "1999"}, "invalid_year"), ({"year": "２０２５"}, "invalid_year"),
                         ({"year": "2025", "format": "pdf"}, "invalid_format"),
                         ({"year": "2025", "department": "区" * 65}, "invalid_department"),
                         ({"year": "2025", "department": "区\x00政府办"}, "invalid_department")):
        resp = await client.get(REPORT, params=params, headers=bearer(staff.tokens["s1"]))
        assert resp.status == 400, params
        assert (await resp.json())["error"]["code"] == code, params


async def test_appeals_are_pushed_like_the_other_rows(client, staff):
    from sqlalchemy.orm import Session

    from bot.auth import service as auth
    from bot.db import sync_engine

    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s, s.begin():
        auth.add_user(s, "disclosure-feed", "system")
        token = auth.issue_token(s, "disclosure-feed", "sync")
    engine.dispose()
    rows = [{"case_no": "广安区复〔2025〕3号", "kind": "review", "filed_at": "2025-04-01", "result": "upheld",
             "concluded_at": "2025-06-01", "department": "区政府办"},
            {"case_no": "X2", "kind": "review", "filed_at": "2025-04-01", "result": "upheld"}]
    resp = await client.post(APPEALS, json={"rows": rows}, headers=bearer(token))
    body = await resp.json()
    assert resp.status == 200 and (body["inserted"], body["invalid"]) == (1, 1)
    assert body["errors"][0]["index"] == 1 and body["errors"][0]["key"] == "X2"
    resp = await client.post(APPEALS, json={"rows": rows[:1]}, headers=bearer(token))
    assert (await resp.json())["unchanged"] == 1
    assert (await client.post(APPEALS, json={"rows": []}, headers=bearer(staff.tokens["s1"]))).status == 403
    resp = await client.get(REPORT, params={"year": "2025", "department": "区政府办"}, headers=bearer(staff.tokens["s1"]))
    assert (await resp.json())["appeals"]["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}


DRAFT = "/api/disclosure/annual-report/draft"


async def test_staff_write_the_narrative_and_the_figures_without_a_source(client, staff, tmp_path):
    seed(staff.url, tmp_path)
    s1, a1 = bearer(staff.tokens["s1"]), bearer(staff.tokens["a1"])
    where = {"year": "2025", "department": "区政府办"}
    resp = await client.get(DRAFT, params=where, headers=s1)
    assert resp.status == 200 and (await resp.json())["version"] == 0
    body = {"overall": "2025年，区政府办坚持以公开为常态。\n全年主动公开政府信息120条。", "problems": None,
            "figures": {"punishment": 12, "coercion": 0, "admin_fees_wan_yuan": "3.5"}, "version": 0}
    resp = await client.put(DRAFT, params={**where, "department": "政府信息公开"}, json=body, headers=s1)  # alias
    saved = await resp.json()
    assert resp.status == 200, saved
    assert saved["version"] == 1 and saved["updated_by"] == "s1" and saved["figures"]["admin_fees_wan_yuan"] == "3.5"
    resp = await client.put(DRAFT, params=where, json=body, headers=a1)               # based on version 0: stale
    assert resp.status == 409 and (await resp.json())["error"]["code"] == "conflict"
    resp = await client.put(DRAFT, params=where, json={**body, "other": "六、其他：无。", "version": 1}, headers=a1)
    assert resp.status == 200 and (await resp.json())["version"] == 2

    resp = await client.get(REPORT, params=where, headers=s1)
    report = await resp.json()
    assert report["prompts"]["overall"] == ["2025年，区政府办坚持以公开为常态。", "全年主动公开政府信息120条。"]
    assert report["prompts"]["other"] == ["六、其他：无。"]
    assert any("请工作人员" in line for line in report["prompts"]["problems"])   # still the system's prompt
    assert (report["active"]["punishment"], report["active"]["coercion"], report["active"]["admin_fees_wan_yuan"]) == (
        12, 0, "3.5")
    assert report["draft"]["version"] == 2 and "a1" in report["sources"]["二.工作人员填写"]
    resp = await client.get(REPORT, params={**where, "format": "docx"}, headers=s1)
    from docx import Document

    document = Document(io.BytesIO(await resp.read()))
    table2 = document.tables[0]
    assert [c.text for c in table2.rows[9].cells][:2] == ["行政处罚", "12"]
    assert [c.text for c in table2.rows[13].cells][:2] == ["行政事业性收费", "3.5"]
    assert "全年主动公开政府信息120条。" in [p.text for p in document.paragraphs]
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from bot.audit.models import AuditEntry
    from bot.audit.trail import verify
    from bot.db import sync_engine

    engine = sync_engine(staff.url)
    with Session(engine, future=True) as session:
        entries = session.execute(select(AuditEntry).where(AuditEntry.action == "disclosure_report_draft")
                                  .order_by(AuditEntry.seq)).scalars().all()
        trail = [(e.actor, e.object_id, e.data["version"], e.data["texts_changed"]) for e in entries]
    engine.dispose()
    assert trail == [("s1", "2025:区政府办", 1, ["overall"]), ("a1", "2025:区政府办", 2, ["other"])]
    assert verify(staff.url).ok
    # another year, and the all-departments report, have drafts of their own
    resp = await client.get(DRAFT, params={"year": "2025"}, headers=s1)
    assert (await resp.json())["version"] == 0


async def test_bad_drafts_are_refused_and_nothing_is_saved(client, staff):
    s1 = bearer(staff.tokens["s1"])
    where = {"year": "2025", "department": "区政府办"}
    for body in ({"overall": 5}, {"overall": "含\x00控制字符"}, {"overall": "长" * 20001},
                 {"figures": {"punishment": -1}}, {"figures": {"punishment": True}},
                 {"figures": {"admin_fees_wan_yuan": "1.23456"}}, {"figures": {"admin_fees_wan_yuan": "很多"}},
                 {"figures": {"licensing": 3}}, {"figures": []}, {"version": "1"}):
        resp = await client.put(DRAFT, params=where, json=body, headers=s1)
        assert resp.status == 400, body
        assert (await resp.json())["error"]["code"] == "invalid_draft", body
    resp = await client.put(DRAFT, params=where, data=b"{not json", headers=s1)
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_json"
    assert (await client.put(DRAFT, params=where, json={}, headers=bearer(staff.tokens["zj1"]))).status == 403
    assert (await client.put(DRAFT, params={"year": "25"}, json={}, headers=s1)).status == 400
    assert (await (await client.get(DRAFT, params=where, headers=s1)).json())["version"] == 0
