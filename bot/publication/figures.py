"""The departments' public figures per month (docs/publication.md): the same definitions and the
same tickets as ``GET /api/kpi`` (bot.tickets.kpi.load and figures) for each calendar month in
China time, per department and for the district (全区). Published on the portal and as CSV/JSON.
"""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone
from typing import Optional

from bot.db import session_scope
from bot.tickets import kpi, sla

DISTRICT = "全区"
MAX_MONTHS = 36
COLUMNS = ("month", "department", "tickets", "sign_on_time_rate", "response_rate", "resolve_rate",
           "satisfaction_rate", "resolution_working_days")
TITLES = {"month": "月份", "department": "部门", "tickets": "受理量", "sign_on_time_rate": "按时签收率",
          "response_rate": "响应率", "resolve_rate": "解决率", "satisfaction_rate": "满意率",
          "resolution_working_days": "平均办理用时（工作日）"}


def parse_month(value: str) -> date:
    """``2026-03`` → 2026-03-01; ValueError otherwise."""
    year, _, month = value.partition("-")
    if len(year) != 4 or len(month) != 2 or not (year + month).isdigit():
        raise ValueError(value)
    return date(int(year), int(month), 1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    out, day = [], first
    while day <= last:
        out.append(day)
        day = next_month(day)
    return out


def _row(month: date, department: str, f: dict) -> dict:
    avg = f["resolution_hours"]["avg"]
    return {"month": month.strftime("%Y-%m"), "department": department, "tickets": f["tickets"],
            "sign_on_time_rate": f["sign_on_time_rate"], "response_rate": f["response_rate"],
            "resolve_rate": f["resolve_rate"], "satisfaction_rate": f["satisfaction_rate"],
            # working hours are hours that fall on working days: 24 of them make a working day
            "resolution_working_days": round(avg / 24, 2) if avg is not None else None}


async def monthly(first: date, last: date, department: Optional[str] = None, url: Optional[str] = None,
                  now: Optional[datetime] = None) -> list[dict]:
    """One row per month and department with tickets (tickets not yet dispatched count only in
    全区), and one 全区 row per month (with no department filter)."""
    now = sla.as_utc(now or datetime.now(timezone.utc))
    end = next_month(last) - timedelta(days=1)
    async with session_scope(url) as session:
        tickets, followers = await kpi.load(session, department, first, end)
        tz = sla.local_tz()
        buckets: dict[date, list] = {m: [] for m in months_between(first, last)}
        for t in tickets:
            local = sla.as_utc(t.created_at).astimezone(tz).date()
            buckets.setdefault(local.replace(day=1), []).append(t)
        rows = []
        for month, items in sorted(buckets.items()):
            if department is None:
                rows.append(_row(month, DISTRICT, kpi.figures(items, now, followers)))
            by_department: dict[str, list] = {}
            for t in items:
                if t.department:
                    by_department.setdefault(t.department, []).append(t)
            rows.extend(_row(month, d, kpi.figures(ts, now, followers)) for d, ts in sorted(by_department.items()))
        return rows


def to_csv(rows: list[dict]) -> str:
    """UTF-8 CSV with a byte-order mark (spreadsheet programs in Chinese locales need it); rates as
    fractions 0–1 with 4 decimals, empty where a rate has no denominator."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in COLUMNS})
    return buffer.getvalue()
