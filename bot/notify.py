"""Telling citizens about their tickets: back through the chat channel the ticket came from, and by
SMS through a pluggable sender (log-only by default).

- socket.io (portal widget): Rasa's HTTP API appends the bot message to the conversation and emits
  it to the widget's session room (``POST /conversations/{id}/tracker/events?output_channel=socketio
  &execute_side_effects=true``, the server runs with ``--enable-api``).
- WeChat Official Account / mini-program: the customer-service message API of bot.wechat_api.
- REST and anything else that cannot push: the message is appended to the conversation (without
  sending) and the notification stays ``stored`` for the client's next request
  (:func:`bot.tickets.sweep.take_stored`; the REST channel puts them in
  front of its next answer).

SMS: ``SMS_SENDER=package.module:ClassName`` names a class with ``async send(phone, text)``; without
it :class:`LogSmsSender` only logs, with the phone and text masked.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Optional, Protocol
from urllib.parse import quote

import aiohttp

from bot.privacy import mask_phone, mask_text
from bot.settings import get_settings
from bot.wechat_api import WeChatApiError

logger = logging.getLogger(__name__)

SENT, STORED, FAILED = "sent", "stored", "failed"
PUSH_CHANNELS = ("socketio", "wechat", "miniprogram")


class SmsSender(Protocol):
    async def send(self, phone: str, text: str) -> None: ...


class LogSmsSender:
    """The default: an SMS is only written to the log (phone and text masked)."""

    async def send(self, phone: str, text: str) -> None:
        logger.info("sms (log only)", extra={"phone": mask_phone(phone), "text": mask_text(text)})


def load_sms_sender(spec: Optional[str] = None) -> SmsSender:
    spec = get_settings().sms_sender if spec is None else spec
    if not spec:
        return LogSmsSender()
    module, _, name = spec.partition(":")
    if not module or not name:
        raise ValueError(f"SMS_SENDER should be 'package.module:ClassName', got {spec!r}")
    return getattr(importlib.import_module(module), name)()


@dataclass
class Delivery:
    status: str                  # sent | stored | failed
    error: Optional[str] = None
    errcode: Optional[int] = None  # WeChat's errcode when WeChat refused (e.g. 45015: outside 48 h)


class ChannelNotifier:
    """Sends a text to a conversation on the channel it came from."""

    def __init__(self, rasa_url: Optional[str] = None, timeout: float = 10.0) -> None:
        self.rasa_url = (rasa_url or get_settings().rasa_url).rstrip("/")
        self.timeout = timeout
        self._wechat = {}

    async def _rasa_events(self, conversation_id: str, text: str, output_channel: Optional[str],
                           buttons: Optional[list] = None) -> None:
        url = f"{self.rasa_url}/conversations/{quote(conversation_id, safe='')}/tracker/events"
        params = {"include_events": "NONE"}
        if output_channel:
            params.update(output_channel=output_channel, execute_side_effects="true")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
            event = {"event": "bot", "text": text}
            if buttons:
                event["data"] = {"buttons": buttons}
            async with session.post(url, params=params, json=[event]) as resp:
                if resp.status != 200:
                    raise RuntimeError(f"rasa answered {resp.status}")

    def wechat_api(self, channel: str):
        """The WeChat API client of ``wechat`` (Official Account) or ``miniprogram``."""
        if channel not in self._wechat:
            from bot.wechat_api import WeChatAPI
            from bot.redis_client import get_redis

            conf = get_settings().wechat if channel == "wechat" else get_settings().miniprogram
            prefix = "gov:wechat:" if channel == "wechat" else "gov:miniprogram:"
            self._wechat[channel] = WeChatAPI(conf.appid, conf.secret, conf.api_base, redis=get_redis(), prefix=prefix)
        return self._wechat[channel]

    async def send(self, channel: str, conversation_id: Optional[str], text: str,
                   buttons: Optional[list] = None) -> Delivery:
        """``buttons`` (rasa button dicts, e.g. link buttons) go with the text where the channel shows
        them (the portal widget); other channels get the text, which carries the links too."""
        if not conversation_id:
            return Delivery(FAILED, "no conversation")
        try:
            if channel == "socketio":
                await self._rasa_events(conversation_id, text, "socketio", buttons)
                return Delivery(SENT)
            if channel in ("wechat", "miniprogram"):
                api = self.wechat_api(channel)
                if not api.configured:
                    return Delivery(FAILED, f"{channel} not configured")
                await api.send_text(conversation_id, text)
                return Delivery(SENT)
            # REST and other pull channels: keep it in the conversation, stored for the next request.
            await self._rasa_events(conversation_id, text, None)
            return Delivery(STORED)
        except WeChatApiError as exc:
            logger.warning("citizen notification refused", extra={"channel": channel, "errcode": exc.errcode})
            return Delivery(FAILED, f"wechat {exc.errcode}", exc.errcode)
        except Exception as exc:  # the caller records the failure; never raises into the worker
            logger.warning("citizen notification failed", extra={"channel": channel, "error": type(exc).__name__})
            return Delivery(STORED if channel not in PUSH_CHANNELS else FAILED, type(exc).__name__)
