"""The verified application status answer, on SQLite and PostgreSQL."""
import logging
from datetime import date

import pytest

from bot.approvals import replies
from bot.cases import replies as case_replies
from bot.approvals.importer import import_approvals
from bot.cases.lockout import Lockout
from bot.approvals.queries import application_status
from bot.db import dispose_engine
from tests.approvals_helpers import application_row, write_jsonl


@pytest.fixture
async def loaded_db(migrated_db_url, tmp_path):
    write_jsonl(tmp_path / "a.jsonl", [application_row("SP20260302001")])
    import_approvals(tmp_path / "a.jsonl", migrated_db_url)
    yield migrated_db_url
    await dispose_engine()


async def test_status_answer_after_verification(loaded_db):
    outcome = await application_status("sp20260302001", "8000", loaded_db, Lockout(), today=date(2026, 3, 10))
    assert outcome.kind == "ok"
    text = replies.status_message(outcome.record)
    for part in ("事项：80周岁以上老年人高龄津贴发放", "承办部门：区民政局", "当前环节：审核（自2026年3月10日起）",
                 "已用时：3个工作日", "补正期间3个工作日不计入", "承诺办结日期：2026年3月19日", "是否超期：未超期"):
        assert part in text
    assert "13800138000" not in text and "张三丰" not in text
    late = await application_status("SP20260302001", "8000", loaded_db, Lockout(), today=date(2026, 3, 25))
    assert "已超期" in replies.status_message(late.record)


async def test_neutral_answer_and_lockout(loaded_db, caplog):
    caplog.set_level(logging.INFO, logger="bot.cases.verify")
    lock = Lockout()
    wrong = await application_status("SP20260302001", "1234", loaded_db, lock)
    unknown = await application_status("SP20269999999", "8000", loaded_db, lock)
    assert wrong == unknown and wrong.kind == "not_verified"
    for _ in range(3):
        assert (await application_status("SP20260302001", "1234", loaded_db, lock)).kind == "not_verified"
    locked = await application_status("SP20260302001", "4321", loaded_db, lock)
    assert locked.kind == "locked" and locked.locked_seconds > 3500
    assert (await application_status("SP20260302001", "8000", loaded_db, lock)).kind == "locked"
    assert "已暂停查询" in case_replies.locked_message(locked.locked_seconds)
    # Unknown numbers lock the same way (nothing to learn from the lockout either).
    for _ in range(5):
        last = await application_status("SP20269999999", "8000", loaded_db, lock)
    assert last.kind == "locked"
    # What is logged (bot.cases.verify): each failure and each lock, by case number — never the
    # digits the caller typed.
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.cases.verify"]
    assert logged.count("case verification failed for SP20260302001") == 5, logged   # the 5th locks
    assert "case SP20260302001 locked after repeated failed verification" in logged
    assert "case SP20269999999 locked after repeated failed verification" in logged
    assert not any("1234" in m or "4321" in m or "8000" in m for m in logged), logged


async def test_redis_backed_lockout_in_the_answer(loaded_db, redis_url, redis_prefix):
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url, decode_responses=True)
    try:
        lock = Lockout(redis=client, prefix=redis_prefix)
        for _ in range(5):
            outcome = await application_status("SP20260302001", "0000", loaded_db, lock)
        assert outcome.kind == "locked"
        assert (await application_status("SP20260302001", "8000", loaded_db, Lockout(redis=client, prefix=redis_prefix))
                ).kind == "locked"
    finally:
        await client.close()


def test_department_phone_fallback(tmp_path, monkeypatch):
    from bot.approvals import departments
    from bot.settings import reload_settings

    (tmp_path / "departments.yml").write_text(
        "departments:\n  - name: 区民政局\n    aliases: [民政局]\n    phone: 0826-2222222\n"
        "  - name: 区统计局\n    phone: {unknown: true}\n", encoding="utf-8")
    monkeypatch.setenv("GOV_KNOWLEDGE_DIR", str(tmp_path))
    reload_settings()
    departments.reload()
    try:
        assert departments.department_phone("区民政局") == "0826-2222222"
        assert departments.department_phone("民政局") == "0826-2222222"
        assert departments.department_phone("区统计局") == "12345"
        assert departments.department_phone("区不存在局") == "12345"
    finally:
        monkeypatch.undo()
        reload_settings()
        departments.reload()
