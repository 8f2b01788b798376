"""The production profile (make run-prod): PostgreSQL for the application and Rasa's tracker
store, RedisLockStore, two Sanic workers per server — conversing, and surviving a restart."""
import uuid

import pytest
import requests

from tests.conftest import create_pg_database, drop_pg_database
from tests.test_stack_integration import MODEL, Stack, texts

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def prod_stack(tmp_path_factory):
    import os

    admin, redis_url = os.environ.get("TEST_DATABASE_URL"), os.environ.get("TEST_REDIS_URL")
    if not admin or not redis_url:
        pytest.skip("TEST_DATABASE_URL / TEST_REDIS_URL not set (CI sets them)")
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz missing: run `make model`")
    url, name = create_pg_database(admin)
    stack = Stack(tmp_path_factory.mktemp("prod"), env={"DATABASE_URL": url, "REDIS_URL": redis_url},
                  args=["--profile", "prod", "--workers", "2"])
    stack.start()
    yield stack
    if stack.proc and stack.proc.poll() is None:
        stack.stop()
    drop_pg_database(admin, name)


def _processes_of(stack) -> list[str]:
    """Command lines of live processes started for this stack (they carry its var dir)."""
    import time
    from pathlib import Path

    time.sleep(1)
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            environ = (proc / "environ").read_bytes()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if f"GOV_VAR_DIR={stack.var_dir}".encode() in environ and "python" in cmdline:
            found.append(cmdline[:200])
    return found


def test_prod_profile_converses_and_keeps_conversations_in_postgres(prod_stack):
    sender = f"prod-{uuid.uuid4().hex}"
    replies = prod_stack.say(sender, "你好")
    assert "政务智能助手" in texts(replies)
    health = requests.get(f"{prod_stack.web}/health", timeout=5).json()
    assert health["checks"]["redis"] == {"ok": True, "configured": True}
    assert health["checks"]["database"]["ok"]
    assert prod_stack.stop() == 0
    # Rasa's Sanic workers stop with the stack: no orphan is left holding the var dir.
    assert not _processes_of(prod_stack), _processes_of(prod_stack)
    prod_stack.start()
    tracker = requests.get(f"{prod_stack.rasa}/conversations/{sender}/tracker", timeout=10).json()
    assert [e["text"] for e in tracker["events"] if e.get("event") == "user"] == ["你好"]
    assert prod_stack.stop() == 0
    assert not _processes_of(prod_stack), _processes_of(prod_stack)
