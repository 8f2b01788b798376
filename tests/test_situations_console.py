"""The 一次性告知单 for a hotline caller, on SQLite and PostgreSQL through a real aiohttp server: the
assist suggestion carries the guide's questions prefilled from the call, and POST
/api/situations/{id}/sms sends the link (roles, input checks, the sender failing, masking)."""
from __future__ import annotations

import logging
import uuid

import pytest

from bot.settings import reload_settings
from tests.test_assist import ask, client, h  # noqa: F401 (fixtures and helpers of the assist tests)
from tests.tickets_helpers import staff  # noqa: F401  (fixture)


class RecordingSms:
    sent: list = []

    async def send(self, phone: str, text: str) -> None:
        RecordingSms.sent.append((phone, text))


class BrokenSms:
    async def send(self, phone: str, text: str) -> None:
        raise ConnectionError("gateway down for 13900001111")


@pytest.fixture
def sms(monkeypatch):
    RecordingSms.sent = []
    monkeypatch.setenv("SMS_SENDER", "tests.test_situations_console:RecordingSms")
    monkeypatch.setenv("WEB_PUBLIC_URL", "https://zwfw.example.gov.cn")
    reload_settings()
    yield RecordingSms.sent
    monkeypatch.delenv("SMS_SENDER")
    reload_settings()


async def test_assist_offers_the_questions_prefilled_from_the_call(client, staff):  # noqa: F811
    status, body = await ask(client, staff, {"text": "我想办居住证，第一次办，我在这边打工", "call_id": uuid.uuid4().hex})
    assert status == 200, body
    guide = next(s for s in body["suggestions"] if s["id"] == "residence-permit")
    offer = guide["situations"]
    assert offer["answers"] == {"stage": "first", "basis": "job"}
    assert [q["id"] for q in offer["questions"]] == ["stage", "basis", "agent"]
    assert offer["url"].endswith("/checklist/residence-permit?basis=job&stage=first")
    others = [s for s in body["suggestions"] if s["source"] != "guide"]
    assert all(s["situations"] is None for s in others)


async def test_the_link_goes_to_the_callers_mobile(client, staff, sms, caplog):  # noqa: F811
    with caplog.at_level(logging.INFO):
        resp = await client.post("/api/situations/residence-permit/sms", headers=h(staff, "d1"),
                                 json={"phone": "139 0000 1111", "answers": {"stage": "endorse", "agent": "agent"}})
    body = await resp.json()
    assert resp.status == 200, body
    assert body == {"sent": True, "phone": "139****1111",
                    "url": "https://zwfw.example.gov.cn/checklist/residence-permit?agent=agent&stage=endorse"}
    [(phone, text)] = sms
    assert phone == "13900001111"
    assert "“居住证申领”一次性告知单" in text and body["url"] in text and "以受理窗口审核为准" in text
    assert "13900001111" not in caplog.text


@pytest.mark.parametrize("who, path, payload, status, code", [
    (None, "residence-permit", {"phone": "13900001111"}, 401, "unauthorized"),
    ("zj1", "residence-permit", {"phone": "13900001111"}, 403, "forbidden"),
    ("d1", "residence-permit", {"phone": "12345"}, 400, "invalid_phone"),
    ("d1", "residence-permit", {"phone": 13900001111}, 400, "invalid_phone"),
    ("d1", "residence-permit", {"phone": "13900001111", "answers": {"stage": "forever"}}, 400, "invalid_answer"),
    ("d1", "residence-permit", {"phone": "13900001111", "answers": ["first"]}, 400, "invalid_answer"),
    ("s1", "company-registration", {"phone": "13900001111"}, 404, "situations_not_found"),
])
async def test_bad_requests_send_nothing(client, staff, sms, who, path, payload, status, code):  # noqa: F811
    headers = h(staff, who) if who else {}
    resp = await client.post(f"/api/situations/{path}/sms", headers=headers, json=payload)
    assert resp.status == status and (await resp.json())["error"]["code"] == code
    assert sms == []


async def test_a_failing_sender_is_a_503_without_the_number(client, staff, monkeypatch, caplog):  # noqa: F811
    monkeypatch.setenv("SMS_SENDER", "tests.test_situations_console:BrokenSms")
    reload_settings()
    with caplog.at_level(logging.INFO):
        resp = await client.post("/api/situations/passport/sms", headers=h(staff, "a1"), json={"phone": "13900001111"})
    body = await resp.json()
    assert resp.status == 503 and body["error"]["code"] == "sms_unavailable"
    assert "13900001111" not in str(body) and "13900001111" not in caplog.text
