"""The web API fuzzed from its own OpenAPI spec with schemathesis: a live `python -m bot serve` on
a fresh SQLite database with an admin token; every generated request (valid and invalid, with and
without the token) must get an answer below 500."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.hardening_helpers import ADMIN_TOKEN, WebService


@pytest.fixture(scope="module")
def web_service(tmp_path_factory):
    # The rate limit is off here: the fuzzer sends hundreds of requests from one address.
    service = WebService(tmp_path_factory.mktemp("fuzz"), RATE_LIMIT_API="0").start()
    yield service
    service.stop()
    log = service.log.read_text(encoding="utf-8", errors="replace")
    assert "unhandled error" not in log, log[-3000:]


@pytest.fixture(scope="module")
def api_schema(web_service):
    return schemathesis.openapi.from_url(web_service.url + "/api/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_5xx_with_admin_token(case, web_service):
    response = case.call(base_url=web_service.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=30)
    # 503 is the documented answer when a dependency (Rasa, WeChat) is down; 500 never.
    assert response.status_code < 500 or response.status_code in (502, 503), (
        case.method, case.formatted_path, response.status_code, response.text[:500])
    if response.status_code >= 400 and case.path != "/health":  # /health: 503 + its checks
        body = response.json()
        assert set(body["error"]) >= {"code", "message"}


@schema.parametrize()
@settings(max_examples=10, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_5xx_without_token(case, web_service):
    response = case.call(base_url=web_service.url, timeout=30)
    assert response.status_code != 500, (case.method, case.formatted_path, response.text[:500])
