"""The mainland-China working-day calendar: statutory holidays and adjusted working days (调休).

Each year is covered by the best source there is (docs/calendar.md):

1. ``notice`` — the State Council General Office's annual arrangement (放假安排通知) entered in
   knowledge/holidays.yml under ``years:``: its holidays and its working weekend days; every other
   day of that year is a working day from Monday to Friday.
2. ``library`` — chinese-calendar, which carries those notices for the years it knows (≤ 2026 in
   the pinned 1.11.0).
3. ``law`` — for later years (2025–2100), the statutory holidays computed from 《全国年节及纪念日放假
   办法》 as amended in 2024: 元旦 1 day (1 January), 春节 4 days (除夕 to 正月初三), 清明 1 day
   (the solar term), 劳动节 2 days (1–2 May), 端午 1 day (五月初五), 中秋 1 day (八月十五),
   国庆 3 days (1–3 October), with the lunar dates and the solar term from lunar-python. Weekends
   are off; the 调休 swaps of the notice are not known yet, so it is a floor, not the arrangement.
4. ``weekdays`` — Monday to Friday, for years outside all of the above (logged once per year).

Single-day corrections (top-level ``holidays:`` / ``workdays:`` lists of the same file) override
every source. Nothing here raises on bad data: a malformed entry is logged and ignored, and
``python -m bot calendar status`` lists it.

From 1 November of the last fully known year (library or notice) the calendar reports itself
degraded (:func:`coverage`): the next year's notice should be entered before the year starts.

"N working days after a date" is the N-th working day after that day, the day itself not counted.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Optional
from zoneinfo import ZoneInfo

import chinese_calendar
import yaml

from bot.settings import get_settings

logger = logging.getLogger(__name__)

SOURCES = ("notice", "library", "law", "weekdays")
FULLY_KNOWN = ("notice", "library")
SOURCE_LABELS = {"notice": "国务院办公厅放假安排通知（knowledge/holidays.yml）",
                 "library": "chinese-calendar 内置安排",
                 "law": "按《全国年节及纪念日放假办法》推算（无调休）",
                 "weekdays": "仅周一至周五"}
_LIBRARY_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
# The 2024 amendment of 《全国年节及纪念日放假办法》 is in force from 1 January 2025; the lunar and
# solar-term computations reach 2100.
LAW_YEARS = range(2025, 2101)
WARN_FROM = (11, 1)  # month, day of the last fully known year from which the calendar is degraded
BANNER = "下一年度节假日安排尚未录入"
_warned_years: set[int] = set()


# ---- knowledge/holidays.yml ---------------------------------------------------------------------

@dataclass(frozen=True)
class Notice:
    """One year's arrangement from the State Council General Office's notice."""
    year: int
    reference: str
    holidays: frozenset
    workdays: frozenset


@dataclass(frozen=True)
class HolidayFile:
    holidays: frozenset = frozenset()      # single-day corrections: days off
    workdays: frozenset = frozenset()      # single-day corrections: working days
    notices: dict = field(default_factory=dict)   # year → Notice
    problems: tuple = ()                   # what was ignored, for `calendar status`


def _one_date(raw) -> date:
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    return date.fromisoformat(str(raw).strip())


def _dates(raw_list, where: str, problems: list) -> frozenset:
    """A list of ISO dates and ``{from: DATE, to: DATE}`` ranges (both ends included)."""
    out: set[date] = set()
    if raw_list is None:
        return frozenset()
    if not isinstance(raw_list, list):
        problems.append(f"{where}: expected a list of dates, got {raw_list!r}")
        return frozenset()
    for raw in raw_list:
        try:
            if isinstance(raw, dict):
                start, end = _one_date(raw["from"]), _one_date(raw["to"])
                if end < start or (end - start).days > 31:
                    raise ValueError("range must run forwards and span at most 32 days")
                out.update(start + timedelta(days=i) for i in range((end - start).days + 1))
            else:
                out.add(_one_date(raw))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{where}: entry {raw!r} is not a date or a {{from, to}} range ({exc}); ignored")
    return frozenset(out)


def parse_holiday_file(data) -> HolidayFile:
    """Parse the content of knowledge/holidays.yml (never raises; problems are collected)."""
    problems: list[str] = []
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return HolidayFile(problems=(f"expected a mapping at the top level, got {type(data).__name__}",))
    notices: dict[int, Notice] = {}
    years = data.get("years") or {}
    if not isinstance(years, dict):
        problems.append("years: expected a mapping of year → arrangement")
        years = {}
    for key, entry in years.items():
        try:
            year = int(key)
        except (TypeError, ValueError):
            problems.append(f"years: {key!r} is not a year; ignored")
            continue
        if not isinstance(entry, dict):
            problems.append(f"years.{year}: expected a mapping with notice, holidays, workdays; ignored")
            continue
        reference = str(entry.get("notice") or "").strip()
        if not reference:
            problems.append(f"years.{year}: notice (the reference of the State Council's notice) is missing; "
                            "year ignored")
            continue
        holidays = _dates(entry.get("holidays"), f"years.{year}.holidays", problems)
        workdays = _dates(entry.get("workdays"), f"years.{year}.workdays", problems)
        if not holidays:
            problems.append(f"years.{year}: no holidays listed; year ignored")
            continue
        # An arrangement may reach into the neighbouring years (a New Year break from 30 December).
        window = (date(year - 1, 12, 1), date(year + 1, 1, 31))
        stray = sorted(d for d in holidays | workdays if not window[0] <= d <= window[1])
        if stray:
            problems.append(f"years.{year}: dates outside {year} ignored: {', '.join(map(str, stray))}")
            holidays = frozenset(d for d in holidays if d not in stray)
            workdays = frozenset(d for d in workdays if d not in stray)
        both = holidays & workdays
        if both:
            problems.append(f"years.{year}: listed both as holiday and as working day: "
                            f"{', '.join(map(str, sorted(both)))}")
        notices[year] = Notice(year, reference, holidays, workdays)
    return HolidayFile(holidays=_dates(data.get("holidays"), "holidays", problems),
                       workdays=_dates(data.get("workdays"), "workdays", problems),
                       notices=notices, problems=tuple(problems))


def holidays_path() -> Path:
    return get_settings().knowledge_dir / "holidays.yml"


@lru_cache(maxsize=1)
def holiday_file() -> HolidayFile:
    path = holidays_path()
    if not path.exists():
        return HolidayFile()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        logger.warning("%s: not valid YAML (%s); no overrides used", path, exc)
        return HolidayFile(problems=(f"not valid YAML: {exc}",))
    parsed = parse_holiday_file(data)
    for problem in parsed.problems:
        logger.warning("%s: %s", path, problem)
    return parsed


def reload_overrides() -> None:
    holiday_file.cache_clear()
    is_working_day.cache_clear()
    _warned_years.clear()


# ---- the law -------------------------------------------------------------------------------

@lru_cache(maxsize=128)
def statutory_holidays(year: int) -> dict:
    """{date: festival} of the statutory holidays of ``year`` under the 2024 amendment (2025–2100)."""
    if year not in LAW_YEARS:
        raise ValueError(f"statutory holidays are computed for {LAW_YEARS.start}–{LAW_YEARS.stop - 1}, not {year}")
    from lunar_python import Lunar

    def solar(lunar_month: int, lunar_day: int) -> date:
        s = Lunar.fromYmd(year, lunar_month, lunar_day).getSolar()
        return date(s.getYear(), s.getMonth(), s.getDay())

    spring = solar(1, 1)
    qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    days = {date(year, 1, 1): "元旦"}
    days.update({spring + timedelta(days=i): "春节" for i in range(-1, 3)})   # 除夕 … 正月初三
    days[date(qingming.getYear(), qingming.getMonth(), qingming.getDay())] = "清明节"
    days.update({date(year, 5, 1): "劳动节", date(year, 5, 2): "劳动节"})
    days[solar(5, 5)] = "端午节"
    mid_autumn = solar(8, 15)
    days.update({date(year, 10, d): "国庆节" for d in (1, 2, 3)})
    days[mid_autumn] = "中秋节" if mid_autumn not in days else "国庆节、中秋节"
    return days


# ---- which source covers a year -----------------------------------------------------------------

def year_is_known(year: int) -> bool:
    """The year's full arrangement (with 调休) is known: from a notice or from the library."""
    return source_of_year(year) in FULLY_KNOWN


