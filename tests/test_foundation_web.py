"""The web service: /health and JSON errors, against a real SQLite/PostgreSQL database and Redis."""
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import reload_settings


async def _client(app):
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
def web_env(monkeypatch, tmp_path, migrated_db_url):
    monkeypatch.setenv("DATABASE_URL", migrated_db_url)
    monkeypatch.setenv("GOV_VAR_DIR", str(tmp_path))
    # Nothing listens on these ports: Rasa and the action server are reported unreachable.
    monkeypatch.setenv("RASA_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("ACTION_SERVER_URL", "http://127.0.0.1:9")
    monkeypatch.delenv("REDIS_URL", raising=False)
    reload_settings()
    yield
    monkeypatch.undo()
    reload_settings()


async def test_health_reports_each_component(web_env):
    from bot.web.app import create_app

    client = await _client(create_app())
    try:
        resp = await client.get("/health")
        body = await resp.json()
        assert resp.status == 503
        assert body["status"] == "degraded"
        assert body["checks"]["database"]["ok"] is True
        assert body["checks"]["rasa"]["ok"] is False
        assert body["checks"]["action_server"]["ok"] is False
        assert body["checks"]["redis"] == {"ok": True, "configured": False}
    finally:
        await client.close()


async def test_health_with_redis(web_env, monkeypatch, redis_url):
    from bot.redis_client import close_redis
    from bot.web.app import create_app

    monkeypatch.setenv("REDIS_URL", redis_url)
    reload_settings()
    client = await _client(create_app())
    try:
        body = await (await client.get("/health")).json()
        assert body["checks"]["redis"] == {"ok": True, "configured": True}
    finally:
        await client.close()
        await close_redis()


async def test_unknown_route_is_json_404(web_env):
    from bot.web.app import create_app

    client = await _client(create_app())
    try:
        resp = await client.get("/no/such/thing")
        assert resp.status == 404
        body = await resp.json()
        assert body["error"]["code"] == "not_found"
    finally:
        await client.close()
