"""Response-time limits of tickets (knowledge/sla.yml): deadlines on the working-day calendar and
the traffic light (green / yellow at 80% of a limit / red when overdue).

A working-day deadline is the END (23:59:59 local time) of the N-th working day after the starting
moment, that day itself not counted. Urgent tickets use hour limits on the wall clock.
Elapsed fractions of working-day limits are measured in working time: only hours that fall on
working days count, so a ticket does not turn yellow over a holiday.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

import yaml

from bot.calendar import add_working_days, is_working_day
from bot.settings import get_settings

CATEGORIES = ("咨询", "求助", "投诉", "举报", "建议", "表扬")
LIGHTS = ("green", "yellow", "red")


class SlaConfigError(ValueError):
    """knowledge/sla.yml is missing or malformed."""


@dataclass(frozen=True)
class SlaPolicy:
    sign_working_days: int
    first_contact_working_days: int
    resolve_working_days: dict
    urgent_sign_hours: float
    urgent_first_contact_hours: float
    urgent_resolve_hours: float
    yellow_at: float

    def resolve_days(self, category: str) -> int:
        if category not in self.resolve_working_days:
            raise ValueError(f"未知的工单类别：{category!r}（应为 {'、'.join(self.resolve_working_days)}）")
        return self.resolve_working_days[category]


@dataclass(frozen=True)
class Deadlines:
    sign_by: datetime
    first_contact_by: datetime
    resolve_by: datetime

    def to_json(self) -> dict:
        return {k: iso(getattr(self, k)) for k in ("sign_by", "first_contact_by", "resolve_by")}


def _non_negative(data: dict, key: str, path: Path, kind=int):
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (kind is int and int(value) != value):
        raise SlaConfigError(f"{path}: {key} must be a non-negative {'integer' if kind is int else 'number'}, got {value!r}")
    return kind(value)


def parse_policy(data: dict, path: Path = Path("sla.yml")) -> SlaPolicy:
    if not isinstance(data, dict):
        raise SlaConfigError(f"{path}: expected a mapping at the top level")
    resolve = data.get("resolve_working_days")
    if not isinstance(resolve, dict):
        raise SlaConfigError(f"{path}: resolve_working_days must map each category to a number of working days")
    missing = [c for c in CATEGORIES if c not in resolve]
    if missing:
        raise SlaConfigError(f"{path}: resolve_working_days lacks {', '.join(missing)}")
    days = {str(c): _non_negative(resolve, c, path) for c in resolve}
    urgent = data.get("urgent")
    if not isinstance(urgent, dict):
        raise SlaConfigError(f"{path}: urgent must be a mapping with sign_hours, first_contact_hours, resolve_hours")
    yellow = data.get("yellow_at", 0.8)
    if isinstance(yellow, bool) or not isinstance(yellow, (int, float)) or not 0 < yellow <= 1:
        raise SlaConfigError(f"{path}: yellow_at must be a fraction in (0, 1], got {yellow!r}")
    return SlaPolicy(
        sign_working_days=_non_negative(data, "sign_working_days", path),
        first_contact_working_days=_non_negative(data, "first_contact_working_days", path),
        resolve_working_days=days,
        urgent_sign_hours=_non_negative(urgent, "sign_hours", path, float),
        urgent_first_contact_hours=_non_negative(urgent, "first_contact_hours", path, float),
        urgent_resolve_hours=_non_negative(urgent, "resolve_hours", path, float),
        yellow_at=float(yellow),
    )


@lru_cache(maxsize=4)
def _load(path: str) -> SlaPolicy:
    p = Path(path)
    if not p.exists():
        raise SlaConfigError(f"{p}: not found")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise SlaConfigError(f"{p}: not valid YAML: {exc}") from exc
    return parse_policy(data, p)


def load_policy(path: Optional[Path] = None) -> SlaPolicy:
    return _load(str(path or get_settings().knowledge_dir / "sla.yml"))


# ---- time helpers ---------------------------------------------------------------------------

def local_tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetime. Naive values are UTC (SQLite hands stored UTC times back naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def iso(moment: Optional[datetime]) -> Optional[str]:
    """ISO 8601 in local time (+08:00), the form the API and CLI show."""
    if moment is None:
        return None
    return as_utc(moment).astimezone(local_tz()).isoformat()


def parse_moment(value: str) -> datetime:
    """ISO 8601 date-time; without an offset it is local time."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"不是有效的时间（ISO 8601，如 2026-04-30T10:00:00+08:00）：{value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_tz())
    return moment


