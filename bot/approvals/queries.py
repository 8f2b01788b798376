"""Async reads of applications (bound parameters only) and the verified status answer."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.calendar import local_today
from bot.cases.lockout import Lockout
from bot.approvals.models import Application
from bot.approvals.status import ApplicationFacts, ApplicationStatus, StageEvent, compute_status
from bot.cases.numbers import normalize_case_no
from bot.cases.verify import NOT_VERIFIED, OK, Verified, verify_case
from bot.db import session_scope


def facts_of(app: Application) -> ApplicationFacts:
    return ApplicationFacts(
        application_no=app.application_no, item_name=app.item_name, department=app.department,
        submitted_at=app.submitted_at, promised_working_days=app.promised_working_days,
        legal_working_days=app.legal_working_days, status=app.status,
        events=tuple(StageEvent(e.stage, e.at, e.handler, e.note) for e in app.events),
    )


async def fetch_application(application_no: str, url: str | None = None) -> tuple[str, ApplicationFacts] | None:
    """(applicant phone, facts) of an application, or None."""
    query = (select(Application).options(selectinload(Application.events))
             .where(Application.application_no == normalize_case_no(application_no)))
    async with session_scope(url) as session:
        app = (await session.execute(query)).scalars().first()
        if app is None:
            return None
        return app.applicant_phone, facts_of(app)


async def status_of_verified(application_no: str, url: str | None = None,
                             today: date | None = None) -> ApplicationStatus | None:
    """The status of an application whose requester bot.cases.verify has already verified."""
    found = await fetch_application(application_no, url)
    return None if found is None else compute_status(found[1], today or local_today())


async def application_status(application_no: str, digits: str, url: str | None = None,
                             lockout: Lockout | None = None, today: date | None = None) -> Verified:
    """The status of an application for someone who knows the last four digits of its phone;
    record is an ApplicationStatus when kind == "ok"."""
    outcome = await verify_case(application_no, digits, url, lockout)
    if outcome.kind != OK:
        return outcome
    status = await status_of_verified(outcome.record.number, url, today)
    return Verified(OK, record=status) if status is not None else Verified(NOT_VERIFIED)
