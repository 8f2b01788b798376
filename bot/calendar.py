"""The mainland-China working-day calendar: statutory holidays and adjusted working days (调休).

Years chinese-calendar knows come from it. For other years the calendar falls back to Monday–Friday
plus the overrides in knowledge/holidays.yml (`holidays:` and `workdays:` lists of dates), with a
warning logged once per year — never an exception.

"N working days after a date" is the N-th working day after that day, the day itself not counted.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import chinese_calendar
import yaml

from bot.settings import get_settings

logger = logging.getLogger(__name__)

_KNOWN_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
_warned_years: set[int] = set()


@lru_cache(maxsize=1)
def _overrides() -> tuple[frozenset, frozenset]:
    path: Path = get_settings().knowledge_dir / "holidays.yml"
    if not path.exists():
        return frozenset(), frozenset()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}

    def dates(key):
        out = set()
        for raw in data.get(key) or []:
            try:
                out.add(raw if isinstance(raw, date) else date.fromisoformat(str(raw)))
            except ValueError:
                logger.warning("knowledge/holidays.yml: %s entry %r is not a date; ignored", key, raw)
        return frozenset(out)

    return dates("holidays"), dates("workdays")


def reload_overrides() -> None:
    _overrides.cache_clear()
    is_working_day.cache_clear()


def year_is_known(year: int) -> bool:
    return year in _KNOWN_YEARS


@lru_cache(maxsize=8192)
def is_working_day(day: date) -> bool:
    if isinstance(day, datetime):
        day = day.date()
    holidays, workdays = _overrides()
    if day in workdays:
        return True
    if day in holidays:
        return False
    if year_is_known(day.year):
        return chinese_calendar.is_workday(day)
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning(
            "working-day calendar: no statutory holiday data for %d; using Monday-Friday plus "
            "knowledge/holidays.yml", day.year
        )
    return day.weekday() < 5


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
