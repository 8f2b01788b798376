"""Async reads of applications (bound parameters only) and the verified status answer."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.approvals.fields import local_tz
from bot.approvals.importer import normalize_application_no
from bot.approvals.lockout import Lockout
from bot.approvals.models import Application
from bot.approvals.status import ApplicationFacts, ApplicationStatus, StageEvent, compute_status
from bot.approvals.verify import OK, Verified, verified_lookup
from bot.db import session_scope

SCOPE = "application"


def local_today() -> date:
    return datetime.now(local_tz()).date()


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
             .where(Application.application_no == normalize_application_no(application_no)))
    async with session_scope(url) as session:
        app = (await session.execute(query)).scalars().first()
        if app is None:
            return None
        return app.applicant_phone, facts_of(app)


async def application_status(application_no: str, digits: str, url: str | None = None,
                             lockout: Lockout | None = None, today: date | None = None) -> Verified:
    """The status of an application for someone who knows the last four digits of its phone;
    record is an ApplicationStatus when kind == "ok"."""
    number = normalize_application_no(application_no)

    async def fetch(key):
        return await fetch_application(key, url)

    outcome = await verified_lookup(SCOPE, number, digits, fetch, lockout)
    if outcome.kind != OK:
        return outcome
    status: ApplicationStatus = compute_status(outcome.record, today or local_today())
    return Verified(OK, record=status)
