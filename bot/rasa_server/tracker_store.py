"""Rasa's SQL tracker store without three avoidable costs of every dialogue turn.

Endpoints: ``tracker_store: {type: bot.rasa_server.tracker_store.FastSQLTrackerStore, ...}`` with the same keys
as ``type: SQL`` (dialect, url, port, db, username, password, login_db, query). The table, its rows
and what ``retrieve`` returns are exactly Rasa's: a conversation written by either store is read
by the other.

1. ``retrieve`` and ``save`` run Rasa's statements through SQLAlchemy Core (the JSON column only;
   one multi-row insert) instead of ORM objects.
2. ``save`` finds the events it has not stored yet by *counting the conversation's stored events
   with a query* (a third of the store's time in a turn). The tracker being saved was retrieved (or
   last saved) by this store, under the conversation's lock, so the number of its events already in
   the table is known: it is remembered on the tracker object and the query is skipped. A tracker
   the store did not hand out (a new conversation, a copy) still takes Rasa's query.
3. SQLite (the embedded profile): Rasa opens a new connection for every query (SQLAlchemy 1.4's
   NullPool for files) and every commit waits for an fsync. Here connections are pooled and the
   database runs in WAL mode with ``synchronous=NORMAL``: a committed turn survives a crash of the
   process; the last turns before a power cut may be lost (production runs on PostgreSQL).
"""
from __future__ import annotations

import itertools
import json
import logging
import re
from typing import Any, Iterator, Optional

import orjson
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

# Attribute on a DialogueStateTracker: how many of its events are in the table.
STORED_EVENTS = "_gov_stored_events"

_EVENTS = SQLTrackerStore.SQLEvent.__table__
_SESSION_START = (sa.select(sa.func.max(_EVENTS.c.timestamp))
                  .where(_EVENTS.c.sender_id == sa.bindparam("sender_id"),
                         _EVENTS.c.type_name == SessionStarted.type_name)
                  .scalar_subquery())
LATEST_SESSION_EVENTS = (sa.select(_EVENTS.c.data)
                         .where(_EVENTS.c.sender_id == sa.bindparam("sender_id"),
                                sa.or_(_EVENTS.c.timestamp >= _SESSION_START, _SESSION_START.is_(None)))
                         .order_by(_EVENTS.c.id))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")  # the privacy purge may write at the same time
    cursor.close()


def pooled_sqlite_engine(url: Any) -> sa.engine.Engine:
    engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=8,
                              connect_args={"check_same_thread": False})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


_LONG_DIGITS = re.compile(r"\d{19,}")


def _loads(text: str) -> Any:
    """``json.loads`` by orjson (the same values, several times faster). A row with a run of 19 or
    more digits (orjson reads an integer beyond 64 bits as a float) and what orjson refuses (NaN)
    go through the json module."""
    if _LONG_DIGITS.search(text):
        return json.loads(text)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


class FastSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The launcher (python -m bot.rasa_server) installs the patches before Rasa starts; a store
        # created by a bare `rasa ...` command works without them, only slower per turn.
        from bot.rasa_server.install import warn_if_not_installed

        warn_if_not_installed("FastSQLTrackerStore")
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in (None, "", ":memory:"):
            url = self.engine.url
            self.engine.dispose()
            self.engine = pooled_sqlite_engine(url)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        # Rasa's query (the events since the latest session start, in id order), reading only the
        # JSON column through SQLAlchemy Core instead of loading ORM objects.
        with self.session_scope() as session:
            rows = session.execute(LATEST_SESSION_EVENTS, {"sender_id": sender_id}).scalars().all()
        if not rows or not self.domain:
            return None
        tracker = DialogueStateTracker.from_dict(sender_id, [_loads(r) for r in rows], self.domain.slots)
        setattr(tracker, STORED_EVENTS, len(tracker.events))
        return tracker

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        stored = getattr(tracker, STORED_EVENTS, None)
        total = len(tracker.events)
        if stored is None or stored > total or getattr(tracker.events, "maxlen", None) is not None:
            return super()._additional_events(session, tracker)
        return itertools.islice(tracker.events, stored, total)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's rows, inserted in one Core statement (not ORM objects one by one)."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            rows = []
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                rows.append({"sender_id": tracker.sender_id, "type_name": event.type_name,
                             "timestamp": data.get("timestamp"),
                             "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                             "action_name": data.get("name"), "data": json.dumps(data)})
            if rows:
                session.execute(self.SQLEvent.__table__.insert(), rows)
            session.commit()  # raises when the commit fails: nothing is remembered then
        setattr(tracker, STORED_EVENTS, len(tracker.events))
