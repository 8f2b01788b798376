"""The working-day calendar: statutory holidays, 调休 working days, the unknown-year fallback, the CLI."""
import logging
import subprocess
import sys
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import calendar
from bot.cli import main as cli_main
from tests.conftest import ROOT

CST = ZoneInfo("Asia/Shanghai")


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
def knowledge_overrides(holiday_file):
    holiday_file("holidays: [2031-01-01, 2031-01-02]\nworkdays: [2031-01-04]\n")


def test_corrections_override_the_law_with_a_warning_once(knowledge_overrides, caplog):
    assert not calendar.year_is_known(2031) and calendar.source_of_year(2031) == "law"
    with caplog.at_level(logging.WARNING, logger="bot.calendar"):
        assert calendar.is_working_day(date(2031, 1, 6)) is True       # Monday
        assert calendar.is_working_day(date(2031, 1, 5)) is False      # Sunday
        assert calendar.is_working_day(date(2031, 1, 2)) is False      # correction: holiday (Thursday)
        assert calendar.is_working_day(date(2031, 1, 4)) is True       # correction: workday (Saturday)
        assert calendar.add_working_days(date(2030, 12, 31), 2) == date(2031, 1, 4)
    warnings = [r for r in caplog.records if "2031" in r.getMessage()]
    assert len(warnings) == 1 and "computed from the law" in warnings[0].getMessage()  # never an exception


# ---- every day of a week, from every source: Saturday and Sunday are never working days by default

WEEK = [(0, True), (1, True), (2, True), (3, True), (4, True), (5, False), (6, False)]


@pytest.mark.parametrize("weekday, working", WEEK)
@pytest.mark.parametrize("monday, source", [
    (date(2026, 3, 9), "library"),          # an ordinary week the library knows
    (date(2027, 3, 8), "law"),              # computed from the law
    (date(2030, 11, 11), "law"),
    (date(2101, 3, 7), "weekdays"),         # beyond the law's computation: Monday-Friday only
])
def test_fallback_calendars_on_every_weekday(monday, source, weekday, working):
    assert monday.weekday() == 0 and calendar.source_of_year(monday.year) == source
    assert calendar.is_working_day(monday + timedelta(days=weekday)) is working


@pytest.mark.parametrize("weekday, working", WEEK)
def test_a_notice_year_counts_weekends_off_outside_its_lists(holiday_file, weekday, working):
    holiday_file(FICTITIOUS_NOTICE)
    monday = date(2027, 3, 8)
    assert calendar.source_of_year(2027) == "notice"
    assert calendar.is_working_day(monday + timedelta(days=weekday)) is working


# ---- the statutory holidays computed from the law (2024 amendment) for 2027–2030

# Lunar dates and 清明 checked against published almanacs: 春节 2027-02-06, 2028-01-26, 2029-02-13,
# 2030-02-03; 端午 2027-06-09, 2028-05-28, 2029-06-16, 2030-06-05; 中秋 2027-09-15, 2028-10-03,
# 2029-09-22, 2030-09-12; 清明 2027-04-05, 2028-04-04, 2029-04-04, 2030-04-05.
COMPUTED = {
    2027: ["2027-01-01", "2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-04-05", "2027-05-01",
           "2027-05-02", "2027-06-09", "2027-09-15", "2027-10-01", "2027-10-02", "2027-10-03"],
    2028: ["2028-01-01", "2028-01-25", "2028-01-26", "2028-01-27", "2028-01-28", "2028-04-04", "2028-05-01",
           "2028-05-02", "2028-05-28", "2028-10-01", "2028-10-02", "2028-10-03"],   # 中秋 on 10-03
    2029: ["2029-01-01", "2029-02-12", "2029-02-13", "2029-02-14", "2029-02-15", "2029-04-04", "2029-05-01",
           "2029-05-02", "2029-06-16", "2029-09-22", "2029-10-01", "2029-10-02", "2029-10-03"],
    2030: ["2030-01-01", "2030-02-02", "2030-02-03", "2030-02-04", "2030-02-05", "2030-04-05", "2030-05-01",
           "2030-05-02", "2030-06-05", "2030-09-12", "2030-10-01", "2030-10-02", "2030-10-03"],
}


