"""Verification by the last four digits of the applicant's phone, with the lockout.

An unknown number and wrong digits give the same outcome ("not_verified") and count the same
towards the lockout, so nobody can learn which numbers exist."""
from __future__ import annotations

import hmac
import re
import unicodedata
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Optional

from bot.approvals.lockout import Lockout, get_lockout
from bot.identifiers import is_four_digits

logger = logging.getLogger(__name__)

OK = "ok"
NOT_VERIFIED = "not_verified"
LOCKED = "locked"
BAD_CODE = "bad_code"


@dataclass(frozen=True)
class Verified:
    kind: str  # ok | not_verified | locked | bad_code
    record: Any = None
    locked_seconds: int = 0


def digits_match(phone: str, digits: str) -> bool:
    return hmac.compare_digest((phone or "")[-4:].encode(), (digits or "").strip().encode())


async def verified_lookup(scope: str, key: str, digits: str,
                          fetch: Callable[[str], Awaitable[Optional[tuple[str, Any]]]],
                          lockout: Lockout | None = None) -> Verified:
    """``fetch(key)`` returns (phone, record) or None. The record is returned only when the digits
    are the last four of that phone and the key is not locked."""
    lockout = lockout or get_lockout()
    if not is_four_digits(digits or ""):
        return Verified(BAD_CODE)
    locked = await lockout.locked_for(scope, key)
    if locked:
        return Verified(LOCKED, locked_seconds=locked)
    found = await fetch(key)
    if found is None or not digits_match(found[0], digits):
        logger.info("%s verification failed for %s", scope, key)
        if await lockout.register_failure(scope, key):
            logger.warning("%s %s locked after repeated failed verification", scope, key)
            return Verified(LOCKED, locked_seconds=await lockout.locked_for(scope, key) or 3600)
        return Verified(NOT_VERIFIED)
    await lockout.reset(scope, key)
    return Verified(OK, record=found[1])


_DIGITS4_IN_TEXT = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_APPLICATION_NO_IN_TEXT = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z]{2}[0-9-]{8,20})(?![A-Za-z0-9-])")
_REQUEST_NO_IN_TEXT = re.compile(r"(?<![A-Za-z0-9-])([A-Za-z]{2,4}\d{4}-?\d{3,6})(?![A-Za-z0-9-])")


def _halfwidth(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "")


def four_digits_in(text: str) -> str | None:
    """The only 4-digit group of a message ("后四位是8000" → "8000"); None when none or several."""
    found = _DIGITS4_IN_TEXT.findall(_halfwidth(text))
    return found[0] if len(found) == 1 else None


def application_no_in(text: str) -> str | None:
    m = _APPLICATION_NO_IN_TEXT.search(_halfwidth(text))
    return m.group(1).upper() if m else None


def request_no_in(text: str) -> str | None:
    m = _REQUEST_NO_IN_TEXT.search(_halfwidth(text))
    return m.group(1).upper() if m else None
