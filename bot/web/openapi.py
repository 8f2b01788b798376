"""GET /api/openapi.json: the OpenAPI 3.0 description of the web API, kept reviewable as YAML in
bot/web/openapi.yml and served as JSON. tests/test_openapi.py checks every registered /api route
is described; tests/test_hostile_api.py fuzzes the API from it with schemathesis."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import yaml
from aiohttp import web

SPEC_FILE = Path(__file__).resolve().parent / "openapi.yml"


@lru_cache(maxsize=1)
def load_spec() -> dict:
    spec = yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8"))
    if not isinstance(spec, dict) or "paths" not in spec:
        raise ValueError(f"{SPEC_FILE} is not an OpenAPI document")
    return spec


@lru_cache(maxsize=1)
def _spec_json() -> str:
    return json.dumps(load_spec(), ensure_ascii=False)


async def openapi(_request: web.Request) -> web.Response:
    return web.Response(text=_spec_json(), content_type="application/json", charset="utf-8",
                        headers={"Cache-Control": "public, max-age=300"})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/openapi.json", openapi)
