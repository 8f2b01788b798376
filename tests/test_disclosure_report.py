"""The 政府信息公开工作年度报告 (#20): table 三 and 四 counted from request facts (every outcome and
reason, requests carried over across two years, the cross-checks), the request, catalog and appeal
imports' new fields, and the whole report on SQLite and PostgreSQL from seeded records — requests,
appeals, catalog, approvals, tickets, live-chat hand-offs and the conversation store — written as a
Word document and HTML whose tables are read back."""
from __future__ import annotations

import io
import itertools
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.approvals.importer import import_approvals
from bot.db import dispose_engine, sync_engine
from bot.disclosure import template as t
from bot.disclosure.importer import import_disclosure_appeals, import_disclosure_requests, import_disclosures
from bot.disclosure.render import BLANK, table3_grid, to_csv, to_docx, to_html
from bot.disclosure.report import build_report, table3_of
from bot.livechat.models import Handoff
from tests.approvals_helpers import application_row, disclosure_row, request_row, write_jsonl

YEAR = 2025
KINDS = itertools.cycle(t.KIND_CODES)


def fact(no, received, decided=None, kind="natural_person", outcome=None, reason=None):
    return t.RequestFact(no, received, decided, kind, outcome, reason)


def every_outcome() -> list[tuple[str, str | None]]:
    return [(code, reason) for code, _, reasons in t.OUTCOMES for reason in (reasons and [r for r, _ in reasons]
                                                                              or [None])]


# ---------------------------------------------------------------- pure counting

def test_template_rows_are_the_national_format():
    labels = [label for _, label in t.TABLE3_ROWS]
    assert labels[0] == "一、本年新收政府信息公开申请数量" and labels[-1] == "四、结转下年度继续办理"
    assert len(t.result_rows()) == 2 + 8 + 3 + 5 + 3   # 予以公开, 部分公开 and every reason
    assert [len(r) for _, _, r in t.OUTCOMES] == [0, 0, 8, 3, 5, 3]
    assert [label for _, label in t.APPLICANT_KINDS] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert [label for _, label in t.APPEAL_COLUMNS] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


def test_every_outcome_and_reason_counted_in_its_row_and_column():
    facts = []
    for i, (outcome, reason) in enumerate(every_outcome()):
        kind = t.KIND_CODES[i % len(t.KIND_CODES)]
        facts.append(fact(f"R{i}", date(YEAR, 2, 1), date(YEAR, 3, 1), kind, outcome, reason))
    table = t.table3(facts, YEAR)
    assert t.check_table3(table) == []
    for i, (outcome, reason) in enumerate(every_outcome()):
        key = f"{outcome}.{reason}" if reason else outcome
        kind = t.KIND_CODES[i % len(t.KIND_CODES)]
        assert table[key][kind] == 1 and table[key][t.TOTAL] == 1, key
    assert table[t.NEW][t.TOTAL] == table[t.TOTAL][t.TOTAL] == 21
    assert table[t.CARRIED_IN][t.TOTAL] == table[t.CARRIED_OUT][t.TOTAL] == 0


def test_requests_carried_over_across_two_years():
    facts = [
        fact("A", date(2024, 12, 20), date(2025, 1, 8), "business", "granted"),      # carried into 2025
        fact("B", date(2024, 11, 2), date(2024, 12, 1), "natural_person", "granted"),  # finished in 2024
        fact("C", date(2025, 12, 30), date(2026, 1, 5), "research", "partial"),       # answered in January next year
        fact("D", date(2025, 12, 31)),                                                # still open
        fact("E", date(2024, 12, 31)),                                                # open across both years
        fact("F", date(2026, 1, 2), date(2026, 1, 3), "natural_person", "granted"),   # after 2025
    ]
    y2024, y2025, y2026 = (t.table3(facts, y) for y in (2024, 2025, 2026))
    for table in (y2024, y2025, y2026):
        assert t.check_table3(table) == []
    assert (y2024[t.NEW][t.TOTAL], y2024[t.TOTAL][t.TOTAL], y2024[t.CARRIED_OUT][t.TOTAL]) == (3, 1, 2)
    assert y2025[t.CARRIED_IN] == {**y2024[t.CARRIED_OUT]}
    assert y2025[t.CARRIED_IN]["business"] == 1 and y2025["granted"]["business"] == 1
    assert y2025[t.NEW][t.TOTAL] == 2 and y2025[t.TOTAL][t.TOTAL] == 1
    assert y2025[t.CARRIED_OUT]["research"] == 1 and y2025[t.CARRIED_OUT][t.TOTAL] == 3
    assert y2025["partial"][t.TOTAL] == 0                    # C is counted when answered, in 2026
    assert y2026[t.CARRIED_IN] == y2025[t.CARRIED_OUT]
    assert y2026["partial"]["research"] == 1 and y2026[t.NEW][t.TOTAL] == 1


