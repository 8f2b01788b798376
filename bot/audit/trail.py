"""The append-only audit trail.

Each entry's ``hash`` is SHA-256 over its canonical content and the previous entry's hash
(``prev_hash``; the first entry chains to 64 zeros); ``signature`` is HMAC-SHA256 of that hash under
the audit key (settings.audit_key). The head row (audit_head) holds the last seq and hash, signed,
so deleting entries at the end is detected too. Appending locks the head row, so concurrent
transactions extend the chain one after the other and never fork it.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Optional

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.models import AuditEntry, AuditHead
from bot.settings import get_settings

GENESIS = "0" * 64
HEAD_ID = 1


def _key(key: Optional[str]) -> bytes:
    return (key if key is not None else get_settings().audit_key).encode("utf-8")


def _utc_text(moment: datetime) -> str:
    if moment.tzinfo is None:  # SQLite returns stored UTC values naive
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(seq: int, at: datetime, actor: str, action: str, object_type: str, object_id: str,
              reason: Optional[str], data: Any, prev_hash: str) -> bytes:
    body = {"seq": seq, "at": _utc_text(at), "actor": actor, "action": action, "object_type": object_type,
            "object_id": object_id, "reason": reason, "data": data, "prev": prev_hash}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical(entry.seq, entry.at, entry.actor, entry.action, entry.object_type,
                                    entry.object_id, entry.reason, entry.data, entry.prev_hash)).hexdigest()


def sign(text: str, key: Optional[str] = None) -> str:
    return hmac.new(_key(key), text.encode("utf-8"), hashlib.sha256).hexdigest()


def head_signature(last_seq: int, last_hash: str, key: Optional[str] = None) -> str:
    return sign(f"head:{last_seq}:{last_hash}", key)


async def append(session: AsyncSession, *, actor: str, action: str, object_type: str, object_id: str,
                 reason: Optional[str] = None, data: Any = None, at: Optional[datetime] = None) -> AuditEntry:
    """Add one entry in the caller's transaction (committed or rolled back with it)."""
    head = (await session.execute(
        select(AuditHead).where(AuditHead.id == HEAD_ID).with_for_update())).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=HEAD_ID, last_seq=0, last_hash=GENESIS, signature=head_signature(0, GENESIS))
        session.add(head)
    # JSON round trip: what is hashed is exactly what the database gives back.
    data = json.loads(json.dumps(data, ensure_ascii=False, default=str)) if data is not None else None
    entry = AuditEntry(seq=head.last_seq + 1, at=at or datetime.now(timezone.utc), actor=actor, action=action,
                       object_type=object_type, object_id=str(object_id), reason=reason, data=data,
                       prev_hash=head.last_hash)
    entry.hash = entry_hash(entry)
    entry.signature = sign(entry.hash)
    session.add(entry)
    head.last_seq, head.last_hash = entry.seq, entry.hash
    head.signature = head_signature(entry.seq, entry.hash)
    await session.flush()
    return entry


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: Optional[int] = None
    first_bad_id: Optional[int] = None
    problem: str = ""

    def message(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.checked} entries verified"
        where = f"entry seq={self.first_bad_seq} (id={self.first_bad_id})" if self.first_bad_seq is not None \
            else "chain head"
        return f"audit trail BROKEN at {where}: {self.problem} ({self.checked} entries before it verified)"


def verify_entries(entries: Iterable[AuditEntry], head: Optional[AuditHead], key: Optional[str] = None) -> VerifyResult:
    """Check entries in id order (insertion order): seq contiguous from 1, chain links, hashes,
    signatures, and the signed head pointing at the last entry."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for e in entries:
        bad = None
        if e.seq != expected_seq:
            bad = f"expected seq {expected_seq}, found {e.seq} (entry deleted or reordered)"
        elif e.prev_hash != prev_hash:
            bad = "prev_hash does not match the previous entry (entry deleted or reordered)"
        elif entry_hash(e) != e.hash:
            bad = "content does not match its hash (entry edited)"
        elif not hmac.compare_digest(sign(e.hash, key), e.signature):
            bad = "signature invalid (entry rewritten without the audit key)"
        if bad:
            return VerifyResult(False, checked, e.seq, e.id, bad)
        prev_hash, expected_seq, checked = e.hash, expected_seq + 1, checked + 1
    if head is None:
        if checked:
            return VerifyResult(False, checked, problem="chain head missing")
        return VerifyResult(True, 0)
    if not hmac.compare_digest(head_signature(head.last_seq, head.last_hash, key), head.signature):
        return VerifyResult(False, checked, problem="chain head signature invalid")
    if head.last_seq != checked or head.last_hash != prev_hash:
        return VerifyResult(False, checked, expected_seq, None,
                            f"chain head records {head.last_seq} entries, found {checked} (entries deleted at the end)")
    return VerifyResult(True, checked)


def verify(url: Optional[str] = None, key: Optional[str] = None) -> VerifyResult:
    """Verify the whole trail of a database (synchronous: CLI)."""
    from sqlalchemy.orm import Session

    from bot.db import sync_engine

    engine = sync_engine(url)
    try:
        with Session(engine, future=True) as session:
            entries = session.execute(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000).scalars()
            head = session.get(AuditHead, HEAD_ID)
            return verify_entries(entries, head, key)
    finally:
        engine.dispose()
