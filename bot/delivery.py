"""How a message reaches a citizen: ``deliver(channel, recipient, message)``, the one path for ticket
notices and return-visit invitations (bot.tickets.notices), live-chat replies (bot.livechat),
supervision stage notices (bot.supervision.service) and the answers to kept messages that the Rasa
server re-sends (bot.rasa_server.retry).

Routes, by channel:
- ``sms``: the SMS sender, ``recipient`` a phone. ``SMS_SENDER=package.module:ClassName`` names a
  class with ``async send(phone, text)``; without it :class:`LogSmsSender` only logs, with the phone
  and text masked.
- a channel with an output channel in this process (``outputs``: inside the Rasa server, the output
  channels of its input channels): that output channel sends it.
- ``socketio`` (portal widget): Rasa's HTTP API appends the bot message to the conversation and emits
  it to the widget's session room (``POST /conversations/{id}/tracker/events?output_channel=socketio
  &execute_side_effects=true``; the server runs with ``--enable-api``).
- ``wechat`` / ``miniprogram``: the customer-service message API of bot.wechat_api.
- REST and anything else that cannot push: the message is appended to the conversation (without
  sending) and the delivery is ``stored`` (ticket notices then wait for the client's next request:
  :func:`bot.tickets.sweep.take_stored`, which the REST channel puts in front of its next answer).
A message the conversation already holds (``Message.recorded``: the Rasa server's answer to a kept
message) is only pushed, never appended again; where nothing can push it, it is ``stored``.

``deliver`` never raises: the outcome is a :class:`Delivery` (``sent``, ``stored`` or ``failed`` with
the error's name); a failed delivery is tried again on the schedule of :func:`retry_delay` by the
caller's outbox (ticket_notifications, supervision_notices, livechat_messages).
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Mapping, Optional, Protocol, Union
from urllib.parse import quote

import aiohttp

from bot.privacy import mask_phone, mask_text
from bot.settings import get_settings
from bot.wechat_api import WeChatApiError

logger = logging.getLogger(__name__)

SENT, STORED, FAILED = "sent", "stored", "failed"
PUSH_CHANNELS = ("socketio", "wechat", "miniprogram")
SMS = "sms"

MAX_ATTEMPTS = 6                      # a failed notice is tried this often in all
RETRY_FIRST = timedelta(minutes=1)    # then 2, 4, 8 … minutes
RETRY_LONGEST = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """Pause before the next try of a delivery that failed ``attempts`` times: 1, 2, 4 … 60 minutes."""
    return min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_LONGEST)


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
class Message:
    """What to deliver: a text, with rasa button dicts (e.g. link buttons) where the channel shows
    them (the portal widget; other channels get the text, which carries the links too). ``body`` is a
    whole Rasa bot message (text, buttons, image, custom…) instead; ``recorded``: the conversation
    holds it already (push only)."""
    text: str = ""
    buttons: Optional[list] = None
    body: Optional[dict] = None
    recorded: bool = False

    def as_rasa(self) -> dict:
        if self.body is not None:
            return dict(self.body)
        return {"text": self.text, **({"buttons": self.buttons} if self.buttons else {})}


@dataclass
class Delivery:
    status: str                  # sent | stored | failed
    error: Optional[str] = None
    errcode: Optional[int] = None  # WeChat's errcode when WeChat refused (e.g. 45015: outside 48 h)


class Deliverer:
    """Delivers messages to citizens on their channel (see the module's docstring). ``outputs``: the
    output channels of this process, by channel name (inside the Rasa server)."""

    def __init__(self, rasa_url: Optional[str] = None, timeout: float = 10.0, sms: Optional[SmsSender] = None,
                 outputs: Optional[Mapping[str, Any]] = None) -> None:
        self._rasa_url = rasa_url
        self.timeout = timeout
        self.sms = sms
        self.outputs = dict(outputs or {})
        self._wechat: dict = {}

    @property
    def rasa_url(self) -> str:
        return (self._rasa_url or get_settings().rasa_url).rstrip("/")

    async def deliver(self, channel: Optional[str], recipient: Optional[str],
                      message: Union[Message, str]) -> Delivery:
        if isinstance(message, str):
            message = Message(message)
        if not recipient:
            return Delivery(FAILED, "no recipient")
        try:
            if channel == SMS:
                await (self.sms or load_sms_sender()).send(recipient, message.text)
                return Delivery(SENT)
            output = self.outputs.get(channel) if channel else None
            if output is not None:
                await output.send_response(recipient, message.as_rasa())
                return Delivery(SENT)
            if channel in ("wechat", "miniprogram"):
                api = self.wechat_api(channel)
                if not api.configured:
                    return Delivery(FAILED, f"{channel} not configured")
                await api.send_text(recipient, message.as_rasa().get("text") or "")
                return Delivery(SENT)
            if message.recorded:
                return Delivery(STORED)  # in the conversation already, and nothing here can push it
            if channel == "socketio":
                await self._rasa_events(recipient, message, "socketio")
                return Delivery(SENT)
            # REST and other pull channels: keep it in the conversation, stored for the next request.
            await self._rasa_events(recipient, message, None)
            return Delivery(STORED)
        except WeChatApiError as exc:  # refused by WeChat: the caller may try another way (bot.supervision)
            logger.warning("citizen delivery refused", extra={"channel": channel, "errcode": exc.errcode})
            return Delivery(FAILED, f"wechat {exc.errcode}", exc.errcode)
        except Exception as exc:  # the caller records the failure; never raises into the worker
            logger.warning("citizen delivery failed", extra={"channel": channel, "error": type(exc).__name__})
            if channel == SMS or channel in PUSH_CHANNELS or message.recorded:
                return Delivery(FAILED, type(exc).__name__)
            return Delivery(STORED, type(exc).__name__)

    async def _rasa_events(self, conversation_id: str, message: Message, output_channel: Optional[str]) -> None:
        url = f"{self.rasa_url}/conversations/{quote(conversation_id, safe='')}/tracker/events"
        params = {"include_events": "NONE"}
        if output_channel:
            params.update(output_channel=output_channel, execute_side_effects="true")
        body = message.as_rasa()
        event = {"event": "bot", "text": body.pop("text", None)}
        if body:
            event["data"] = body
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as session:
            async with session.post(url, params=params, json=[event]) as resp:
                if resp.status != 200:
                    raise RuntimeError(f"rasa answered {resp.status}")

    def wechat_api(self, channel: str):
        """The WeChat API client of ``wechat`` (Official Account) or ``miniprogram``."""
        conf = get_settings().wechat if channel == "wechat" else get_settings().miniprogram
        key = (channel, conf.appid, conf.secret, conf.api_base)
        if key not in self._wechat:  # one per account: its access token is kept (in Redis when configured)
            from bot.redis_client import get_redis
            from bot.wechat_api import WeChatAPI

            prefix = "gov:wechat:" if channel == "wechat" else "gov:miniprogram:"
            self._wechat[key] = WeChatAPI(conf.appid, conf.secret, conf.api_base, redis=get_redis(), prefix=prefix)
        return self._wechat[key]


def deliverer(given: Optional[Deliverer] = None, sms: Optional[SmsSender] = None) -> Deliverer:
    """``given`` (or a new Deliverer), with ``sms`` as its SMS sender when one is given (else
    SMS_SENDER's, loaded now: a bad setting raises here, not at each message)."""
    chosen = given or Deliverer()
    chosen.sms = sms or chosen.sms or load_sms_sender()
    return chosen


_default: Optional[Deliverer] = None


async def deliver(channel: Optional[str], recipient: Optional[str], message: Union[Message, str]) -> Delivery:
    """Deliver through this process's Deliverer (settings read at first use)."""
    global _default
    if _default is None:
        _default = Deliverer()
    return await _default.deliver(channel, recipient, message)
