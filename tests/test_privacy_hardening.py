"""Privacy: role-based masking of tickets, exports, and Rasa's tracker store — what it keeps of a
conversation (docs/privacy.md) and `python -m bot privacy purge-conversations` on SQLite and
PostgreSQL (its own database)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.privacy import mask_row_for_export, mask_ticket_for_role
from bot.privacy_cli import purge_conversations

ROOT = Path(__file__).resolve().parent.parent
ID = "11010519491231002X"
PHONE = "13912345678"

TICKET = {"ticket_no": "GD2345ABCD", "contact_phone": PHONE, "contact_name": "张三丰",
          "description": f"我叫李四，身份证{ID}，电话{PHONE}，楼道灯坏了", "location": "幸福小区3栋",
          "reply": f"已联系{PHONE}", "department": "区住建局",
          "history": [{"seq": 1, "action": "create", "reason": f"来电{PHONE}", "data": {"phone": PHONE}}]}


@pytest.mark.parametrize("role", ["admin", "dispatcher", "handler"])
def test_roles_that_contact_citizens_see_the_details(role):
    assert mask_ticket_for_role(TICKET, role) == TICKET


@pytest.mark.parametrize("role", ["supervisor", "viewer", None])
def test_other_roles_see_tickets_masked(role):
    masked = mask_ticket_for_role(TICKET, role)
    dumped = json.dumps(masked, ensure_ascii=False)
    for secret in (PHONE, ID, "张三丰", "李四"):
        assert secret not in dumped, secret
    assert masked["contact_phone"] == "139****5678" and masked["contact_name"] == "张*丰"
    assert "110105********002X" in masked["description"] and "楼道灯坏了" in masked["description"]
    assert masked["ticket_no"] == TICKET["ticket_no"] and masked["department"] == "区住建局"
    assert TICKET["contact_phone"] == PHONE, "the original is not mutated"


def test_export_rows_are_masked():
    row = mask_row_for_export({"ticket_no": "GD2345ABCD", "contact_phone": PHONE, "contact_name": "王五",
                               "description": f"身份证号{ID}"})
    assert row["contact_phone"] == "139****5678" and row["contact_name"] == "王*"
    assert ID not in row["description"]


# -- the tracker store ------------------------------------------------------------------------------
async def _save_conversation(store, sender: str, when: float, text_: str) -> None:
    from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker(sender, slots=[])
    for event in (ActionExecuted("action_session_start", timestamp=when), SessionStarted(timestamp=when),
                  ActionExecuted("action_listen", timestamp=when),
                  UserUttered(text_, {"name": "query_ticket_status", "confidence": 1.0}, timestamp=when + 1),
                  SlotSet("phone", PHONE, timestamp=when + 1),
                  BotUttered("请提供联系电话后四位", timestamp=when + 2)):
        tracker.update(event)
    await store.save(tracker)


async def _exercise_store(store, engine_url: str, tmp_path: Path):
    now = time.time()
    await _save_conversation(store, "old-user", now - 40 * 86400, f"我的电话是{PHONE}，查工单")
    await _save_conversation(store, "new-user", now - 2 * 86400, f"身份证{ID}")

    # What the tracker store keeps (docs/privacy.md): the raw user text and slot values, unmasked.
    engine = create_engine(engine_url, future=True)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT sender_id, type_name, data FROM events")).all()
    kept = "\n".join(r.data for r in rows)
    assert PHONE in kept and ID in kept
    assert {r.type_name for r in rows} >= {"user", "slot", "bot", "session_started"}

    dry = purge_conversations(30, tracker_url=engine_url, app_url=f"sqlite:///{tmp_path / 'app.db'}", dry_run=True)
    assert dry["conversations"] == 1 and dry["events"] == 6
    done = purge_conversations(30, tracker_url=engine_url, app_url=f"sqlite:///{tmp_path / 'app.db'}")
    assert done["conversations"] == 1 and done["events"] == 6
    with engine.connect() as conn:
        senders = {r[0] for r in conn.execute(text("SELECT DISTINCT sender_id FROM events"))}
    engine.dispose()
    assert senders == {"new-user"}
    assert await store.retrieve("old-user") is None
    kept_tracker = await store.retrieve("new-user")
    assert kept_tracker is not None and kept_tracker.latest_message.text == f"身份证{ID}"


def _store(**kwargs):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    return SQLTrackerStore(Domain.from_path(str(ROOT / "domain.yml")), **kwargs)


async def test_purge_conversations_sqlite(tmp_path):
    db = tmp_path / "tracker.db"
    store = _store(dialect="sqlite", db=str(db))
    await _exercise_store(store, f"sqlite:///{db}", tmp_path)


async def test_purge_conversations_postgresql(tmp_path, pg_server_url):
    from tests.conftest import create_pg_database, drop_pg_database
    from sqlalchemy.engine import make_url

    url, name = create_pg_database(pg_server_url)
    try:
        parts = make_url(url)
        store = _store(dialect="postgresql", host=parts.host, port=parts.port or 5432, db=name,
                       username=parts.username, password=parts.password)
        await _exercise_store(store, url, tmp_path)
        store.engine.dispose()
    finally:
        drop_pg_database(pg_server_url, name)


def test_purge_command_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TRACKER_DB=str(tmp_path / "t.db"),
               DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}", GOV_VAR_DIR=str(tmp_path))
    env.pop("TRACKER_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-m", "bot", "privacy", "purge-conversations", "--older-than", "7"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1])["conversations"] == 0
    bad = subprocess.run([sys.executable, "-m", "bot", "privacy", "purge-conversations", "--older-than", "-1"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "older-than" in bad.stderr
