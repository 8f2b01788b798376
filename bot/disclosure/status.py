"""Statutory deadline of a disclosure request (《政府信息公开条例》第三十三条): answered within 20
working days of receipt; extendable by at most 20 more with notice to the applicant. Pure functions."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from bot.imports.fields import local_date
from bot.calendar import add_working_days

# The competent office of disclosure work in a county-level government (条例第三条: 县级以上人民政府办公室):
# a complaint about a request goes there.
COMPETENT_OFFICE = "区政府办"
BASE_WORKING_DAYS = 20
EXTENSION_WORKING_DAYS = 20
STATUS_LABELS = {"received": "已收到，待办理", "processing": "办理中", "answered": "已答复", "rejected": "已作出不予公开等答复"}


def statutory_deadline(received_on: date, extended: bool) -> date:
    days = BASE_WORKING_DAYS + (EXTENSION_WORKING_DAYS if extended else 0)
    return add_working_days(received_on, days)


@dataclass(frozen=True)
class RequestFacts:
    request_no: str
    subject: str
    received_at: datetime
    extended: bool
    status: str
    answered_at: datetime | None
    outcome: str | None = None          # 办理结果 and its reason (bot.disclosure.template), when recorded
    outcome_reason: str | None = None


@dataclass(frozen=True)
class RequestStatus:
    facts: RequestFacts
    received_on: date
    deadline: date
    answered_on: date | None
    overdue: bool  # not answered and past the deadline, or answered after it

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.facts.status, self.facts.status)

    @property
    def open(self) -> bool:
        return self.facts.status in ("received", "processing")


def compute_request_status(facts: RequestFacts, today: date) -> RequestStatus:
    received_on = local_date(facts.received_at)
    deadline = statutory_deadline(received_on, facts.extended)
    answered_on = local_date(facts.answered_at) if facts.answered_at else None
    if facts.status in ("received", "processing"):
        overdue = today > deadline
    else:
        overdue = answered_on is not None and answered_on > deadline
    return RequestStatus(facts, received_on, deadline, answered_on, overdue)
