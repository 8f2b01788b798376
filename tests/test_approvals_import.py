"""`python -m bot import approvals`: idempotent upsert, malformed rows by line, one transaction —
on SQLite and PostgreSQL."""
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.approvals import importer
from bot.approvals.importer import import_approvals
from bot.approvals.models import Application, ApplicationEvent
from bot.db import sync_engine
from tests.approvals_helpers import application_row, write_jsonl


def _rows(url):
    engine = sync_engine(url)
    try:
        with Session(engine, future=True) as s:
            apps = s.execute(select(Application).order_by(Application.application_no)).scalars().all()
            return {a.application_no: (a.item_name, a.status, [(e.seq, e.stage) for e in a.events]) for a in apps}
    finally:
        engine.dispose()


def test_malformed_rows_are_reported_by_line_and_the_rest_loaded(migrated_db_url, tmp_path):
    missing = application_row("SP20260302004")
    del missing["item_name"]
    path = write_jsonl(tmp_path / "a.jsonl", [
        application_row("SP20260302001"),                                          # 1 ok
        '{"application_no": "SP20260302002", "item_name": ',                       # 2 bad JSON
        "",                                                                        # 3 blank: ignored
        application_row("SP20260302003", submitted_at="2026-03-02T09:30:00"),     # 4 no offset
        missing,                                                                   # 5 missing field
        application_row("SP20260302005", status="done"),                           # 6 bad status
        application_row("SP20260302006", events=[{"stage": "盖章", "at": "2026-03-02T10:00:00+08:00"}]),  # 7
        application_row("SP20260302001"),                                          # 8 duplicate key
        application_row("SP20260302009", promised_working_days="ten"),             # 9 not an integer
        application_row("SP20260302010", applicant_phone="12"),                    # 10 bad phone
        application_row("SP20260302011", events=[{"stage": "受理", "at": "2026-02-01T10:00:00+08:00"}]),  # 11
        "[1, 2]",                                                                  # 12 not an object
        application_row("sp-2026-0012", status="approved",
                        events=[{"stage": "受理", "at": "2026-03-02T10:00:00Z"}]),  # 13 ok, normalised
    ])
    result = import_approvals(path, migrated_db_url)
    assert result.counts() == {"inserted": 2, "updated": 0, "unchanged": 0, "invalid": 10}
    lines = {e.line: e.message for e in result.errors}
    assert sorted(lines) == [2, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "JSON" in lines[2]
    assert "时区" in lines[4]
    assert "item_name" in lines[5]
    assert "status" in lines[6] and "done" in lines[6]
    assert "events[0].stage" in lines[7]
    assert "第1行重复" in lines[8]
    assert "promised_working_days" in lines[9]
    assert "applicant_phone" in lines[10]
    assert "早于" in lines[11]
    assert "第2行" in result.summary() and "inserted=2" in result.summary()
    rows = _rows(migrated_db_url)
    assert set(rows) == {"SP20260302001", "SP-2026-0012"}
    assert rows["SP20260302001"][2] == [(1, "受理"), (2, "补正"), (3, "补正完成"), (4, "审核")]


def test_reimport_is_idempotent_and_a_changed_row_replaces_its_events(migrated_db_url, tmp_path):
    first = write_jsonl(tmp_path / "a.jsonl", [application_row("SP20260302001"), application_row("SP20260302002")])
    assert import_approvals(first, migrated_db_url).counts() == {"inserted": 2, "updated": 0, "unchanged": 0,
                                                                  "invalid": 0}
    assert import_approvals(first, migrated_db_url).counts() == {"inserted": 0, "updated": 0, "unchanged": 2,
                                                                  "invalid": 0}
    changed = application_row("SP20260302002", status="approved", events=[
        {"stage": "受理", "at": "2026-03-02T10:00:00+08:00"},
        {"stage": "办结", "at": "2026-03-05T16:00:00+08:00", "handler": "李科长"},
    ])
    second = write_jsonl(tmp_path / "b.jsonl", [application_row("SP20260302001"), changed,
                                                application_row("SP20260302003")])
    assert import_approvals(second, migrated_db_url).counts() == {"inserted": 1, "updated": 1, "unchanged": 1,
                                                                   "invalid": 0}
    rows = _rows(migrated_db_url)
    assert rows["SP20260302002"][1:] == ("approved", [(1, "受理"), (2, "办结")])
    engine = sync_engine(migrated_db_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(select(ApplicationEvent.id)).all().__len__() == 4 + 2 + 4
    finally:
        engine.dispose()


def test_nothing_half_written_when_the_transaction_fails(migrated_db_url, tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "a.jsonl", [application_row(f"SP2026030200{i}") for i in range(1, 4)])
    calls = {"n": 0}
    real = importer.ApplicationEvent

    def exploding(**kwargs):
        calls["n"] += 1
        if calls["n"] == 9:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(importer, "ApplicationEvent", exploding)
    with pytest.raises(RuntimeError):
        import_approvals(path, migrated_db_url)
    assert _rows(migrated_db_url) == {}


def test_missing_file_is_a_clear_error(migrated_db_url, tmp_path):
    with pytest.raises(FileNotFoundError):
        import_approvals(tmp_path / "nope.jsonl", migrated_db_url)


def test_cli_import_prints_counts(app_env, tmp_path, capsys):
    from bot.cli import main

    path = write_jsonl(tmp_path / "a.jsonl", [application_row(), "not json"])
    assert main(["import", "approvals", str(path)]) == 1  # some rows skipped
    out = capsys.readouterr().out
    assert "inserted=1 updated=0 unchanged=0 invalid=1" in out and "第2行" in out
    write_jsonl(path, [application_row()])
    assert main(["import", "approvals", str(path)]) == 0
    assert "inserted=0 updated=0 unchanged=1 invalid=0" in capsys.readouterr().out
    assert main(["import", "approvals", str(tmp_path / "missing.jsonl")]) == 2
