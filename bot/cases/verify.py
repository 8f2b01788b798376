"""Verification of a case number by the last four digits of its phone, with the lockout.

An unknown number and wrong digits give the same outcome ("not_verified") and count the same
towards the lockout, so nobody can learn which numbers exist."""
from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from typing import Any, Optional

from bot.cases.lockout import Lockout, get_lockout
from bot.cases.lookup import find_held
from bot.cases.numbers import normalize_case_no
from bot.identifiers import is_four_digits
from bot.privacy import mask_text

logger = logging.getLogger(__name__)

OK = "ok"
NOT_VERIFIED = "not_verified"
LOCKED = "locked"
BAD_CODE = "bad_code"
SCOPE = "case"


@dataclass(frozen=True)
class Verified:
    kind: str  # ok | not_verified | locked | bad_code
    record: Any = None
    locked_seconds: int = 0


def digits_match(phone: str, digits: str) -> bool:
    return hmac.compare_digest((phone or "")[-4:].encode(), (digits or "").strip().encode())


async def verify_case(number: str, digits: str, url: Optional[str] = None,
                      lockout: Lockout | None = None) -> Verified:
    """Verified(OK, record=Held) when some table holds the number and the digits are the last four
    of its phone. Every kind shares one lockout per number (scope ``case``), so switching between
    the application, disclosure and ticket flows gives no extra tries."""
    lockout = lockout or get_lockout()
    number = normalize_case_no(number)
    if not is_four_digits(digits or ""):
        return Verified(BAD_CODE)
    locked = await lockout.locked_for(SCOPE, number)
    if locked:
        return Verified(LOCKED, locked_seconds=locked)
    held = (await find_held([number], url)).get(number)
    if held is None or not digits_match(held.phone, digits):
        logger.info("case verification failed for %s", mask_text(number))
        if await lockout.register_failure(SCOPE, number):
            logger.warning("case %s locked after repeated failed verification", mask_text(number))
            return Verified(LOCKED, locked_seconds=await lockout.locked_for(SCOPE, number) or 3600)
        return Verified(NOT_VERIFIED)
    await lockout.reset(SCOPE, number)
    return Verified(OK, record=held)


