"""The working-day calendar: statutory holidays, 调休 working days, the unknown-year fallback, the CLI."""
import logging
import subprocess
import sys
from datetime import date

import pytest

from bot import calendar
from bot.cli import main as cli_main
from tests.conftest import ROOT


@pytest.mark.parametrize("day, working", [
    ("2025-10-01", False), ("2025-10-08", False),            # National Day + Mid-Autumn 2025
    ("2025-09-28", True), ("2025-10-11", True),              # 调休: Sunday and Saturday worked
    ("2026-02-15", False), ("2026-02-23", False),            # Spring Festival 2026
    ("2026-02-14", True), ("2026-02-28", True),              # its 调休 Saturdays
    ("2026-05-09", True),                                    # Labour Day 2026 调休 Saturday
    ("2026-10-01", False), ("2026-10-07", False), ("2026-10-10", True),
    ("2026-11-23", True), ("2026-11-22", False),             # ordinary Monday / Sunday
])
def test_statutory_holidays_and_adjusted_working_days(day, working):
    assert calendar.is_working_day(date.fromisoformat(day)) is working


def test_add_working_days_skips_holidays():
    assert calendar.add_working_days(date(2025, 4, 30), 3) == date(2025, 5, 8)
    assert calendar.add_working_days(date(2025, 12, 31), 20) == date(2026, 1, 29)
    assert calendar.add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert calendar.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)  # 调休 Saturday
    assert calendar.add_working_days(date(2026, 1, 5), 0) == date(2026, 1, 5)
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 1, 5), -1)


def test_working_days_between_is_the_inverse():
    start = date(2025, 12, 31)
    assert calendar.working_days_between(start, calendar.add_working_days(start, 20)) == 20
    assert calendar.working_days_between(start, start) == 0
    assert calendar.format_cn_date(date(2026, 1, 29)) == "2026年1月29日"


@pytest.fixture
def knowledge_overrides(tmp_path, monkeypatch):
    from bot.settings import reload_settings

    (tmp_path / "holidays.yml").write_text(
        "holidays: [2031-01-01, 2031-01-02]\nworkdays: [2031-01-04]\n", encoding="utf-8")
    monkeypatch.setenv("GOV_KNOWLEDGE_DIR", str(tmp_path))
    reload_settings()
    calendar.reload_overrides()
    calendar._warned_years.discard(2031)
    yield
    monkeypatch.undo()
    reload_settings()
    calendar.reload_overrides()


def test_unknown_year_falls_back_to_weekdays_and_overrides_with_a_warning(knowledge_overrides, caplog):
    assert not calendar.year_is_known(2031)
    with caplog.at_level(logging.WARNING, logger="bot.calendar"):
        assert calendar.is_working_day(date(2031, 1, 6)) is True       # Monday
        assert calendar.is_working_day(date(2031, 1, 5)) is False      # Sunday
        assert calendar.is_working_day(date(2031, 1, 1)) is False      # override holiday (Wednesday)
        assert calendar.is_working_day(date(2031, 1, 4)) is True       # override workday (Saturday)
        assert calendar.add_working_days(date(2030, 12, 31), 2) == date(2031, 1, 4)
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1  # once per year, never an exception


def test_cli_in_process(capsys):
    assert cli_main(["calendar", "add-working-days", "2025-04-30", "3"]) == 0
    assert capsys.readouterr().out.strip() == "2025-05-08"
    assert cli_main(["calendar", "is-working-day", "2026-05-09"]) == 0
    assert capsys.readouterr().out.strip() == "true"
    assert cli_main(["calendar", "is-working-day", "2025-10-01"]) == 0
    assert capsys.readouterr().out.strip() == "false"
    assert cli_main(["calendar", "working-days-between", "2025-12-31", "2026-01-29"]) == 0
    assert capsys.readouterr().out.strip() == "20"
    assert cli_main(["calendar", "add-working-days", "2025-02-30", "3"]) == 2
    assert "不是有效日期" in capsys.readouterr().err
    assert cli_main(["calendar", "add-working-days", "2025-04-30", "-3"]) == 2


def test_cli_subprocess():
    out = subprocess.run([sys.executable, "-m", "bot", "calendar", "add-working-days", "2025-04-30", "3"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2025-05-08"