def test_a_year_without_requests_is_zero_filled_and_reconciles():
    table = t.table3([], YEAR)
    assert t.check_table3(table) == []
    assert all(v == 0 for row in table.values() for v in row.values())
    assert set(table) == {key for key, _ in t.TABLE3_ROWS}


def test_the_cross_checks_find_a_wrong_cell():
    table = t.table3([fact("A", date(YEAR, 1, 5), date(YEAR, 1, 9), "business", "granted")], YEAR)
    table["granted"]["business"] += 1
    problems = t.check_table3(table)
    assert any("各类申请人之和" in p for p in problems)
    assert any("各办理结果之和" in p for p in problems)
    table = t.table3([fact("A", date(YEAR, 1, 5))], YEAR)
    table[t.CARRIED_OUT]["natural_person"] = table[t.CARRIED_OUT][t.TOTAL] = 0
    assert any("第一项加第二项" in p for p in t.check_table3(table))


def test_unknown_kind_and_outcome_are_counted_where_the_report_says():
    table = t.table3([fact("A", date(YEAR, 3, 1), date(YEAR, 3, 9), None, None)], YEAR)
    assert table["other.other"]["natural_person"] == 1
    assert t.outcome_key("denied", None) == "other.other"
    assert t.outcome_key("granted", "state_secret") == "other.other"
    assert t.outcome_key("denied", "state_secret") == "denied.state_secret"


def test_appeals_by_kind_and_result_and_pending_at_year_end():
    facts = [t.AppealFact("F1", "review", date(YEAR, 3, 1), "upheld", date(YEAR, 5, 1)),
             t.AppealFact("F2", "review", date(YEAR, 11, 1), "corrected", date(YEAR + 1, 1, 20)),  # 尚未审结
             t.AppealFact("F3", "lawsuit", date(YEAR - 1, 10, 1), "other", date(YEAR, 2, 1)),     # concluded now
             t.AppealFact("F4", "lawsuit_after_review", date(YEAR, 6, 1), None, None),
             t.AppealFact("F5", "review", date(YEAR - 1, 6, 1), "upheld", date(YEAR - 1, 9, 1))]  # earlier year
    table = t.table4(facts, YEAR)
    assert t.check_table4(table) == []
    assert table["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2}
    assert table["lawsuit"] == {"upheld": 0, "corrected": 0, "other": 1, "pending": 0, "total": 1}
    assert table["lawsuit_after_review"]["pending"] == 1
    assert t.table4(facts, YEAR + 1)["review"]["corrected"] == 1


# ---------------------------------------------------------------- imports

def _row(no, **extra):
    base = {"received_at": "2025-03-03T10:00:00+08:00", "status": "answered",
            "answered_at": "2025-03-20T10:00:00+08:00", "department": "区政府办", "applicant_kind": "business"}
    return request_row(no, **{**base, **extra})


def test_request_import_validates_the_report_fields(migrated_db_url, tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [
        _row("YSQ2025-1001", outcome="denied", outcome_reason="state_secret"),
        _row("YSQ2025-1002", outcome="denied"),                                          # 2 no reason
        _row("YSQ2025-1003", outcome="granted", outcome_reason="repeated"),              # 3 reason of another
        _row("YSQ2025-1004", outcome="granted", status="processing"),                    # 4 open with outcome
        _row("YSQ2025-1005", outcome="granted", status="rejected"),                      # 5 granted but rejected
        _row("YSQ2025-1006", applicant_kind="company"),                                  # 6 unknown kind
        _row("YSQ2025-1007", outcome="other", outcome_reason="fee_unpaid"),              # 7 no fee
        _row("YSQ2025-1008", fee_amount=100, fee_paid=120,
             fee_notified_at="2025-03-10T10:00:00+08:00"),                               # 8 paid > notified
        _row("YSQ2025-1009", fee_amount="12.345", fee_notified_at="2025-03-10T10:00:00+08:00"),  # 9 3 decimals
        _row("YSQ2025-1010", fee_amount=50),                                             # 10 no notice time
        _row("YSQ2025-1011", outcome="other", outcome_reason="fee_unpaid", fee_amount="150.5",
             fee_paid=0, fee_notified_at="2025-03-10T10:00:00+08:00"),
        _row("YSQ2025-1012", outcome="granted", answered_at=None),                       # 12 no answer time
    ])
    result = import_disclosure_requests(path, migrated_db_url)
    assert result.counts() == {"inserted": 2, "updated": 0, "unchanged": 0, "invalid": 10}
    assert [e.line for e in result.errors] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 12]
    engine = sync_engine(migrated_db_url)
    try:
        with engine.connect() as conn:
            fee = conn.execute(text("SELECT fee_amount_cents, fee_paid_cents, outcome_reason FROM disclosure_requests "
                                    "WHERE request_no = 'YSQ2025-1011'")).one()
    finally:
        engine.dispose()
    assert tuple(fee) == (15050, 0, "fee_unpaid")


