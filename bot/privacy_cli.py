"""`python -m bot privacy ...`: retention of personal data kept by the conversation side.

    python -m bot privacy purge-conversations --older-than DAYS [--url URL] [--dry-run]

deletes from Rasa's SQL tracker store (SQLite or PostgreSQL; table ``events``) every conversation
whose latest event is older than DAYS days — whole conversations, so no tracker is left without
its session start — and, from the application database, kept chat messages (``pending_messages``)
that were answered or given up on before then. Prints the counts as JSON. See docs/privacy.md.
"""
from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from sqlalchemy import inspect, text

from bot.db import sync_engine
from bot.settings import get_settings


def purge_conversations(older_than_days: float, tracker_url: str | None = None, app_url: str | None = None,
                        dry_run: bool = False, now: float | None = None) -> dict:
    if older_than_days < 0:
        raise ValueError("--older-than must be a number of days >= 0")
    settings = get_settings()
    now = time.time() if now is None else now
    cutoff = now - older_than_days * 86400
    result = {"cutoff": datetime.fromtimestamp(cutoff, timezone.utc).isoformat(timespec="seconds"),
              "conversations": 0, "events": 0, "pending_messages": 0, "dry_run": dry_run}

    engine = sync_engine(tracker_url or settings.tracker_url)
    try:
        if inspect(engine).has_table("events"):
            stale = ("SELECT sender_id FROM events GROUP BY sender_id HAVING max(timestamp) < :cutoff")
            with engine.begin() as conn:
                senders = [r[0] for r in conn.execute(text(stale), {"cutoff": cutoff})]
                result["conversations"] = len(senders)
                for start in range(0, len(senders), 500):
                    chunk = senders[start:start + 500]
                    params = {f"s{i}": s for i, s in enumerate(chunk)}
                    names = ", ".join(f":s{i}" for i in range(len(chunk)))
                    if dry_run:
                        result["events"] += conn.execute(
                            text(f"SELECT count(*) FROM events WHERE sender_id IN ({names})"), params).scalar_one()
                    else:
                        result["events"] += conn.execute(
                            text(f"DELETE FROM events WHERE sender_id IN ({names})"), params).rowcount
    finally:
        engine.dispose()

    engine = sync_engine(app_url or settings.database_url)
    try:
        if inspect(engine).has_table("pending_messages"):
            before = datetime.fromtimestamp(cutoff, timezone.utc)
            where = "status IN ('done', 'failed') AND created_at < :before"
            with engine.begin() as conn:
                if dry_run:
                    result["pending_messages"] = conn.execute(
                        text(f"SELECT count(*) FROM pending_messages WHERE {where}"), {"before": before}).scalar_one()
                else:
                    result["pending_messages"] = conn.execute(
                        text(f"DELETE FROM pending_messages WHERE {where}"), {"before": before}).rowcount
    finally:
        engine.dispose()
    return result


def _cmd_purge(args) -> int:
    print(json.dumps(purge_conversations(args.older_than, args.url, dry_run=args.dry_run), ensure_ascii=False))
    return 0


def register(subparsers, _import_subparsers) -> None:
    p = subparsers.add_parser("privacy", help="retention of personal data (docs/privacy.md)")
    sub = p.add_subparsers(dest="privacy_command", required=True)
    purge = sub.add_parser("purge-conversations",
                           help="delete conversations idle for more than DAYS days from Rasa's tracker store")
    purge.add_argument("--older-than", type=float, required=True, metavar="DAYS")
    purge.add_argument("--url", help="tracker store URL (default: TRACKER_DATABASE_URL / TRACKER_DB / DATABASE_URL)")
    purge.add_argument("--dry-run", action="store_true", help="count only")
    purge.set_defaults(func=_cmd_purge)
