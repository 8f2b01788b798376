"""Disclosure catalog and request imports on SQLite and PostgreSQL."""
from datetime import date

from sqlalchemy import select

from bot.db import sync_engine
from bot.disclosure.importer import import_disclosure_requests, import_disclosures
from bot.disclosure.models import DisclosureEntry, DisclosureRequest
from tests.approvals_helpers import disclosure_row, request_row, write_jsonl


def test_catalog_import_validates_and_upserts(migrated_db_url, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [
        disclosure_row("GK2026-001"),
        disclosure_row("GK2026-002", published_at="2026-02-30"),                 # 2 bad date
        disclosure_row("GK2026-003", url="ftp://x"),                             # 3 bad url
        {"id": "GK2026-004", "title": "无部门"},                                   # 4 missing fields
        "{bad",                                                                  # 5 bad JSON
        disclosure_row("GK2026-006", published_at="2026-03-01T23:30:00+08:00", doc_no=None),  # ok
    ])
    result = import_disclosures(path, migrated_db_url)
    assert result.counts() == {"inserted": 2, "updated": 0, "unchanged": 0, "invalid": 4}
    assert [e.line for e in result.errors] == [2, 3, 4, 5]
    assert import_disclosures(path, migrated_db_url).counts()["unchanged"] == 2
    write_jsonl(path, [disclosure_row("GK2026-001", title="广安区2026年区级部门预算公开（更正）")])
    assert import_disclosures(path, migrated_db_url).counts() == {"inserted": 0, "updated": 1, "unchanged": 0,
                                                                  "invalid": 0}
    engine = sync_engine(migrated_db_url)
    try:
        with engine.connect() as conn:
            rows = dict(conn.execute(select(DisclosureEntry.id, DisclosureEntry.published_at)).all())
            title = conn.execute(select(DisclosureEntry.title).where(DisclosureEntry.id == "GK2026-001")).scalar_one()
    finally:
        engine.dispose()
    assert rows == {"GK2026-001": date(2026, 2, 10), "GK2026-006": date(2026, 3, 1)}
    assert title.endswith("（更正）")


def test_request_import_validates_and_upserts(migrated_db_url, tmp_path):
    path = write_jsonl(tmp_path / "r.jsonl", [
        request_row("YSQ2025-0001"),
        request_row("YSQ2025-0002", status="pending"),                           # 2 bad status
        request_row("YSQ2025-0003", received_at="2025-12-31 10:00"),             # 3 no offset
        request_row("YSQ2025-0004", extended="yes"),                             # 4 not a bool
        request_row("YSQ2025-0005", answered_at="2025-12-01T10:00:00+08:00"),    # 5 before receipt
        request_row("ysq2025-0006", status="answered", answered_at="2026-01-20T10:00:00+08:00"),
    ])
    result = import_disclosure_requests(path, migrated_db_url)
    assert result.counts() == {"inserted": 2, "updated": 0, "unchanged": 0, "invalid": 4}
    assert [e.line for e in result.errors] == [2, 3, 4, 5]
    assert import_disclosure_requests(path, migrated_db_url).counts()["unchanged"] == 2
    engine = sync_engine(migrated_db_url)
    try:
        with engine.connect() as conn:
            numbers = sorted(conn.execute(select(DisclosureRequest.request_no)).scalars())
    finally:
        engine.dispose()
    assert numbers == ["YSQ2025-0001", "YSQ2025-0006"]