@pytest.mark.parametrize("year", sorted(COMPUTED))
def test_statutory_holidays_computed_from_the_law(year):
    expected = {date.fromisoformat(d) for d in COMPUTED[year]}
    assert set(calendar.statutory_holidays(year)) == expected
    assert calendar.source_of_year(year) == "law"
    for day in expected:
        assert calendar.is_working_day(day) is False, day
    # the working days right around each break stay working days
    for day in expected:
        for other in (day - timedelta(days=1), day + timedelta(days=1)):
            if other.weekday() < 5 and other not in expected:
                assert calendar.is_working_day(other) is True, other


def test_the_law_names_each_festival_and_merges_mid_autumn_into_national_day():
    days = calendar.statutory_holidays(2028)
    assert days[date(2028, 1, 25)] == "春节" and days[date(2028, 4, 4)] == "清明节"
    assert days[date(2028, 10, 3)] == "国庆节、中秋节" and len(days) == 12
    with pytest.raises(ValueError):
        calendar.statutory_holidays(2024)   # before the 2024 amendment took effect


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_law_agrees_with_the_library_where_both_exist(year):
    """Every statutory holiday the law gives is a holiday in the State Council's arrangement."""
    import chinese_calendar

    for day in calendar.statutory_holidays(year):
        assert chinese_calendar.is_holiday(day), day


def test_ticket_created_2027_01_25_skips_spring_festival_2027():
    """Done-when of issue #21: 除夕 2027-02-05 (Friday) to 正月初三 2027-02-08 (Monday) are not counted."""
    from bot.tickets import sla

    created = datetime(2027, 1, 25, 10, 0, tzinfo=CST)
    d = sla.compute_deadlines("投诉", False, created)
    assert d.sign_by.astimezone(CST) == datetime(2027, 1, 26, 23, 59, 59, tzinfo=CST)
    # 15 working days: Jan 26-29, Feb 1-4, (Feb 5 and 8 off), Feb 9-12, Feb 15-17; Monday-Friday would say Feb 15
    assert d.resolve_by.astimezone(CST) == datetime(2027, 2, 17, 23, 59, 59, tzinfo=CST)
    d = sla.compute_deadlines("求助", False, datetime(2027, 2, 4, 9, 0, tzinfo=CST))
    assert d.sign_by.astimezone(CST) == datetime(2027, 2, 9, 23, 59, 59, tzinfo=CST)   # not Feb 5 or Feb 8


# ---- the State Council's notice in knowledge/holidays.yml

# Fictitious arrangement, for tests only (the real 2027 notice is not published): Spring Festival
# 2027-02-05..02-13 off, Sunday 2027-02-14 and Saturday 2027-02-20 worked.
FICTITIOUS_NOTICE = """
years:
  2027:
    notice: "测试用虚构通知"
    holidays:
      - 2027-01-01
      - {from: 2027-02-05, to: 2027-02-13}
    workdays: [2027-02-14, 2027-02-20]
"""


def test_a_notice_overrides_the_law(holiday_file):
    holiday_file(FICTITIOUS_NOTICE)
    assert calendar.source_of_year(2027) == "notice" and calendar.year_is_known(2027)
    assert calendar.is_working_day(date(2027, 2, 10)) is False      # in the notice's break
    assert calendar.is_working_day(date(2027, 2, 14)) is True       # its working Sunday
    assert calendar.is_working_day(date(2027, 2, 20)) is True       # its working Saturday
    assert calendar.is_working_day(date(2027, 2, 21)) is False      # an ordinary Sunday
    assert calendar.is_working_day(date(2027, 6, 9)) is True        # 端午 by the law, not in the notice
    assert calendar.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 14)