def end_of_working_day_after(start: datetime, n: int) -> datetime:
    """23:59:59 local time of the n-th working day after ``start``'s local date (that day not counted)."""
    tz = local_tz()
    day: date = add_working_days(as_utc(start).astimezone(tz).date(), n)
    # In UTC like every stored time: SQLite keeps a datetime's wall clock and drops its offset.
    return datetime.combine(day, time(23, 59, 59), tzinfo=tz).astimezone(timezone.utc)


def working_seconds(start: datetime, end: datetime) -> float:
    """Seconds between two moments that fall on working days (local calendar)."""
    tz = local_tz()
    a, b = as_utc(start).astimezone(tz), as_utc(end).astimezone(tz)
    if b <= a:
        return 0.0
    total = 0.0
    day = a.date()
    while day <= b.date():
        if is_working_day(day):
            day_start = datetime.combine(day, time(0), tzinfo=tz)
            day_end = day_start + timedelta(days=1)
            lo, hi = max(a, day_start), min(b, day_end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return total


def working_hours(start: datetime, end: datetime) -> float:
    return working_seconds(start, end) / 3600.0


# ---- deadlines -----------------------------------------------------------------------------

def sign_deadline(urgent: bool, dispatched_at: datetime, policy: SlaPolicy) -> datetime:
    if urgent:
        return as_utc(dispatched_at) + timedelta(hours=policy.urgent_sign_hours)
    return end_of_working_day_after(dispatched_at, policy.sign_working_days)


def first_contact_deadline(urgent: bool, signed_at: datetime, policy: SlaPolicy) -> datetime:
    """From the moment of signing (or, before signing, from the sign deadline: the latest allowed)."""
    if urgent:
        return as_utc(signed_at) + timedelta(hours=policy.urgent_first_contact_hours)
    return end_of_working_day_after(signed_at, policy.first_contact_working_days)


def resolve_deadline(category: str, urgent: bool, created_at: datetime, policy: SlaPolicy) -> datetime:
    days = policy.resolve_days(category)
    if urgent:
        return as_utc(created_at) + timedelta(hours=policy.urgent_resolve_hours)
    return end_of_working_day_after(created_at, days)


def compute_deadlines(category: str, urgent: bool, created_at: datetime,
                      dispatched_at: Optional[datetime] = None, signed_at: Optional[datetime] = None,
                      policy: Optional[SlaPolicy] = None) -> Deadlines:
    """Deadlines of a ticket. Before dispatch the sign deadline counts from creation; before signing
    the first-contact deadline counts from the sign deadline."""
    policy = policy or load_policy()
    sign_by = sign_deadline(urgent, dispatched_at or created_at, policy)
    first_contact_by = first_contact_deadline(urgent, signed_at or sign_by, policy)
    return Deadlines(sign_by=sign_by, first_contact_by=first_contact_by,
                     resolve_by=resolve_deadline(category, urgent, created_at, policy))


def extend_deadline(deadline: datetime, urgent: bool, working_days: int) -> datetime:
    """An approved extension (延期): ``working_days`` more working days (urgent: 24 h per day)."""
    if urgent:
        return as_utc(deadline) + timedelta(hours=24 * working_days)
    return end_of_working_day_after(deadline, working_days)


# ---- lights --------------------------------------------------------------------------------

def limit_fraction(start: datetime, deadline: datetime, now: datetime, urgent: bool) -> float:
    """How much of the limit [start, deadline] has elapsed at ``now`` (1.0 = at the deadline)."""
    if urgent:
        total = (as_utc(deadline) - as_utc(start)).total_seconds()
        used = (as_utc(now) - as_utc(start)).total_seconds()
    else:
        total = working_seconds(start, deadline)
        used = working_seconds(start, now)
    if as_utc(now) > as_utc(deadline):
        return max(1.0 + 1e-9, used / total if total > 0 else 1.0 + 1e-9)
    if total <= 0:
        return 1.0
    return max(0.0, used / total)


def light_for(limits: Iterable[tuple[datetime, datetime]], now: datetime, urgent: bool,
              policy: Optional[SlaPolicy] = None) -> str:
    """The light of the pending limits (start, deadline): red if any is overdue, yellow if any
    has used ``yellow_at`` of its time, else green."""
    policy = policy or load_policy()
    light = "green"
    for start, deadline in limits:
        if as_utc(now) > as_utc(deadline):
            return "red"
        if limit_fraction(start, deadline, now, urgent) >= policy.yellow_at:
            light = "yellow"
    return light