def test_rows_without_the_new_fields_stay_unchanged_on_reimport(migrated_db_url, tmp_path):
    """A request row in the format before #20 has the same content hash as before: re-importing an
    old file after the upgrade reports it unchanged rather than rewriting every row."""
    from bot.imports import fields as f

    row = request_row("YSQ2025-0001")
    path = write_jsonl(tmp_path / "r.jsonl", [row])
    assert import_disclosure_requests(path, migrated_db_url).inserted == 1
    engine = sync_engine(migrated_db_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT content_hash FROM disclosure_requests")).scalar_one()
    finally:
        engine.dispose()
    old = {"subject": row["subject"], "applicant_phone": row["applicant_phone"],
           "received_at": f.timestamp(row, "received_at"), "extended": False, "status": "processing",
           "answered_at": None}
    assert stored == f.content_hash(old)
    assert import_disclosure_requests(path, migrated_db_url).unchanged == 1


def test_catalog_and_appeal_imports(migrated_db_url, tmp_path):
    catalog = write_jsonl(tmp_path / "c.jsonl", [
        disclosure_row("GK1", doc_type="行政规范性文件", published_at="2024-05-01", repealed_at="2025-06-01"),
        disclosure_row("GK2", doc_type="通知"),                                          # 2 not a doc type
        disclosure_row("GK3", doc_type="规章", published_at="2025-05-01", repealed_at="2025-04-01"),  # 3 before
    ])
    result = import_disclosures(catalog, migrated_db_url)
    assert result.counts()["inserted"] == 1 and [e.line for e in result.errors] == [2, 3]
    appeals = write_jsonl(tmp_path / "a.jsonl", [
        {"case_no": "广安区复〔2025〕3号", "kind": "review", "request_no": "YSQ2025-0001", "filed_at": "2025-04-01",
         "result": "upheld", "concluded_at": "2025-06-01", "department": "区政府办"},
        {"case_no": "X2", "kind": "appeal", "filed_at": "2025-04-01"},                    # 2 kind
        {"case_no": "X3", "kind": "review", "filed_at": "2025-04-01", "result": "upheld"},  # 3 no date
        {"case_no": "X4", "kind": "lawsuit", "filed_at": "2025-04-01", "result": "other",
         "concluded_at": "2025-03-01"},                                                  # 4 before filing
        {"case_no": "（2025）川1602行初12号", "kind": "lawsuit", "filed_at": "2025-09-01"},
    ])
    result = import_disclosure_appeals(appeals, migrated_db_url)
    assert result.counts() == {"inserted": 2, "updated": 0, "unchanged": 0, "invalid": 3}
    assert import_disclosure_appeals(appeals, migrated_db_url).unchanged == 2


# ---------------------------------------------------------------- the whole report

def seed_year(url: str, tmp_path) -> list[dict]:
    """A year of requests with every outcome and reason across the applicant kinds, requests carried
    in from 2024 and out to 2026, another department's, fees; appeals; catalog; approvals."""
    rows = []
    for i, (outcome, reason) in enumerate(every_outcome()):
        extra = {"outcome": outcome, "applicant_kind": next(KINDS),
                 "status": "rejected" if outcome not in ("granted", "partial") else "answered"}
        if reason:
            extra["outcome_reason"] = reason
        if reason == "fee_unpaid":
            extra.update(fee_amount=200, fee_notified_at="2025-03-12T09:00:00+08:00")
        rows.append(_row(f"YSQ2025-2{i:03d}", **extra))
    rows += [
        _row("YSQ2024-0900", received_at="2024-12-25T09:00:00+08:00", answered_at="2025-01-10T09:00:00+08:00",
             outcome="granted", applicant_kind="natural_person"),                   # carried in, answered
        _row("YSQ2024-0901", received_at="2024-12-30T09:00:00+08:00", status="processing", answered_at=None,
             applicant_kind="legal_service"),                                        # carried in and out
        _row("YSQ2025-0900", received_at="2025-12-30T09:00:00+08:00", answered_at="2026-01-06T09:00:00+08:00",
             outcome="partial", applicant_kind="research", fee_amount="80.50", fee_paid="80.50",
             fee_notified_at="2025-12-31T09:00:00+08:00"),                           # answered next January
        _row("YSQ2024-0800", received_at="2024-10-01T09:00:00+08:00", answered_at="2024-10-20T09:00:00+08:00",
             outcome="granted"),                                                     # all in 2024
        _row("YSQ2025-0901", department="区住建局", outcome="granted"),                # another department
        request_row("YSQ2025-0902", received_at="2025-05-05T09:00:00+08:00", status="answered",
                    answered_at="2025-07-30T09:00:00+08:00", department="区政府办"),    # legacy: no kind/outcome
        request_row("YSQ2025-0903", received_at="2025-08-01T09:00:00+08:00", status="answered",
                    department="区政府办"),                                           # legacy: no answer time
    ]
    path = write_jsonl(tmp_path / "requests.jsonl", rows)
    assert import_disclosure_requests(path, url).errors == []
    appeals = [{"case_no": "R1", "kind": "review", "filed_at": "2025-04-01", "result": "upheld",
                "concluded_at": "2025-06-01", "department": "区政府办"},
               {"case_no": "R2", "kind": "review", "filed_at": "2025-11-01", "department": "区政府办"},
               {"case_no": "L1", "kind": "lawsuit_after_review", "filed_at": "2025-07-01", "result": "corrected",
                "concluded_at": "2025-10-01", "department": "区政府办"}]
    assert import_disclosure_appeals(write_jsonl(tmp_path / "a.jsonl", appeals), url).errors == []
    catalog = [disclosure_row("GK1", department="区政府办", doc_type="行政规范性文件", published_at="2024-05-01",
                              repealed_at="2025-06-01"),
               disclosure_row("GK2", department="区政府办", doc_type="行政规范性文件", published_at="2025-02-01"),
               disclosure_row("GK3", department="区政府办", doc_type="行政规范性文件", published_at="2023-02-01"),
               disclosure_row("GK4", department="区政府办", category="工作动态", published_at="2025-08-01",
                              doc_no=None)]
    assert import_disclosures(write_jsonl(tmp_path / "c.jsonl", catalog), url).errors == []
    apps = [application_row("SP2025000001", status="approved", department="区政府办", events=[
                {"stage": "受理", "at": "2025-03-02T10:00:00+08:00"}, {"stage": "办结", "at": "2025-03-05T10:00:00+08:00"}]),
            application_row("SP2025000002", status="rejected", department="区政府办", events=[
                {"stage": "受理", "at": "2024-12-30T10:00:00+08:00"}, {"stage": "不予受理", "at": "2025-01-04T10:00:00+08:00"}]),
            application_row("SP2025000003", status="approved", department="区政府办", events=[
                {"stage": "受理", "at": "2024-03-02T10:00:00+08:00"}, {"stage": "办结", "at": "2024-03-05T10:00:00+08:00"}]),
            application_row("SP2025000004", status="in_progress", department="区政府办", events=[
                {"stage": "受理", "at": "2025-03-02T10:00:00+08:00"}])]
    for app in apps:
        app["submitted_at"] = app["events"][0]["at"]
    assert import_approvals(write_jsonl(tmp_path / "ap.jsonl", apps), url).errors == []
    return rows


def seed_conversations(app_url: str, tracker_url: str) -> None:
    """Rasa's events table with three disclosure conversations (one handed to staff) and one about
    something else; hand-offs in the application database."""
    engine = sync_engine(tracker_url)
    ts = lambda day, hour: datetime(2025, 3, day, hour, tzinfo=timezone.utc).timestamp()  # noqa: E731
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), type_name VARCHAR(255), "
                          "timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"))
        for sender, day, intent in (("c1", 3, "query_disclosure"), ("c1", 3, "apply_disclosure"),
                                    ("c2", 4, "apply_disclosure"), ("c3", 5, "query_disclosure"),
                                    ("c4", 5, "ask_procedure"), ("c1", 9, "query_disclosure")):
            conn.execute(text("INSERT INTO events (sender_id, type_name, timestamp, intent_name) "
                              "VALUES (:s, 'user', :t, :i)"), {"s": sender, "t": ts(day, 2), "i": intent})
        conn.execute(text("INSERT INTO events (sender_id, type_name, timestamp, intent_name) "
                          "VALUES ('c9', 'user', :t, 'query_disclosure')"),
                     {"t": datetime(2024, 6, 1, tzinfo=timezone.utc).timestamp()})
    engine.dispose()
    engine = sync_engine(app_url)
    with Session(engine, future=True) as s, s.begin():
        s.add(Handoff(conversation_id="c3", status="closed", last_text="转人工", agent="d1",
                      requested_at=datetime(2025, 3, 5, 3, tzinfo=timezone.utc)))
        s.add(Handoff(conversation_id="c7", status="closed", last_text="我想问政府信息公开申请怎么交", agent="d1",
                      requested_at=datetime(2025, 4, 5, 3, tzinfo=timezone.utc)))
        s.add(Handoff(conversation_id="c8", status="closed", last_text="社保怎么交", agent="d1",
                      requested_at=datetime(2025, 4, 6, 3, tzinfo=timezone.utc)))
    engine.dispose()