def source_of_year(year: int) -> str:
    if year in holiday_file().notices:
        return "notice"
    if year in _LIBRARY_YEARS:
        return "library"
    if year in LAW_YEARS:
        return "law"
    return "weekdays"


def _warn_once(year: int, source: str) -> None:
    if year in _warned_years:
        return
    _warned_years.add(year)
    if source == "law":
        logger.warning("working-day calendar: no holiday arrangement for %d; statutory holidays computed from "
                       "the law (no 调休) — enter the State Council's notice in knowledge/holidays.yml", year)
    else:
        logger.warning("working-day calendar: no statutory holiday data for %d; using Monday-Friday plus "
                       "knowledge/holidays.yml", year)


@lru_cache(maxsize=8192)
def is_working_day(day: date) -> bool:
    if isinstance(day, datetime):
        day = day.date()
    data = holiday_file()
    if day in data.workdays:
        return True
    if day in data.holidays:
        return False
    for notice in (data.notices.get(day.year), data.notices.get(day.year - 1), data.notices.get(day.year + 1)):
        if notice is not None:
            if day in notice.workdays:
                return True
            if day in notice.holidays:
                return False
    source = source_of_year(day.year)
    if source == "library":
        return chinese_calendar.is_workday(day)
    if source == "law":
        _warn_once(day.year, source)
        return day.weekday() < 5 and day not in statutory_holidays(day.year)
    if source == "weekdays":
        _warn_once(day.year, source)
    return day.weekday() < 5


