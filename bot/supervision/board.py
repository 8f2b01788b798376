"""The supervision board (绩效评估): figures from the lights each refresh stores per application and
stage (``supervision_states.detail``: pushes and imports refresh at once, the worker every beat);
only an application without a usable stored computation (never refreshed, or open and last
computed on an earlier day) is recomputed here, and ``recomputed`` says how many were.

- lights: open applications by light;
- departments: per department, applications finished in the period, finished on time, 按时办结率
  (on time = working days used, 补正 excluded, not above the total limit), open and red now;
- stages: per stage, the average working days of the stages completed in the period against the
  average limit;
- overdue: open applications whose light is red, with the running stage, its days over, the
  department's explanations and the 督办 mark;
- weekly: per ISO week (Monday) of the last ``weeks`` weeks, finished, on time and the rate.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.approvals.models import Application
from bot.approvals.queries import facts_of
from bot.db import session_scope
from bot.imports.fields import local_date
from bot.supervision.lights import RED, detail_of, supervise
from bot.supervision.models import SupervisionExplanation, SupervisionState
from bot.supervision.policy import load_policy

MAX_APPLICATIONS = 20000


def _rate(on_time: int, finished: int) -> Optional[float]:
    return round(on_time / finished, 4) if finished else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _fresh(detail: Optional[dict], computed_at, finished: bool, today: date) -> bool:
    """A stored computation the board may use: written by this version (``finished_on`` present),
    of the application as it is now (finished or not), and for an open one, computed today (a
    light changes only from one day to the next; events and imports refresh at once)."""
    if not detail or "finished_on" not in detail or bool(detail.get("finished")) != finished:
        return False
    return finished or local_date(computed_at) == today


async def _details(session, today: date, department: Optional[str]) -> tuple[list, dict, int]:
    """(application rows, id → detail, how many were recomputed): the stored lights of
    ``supervision_states`` (kept by every refresh: pushes, imports, the worker's beat); only the
    applications without a usable one are recomputed from their events."""
    a, st = Application, SupervisionState
    query = (select(a.id, a.application_no, a.item_name, a.department, a.status, st.detail, st.computed_at,
                    st.supervised)
             .outerjoin(st, st.application_id == a.id).order_by(a.id))
    if department:
        query = query.where(a.department == department)
    rows = (await session.execute(query.limit(MAX_APPLICATIONS))).all()
    details = {r.id: r.detail for r in rows if _fresh(r.detail, r.computed_at, r.status != "in_progress", today)}
    stale = [r.id for r in rows if r.id not in details]
    if stale:
        policy = load_policy()
        for i in range(0, len(stale), 500):
            apps = (await session.execute(select(Application).options(selectinload(Application.events))
                                          .where(Application.id.in_(stale[i:i + 500])))).scalars().all()
            for app in apps:
                details[app.id] = detail_of(supervise(facts_of(app), policy, today))
    return rows, details, len(stale)


async def board(today: date, start: Optional[date] = None, end: Optional[date] = None, weeks: int = 8,
                department: Optional[str] = None, url: Optional[str] = None) -> dict:
    policy = load_policy()
    end = end or today
    start = start or end - timedelta(days=89)
    first_week = _monday(today) - timedelta(weeks=weeks - 1)
    async with session_scope(url) as session:
        rows, details, recomputed = await _details(session, today, department)
        notes = defaultdict(list)
        for e in (await session.execute(select(SupervisionExplanation).order_by(SupervisionExplanation.id))).scalars():
            notes[e.application_id].append({"stage": e.stage, "reason": e.reason, "by": e.author,
                                            "at": e.created_at.isoformat()})
    lights = {"green": 0, "yellow": 0, "red": 0}
    deps = defaultdict(lambda: {"finished": 0, "on_time": 0, "open": 0, "red": 0})
    stages = {s: {"count": 0, "days": 0, "limit": 0} for s in policy.stages}
    week_rows = {first_week + timedelta(weeks=i): {"finished": 0, "on_time": 0} for i in range(weeks)}
    overdue = []
    for app in rows:
        sv = details[app.id]
        d = deps[app.department]
        current = None
        for clock in sv["stages"]:
            if clock["end"] is None:
                current = clock
                continue
            clock_end = date.fromisoformat(clock["end"])
            if start <= clock_end <= end and len(clock["covers"]) == 1 and clock["stage"] in stages:
                row = stages[clock["stage"]]
                row["count"] += 1
                row["days"] += clock["used"]
                row["limit"] += clock["limit"]
        if sv["finished"]:
            finished_on = date.fromisoformat(sv["finished_on"])
            if start <= finished_on <= end:
                d["finished"] += 1
                d["on_time"] += bool(sv["on_time"])
            week = week_rows.get(_monday(finished_on))
            if week is not None:
                week["finished"] += 1
                week["on_time"] += bool(sv["on_time"])
            continue
        lights[sv["light"]] += 1
        d["open"] += 1
        if sv["light"] == RED:
            d["red"] += 1
            c = current
            overdue.append({
                "application_no": app.application_no, "item_name": app.item_name, "department": app.department,
                "stage": c["stage"] if c else None, "stage_used": c["used"] if c else None,
                "stage_limit": c["limit"] if c else None,
                "days_over": c["over"] if c and c["over"] else sv["used"] - sv["total_limit"],
                "used": sv["used"], "total_limit": sv["total_limit"], "paused": sv["paused"],
                "supervised": bool(app.supervised), "explanations": notes.get(app.id, [])})
    overdue.sort(key=lambda r: (-r["days_over"], r["application_no"]))
    return {
        "today": today.isoformat(), "recomputed": recomputed, "from": start.isoformat(), "to": end.isoformat(),
        "lights": lights,
        "departments": [{"department": name, **v, "on_time_rate": _rate(v["on_time"], v["finished"])}
                        for name, v in sorted(deps.items())],
        "stages": [{"stage": s, "count": v["count"],
                    "avg_working_days": round(v["days"] / v["count"], 2) if v["count"] else None,
                    "avg_limit": round(v["limit"] / v["count"], 2) if v["count"] else None}
                   for s, v in stages.items()],
        "overdue": overdue,
        "weekly": [{"week": w.isoformat(), **v, "on_time_rate": _rate(v["on_time"], v["finished"])}
                   for w, v in sorted(week_rows.items())],
    }
