"""WeChat mini-program customer-service message push (小程序客服消息): ``/webhooks/miniprogram/webhook``.

Same signature, replay and safe-mode crypto as the Official Account channel, with the push in
XML or JSON (the data format chosen on the mini-program's message push settings). Mini-program
customer-service messages have no passive reply: the channel answers ``success`` at once and the
bot's answer goes out through the customer-service API (custom send) with the mini-program's
access_token. Settings: ``WECHAT_MP_TOKEN``, ``WECHAT_MP_AES_KEY``, ``WECHAT_MP_APPID``,
``WECHAT_MP_SECRET`` (plus ``WECHAT_API_BASE`` and ``WECHAT_REPLAY_WINDOW``)."""
from __future__ import annotations

import json
from typing import Optional, Text

from sanic.request import Request

from bot.rasa_server.channels import replies
from bot.rasa_server.channels.wechat import WeChatInput
from bot.rasa_server.channels.wechat_crypto import MAX_BODY_BYTES, WeChatRequestError, bad_request, parse_xml


def parse_json_push(body: bytes) -> dict[str, str]:
    """A JSON push as a flat dict of field → text (nested objects are dropped)."""
    if len(body) > MAX_BODY_BYTES:
        raise WeChatRequestError(413, "payload_too_large", replies.PAYLOAD_TOO_LARGE)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise bad_request(replies.MP_INVALID_JSON, "invalid_json") from exc
    if not isinstance(data, dict):
        raise bad_request(replies.MP_JSON_NOT_OBJECT, "invalid_json")
    return {str(k): str(v) for k, v in data.items() if isinstance(v, (str, int, float)) and not isinstance(v, bool)}


class MiniProgramInput(WeChatInput):
    settings_section = "miniprogram"
    env_prefix = "WECHAT_MP"
    passive_replies = False

    @classmethod
    def name(cls) -> Text:
        return "miniprogram"

    def _parse_envelope(self, body: bytes, request: Request) -> dict:
        if body.lstrip()[:1] == b"{":
            return parse_json_push(body)
        return parse_xml(body)

    def _user_input(self, message: dict) -> tuple[Optional[str], Optional[str], str]:
        msg_type = (message.get("MsgType") or "").lower()
        if msg_type == "event" and (message.get("Event") or "").lower() == "user_enter_tempsession":
            return "/greet", None, replies.MP_WELCOME
        if msg_type == "miniprogrampage":
            return None, replies.UNSUPPORTED, ""
        return super()._user_input(message)
