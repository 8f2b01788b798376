"""bot.rasa_server.tracker_store.FastSQLTrackerStore: Rasa's SQL tracker store, same rows, fewer queries per turn
(on SQLite and PostgreSQL)."""
from __future__ import annotations

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rasa_server.tracker_store import FastSQLTrackerStore

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet]
slots:
  item:
    type: text
    mappings: [{type: custom}]
""")


def _store(cls, db_url: str):
    return cls(domain=DOMAIN, host=db_url)


def _count_queries(engine) -> list[str]:
    seen: list[str] = []
    sa.event.listen(engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *a: seen.append(statement.lower()))
    return seen


def _turn(tracker: DialogueStateTracker, text: str, answer: str) -> None:
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("utter_greet"))
    tracker.update(BotUttered(answer))
    tracker.update(ActionExecuted("action_listen"))


async def test_turns_are_stored_once_without_counting_queries(db_url):
    store = _store(FastSQLTrackerStore, db_url)
    tracker = DialogueStateTracker("c1", DOMAIN.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)  # a new conversation: Rasa's own way

    for n in range(3):
        tracker = await store.retrieve("c1")
        queries = _count_queries(store.engine)
        _turn(tracker, f"你好{n}", f"您好{n}")
        tracker.update(SlotSet("item", f"身份证{n}"))
        await store.save(tracker)
        await store.save(tracker)  # saving again adds nothing
        assert not [q for q in queries if "count(" in q], queries

    stock = _store(SQLTrackerStore, db_url)  # the same table, read by Rasa's own store
    back = await stock.retrieve("c1")
    texts = [e.text for e in back.events if isinstance(e, UserUttered)]
    assert texts == ["你好0", "你好1", "你好2"]
    assert back.get_slot("item") == "身份证2"
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = 'c1'")).scalar() == 3 + 3 * 5


async def test_a_tracker_it_did_not_hand_out_takes_rasas_count(db_url):
    store = _store(FastSQLTrackerStore, db_url)
    stock = _store(SQLTrackerStore, db_url)
    first = DialogueStateTracker("c2", DOMAIN.slots)
    _turn(first, "一", "1")
    await stock.save(first)
    # Rasa's own copy of the conversation with one more turn, saved by the fast store.
    copy = (await stock.retrieve("c2")).copy()
    _turn(copy, "二", "2")
    await store.save(copy)
    back = await store.retrieve("c2")
    assert [e.text for e in back.events if isinstance(e, UserUttered)] == ["一", "二"]


async def test_new_session_after_retrieve_stores_only_new_events(db_url):
    store = _store(FastSQLTrackerStore, db_url)
    tracker = DialogueStateTracker("c3", DOMAIN.slots)
    _turn(tracker, "旧会话", "old")
    await store.save(tracker)
    tracker = await store.retrieve("c3")
    for event in (ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")):
        tracker.update(event)
    _turn(tracker, "新会话", "new")
    await store.save(tracker)
    latest = await store.retrieve("c3")  # the latest session only, as Rasa's store
    assert [e.text for e in latest.events if isinstance(e, UserUttered)] == ["新会话"]
    full = await store.retrieve_full_tracker("c3")
    assert [e.text for e in full.events if isinstance(e, UserUttered)] == ["旧会话", "新会话"]


async def test_a_failed_save_is_retried_in_full(tmp_path):
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = _store(FastSQLTrackerStore, url)
    tracker = DialogueStateTracker("c4", DOMAIN.slots)
    _turn(tracker, "一", "1")
    await store.save(tracker)
    tracker = await store.retrieve("c4")
    _turn(tracker, "二", "2")
    with store.engine.begin() as conn:  # the table is gone for a moment
        conn.execute(sa.text("ALTER TABLE events RENAME TO events_away"))
    try:
        await store.save(tracker)
    except sa.exc.OperationalError:
        pass
    else:
        raise AssertionError("the save should have failed")
    with store.engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE events_away RENAME TO events"))
    await store.save(tracker)
    back = await store.retrieve("c4")
    assert [e.text for e in back.events if isinstance(e, UserUttered)] == ["一", "二"]


def test_sqlite_runs_in_wal_mode_with_pooled_connections(tmp_path):
    store = _store(FastSQLTrackerStore, f"sqlite:///{tmp_path / 'tracker.db'}")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("PRAGMA synchronous")).scalar() == 1  # NORMAL
    assert isinstance(store.engine.pool, sa.pool.QueuePool)


async def test_conversations_read_back_as_rasas_store_reads_them(tmp_path):
    """Rows are parsed by orjson: the tracker read back equals the one Rasa's own store reads,
    including a number too long for orjson's integers (parsed by the json module instead)."""
    db_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    store = _store(FastSQLTrackerStore, db_url)
    tracker = DialogueStateTracker("c3", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    tracker.update(UserUttered("我的号码 123456789012345678901234 😀", {"name": "greet", "confidence": 0.9},
                               parse_data={"intent": {"name": "greet", "confidence": 0.9}, "big": 2 ** 70,
                                           "text": "控制\u0000字符"}))
    tracker.update(SlotSet("item", "居民身份证"))
    await store.save(tracker)
    ours = await store.retrieve("c3")
    rasas = await _store(SQLTrackerStore, db_url).retrieve("c3")
    assert [e.as_dict() for e in ours.events] == [e.as_dict() for e in rasas.events]
    assert ours.latest_message.parse_data["big"] == 2 ** 70
    assert ours.get_slot("item") == "居民身份证"
