"""Status of an application computed from its stage events on the working-day calendar.

Pure functions. The clock starts on the submission date (that day itself not counted, like every
"N working days after" in bot.calendar). A 补正 event pauses it until the next event, whatever its
stage (补正完成, 承办, ...), records that the materials arrived; the working days in between are not
used and push the promised completion date back by as many working days. A pause with no later event
is still running: it lasts up to today. The clock stops on the last event of a finished application
(status other than in_progress); otherwise it runs to today.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Sequence

from bot.imports.fields import as_utc, local_date
from bot.approvals.models import PAUSE_STAGE
from bot.calendar import add_working_days, working_days_between

STATUS_LABELS = {"in_progress": "办理中", "approved": "已办结（准予许可）", "rejected": "已办结（不予许可）",
                 "withdrawn": "已撤回"}
NOT_YET_ACCEPTED = "已提交，待受理"


@dataclass(frozen=True)
class StageEvent:
    stage: str
    at: datetime  # aware UTC (naive values are taken as UTC)
    handler: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class ApplicationFacts:
    application_no: str
    item_name: str
    department: str
    submitted_at: datetime
    promised_working_days: int
    legal_working_days: int
    status: str
    events: tuple[StageEvent, ...]


@dataclass(frozen=True)
class Pause:
    start: date
    end: date | None  # None: materials not yet received

    def working_days(self, today: date) -> int:
        return working_days_between(self.start, self.end or today)


@dataclass(frozen=True)
class ApplicationStatus:
    facts: ApplicationFacts
    current_stage: str
    stage_since: date
    paused: bool  # currently waiting for 补正 materials
    pauses: tuple[Pause, ...]
    paused_working_days: int
    working_days_used: int
    promised_date: date
    finished: bool
    finished_on: date | None
    overdue: bool

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.facts.status, self.facts.status)


def ordered_events(events: Sequence[StageEvent]) -> list[StageEvent]:
    """Chronological order; events at the same instant keep their given order."""
    return [e for _, e in sorted(enumerate(events), key=lambda pair: (as_utc(pair[1].at), pair[0]))]


def pauses_of(events: Sequence[StageEvent], until: date | None = None) -> list[Pause]:
    """补正 pauses: from a 补正 event to the next event of another stage (local dates). Events after
    ``until`` (the day the clock stopped) are not looked at."""
    out: list[Pause] = []
    start: date | None = None
    for event in ordered_events(events):
        day = local_date(event.at)
        if until is not None and day > until:
            break
        if event.stage == PAUSE_STAGE:
            if start is None:
                start = day
        elif start is not None:
            out.append(Pause(start, day))
            start = None
    if start is not None:
        out.append(Pause(start, None))
    return out


def compute_status(facts: ApplicationFacts, today: date) -> ApplicationStatus:
    events = ordered_events(facts.events)
    submitted = local_date(facts.submitted_at)
    finished = facts.status != "in_progress"
    finished_on = local_date(events[-1].at) if finished and events else (submitted if finished else None)
    clock_end = finished_on if finished else max(today, submitted)
    pauses = pauses_of(events, clock_end)
    paused_days = sum(p.working_days(clock_end) for p in pauses)
    used = max(0, working_days_between(submitted, clock_end) - paused_days)
    promised = add_working_days(submitted, facts.promised_working_days + paused_days)
    if events:
        current, since = events[-1].stage, local_date(events[-1].at)
    else:
        current, since = NOT_YET_ACCEPTED, submitted
    paused_now = not finished and bool(pauses) and pauses[-1].end is None
    return ApplicationStatus(
        facts=facts, current_stage=current, stage_since=since, paused=paused_now, pauses=tuple(pauses),
        paused_working_days=paused_days, working_days_used=used, promised_date=promised,
        finished=finished, finished_on=finished_on,
        overdue=used > facts.promised_working_days,
    )
