"""Hotline calls in hot issues: what a caller told the agent assist is kept (phone and ID numbers
masked), so a problem many people phone about shows as an event even when the agents answered on
the spot and made no ticket. A ticket made from the call (``Ticket.conversation_id`` is the call's
id) stands for it instead, so nothing is counted twice. Rows older than ``CALL_RETENTION_DAYS`` are
purged by the worker's sweep."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import delete, exists, select
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope
from bot.tickets import events as ev
from bot.tickets.models import AssistedCall, Ticket

logger = logging.getLogger(__name__)

CALL_RETENTION_DAYS = 92  # the widest range hot issues are asked for (bot.tickets.hot.MAX_RANGE_DAYS)
MIN_CALL_CHARS = 6        # fewer characters say no problem ("喂", "你好")
MAX_CALL_CHARS = 2000
CALL_STATUS = "call"      # the status a call shows in an event's list


async def record(call_id: str, text: str, turns: int, department: Optional[str], urgent: bool,
                 url: Optional[str] = None, now: Optional[datetime] = None) -> bool:
    """Store or update the call ``call_id`` with the accumulated ``text``; False when the text is
    too short to say a problem. Personal numbers are masked before anything is written."""
    from bot.privacy import mask_text

    text = (text or "").strip()
    if len(text) < MIN_CALL_CHARS:
        return False
    now = now or datetime.now(timezone.utc)
    values = {"text": mask_text(text)[:MAX_CALL_CHARS], "turns": max(1, int(turns)), "department": department,
              "urgent": bool(urgent), "updated_at": now}
    for attempt in (1, 2):  # two assist requests of one call may race to insert it
        try:
            async with session_scope(url) as session:
                row = (await session.execute(select(AssistedCall).where(AssistedCall.call_id == call_id))).scalar_one_or_none()
                if row is None:
                    session.add(AssistedCall(call_id=call_id, created_at=now, **values))
                else:
                    for key, value in values.items():
                        setattr(row, key, value)
            return True
        except IntegrityError:
            if attempt == 2:
                raise
    return False


async def call_items(session, start: datetime, end: datetime) -> list[ev.Item]:
    """The calls begun in [start, end) that no ticket stands for, as grouping items."""
    ticketed = exists().where(Ticket.conversation_id == AssistedCall.call_id)
    rows = (await session.execute(select(AssistedCall).where(
        AssistedCall.created_at >= start, AssistedCall.created_at < end, ~ticketed))).scalars()
    return [ev.Item(id=-row.id, ticket_no=f"来电{row.id}", created_at=row.created_at, text=row.text,
                    urgent=bool(row.urgent), status=CALL_STATUS, department=row.department,
                    citizen=f"call:{row.call_id}", kind="call") for row in rows]


async def purge(url: Optional[str] = None, now: Optional[datetime] = None) -> int:
    """Delete the calls older than the retention; the number deleted."""
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=CALL_RETENTION_DAYS)
    async with session_scope(url) as session:
        result = await session.execute(delete(AssistedCall).where(AssistedCall.created_at < cutoff))
    return int(result.rowcount or 0)
