"""Roles and bearer tokens: 401 without or with a bad token, 403 for the wrong role, handlers limited
to their department, GOV_ADMIN_TOKEN, the `users` command line."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.auth import service as auth
from bot.auth.models import ApiToken
from bot.db import sync_engine
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parent.parent


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


async def test_no_token_is_401(client):
    for method, path in (("GET", "/api/tickets"), ("POST", "/api/tickets"), ("GET", "/api/kpi"),
                         ("POST", "/api/tickets/GD23456789/sign"), ("GET", "/api/tickets/GD23456789")):
        resp = await client.request(method, path)
        assert resp.status == 401, path
        assert (await resp.json())["error"]["code"] == "unauthorized"


async def test_bad_or_revoked_token_is_401(client, staff):
    assert (await client.get("/api/tickets", headers=bearer("nonsense"))).status == 401
    assert (await client.get("/api/tickets", headers={"Authorization": "Basic abc"})).status == 401
    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s, s.begin():
        auth.disable_user(s, "zj1")
    engine.dispose()
    assert (await client.get("/api/tickets", headers=bearer(staff.tokens["zj1"]))).status == 401
    assert (await client.get("/api/tickets", headers=bearer(staff.tokens["zj2"]))).status == 200


async def test_wrong_role_is_403(client, staff):
    resp = await client.post("/api/tickets", json={"description": "路灯坏了"}, headers=bearer(staff.tokens["zj1"]))
    assert resp.status == 403 and (await resp.json())["error"]["code"] == "forbidden"
    created = await client.post("/api/tickets", json={"description": "小区路灯坏了", "department": "区住建局"},
                                headers=bearer(staff.tokens["d1"]))
    no = (await created.json())["ticket_no"]
    for who, action, body in (("d1", "sign", {}), ("s1", "sign", {}), ("zj1", "supervise", {"reason": "x"}),
                              ("zj1", "dispatch", {"department": "区住建局"})):
        resp = await client.post(f"/api/tickets/{no}/{action}", json=body, headers=bearer(staff.tokens[who]))
        assert resp.status == 403, (who, action)
    # a handler of another department can neither see nor act on it
    assert (await client.get(f"/api/tickets/{no}", headers=bearer(staff.tokens["zf1"]))).status == 403
    assert (await client.post(f"/api/tickets/{no}/sign", headers=bearer(staff.tokens["zf1"]))).status == 403
    resp = await client.get("/api/tickets", params={"department": "区住建局"}, headers=bearer(staff.tokens["zf1"]))
    assert resp.status == 403
    assert (await client.get(f"/api/tickets/{no}", headers=bearer(staff.tokens["zj1"]))).status == 200


async def test_admin_token_from_settings(client, monkeypatch):
    from bot.settings import reload_settings

    monkeypatch.setenv("GOV_ADMIN_TOKEN", "admin-secret-for-tests")
    reload_settings()
    resp = await client.post("/api/tickets", json={"description": "建议增设公交站"},
                             headers=bearer("admin-secret-for-tests"))
    assert resp.status == 201
    no = (await resp.json())["ticket_no"]
    resp = await client.post(f"/api/tickets/{no}/supervise", json={"reason": "关注"},
                             headers=bearer("admin-secret-for-tests"))
    assert resp.status == 200
    assert (await client.get("/api/tickets", headers=bearer("admin-secret-for-tests-x"))).status == 401


def test_tokens_are_stored_hashed_only(tmp_path):
    from bot.db import migrate

    url = f"sqlite:///{tmp_path / 'a.db'}"
    migrate.upgrade(url)
    engine = sync_engine(url)
    with Session(engine, future=True) as s, s.begin():
        auth.add_department(s, "区水务局")
        auth.add_user(s, "sw1", "handler", "区水务局")
        token = auth.issue_token(s, "sw1")
        stored = s.execute(select(ApiToken.token_hash)).scalar_one()
        assert stored == auth.hash_token(token) and token not in stored
        with pytest.raises(auth.AuthError):
            auth.add_user(s, "sw1", "handler", "区水务局")
        with pytest.raises(auth.AuthError):
            auth.add_user(s, "x", "king")
        with pytest.raises(auth.AuthError):
            auth.add_user(s, "y", "handler", "区不存在局")
    engine.dispose()


def test_users_command_line(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'a.db'}", "PYTHONPATH": str(ROOT)}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "bot", "users", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True)

    out = run("sync-departments")
    assert out.returncode == 0 and "added" in out.stdout
    assert run("add", "zhang", "--role", "handler", "--department", "区住建局").returncode == 0
    token = run("token", "zhang").stdout.strip()
    assert len(token) >= 40
    assert '"username": "zhang"' in run("list").stdout
    bad = run("add", "li", "--role", "handler")
    assert bad.returncode == 2 and "部门" in bad.stderr
    assert run("disable", "zhang").returncode == 0
    assert '"active": false' in run("list").stdout


async def test_signed_in_staff_are_limited_per_user_not_per_ip(staff, monkeypatch):
    """A call centre's agents share one IP: each signed-in user has a budget of their own, while
    anonymous callers and made-up tokens still count against the IP."""
    from bot.settings import reload_settings
    from bot.web.app import create_app

    monkeypatch.setenv("RATE_LIMIT_API", "5")
    monkeypatch.setenv("RATE_LIMIT_API_STAFF", "8")
    # A frozen clock in the middle of a window: the burst below never straddles two windows.
    monkeypatch.setattr("bot.ratelimit.wall_clock", lambda: 1_800_000_030.0)
    reload_settings()
    c = TestClient(TestServer(create_app()))
    await c.start_server()
    try:
        anonymous = [(await c.get("/api/knowledge/search", params={"q": "身份证"})).status for _ in range(6)]
        assert anonymous == [200] * 5 + [429]
        forged = await c.get("/api/tickets", headers=bearer("made-up-token"))
        assert forged.status == 429, "an invalid token does not escape the per-IP limit"
        # Same IP, signed in: user by user, 8 each.
        for who in ("d1", "zj1"):
            statuses = [(await c.get("/api/tickets", headers=bearer(staff.tokens[who]))).status for _ in range(9)]
            assert statuses == [200] * 8 + [429], (who, statuses)
            assert int((await c.get("/api/tickets", headers=bearer(staff.tokens[who]))).headers["Retry-After"]) >= 1
    finally:
        await c.close()
        monkeypatch.delenv("RATE_LIMIT_API")
        monkeypatch.delenv("RATE_LIMIT_API_STAFF")
        reload_settings()
