"""Storing, claiming and settling pending chat messages (one transaction per call)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Optional

from sqlalchemy import select, update

from bot.db import session_scope
from bot.pending.models import PendingMessage

MAX_TEXT = 5000


def _now() -> datetime:
    return datetime.now(timezone.utc)


async def add(sender_id: str, channel: str, text: str, metadata: Optional[dict] = None,
              url: Optional[str] = None) -> int:
    now = _now()
    async with session_scope(url) as session:
        row = PendingMessage(sender_id=sender_id[:128], channel=(channel or "rest")[:32], text=text[:MAX_TEXT],
                             message_metadata=metadata or None, status="pending", attempts=0,
                             created_at=now, next_attempt_at=now)
        session.add(row)
        await session.flush()
        return row.id


async def claim_due(limit: int = 20, url: Optional[str] = None, stale_after: int = 300) -> list[dict]:
    """Due pending messages, each moved to ``processing`` by exactly one claimer (a conditional
    UPDATE, so several Rasa workers never retry the same message twice). A message stuck in
    ``processing`` (its worker died) becomes claimable again after ``stale_after`` seconds."""
    now = _now()
    async with session_scope(url) as session:
        rows = (await session.execute(
            select(PendingMessage.id, PendingMessage.status).where(
                ((PendingMessage.status == "pending") & (PendingMessage.next_attempt_at <= now))
                | ((PendingMessage.status == "processing")
                   & (PendingMessage.next_attempt_at <= now - timedelta(seconds=stale_after))))
            .order_by(PendingMessage.id).limit(limit)
        )).all()
    claimed = []
    for row_id, status in rows:
        async with session_scope(url) as session:
            result = await session.execute(
                update(PendingMessage)
                .where(PendingMessage.id == row_id, PendingMessage.status == status)
                .values(status="processing", attempts=PendingMessage.attempts + 1, next_attempt_at=now)
            )
            if result.rowcount != 1:
                continue
            row = (await session.execute(select(PendingMessage).where(PendingMessage.id == row_id))).scalar_one()
            claimed.append({"id": row.id, "sender_id": row.sender_id, "channel": row.channel, "text": row.text,
                            "metadata": row.message_metadata or {}, "attempts": row.attempts})
    return claimed


async def settle_done(row_id: int, answer: list, delivered: str, url: Optional[str] = None) -> None:
    async with session_scope(url) as session:
        await session.execute(update(PendingMessage).where(PendingMessage.id == row_id).values(
            status="done", answer=answer, delivered=delivered, answered_at=_now(), last_error=None))


async def settle_failed(row_id: int, attempts: int, max_attempts: int, error: str, retry_in: float,
                        url: Optional[str] = None) -> str:
    status = "failed" if attempts >= max_attempts else "pending"
    async with session_scope(url) as session:
        await session.execute(update(PendingMessage).where(PendingMessage.id == row_id).values(
            status=status, last_error=error[:200], next_attempt_at=_now() + timedelta(seconds=retry_in)))
    return status
