"""The WeChat channel inside the real Rasa server (credentials.yml, trained model, action server):
safe-mode pushes signed and encrypted like WeChat's, answered by the real dialogue."""
from __future__ import annotations

import uuid

import pytest
import requests

from bot.rasa_server.channels.replies import WELCOME
from tests.conftest_channels import channels_stack  # noqa: F401  (fixture)
from tests.conftest_wechat import WeChatPusher

pytestmark = pytest.mark.stack
pusher = WeChatPusher()


def push(stack, xml: str, safe: bool = True) -> str:
    params, body = pusher.safe(xml) if safe else pusher.plain(xml)
    resp = requests.post(f"{stack.rasa}/webhooks/wechat/webhook", params=params, data=body, timeout=10)
    assert resp.status_code == 200, resp.text
    if resp.text == "success":
        return ""
    return pusher.open_reply(resp.text, safe=safe)["Content"]


def test_channel_is_enabled_in_rasa(channels_stack):
    body = requests.get(f"{channels_stack.rasa}/webhooks/wechat/", timeout=5).json()
    assert body == {"status": "ok", "safe_mode": True}


def test_safe_mode_conversation_through_rasa(channels_stack):
    openid = f"o{uuid.uuid4().hex[:20]}"
    welcome = push(channels_stack, pusher.event_xml("subscribe", openid=openid))
    assert welcome.startswith(WELCOME) and "政务智能助手" in welcome
    assert "1. 办事指南" in welcome and "5. 转人工" in welcome
    hello = push(channels_stack, pusher.text_xml("你好", openid=openid), safe=False)
    assert "政务智能助手" in hello
    choice = push(channels_stack, pusher.text_xml("5", openid=openid))  # the menu's 转人工
    assert choice and choice != hello
    tracker = requests.get(f"{channels_stack.rasa}/conversations/{openid}/tracker", timeout=10).json()
    intents = [e["parse_data"]["intent"]["name"] for e in tracker["events"] if e.get("event") == "user"]
    assert intents == ["greet", "greet", "request_human"]


def test_forged_push_is_refused_by_rasa(channels_stack):
    params, body = pusher.safe(pusher.text_xml("你好"))
    params["msg_signature"] = "0" * 40
    resp = requests.post(f"{channels_stack.rasa}/webhooks/wechat/webhook", params=params, data=body, timeout=10)
    assert resp.status_code == 403
