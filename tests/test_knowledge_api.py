"""GET /api/knowledge/search and /api/knowledge/guides/{id} through a real aiohttp server."""
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import reload_settings
from bot.tickets.routing import reset_router  # the router is also built from the knowledge dir
from tests.knowledge_fixtures import write_knowledge


@pytest.fixture
async def client(monkeypatch, tmp_path, sqlite_url):
    from bot.knowledge import search
    from bot.web.app import create_app

    monkeypatch.setenv("GOV_KNOWLEDGE_DIR", str(write_knowledge(tmp_path / "knowledge")))
    monkeypatch.setenv("GOV_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    reload_settings()
    search.reset_index()
    reset_router()
    client = TestClient(TestServer(create_app()))
    await client.start_server()  # the index is built at start-up
    yield client
    await client.close()
    search.reset_index()
    reset_router()
    monkeypatch.undo()
    reload_settings()


async def test_search_returns_ranked_results(client):
    resp = await client.get("/api/knowledge/search", params={"q": "办身份证要带什么材料", "k": "3"})
    assert resp.status == 200
    body = await resp.json()
    results = body["results"]
    assert len(results) == 3
    assert results[0]["id"] == "id_card" and results[0]["has_guide"] is True
    assert results[0]["name"] == "居民身份证申领" and results[0]["department"] == "区公安分局"
    assert results[0]["score"] >= results[1]["score"] >= results[2]["score"]
    assert all(r["url"] for r in results)


async def test_traditional_query_and_default_k(client):
    body = await (await client.get("/api/knowledge/search", params={"q": "社會保障卡掛失"})).json()
    assert len(body["results"]) == 5 and body["k"] == 5
    assert body["results"][0]["name"] == "社会保障卡挂失" and body["results"][0]["has_guide"] is False


@pytest.mark.parametrize("k, expected", [("0", 1), ("-4", 1), ("100", 20), ("7", 7)])
async def test_k_is_clamped(client, k, expected):
    body = await (await client.get("/api/knowledge/search", params={"q": "登记", "k": k})).json()
    assert body["k"] == expected and len(body["results"]) == expected


@pytest.mark.parametrize("params, code", [
    ({}, "missing_query"),
    ({"q": ""}, "missing_query"),
    ({"q": "   "}, "missing_query"),
    ({"q": "身" * 201}, "query_too_long"),
    ({"q": "身份证", "k": "abc"}, "invalid_k"),
])
async def test_bad_queries_are_400_json(client, params, code):
    resp = await client.get("/api/knowledge/search", params=params)
    assert resp.status == 400
    assert (await resp.json())["error"]["code"] == code


async def test_query_without_match_is_an_empty_list(client):
    body = await (await client.get("/api/knowledge/search", params={"q": "？！😀"})).json()
    assert body["results"] == []


async def test_guide_endpoint(client):
    resp = await client.get("/api/knowledge/guides/id_card")
    assert resp.status == 200
    body = await resp.json()
    assert body["name"] == "居民身份证申领" and body["materials"][0]["name"] == "居民户口簿"
    assert body["catalog_items"][0]["name"] == "居民身份证办理（包括临时）"
    assert body["department_info"]["phone"] == "0826-1234567"
    resp = await client.get("/api/knowledge/guides/nope")
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "guide_not_found"


async def test_broken_knowledge_is_503_not_500(monkeypatch, tmp_path, sqlite_url):
    from bot.knowledge import search
    from bot.web.app import create_app

    root = write_knowledge(tmp_path / "knowledge")
    (root / "guides" / "id_card.yml").write_text("id: [broken", encoding="utf-8")
    monkeypatch.setenv("GOV_KNOWLEDGE_DIR", str(root))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    reload_settings()
    search.reset_index()
    reset_router()
    client = TestClient(TestServer(create_app()))
    await client.start_server()
    try:
        resp = await client.get("/api/knowledge/search", params={"q": "身份证"})
        assert resp.status == 503
        assert (await resp.json())["error"]["code"] == "knowledge_unavailable"
    finally:
        await client.close()
        search.reset_index()
        reset_router()
        monkeypatch.undo()
        reload_settings()
