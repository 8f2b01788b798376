"""A citizen checks a ticket in chat: the ticket number and the last 4 digits of the contact phone,
verified by bot.cases.verify with the lockout every kind of case number shares. An unknown number, a
ticket without a phone and wrong digits all give the same outcome, so numbers cannot be probed."""
from __future__ import annotations

from typing import Optional

from bot.cases.lockout import Lockout
from bot.cases.verify import NOT_VERIFIED, OK, Verified, verify_case
from bot.tickets.service import find_for_citizen


async def status_of_verified(ticket_no: str, digits: str, url: Optional[str] = None) -> Optional[dict]:
    """The ticket JSON for a requester bot.cases.verify has already verified."""
    return await find_for_citizen(ticket_no, digits, url=url)


async def ticket_for_citizen(ticket_no: str, digits: str, url: Optional[str] = None,
                             lockout: Optional[Lockout] = None) -> Verified:
    """Verified(OK, record=ticket JSON) when the digits are the last four of the ticket's phone."""
    outcome = await verify_case(ticket_no, digits, url, lockout)
    if outcome.kind != OK:
        return outcome
    ticket = await status_of_verified(outcome.record.number, digits, url)
    return Verified(OK, record=ticket) if ticket is not None else Verified(NOT_VERIFIED)

