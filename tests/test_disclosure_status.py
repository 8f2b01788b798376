"""Statutory deadlines, the verified request status, catalog search — on SQLite and PostgreSQL."""
from datetime import date, datetime, timezone

import pytest

from bot.cases.lockout import Lockout
from bot.db import dispose_engine
from bot.disclosure import replies
from bot.disclosure.importer import import_disclosure_requests, import_disclosures
from bot.disclosure.queries import parse_query, request_status, search_catalog
from bot.disclosure.status import RequestFacts, compute_request_status, statutory_deadline
from tests.approvals_helpers import disclosure_row, request_row, write_jsonl


def test_statutory_deadline():
    assert statutory_deadline(date(2025, 12, 31), extended=False) == date(2026, 1, 29)
    assert statutory_deadline(date(2025, 12, 31), extended=True) == date(2026, 3, 4)  # +20 across 春节 (2月14日、28日调休)
    assert statutory_deadline(date(2025, 9, 26), extended=False) == date(2025, 10, 30)


def test_received_time_is_taken_in_local_time():
    # 2025-12-31 20:00 UTC is 2026-01-01 04:00 in Beijing: received on New Year's Day.
    facts = RequestFacts("YSQ2025-0001", "x", datetime(2025, 12, 31, 20, 0, tzinfo=timezone.utc), False,
                         "processing", None)
    s = compute_request_status(facts, today=date(2026, 1, 5))
    assert s.received_on == date(2026, 1, 1) and s.deadline == date(2026, 1, 29)  # holiday receipt


def test_overdue_requests():
    facts = RequestFacts("YSQ2025-0001", "x", datetime(2025, 12, 31, 2, tzinfo=timezone.utc), False, "processing", None)
    assert not compute_request_status(facts, today=date(2026, 1, 29)).overdue
    assert compute_request_status(facts, today=date(2026, 1, 30)).overdue
    assert "超过法定答复期限" in replies.request_status_message(compute_request_status(facts, date(2026, 2, 2)))


@pytest.fixture
async def loaded_db(migrated_db_url, tmp_path):
    write_jsonl(tmp_path / "r.jsonl", [request_row("YSQ2025-0001"), request_row("YSQ2025-0002", extended=True)])
    import_disclosure_requests(tmp_path / "r.jsonl", migrated_db_url)
    write_jsonl(tmp_path / "d.jsonl", [
        disclosure_row("GK1"),
        disclosure_row("GK2", title="广安区2025年国民经济和社会发展统计公报", doc_no=None, department="区统计局",
                       category="统计信息", published_at="2026-03-20", summary=None),
        disclosure_row("GK3", title="广安区人民政府关于印发《广安区城乡居民最低生活保障实施办法》的通知",
                       doc_no="广区府发〔2025〕8号", department="区政府办", category="政策文件",
                       published_at="2025-06-12"),
        disclosure_row("GK4", title="广安区2025年区级部门预算公开", published_at="2025-02-11",
                       doc_no="广区财〔2025〕9号"),
    ])
    import_disclosures(tmp_path / "d.jsonl", migrated_db_url)
    yield migrated_db_url
    await dispose_engine()


async def test_request_status_after_verification(loaded_db):
    lock = Lockout()
    ok = await request_status("ysq2025-0001", "5678", loaded_db, lock, today=date(2026, 1, 10))
    assert ok.kind == "ok"
    text = replies.request_status_message(ok.record)
    assert "法定答复期限：2026年1月29日" in text and "收到申请日期：2025年12月31日" in text
    extended = await request_status("YSQ2025-0002", "5678", loaded_db, lock, today=date(2026, 1, 10))
    assert "2026年3月4日" in replies.request_status_message(extended.record)


async def test_unknown_number_and_wrong_digits_are_indistinguishable(loaded_db):
    lock = Lockout()
    wrong = await request_status("YSQ2025-0001", "0000", loaded_db, lock)
    unknown = await request_status("YSQ2099-9999", "5678", loaded_db, lock)
    assert wrong == unknown and wrong.kind == "not_verified" and wrong.record is None
    for _ in range(4):
        last = await request_status("YSQ2025-0001", "1111", loaded_db, lock)
    assert last.kind == "locked" and last.record is None
    # Locked even with the right digits, for the hour.
    assert (await request_status("YSQ2025-0001", "5678", loaded_db, lock)).kind == "locked"
    assert (await request_status("YSQ2025-0002", "5678", loaded_db, lock)).kind == "ok"
    assert (await request_status("YSQ2025-0002", "56a8", loaded_db, lock)).kind == "bad_code"


def test_parse_query():
    q = parse_query("广安区2025年财政预算在哪看")
    assert q.year == 2025 and q.category == "财政预决算" and "预算" in "".join(q.terms)


async def test_catalog_search(loaded_db):
    hits = await search_catalog("2025年的部门预算", loaded_db)
    assert [h.title for h in hits] == ["广安区2025年区级部门预算公开"]
    hits = await search_catalog("广区府发〔2025〕8号", loaded_db)
    assert hits and hits[0].doc_no == "广区府发〔2025〕8号"
    hits = await search_catalog("统计公报", loaded_db)
    assert hits[0].department == "区统计局"
    hits = await search_catalog("最低生活保障实施办法", loaded_db)
    assert "最低生活保障" in hits[0].title
    hits = await search_catalog("区财政局", loaded_db)
    assert {h.published_at.year for h in hits} == {2025, 2026}
    assert await search_catalog("火星移民计划书", loaded_db) == []
    text = replies.hits_message(await search_catalog("预算", loaded_db))
    assert "2026年2月10日发布" in text and "https://www.guangan.gov.cn/gk/ys2026" in text


async def test_year_in_the_title_counts(loaded_db):
    # The 2025 budget was published in February 2025; a 2026 document titled "...2025年..." matches too.
    hits = await search_catalog("2025年统计公报", loaded_db)
    assert hits and hits[0].title.startswith("广安区2025年国民经济")
