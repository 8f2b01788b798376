"""A citizen checks a ticket in chat: the ticket number and the last 4 digits of the contact phone,
with the same lockout as application status queries (bot.approvals.lockout: five wrong tries for a
number within an hour lock it for an hour). An unknown number, a ticket without a phone and wrong
digits all give the same outcome, so numbers cannot be probed."""
from __future__ import annotations

import logging
import re
import unicodedata
from typing import Optional

from bot.approvals.lockout import Lockout, get_lockout
from bot.approvals.verify import BAD_CODE, LOCKED, NOT_VERIFIED, OK, Verified
from bot.identifiers import is_four_digits, normalize_ticket_no
from bot.tickets.service import find_for_citizen

logger = logging.getLogger(__name__)

SCOPE = "ticket"
_TICKET_NO_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])(GD[2-9A-HJ-NP-Z]{8})(?![A-Za-z0-9])", re.IGNORECASE)


def ticket_no_in(text: Optional[str]) -> Optional[str]:
    """A ticket number typed anywhere in a message ("查一下gd7kx3m9qp"), upper-cased."""
    m = _TICKET_NO_IN_TEXT.search(unicodedata.normalize("NFKC", text or ""))
    return m.group(1).upper() if m else None


async def ticket_for_citizen(ticket_no: str, digits: str, url: Optional[str] = None,
                             lockout: Optional[Lockout] = None) -> Verified:
    """Verified(OK, record=ticket JSON) when the digits are the last four of the ticket's phone."""
    lockout = lockout or get_lockout()
    number = normalize_ticket_no(ticket_no)
    digits = (digits or "").strip()
    if not is_four_digits(digits):
        return Verified(BAD_CODE)
    locked = await lockout.locked_for(SCOPE, number)
    if locked:
        return Verified(LOCKED, locked_seconds=locked)
    ticket = await find_for_citizen(number, digits, url=url)
    if ticket is None:
        logger.info("ticket verification failed for %s", number)
        if await lockout.register_failure(SCOPE, number):
            logger.warning("ticket %s locked after repeated failed verification", number)
            return Verified(LOCKED, locked_seconds=await lockout.locked_for(SCOPE, number) or 3600)
        return Verified(NOT_VERIFIED)
    await lockout.reset(SCOPE, number)
    return Verified(OK, record=ticket)
