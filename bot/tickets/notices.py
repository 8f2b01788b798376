"""The outbox of ticket notices to citizens: a ticket_notifications row per notice (deduplicated by
kind and key), its delivery by chat or SMS with the outcome recorded, and the schedule of retries.

Written by the worker's sweeps (bot.tickets.sweep: replies and reminders; bot.tickets.visits: return
visits), which both send through ``send_notice`` here, by bot.delivery."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import select

from bot.db import session_scope
from bot.delivery import FAILED, MAX_ATTEMPTS, Deliverer, Message, retry_delay
from bot.settings import get_settings
from bot.tickets.models import SATISFACTION, Ticket, TicketNotification

logger = logging.getLogger(__name__)

CHAT_KINDS = ("citizen", "visit")    # notices to a conversation (the return visit's: bot.tickets.visits)
SMS_KINDS = ("sms", "visit_sms")


@dataclass
class SweepResult:
    lights: int = 0
    reminders: int = 0
    escalations: int = 0
    citizen: int = 0
    sms: int = 0
    changed: list = field(default_factory=list)  # (ticket_no, old, new)


async def exists(session, ticket_id: int, kind: str, key: str) -> bool:
    return (await session.execute(select(TicketNotification.id).where(
        TicketNotification.ticket_id == ticket_id, TicketNotification.kind == kind,
        TicketNotification.dedupe_key == key))).first() is not None


def notice_row(t: Ticket, kind: str, key: str, channel: str, recipient: str, text: str, status: str,
         now: datetime) -> TicketNotification:
    return TicketNotification(ticket_id=t.id, ticket_no=t.ticket_no, kind=kind, dedupe_key=key[:96],
                              channel=channel[:32], recipient=recipient[:128], text=text, status=status,
                              created_at=now, sent_at=now if status != "pending" else None)


async def send_notice(url: Optional[str], notice, attempt: int, deliverer: Deliverer,
                      result: SweepResult, now: datetime) -> None:
    """Deliver one citizen notice (chat) or SMS — ``notice`` is its ticket_notifications row, whose
    channel is ``sms`` for an SMS — and record the outcome; a failure is scheduled for another try
    until MAX_ATTEMPTS."""
    buttons = None
    if notice.kind == "visit":  # the return visit's 满意/基本满意/不满意 buttons (bot.tickets.visits)
        buttons = visit_buttons_in(notice.text)
    channel = notice.channel if notice.kind in CHAT_KINDS else "sms"
    delivery = await deliverer.deliver(channel, notice.recipient, Message(notice.text, buttons=buttons))
    status, error = delivery.status, delivery.error
    if status != FAILED:
        if notice.kind in CHAT_KINDS:
            result.citizen += 1
        else:
            result.sms += 1
    retry_at = None
    if status == FAILED:
        retry_at = now + retry_delay(attempt) if attempt < MAX_ATTEMPTS else None
        logger.warning("citizen notice failed", extra={"ticket_no": notice.ticket_no, "kind": notice.kind,
                                                        "error": error, "attempt": attempt,
                                                        "will_retry": retry_at is not None})
    async with session_scope(url) as session:
        table = TicketNotification.__table__
        await session.execute(table.update().where(table.c.id == notice.id).values(
            status=status, error=(error or "")[:200] or None, sent_at=datetime.now(timezone.utc),
            attempts=attempt, next_attempt_at=retry_at))


def visit_link(token: str) -> str:
    """The page's absolute address (SMS needs one): WEB_PUBLIC_URL, else this web service on localhost."""
    settings = get_settings()
    return f"{settings.public_url}/visit/{token}"


def visit_buttons(token: str) -> list[dict]:
    """The chat buttons of the invitation: each opens the page with its verdict chosen."""
    return [{"title": choice, "url": f"{visit_link(token)}?choice={choice}", "type": "web_url"} for choice in SATISFACTION]


def visit_buttons_in(text: str) -> list[dict]:
    """The buttons of an invitation, from the link in its text (a retried notice keeps only text)."""
    m = re.search(r"/visit/([A-Za-z0-9_.\-]+)", text or "")
    return visit_buttons(m.group(1)) if m else []
