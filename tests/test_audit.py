"""The audit trail: hash chain + HMAC signatures; `python -m bot audit verify` catches edits,
deletions and reordering (SQLite and PostgreSQL)."""
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.audit.trail import GENESIS, sign, verify
from bot.db import sync_engine
from bot.tickets import service
from tests.tickets_helpers import staff  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent


async def _trail(staff, n=2) -> None:
    P = staff.principals
    for _ in range(n):
        t = await service.create_ticket({"description": "路灯不亮", "department": "区住建局"}, actor=P["d1"], url=staff.url)
        await service.act(t["ticket_no"], "sign", P["zj1"], {}, url=staff.url)
    # 2 entries (create, dispatch) + 1 (sign) per ticket


def _sql(url: str, *statements: str) -> None:
    engine = sync_engine(url)
    with engine.begin() as conn:
        for stmt in statements:
            conn.execute(text(stmt))
    engine.dispose()


def _query_one(url: str, statement: str):
    engine = sync_engine(url)
    with engine.begin() as conn:
        row = conn.execute(text(statement)).one()
    engine.dispose()
    return row


def _cli(url: str, key: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    env.pop("GOV_AUDIT_KEY", None)
    if key:
        env["GOV_AUDIT_KEY"] = key
    return subprocess.run([sys.executable, "-m", "bot", "audit", "verify"], cwd=ROOT, env=env,
                          capture_output=True, text=True)


async def test_intact_trail_verifies(staff):
    await _trail(staff)
    result = verify(staff.url)
    assert result.ok and result.checked == 6
    out = _cli(staff.url)
    assert out.returncode == 0 and "6 entries verified" in out.stdout


async def test_edited_entry_is_named(staff):
    await _trail(staff)
    _sql(staff.url, "UPDATE audit_entries SET actor = 'handler:someone_else' WHERE seq = 3")
    out = _cli(staff.url)
    assert out.returncode == 1 and "seq=3" in out.stderr and "edited" in out.stderr


async def test_deleted_entry_is_named(staff):
    await _trail(staff)
    _sql(staff.url, "DELETE FROM audit_entries WHERE seq = 2")
    out = _cli(staff.url)
    assert out.returncode == 1 and "seq=3" in out.stderr and "deleted or reordered" in out.stderr


async def test_deleted_tail_is_detected(staff):
    await _trail(staff)
    _sql(staff.url, "DELETE FROM audit_entries WHERE seq = 6")
    result = verify(staff.url)
    assert not result.ok and "deleted at the end" in result.problem and result.checked == 5
    assert _cli(staff.url).returncode == 1


async def test_reordered_entries_are_detected(staff):
    await _trail(staff)
    # swap the ids of entries 2 and 3 (their order in the trail)
    _sql(staff.url, "UPDATE audit_entries SET id = 1000 WHERE seq = 2",
         "UPDATE audit_entries SET id = (SELECT id FROM audit_entries WHERE seq = 1) + 1 WHERE seq = 3",
         "UPDATE audit_entries SET id = (SELECT id FROM audit_entries WHERE seq = 1) + 2 WHERE seq = 2")
    result = verify(staff.url)
    assert not result.ok and result.first_bad_seq == 3
    assert _cli(staff.url).returncode == 1


async def test_rewrite_without_the_key_is_detected(staff):
    """Recomputing the hash after an edit does not help without the HMAC key."""
    await _trail(staff, 1)
    row = _query_one(staff.url, "SELECT seq, reason FROM audit_entries WHERE seq = 2")
    from sqlalchemy.orm import Session

    from bot.audit.models import AuditEntry
    from bot.audit.trail import entry_hash

    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s, s.begin():
        e = s.query(AuditEntry).filter_by(seq=2).one()
        e.actor = "dispatcher:forged"
        e.hash = entry_hash(e)
        e.signature = sign(e.hash, key="guessed-key")
    engine.dispose()
    result = verify(staff.url)
    assert not result.ok and result.first_bad_seq == 2 and "signature" in result.problem
    assert row.seq == 2


async def test_a_different_key_fails_verification(staff):
    await _trail(staff, 1)
    assert _cli(staff.url, key="another-key").returncode == 1


def test_empty_trail_is_intact(tmp_path):
    from bot.db import migrate

    url = f"sqlite:///{tmp_path / 'a.db'}"
    migrate.upgrade(url)
    assert verify(url).ok and GENESIS == "0" * 64 and len(hashlib.sha256(b"").hexdigest()) == 64


async def test_edits_of_reason_and_data_in_the_database_are_named(staff):
    await _trail(staff, 1)
    _sql(staff.url, "UPDATE audit_entries SET reason = '改过的理由' WHERE seq = 2")
    result = verify(staff.url)
    assert not result.ok and result.first_bad_seq == 2 and "edited" in result.problem
    await _trail(staff, 1)   # a fresh trail entry does not heal it
    assert not verify(staff.url).ok


async def test_edit_of_data_in_the_database_is_named(staff):
    await _trail(staff, 1)
    data = _query_one(staff.url, "SELECT data FROM audit_entries WHERE seq = 3").data
    import json

    data = json.loads(data) if isinstance(data, str) else data
    data["department"] = "区综合执法局"
    _sql(staff.url, f"UPDATE audit_entries SET data = '{json.dumps(data, ensure_ascii=False)}' WHERE seq = 3")
    result = verify(staff.url)
    assert not result.ok and result.first_bad_seq == 3 and "edited" in result.problem