async def test_the_whole_report_from_seeded_records(migrated_db_url, tmp_path, monkeypatch):
    from bot.auth import service as auth
    from bot.settings import reload_settings
    from bot.tickets import service

    monkeypatch.setenv("DATABASE_URL", migrated_db_url)
    reload_settings()
    try:
        seed_year(migrated_db_url, tmp_path)
        tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
        seed_conversations(migrated_db_url, tracker)
        engine = sync_engine(migrated_db_url)
        with Session(engine, future=True) as s, s.begin():
            auth.add_department(s, "区政府办")
        engine.dispose()
        when = datetime(2025, 6, 2, 2, tzinfo=timezone.utc)
        for description, category in (("咨询政府信息公开申请的办理期限", "咨询"), ("依申请公开的答复什么时候寄出", "咨询"),
                                      ("路灯坏了", "咨询"), ("投诉区里政府信息公开申请超期不答复", "投诉")):
            await service.create_ticket({"description": description, "department": "区政府办", "category": category},
                                        url=migrated_db_url,
                                        now=when, link=False)
        report = await build_report(YEAR, "政府信息公开", migrated_db_url, tracker_url=tracker)  # an alias
    finally:
        await dispose_engine()
        monkeypatch.undo()
        reload_settings()

    assert report["department"] == "区政府办" and report["body"] == "广安市广安区人民政府办公室"
    assert report["checks"] == {"ok": True, "problems": []}
    table = table3_of(report)
    assert t.check_table3(table) == []
    assert table[t.NEW][t.TOTAL] == 21 + 3          # every outcome + January answer + two legacy
    assert table[t.CARRIED_IN] == {**{k: 0 for k in t.KIND_CODES}, "natural_person": 1, "legal_service": 1, "total": 2}
    assert table[t.CARRIED_OUT]["research"] == 1 and table[t.CARRIED_OUT]["legal_service"] == 1
    assert table[t.CARRIED_OUT][t.TOTAL] == 2
    assert table[t.TOTAL][t.TOTAL] == 21 + 1 + 2   # + the carried-in answer + the legacy rows
    for outcome, reason in every_outcome():
        key = f"{outcome}.{reason}" if reason else outcome
        expected = {"granted": 2, "other.other": 3}.get(key, 1)
        assert table[key][t.TOTAL] == expected, key
    assert any("YSQ2025-0902" in w and "applicant_kind" in w for w in report["warnings"])
    assert any("YSQ2025-0902" in w and "outcome" in w for w in report["warnings"])
    assert any("YSQ2025-0903" in w and "answered_at" in w for w in report["warnings"])

    assert report["active"]["documents"]["行政规范性文件"] == {"made": 1, "repealed": 1, "in_force": 2}
    assert report["active"]["documents"]["规章"] == {"made": 0, "repealed": 0, "in_force": 0}
    assert report["active"]["licensing"] == 2
    assert report["active"]["punishment"] is None and report["active"]["admin_fees_wan_yuan"] is None
    assert report["appeals"]["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2}
    assert report["appeals"]["lawsuit_after_review"]["corrected"] == 1
    assert report["fees"] == {"notices": 2, "notified_yuan": "280.50", "collected_yuan": "80.50"}
    # c1 on two days, c2, c3 (handed over) → 3 by the assistant; c3 + c7 by staff in chat, 2 tickets
    assert report["consultations"] == {"assistant": 3, "staff": 4, "staff_chat": 2, "staff_tickets": 2}
    assert any("智能助手解答3人次" in line for line in report["prompts"]["other"])
    assert any("通知金额合计280.50元" in line for line in report["prompts"]["other"])

    # The Word document: opened and its tables read back, equal to the JSON.
    from docx import Document

    document = Document(io.BytesIO(to_docx(report)))
    assert (round(document.sections[0].page_width.mm), round(document.sections[0].page_height.mm)) == (210, 297)
    assert [p.text for p in document.paragraphs if p.style.name.startswith("Heading 2")][:6] == list(t.SECTIONS)
    table2, table3_doc, table4_doc = document.tables
    columns = [c["key"] for c in report["requests"]["columns"]]
    read = {}
    for row, (key, label) in zip(table3_doc.rows[3:], t.TABLE3_ROWS):
        cells = [c.text for c in row.cells]
        assert label in cells, (label, cells)
        read[key] = dict(zip(columns, map(int, cells[3:])))
    assert read == table
    assert [c.text for c in table3_doc.rows[2].cells][3:9] == ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert [c.text for c in table4_doc.rows[3].cells][:5] == ["1", "0", "0", "1", "2"]
    assert [c.text for c in table2.rows[3].cells] == ["行政规范性文件", "1", "1", "2"]
    assert [c.text for c in table2.rows[9].cells][:2] == ["行政处罚", BLANK]
    import csv

    lines = list(csv.reader(io.StringIO(to_csv(report).lstrip("\ufeff"))))
    assert lines[0] == ["表", "项目", "列", "数值"]
    labels = {c["label"]: c["key"] for c in report["requests"]["columns"]}
    rows = {(r["group"] + " " if r["group"] else "") + r["label"]: r["key"] for r in report["requests"]["rows"]}
    from_csv: dict = {}
    for sheet, item, column, value in lines[1:]:
        if sheet == "三":
            from_csv.setdefault(rows[item], {})[labels[column]] = int(value)
    assert from_csv == table
    assert ["二", "行政处罚", "本年处理决定数量", ""] in lines and ["六", "信息处理费", "通知金额（元）", "280.50"] in lines
    html = to_html(report)
    assert "四、结转下年度继续办理" in html and 'class="blank"' in html and "勾稽关系核对：全部通过" in html
    assert "13912345678" not in html and "13912345678" not in str(report)   # no personal data


async def test_a_year_without_data_is_a_valid_zero_filled_report(migrated_db_url, tmp_path):
    try:
        report = await build_report(2031, "区政府办", migrated_db_url, tracker_url=f"sqlite:///{tmp_path / 'none.db'}")
    finally:
        await dispose_engine()
    assert report["checks"]["ok"]
    assert all(v == 0 for row in report["requests"]["rows"] for v in row["values"].values())
    assert report["consultations"]["assistant"] is None          # no conversation store: blank, said so
    assert any("对话记录库" in w for w in report["warnings"])
    grid = table3_grid(report)
    assert len(grid) == 3 + len(t.TABLE3_ROWS)
    from docx import Document

    assert len(Document(io.BytesIO(to_docx(report))).tables) == 3


async def test_year_out_of_range_is_refused():
    with pytest.raises(ValueError):
        await build_report(1999)


async def test_an_unknown_department_is_said_to_be_unknown(migrated_db_url, tmp_path):
    try:
        report = await build_report(YEAR, "区不存在局", migrated_db_url, tracker_url=f"sqlite:///{tmp_path / 'x.db'}")
    finally:
        await dispose_engine()
    assert report["department"] == "区不存在局" and report["checks"]["ok"]
    assert any("不在部门目录" in w for w in report["warnings"])
    assert report["consultations"]["assistant"] is None        # the assistant's figure is the office's


def test_the_command_writes_the_four_files(app_env, tmp_path, capsys):
    from docx import Document

    from bot.cli import main

    rows = [_row("YSQ2025-3001", outcome="granted"), _row("YSQ2025-3002", status="processing", answered_at=None)]
    from bot.db import migrate

    migrate.upgrade(app_env.database_url)
    assert import_disclosure_requests(write_jsonl(tmp_path / "r.jsonl", rows), app_env.database_url).errors == []
    out = tmp_path / "reports"
    assert main(["disclosure", "annual-report", "2025", "--department", "区政府办", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "勾稽关系核对：全部通过" in printed
    stem = "区政府办-2025-政府信息公开工作年度报告"
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{stem}{s}" for s in (".csv", ".docx", ".html", ".json"))
    document = Document(str(out / f"{stem}.docx"))
    assert [c.text for c in document.tables[1].rows[3].cells][3:] == ["0", "2", "0", "0", "0", "0", "2"]
    assert (out / f"{stem}.csv").read_bytes().startswith("\ufeff表,项目,列,数值".encode("utf-8"))
    with pytest.raises(SystemExit) as exc:
        main(["disclosure", "annual-report", "20x5"])
    assert exc.value.code == 2


async def test_the_applicant_is_told_the_recorded_outcome(migrated_db_url, tmp_path):
    from bot.disclosure.queries import status_of_verified
    from bot.disclosure.replies import request_status_message

    rows = [_row("YSQ2025-4001", status="rejected", outcome="denied", outcome_reason="third_party"),
            _row("YSQ2025-4002", outcome="granted"),
            request_row("YSQ2025-4003", status="answered", received_at="2025-03-03T10:00:00+08:00",
                        answered_at="2025-03-20T10:00:00+08:00"),                      # none recorded
            _row("YSQ2025-4004", status="processing", answered_at=None)]
    assert import_disclosure_requests(write_jsonl(tmp_path / "r.jsonl", rows), migrated_db_url).errors == []
    try:
        texts = {no: request_status_message(await status_of_verified(no, migrated_db_url, date(2025, 4, 1)))
                 for no in ("YSQ2025-4001", "YSQ2025-4002", "YSQ2025-4003", "YSQ2025-4004")}
    finally:
        await dispose_engine()
    assert "办理结果：不予公开（保护第三方合法权益）（详见书面答复）" in texts["YSQ2025-4001"]
    assert "办理结果：予以公开" in texts["YSQ2025-4002"]
    assert "办理结果" not in texts["YSQ2025-4003"] and "办理结果" not in texts["YSQ2025-4004"]