def test_a_notice_overrides_the_library_and_corrections_override_the_notice(holiday_file):
    holiday_file("years:\n  2026:\n    notice: 测试\n    holidays: [2026-03-10]\n    workdays: [2026-03-14]\n"
                 "holidays: [2026-03-12]\nworkdays: [2026-03-10]\n")
    assert calendar.source_of_year(2026) == "notice"
    assert calendar.is_working_day(date(2026, 2, 16)) is True       # library holiday, not in this notice
    assert calendar.is_working_day(date(2026, 3, 14)) is True       # notice: working Saturday
    assert calendar.is_working_day(date(2026, 3, 10)) is True       # correction beats the notice
    assert calendar.is_working_day(date(2026, 3, 12)) is False      # correction: day off


def test_holiday_file_problems_are_reported_not_raised():
    parsed = calendar.parse_holiday_file({
        "years": {2027: {"holidays": ["2027-01-01"]},                          # no notice reference
                  2028: {"notice": "X", "holidays": ["2028-02-30", {"from": "2028-01-26", "to": "2028-01-20"},
                                                    "2030-01-01", "2028-01-27"], "workdays": ["2028-01-27"]},
                  "next": {"notice": "Y"}, 2029: "2029-01-01"},
        "holidays": "2026-01-01", "workdays": ["2026-13-01"]})
    text = "\n".join(parsed.problems)
    assert "years.2027: notice" in text and "2028-02-30" in text and "range must run forwards" in text
    assert "dates outside 2028 ignored: 2030-01-01" in text and "both as holiday and as working day: 2028-01-27" in text
    assert "'next' is not a year" in text and "years.2029: expected a mapping" in text
    assert "holidays: expected a list" in text and "2026-13-01" in text
    assert set(parsed.notices) == {2028} and parsed.notices[2028].holidays == {date(2028, 1, 27)}
    assert calendar.parse_holiday_file(None).notices == {} and calendar.parse_holiday_file([1]).problems


# ---- coverage: the warning from 1 November of the last fully known year

def test_coverage_degrades_from_november_of_the_last_known_year(holiday_file):
    holiday_file("years: {}\n")
    assert calendar.coverage(date(2026, 10, 31)).ok
    cover = calendar.coverage(date(2026, 11, 1))
    assert not cover.ok and cover.last_known_year == 2026 and cover.next_source == "law"
    assert cover.to_json()["message"].startswith("下一年度节假日安排尚未录入")
    assert not calendar.coverage(date(2027, 3, 1)).ok            # the year itself unknown
    holiday_file(FICTITIOUS_NOTICE)
    assert calendar.coverage(date(2026, 12, 1)).ok and calendar.coverage(date(2026, 12, 1)).last_known_year == 2027
    assert not calendar.coverage(date(2027, 11, 1)).ok


def test_cli_status_names_the_source_of_each_year(holiday_file, capsys):
    holiday_file(FICTITIOUS_NOTICE)
    assert cli_main(["calendar", "status", "--from", "2026", "--to", "2028"]) in (0, 1)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["2026", "library"]
    assert out[1].split()[:2] == ["2027", "notice"] and "测试用虚构通知" in out[1]
    assert out[2].split()[:2] == ["2028", "law"]
    holiday_file("years: {2027: {holidays: [2027-01-01]}}\n")
    assert cli_main(["calendar", "status", "--from", "2101", "--to", "2101"]) == 1     # a problem in the file
    out = capsys.readouterr().out
    assert "2101  weekdays" in out and "notice (the reference" in out


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


# ---- the small print, exactly -------------------------------------------------------------------

def test_coverage_json_exactly(holiday_file):
    holiday_file("years: {}\n")
    assert calendar.coverage(date(2026, 10, 31)).to_json() == {
        "ok": True, "last_known_year": 2026, "warn_from": "2026-11-01", "next_year": 2027, "next_year_source": "law"}
    cover = calendar.coverage(date(2026, 11, 1))
    assert cover.today == date(2026, 11, 1)
    assert cover.to_json() == {
        "ok": False, "last_known_year": 2026, "warn_from": "2026-11-01", "next_year": 2027, "next_year_source": "law",
        "message": "下一年度节假日安排尚未录入：2027年按《全国年节及纪念日放假办法》推算（无调休）"}
    assert calendar.coverage(date(2100, 11, 1)).next_source == "law"
    assert calendar.coverage(date(2101, 1, 1)).to_json()["message"].endswith("2101年仅周一至周五")