# ---- coverage: how far ahead the calendar is right ------------------------------------------------

@dataclass(frozen=True)
class Coverage:
    ok: bool
    today: date
    last_known_year: int      # the last year of the unbroken run of fully known years up to today
    warn_from: date           # 1 November of that year
    next_source: str          # the source of the year after it

    def to_json(self) -> dict:
        out = {"ok": self.ok, "last_known_year": self.last_known_year, "warn_from": self.warn_from.isoformat(),
               "next_year": self.last_known_year + 1, "next_year_source": self.next_source}
        if not self.ok:
            out["message"] = f"{BANNER}：{self.last_known_year + 1}年{SOURCE_LABELS[self.next_source]}"
        return out


def coverage(today: Optional[date] = None) -> Coverage:
    if today is None:
        today = datetime.now(ZoneInfo(get_settings().timezone)).date()
    year = today.year
    while year_is_known(year):
        year += 1
    last = year - 1
    warn_from = date(last, *WARN_FROM)
    return Coverage(ok=today < warn_from, today=today, last_known_year=last, warn_from=warn_from,
                    next_source=source_of_year(last + 1))


def status_lines(first: int, last: int) -> list[str]:
    """One line per year: the source that covers it (`python -m bot calendar status`)."""
    data = holiday_file()
    lines = []
    for year in range(first, last + 1):
        source = source_of_year(year)
        extra = f" {data.notices[year].reference}" if source == "notice" else ""
        lines.append(f"{year}  {source:<8}  {SOURCE_LABELS[source]}{extra}")
    return lines


# ---- arithmetic ----------------------------------------------------------------------------

def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (start itself not counted). n=0 returns start."""
    if isinstance(start, datetime):
        start = start.date()
    if n < 0:
        raise ValueError("n must be >= 0")
    day = start
    remaining = n
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    if isinstance(start, datetime):
        start = start.date()
    if isinstance(end, datetime):
        end = end.date()
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def format_cn_date(day: date) -> str:
    """2026年1月29日 — the way dates are written to citizens."""
    if isinstance(day, datetime):
        day = day.date()
    return f"{day.year}年{day.month}月{day.day}日"


def local_today() -> date:
    """Today in the service's time zone (settings.timezone, Asia/Shanghai by default)."""
    return datetime.now(ZoneInfo(get_settings().timezone)).date()
