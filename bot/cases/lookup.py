"""Which table holds a case number, and the phone it was registered with.

One indexed query per table (the number columns are unique); a number not found as typed is looked
for once more without its dashes on both sides, because citizens copy "511602-2026-SP-004512" as
"511602 2026 SP 004512" (the spaces go in normalisation, the dashes with them). The tables are named here rather than
imported from the approvals, disclosure and tickets packages, so those packages can use this one
without an import loop; tests/test_cases.py checks the names against the models."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Iterable, Optional

from sqlalchemy import column, func, select, table

from bot.cases.numbers import normalize_case_no
from bot.db import session_scope, sync_engine

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    kind: str
    table: str
    number_column: str
    phone_column: str


SOURCES = (
    Source("application", "approval_applications", "application_no", "applicant_phone"),
    Source("disclosure", "disclosure_requests", "request_no", "applicant_phone"),
    Source("ticket", "tickets", "ticket_no", "contact_phone"),
)


@dataclass(frozen=True)
class Held:
    kind: str
    number: str
    phone: str


def _bare(number: str) -> str:
    return number.replace("-", "")


def _query(source: Source, numbers: list[str], loose: bool = False):
    t = table(source.table, column(source.number_column), column(source.phone_column))
    number = t.c[source.number_column]
    if loose:  # no index on the expression: only for the few numbers the exact query did not find
        return select(number, t.c[source.phone_column]).where(
            func.replace(number, "-", "").in_(sorted({_bare(n) for n in numbers})))
    return select(number, t.c[source.phone_column]).where(number.in_(numbers))


def _asked_as(stored: str, wanted: list[str]) -> list[str]:
    """The asked numbers a stored number answers: itself, or those equal to it without dashes."""
    return [n for n in wanted if n == stored or _bare(n) == _bare(stored)]


def _clean(numbers: Iterable[str]) -> list[str]:
    return sorted({normalize_case_no(n) for n in numbers if n})[:50]


async def find_held(numbers: Iterable[str], url: Optional[str] = None) -> dict[str, Held]:
    """number → Held for the numbers some table holds."""
    wanted = _clean(numbers)
    if not wanted:
        return {}
    found: dict[str, Held] = {}
    async with session_scope(url) as session:
        for loose in (False, True):
            missing = [n for n in wanted if n not in found]
            for source in SOURCES if missing else ():
                for number, phone in (await session.execute(_query(source, missing, loose))).all():
                    for asked in _asked_as(number, missing):
                        found.setdefault(asked, Held(source.kind, number, phone or ""))
    return found


_sync_engines: dict[str, object] = {}
_last_warning = float("-inf")
WARN_EVERY_SECONDS = 60


def kinds_held_sync(numbers: Iterable[str], url: Optional[str] = None) -> dict[str, str]:
    """number → kind, for the NLU component in the Rasa process (synchronous). A database that
    cannot be read gives {} (recognition then relies on the configured schemes) and a warning."""
    wanted = _clean(numbers)
    if not wanted:
        return {}
    key = url or ""
    try:
        engine = _sync_engines.get(key)
        if engine is None:
            engine = _sync_engines[key] = sync_engine(url)
        found: dict[str, str] = {}
        with engine.connect() as conn:
            for loose in (False, True):
                missing = [n for n in wanted if n not in found]
                for source in SOURCES if missing else ():
                    for number, _phone in conn.execute(_query(source, missing, loose)).all():
                        for asked in _asked_as(number, missing):
                            found.setdefault(asked, source.kind)
        return found
    except Exception as exc:  # no tables yet (fresh database, NLU evaluation), database down
        global _last_warning
        if time.monotonic() - _last_warning > WARN_EVERY_SECONDS:  # one line a minute, not one a message
            _last_warning = time.monotonic()
            logger.warning("case number lookup unavailable (%s); recognition uses the configured schemes",
                           type(exc).__name__)
        return {}
