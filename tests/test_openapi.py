"""The OpenAPI spec describes every /api route the web service registers, and is served."""
from __future__ import annotations

import re

import pytest

from bot.web.app import create_app
from bot.web.openapi import load_spec

_PARAM = re.compile(r"\{(\w+)(?::([^}]*))?\}")


def _registered() -> set[tuple[str, str]]:
    """(METHOD, concrete or templated path) of every /api route; regex path parameters with a
    list of alternatives (``{action:sign|reply}``) are expanded to each alternative."""
    out = set()
    for route in create_app().router.routes():
        if route.method in ("HEAD", "OPTIONS"):
            continue
        info = route.resource.get_info()
        path = info.get("formatter") or info.get("path")
        if not path or not (path.startswith("/api/") or path == "/health"):
            continue
        canonical = route.resource.canonical
        variants = [canonical]
        for name, pattern in _PARAM.findall(canonical):
            if pattern and re.fullmatch(r"[\w/|]+", pattern):
                variants = [v.replace("{%s:%s}" % (name, pattern), alt) for v in variants
                            for alt in pattern.split("|")]
        out.update((route.method, v) for v in variants)
    return out


def _documented(spec: dict, method: str, path: str) -> bool:
    for template, item in spec["paths"].items():
        if method.lower() not in item:
            continue
        regex = "^" + _PARAM.sub(lambda m: "(?P<%s>[^/]+)" % m.group(1), template) + "$"
        match = re.match(regex, path)
        if not match:
            continue
        params = {p.get("name"): p for p in item[method.lower()].get("parameters", []) if "name" in p}
        ok = True
        for name, value in match.groupdict().items():
            enum = (params.get(name, {}).get("schema") or {}).get("enum")
            if enum is not None and value not in enum and not value.startswith("{"):
                ok = False
        if ok:
            return True
    return False


def test_every_registered_api_route_is_in_the_spec():
    spec = load_spec()
    missing = sorted(f"{m} {p}" for m, p in _registered() if not _documented(spec, m, p))
    assert not missing, "routes missing from bot/web/openapi.yml: " + ", ".join(missing)


def test_spec_is_openapi_3_with_error_schema():
    spec = load_spec()
    assert spec["openapi"].startswith("3.0")
    assert "Error" in spec["components"]["schemas"]
    for path, item in spec["paths"].items():
        for method, op in item.items():
            assert op.get("responses"), f"{method} {path} has no responses"


@pytest.mark.asyncio
async def test_spec_is_served_as_json(aiohttp_client):
    client = await aiohttp_client(create_app())
    resp = await client.get("/api/openapi.json")
    assert resp.status == 200
    assert resp.content_type == "application/json"
    body = await resp.json()
    assert body["paths"].keys() == load_spec()["paths"].keys()