def test_status_lines_exactly(holiday_file):
    holiday_file(FICTITIOUS_NOTICE)
    assert calendar.status_lines(2026, 2028) == [
        "2026  library   chinese-calendar 内置安排",
        "2027  notice    国务院办公厅放假安排通知（knowledge/holidays.yml） 测试用虚构通知",
        "2028  law       按《全国年节及纪念日放假办法》推算（无调休）"]
    assert calendar.holidays_path() == calendar.holidays_path()   # the fixture's file


def test_the_default_holiday_file_is_the_knowledge_one():
    from bot.settings import get_settings

    assert calendar.holidays_path() == get_settings().knowledge_dir / "holidays.yml"
    assert calendar.holidays_path().exists()
    assert calendar.holiday_file().problems == ()      # the shipped file is clean


def test_ranges_include_both_ends_and_span_at_most_32_days():
    parsed = calendar.parse_holiday_file({"holidays": [{"from": "2027-01-01", "to": "2027-02-01"},
                                                       {"from": "2027-03-01", "to": "2027-03-01"}]})
    assert len(parsed.holidays) == 33 and date(2027, 2, 1) in parsed.holidays and not parsed.problems
    assert date(2027, 2, 2) not in parsed.holidays and date(2027, 3, 1) in parsed.holidays
    too_long = calendar.parse_holiday_file({"holidays": [{"from": "2027-01-01", "to": "2027-02-02"}]})
    assert not too_long.holidays
    assert too_long.problems == ("holidays: entry {'from': '2027-01-01', 'to': '2027-02-02'} is not a date or a "
                                 "{from, to} range (range must run forwards and span at most 32 days); ignored",)
    assert calendar.parse_holiday_file({"workdays": [datetime(2027, 2, 14, 9, 0)]}).workdays == {date(2027, 2, 14)}


def test_weekdays_only_years_warn_once_with_the_year(caplog):
    calendar.reload_overrides()
    with caplog.at_level(logging.WARNING, logger="bot.calendar"):
        assert calendar.is_working_day(date(2101, 3, 7)) is True
        assert calendar.is_working_day(date(2101, 3, 8)) is True
    messages = [r.getMessage() for r in caplog.records if r.name == "bot.calendar"]
    assert messages == ["working-day calendar: no statutory holiday data for 2101; using Monday-Friday plus "
                        "knowledge/holidays.yml"]
    calendar.reload_overrides()
    with caplog.at_level(logging.WARNING, logger="bot.calendar"):
        calendar.is_working_day(date(2029, 3, 7))
    assert caplog.records[-1].getMessage() == (
        "working-day calendar: no holiday arrangement for 2029; statutory holidays computed from the law "
        "(no 调休) — enter the State Council's notice in knowledge/holidays.yml")


def test_datetimes_count_by_their_date():
    assert calendar.add_working_days(datetime(2027, 2, 4, 18, 0), 1) == date(2027, 2, 9)
    assert calendar.working_days_between(datetime(2027, 2, 4, 9, 0), datetime(2027, 2, 9, 23, 0)) == 1
    assert calendar.working_days_between(date(2027, 2, 4), date(2027, 2, 17)) == 7
    assert calendar.is_working_day(datetime(2027, 2, 5, 12, 0)) is False
    assert calendar.format_cn_date(datetime(2027, 2, 6, 8, 0)) == "2027年2月6日"
    with pytest.raises(ValueError, match="^n must be >= 0$"):
        calendar.add_working_days(date(2027, 1, 4), -1)
    assert calendar.add_working_days(date(2027, 1, 29), 2) == date(2027, 2, 2)
