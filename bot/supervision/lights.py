"""Lights of an application and of each of its stages (预警纠错), on the working-day calendar.

Pure functions. A stage runs from the previous stage's event (or the submission date) to its own
event, the start day itself not counted (like every "N working days after" in bot.calendar); a stage
the source system skips is merged into the next one reached, with their limits added. Working days
inside a 补正 pause (bot.approvals.status.pauses_of) are not counted. A stage is

- green  while used < yellow_at × limit,
- yellow from yellow_at × limit (≥ 80 % by default) up to the limit itself,
- red    when used > limit.

The application's light is the worse of its running stage's and its whole clock's (used against the
total limit: policy.total_limit). Finished applications have no running stage; they were on time
when their used days did not exceed the total limit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

from bot.approvals.status import ApplicationFacts, Pause, ordered_events, pauses_of
from bot.calendar import working_days_between
from bot.imports.fields import local_date
from bot.supervision.policy import SupervisionPolicy

GREEN, YELLOW, RED = "green", "yellow", "red"
RANK = {GREEN: 0, YELLOW: 1, RED: 2}
LIGHT_LABELS = {GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯"}


def light_of(used: int, limit: int, yellow_at: float) -> str:
    """Integer arithmetic at the boundary: 4 of 5 days with yellow_at 0.8 is yellow, 3 is green."""
    if used > limit:
        return RED
    if used * 1000 >= round(yellow_at * 1000) * limit:
        return YELLOW
    return GREEN


def worse(a: str, b: str) -> str:
    return a if RANK[a] >= RANK[b] else b


@dataclass(frozen=True)
class StageClock:
    stage: str             # the stage reached (or running)
    covers: tuple          # the policy stages this period stands for (more than one when skipped)
    start: date
    end: Optional[date]    # None: running
    limit: int
    used: int
    light: str

    @property
    def over(self) -> int:
        return max(0, self.used - self.limit)

    def to_json(self) -> dict:
        return {"stage": self.stage, "covers": list(self.covers), "start": self.start.isoformat(),
                "end": self.end.isoformat() if self.end else None, "limit": self.limit, "used": self.used,
                "over": self.over, "light": self.light}


@dataclass(frozen=True)
class Supervision:
    facts: ApplicationFacts
    total_limit: int
    used: int
    finished: bool
    paused: bool
    stages: tuple          # StageClock, finished ones then the running one
    current: Optional[StageClock]
    overall_light: str
    light: str

    @property
    def on_time(self) -> bool:
        return self.used <= self.total_limit


def _paused_days(pauses: list[Pause], start: date, end: date) -> int:
    total = 0
    for p in pauses:
        lo, hi = max(p.start, start), min(p.end or end, end)
        if hi > lo:
            total += working_days_between(lo, hi)
    return total


def supervise(facts: ApplicationFacts, policy: SupervisionPolicy, today: date) -> Supervision:
    events = ordered_events(facts.events)
    submitted = local_date(facts.submitted_at)
    finished = facts.status != "in_progress"
    clock_end = (local_date(events[-1].at) if events else submitted) if finished else max(today, submitted)
    pauses = pauses_of(events, clock_end)
    total = policy.total_limit(facts.item_name, facts.promised_working_days, facts.legal_working_days)
    limits = policy.stage_limits(facts.item_name, total)
    stages = policy.stages

    def clock(stage: str, covers: tuple, start: date, end: Optional[date]) -> StageClock:
        stop = end or clock_end
        used = max(0, working_days_between(start, stop) - _paused_days(pauses, start, stop))
        limit = sum(limits[s] for s in covers)
        return StageClock(stage, covers, start, end, limit, used, light_of(used, limit, policy.yellow_at))

    done: list[StageClock] = []
    nxt, start = 0, submitted
    for event in events:
        day = local_date(event.at)
        if day > clock_end or event.stage not in stages:
            continue
        k = stages.index(event.stage)
        if k < nxt:  # a repeated or out-of-order stage: already past it
            continue
        done.append(clock(event.stage, stages[nxt:k + 1], start, day))
        nxt, start = k + 1, day
    current = None
    if not finished and nxt < len(stages):
        current = clock(stages[nxt], (stages[nxt],), start, None)
    used = max(0, working_days_between(submitted, clock_end) - _paused_days(pauses, submitted, clock_end))
    overall = light_of(used, total, policy.yellow_at)
    light = worse(overall, current.light) if current else overall
    paused = not finished and bool(pauses) and pauses[-1].end is None
    return Supervision(facts=facts, total_limit=total, used=used, finished=finished, paused=paused,
                       stages=tuple(done + ([current] if current else [])), current=current,
                       overall_light=overall, light=light)


def detail_of(sv: Supervision) -> dict:
    """What the board needs of a computation, stored in ``supervision_states.detail`` by every
    refresh (events, imports, the worker) so the board reads it instead of recomputing."""
    events = sv.facts.events
    finished_on = max((local_date(e.at) for e in events), default=local_date(sv.facts.submitted_at)) \
        if sv.finished else None
    return {"total_limit": sv.total_limit, "used": sv.used, "paused": sv.paused, "finished": sv.finished,
            "on_time": sv.on_time, "light": sv.light,
            "finished_on": finished_on.isoformat() if finished_on else None,
            "stages": [s.to_json() for s in sv.stages]}
