"""WeChat Official Account (公众号) input channel for Rasa: ``/webhooks/wechat/webhook``.

- GET: URL verification (``echostr``; plaintext signature, or ``msg_signature`` in safe mode).
- POST: a message push, plaintext or safe mode (``encrypt_type=aes``). Text goes to the bot;
  ``subscribe`` gets the welcome and the menu; image/voice use ``Recognition`` when WeChat sent
  one, otherwise the user is asked to type. Buttons become numbered lines, and a number typed
  next is mapped back to that button's payload.
- The reply is passive (in the HTTP response) when the bot answers within ``reply_timeout``
  (4.5 s: WeChat gives up after 5 s); otherwise the response is ``success`` and the answer goes
  out through the customer-service message API when the bot finishes.
- Each message (``MsgId``; ``FromUserName``+``CreateTime`` for events) is processed once:
  WeChat's retries wait for and get the first attempt's reply, or ``success``.
- A bad signature or a timestamp outside ``WECHAT_REPLAY_WINDOW`` gets 403; DTDs/entities and
  malformed XML get 400; nothing here answers 500.

Settings come from the environment (``bot.settings``: ``WECHAT_TOKEN``, ``WECHAT_AES_KEY``,
``WECHAT_APPID``, ``WECHAT_SECRET``, ``WECHAT_API_BASE``, ``WECHAT_REPLAY_WINDOW``); keys given in
credentials.yml override them. Without ``WECHAT_TOKEN`` the channel is disabled: it logs why and
answers 503 JSON, and the Rasa server runs as usual.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import asdict, dataclass, replace
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_server.channels import replies
from bot.rasa_server.channels.plaintext import render_messages, resolve_choice
from bot.rasa_server.channels.replies import (
    ASK_TO_TYPE_IMAGE, ASK_TO_TYPE_VOICE, BUSY, EMPTY_TEXT, UNSUPPORTED, WELCOME,
)
from bot.rasa_server.channels.state import ChannelState
from bot.wechat_api import WeChatAPI, WeChatApiError
from bot.ratelimit import CHAT_LIMITED_REPLY, RateLimiter, chat_limiter
from bot.settings import WeChatSettings, get_settings
from bot.rasa_server.channels.wechat_crypto import (
    MAX_BODY_BYTES,
    MessageCrypto,
    WeChatRequestError,
    check_signature,
    check_timestamp,
    parse_xml,
    text_reply_xml,
    validate_aes_key,
)

logger = logging.getLogger(__name__)

SUCCESS = "success"
_ASYNC = "\x00async"  # stored result of a message answered through custom send
_NOTHING = "\x00none"  # stored result of a message that needs no reply


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class WeChatConfig(WeChatSettings):
    """The settings of one WeChat channel (Official Account or mini-program) plus the channel's own
    fixed timings; credentials.yml values override the environment's."""

    reply_timeout: float = 4.5
    dedupe_ttl: int = 600
    menu_ttl: int = 1800

    @classmethod
    def from_settings(cls, overrides: Optional[dict] = None, section: str = "wechat") -> "WeChatConfig":
        values = asdict(getattr(get_settings(), section))
        for key, value in (overrides or {}).items():
            if key in cls.__dataclass_fields__ and value not in (None, ""):
                values[key] = value
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        config = cls(**known)
        return replace(
            config,
            api_base=str(config.api_base).rstrip("/"),
            replay_window=int(config.replay_window),
            reply_timeout=float(config.reply_timeout),
        )


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status,
                         dumps=lambda o: json.dumps(o, ensure_ascii=False))


class WeChatOutput(OutputChannel):
    """Sends bot messages to a WeChat user through the customer-service message API (used for
    slow answers and for messages Rasa sends outside a request, e.g. an agent's reply)."""

    def __init__(self, api: WeChatAPI, channel_name: str = "wechat") -> None:
        self.api = api
        self._name = channel_name

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        text, _payloads = render_messages([message])
        if text:
            await self.api.send_text(recipient_id, text)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self.api.send_text(recipient_id, text)


class WeChatInput(InputChannel):
    """The Official Account push endpoint (see the module docstring)."""

    settings_section = "wechat"
    env_prefix = "WECHAT"
    passive_replies = True  # False: always answer "success" and send through the API

    @classmethod
    def name(cls) -> Text:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "InputChannel":
        return cls(WeChatConfig.from_settings(credentials or {}, cls.settings_section))

    def __init__(self, config: Optional[WeChatConfig] = None, redis: Any = "default",
                 state: Optional[ChannelState] = None, api: Optional[WeChatAPI] = None,
                 limiter: Optional[RateLimiter] = None) -> None:
        self.config = config or WeChatConfig.from_settings(None, self.settings_section)
        if redis == "default":
            from bot.redis_client import get_redis

            redis = get_redis()
        # Messages per user (openid), as on the REST channel: RATE_LIMIT_CHAT per RATE_LIMIT_CHAT_WINDOW.
        self.limiter = limiter or chat_limiter(redis)
        self.state = state or ChannelState(redis, prefix=f"gov:{self.name()}:")
        self.api = api or WeChatAPI(self.config.appid, self.config.secret, self.config.api_base,
                                    redis=redis, prefix=f"gov:{self.name()}:")
        self.crypto: Optional[MessageCrypto] = None
        self.crypto_problem = ""
        if self.config.aes_key:
            problem = validate_aes_key(self.config.aes_key)
            if problem:
                self.crypto_problem = problem
            else:
                self.crypto = MessageCrypto(self.config.token, self.config.aes_key, self.config.appid)
        else:
            self.crypto_problem = f"{self.env_prefix}_AES_KEY is not set"
        self._tasks: set[asyncio.Task] = set()

    # -- state of the configuration --------------------------------------------------------------
    @property
    def disabled_reason(self) -> str:
        if not self.config.token:
            return f"{self.env_prefix}_TOKEN is not set"
        return ""

    def _log_configuration(self) -> None:
        path = f"/webhooks/{self.name()}/webhook"
        if self.disabled_reason:
            logger.warning("%s channel disabled: %s; %s answers 503 until it is configured",
                           self.name(), self.disabled_reason, path)
            return
        if self.crypto is None:
            logger.warning("%s channel: safe mode (encrypt_type=aes) refused: %s",
                           self.name(), self.crypto_problem)
        if not self.api.configured:
            logger.warning("%s channel: %s_APPID/%s_SECRET not set, answers slower than %.1f s "
                           "cannot be delivered", self.name(), self.env_prefix, self.env_prefix,
                           self.config.reply_timeout)
        logger.info("%s channel enabled at %s", self.name(), path)

    def get_output_channel(self) -> Optional[OutputChannel]:
        return WeChatOutput(self.api, self.name()) if self.api.configured else None

    # -- Sanic ----------------------------------------------------------------------------------
    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = Blueprint(f"{self.name()}_webhook", __name__)
        self._log_configuration()

        @blueprint.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if not self.disabled_reason else "disabled",
                                  "safe_mode": self.crypto is not None})

        @blueprint.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            try:
                return response.text(self._verify(request))
            except WeChatRequestError as exc:
                logger.info("%s verification refused: %s", self.name(), exc.code)
                return _error(exc.status, exc.code, exc.message)

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            started = time.monotonic()
            try:
                return await self._receive(request, on_new_message, started)
            except WeChatRequestError as exc:
                logger.info("%s push refused: %s", self.name(), exc.code)
                return _error(exc.status, exc.code, exc.message)
            except Exception:  # never a 500 to WeChat: it would retry and the user sees an error
                logger.exception("%s push failed", self.name())
                return response.text(SUCCESS)

        return blueprint

    def _refuse_if_disabled(self) -> None:
        if self.disabled_reason:
            raise WeChatRequestError(503, "channel_disabled",
                                     replies.CHANNEL_DISABLED.format(reason=self.disabled_reason))

    def _verify(self, request: Request) -> str:
        self._refuse_if_disabled()
        args = request.args
        timestamp, nonce = args.get("timestamp"), args.get("nonce") or ""
        echostr = args.get("echostr") or ""
        check_timestamp(timestamp, self.config.replay_window)
        if not echostr:
            raise WeChatRequestError(400, "missing_echostr", replies.MISSING_ECHOSTR)
        if args.get("msg_signature"):
            if self.crypto is None:
                raise WeChatRequestError(503, "safe_mode_disabled", replies.SAFE_MODE_DISABLED.format(problem=self.crypto_problem))
            return self.crypto.verify_echostr(args.get("msg_signature"), timestamp, nonce, echostr)
        check_signature((self.config.token, timestamp, nonce), args.get("signature"))
        return echostr

    def _parse_push(self, request: Request) -> tuple[dict, bool]:
        """The (decrypted, parsed) message and whether it came in safe mode."""
        args = request.args
        timestamp, nonce = args.get("timestamp"), args.get("nonce") or ""
        check_timestamp(timestamp, self.config.replay_window)
        body = request.body or b""
        if len(body) > MAX_BODY_BYTES:
            raise WeChatRequestError(413, "payload_too_large", replies.PAYLOAD_TOO_LARGE)
        safe = (args.get("encrypt_type") or "raw").lower() == "aes"
        if safe:
            if self.crypto is None:
                raise WeChatRequestError(503, "safe_mode_disabled", replies.SAFE_MODE_DISABLED.format(problem=self.crypto_problem))
            envelope = self._parse_envelope(body, request)
            plain = self.crypto.decrypt_message(envelope, args.get("msg_signature"), timestamp, nonce)
            return self._parse_envelope(plain.encode("utf-8"), request), True
        check_signature((self.config.token, timestamp, nonce), args.get("signature"))
        return self._parse_envelope(body, request), False

    def _parse_envelope(self, body: bytes, request: Request) -> dict:
        return parse_xml(body)

    async def _receive(self, request: Request, on_new_message: OnNewMessage, started: float) -> HTTPResponse:
        self._refuse_if_disabled()
        message, safe = self._parse_push(request)
        openid = message.get("FromUserName") or ""
        account = message.get("ToUserName") or ""
        if not openid or not account or len(openid) > 128:
            raise WeChatRequestError(400, "invalid_message", replies.MISSING_USERS)
        deadline = started + self.config.reply_timeout
        reply = await self._process(message, openid, on_new_message, deadline)
        if not reply or not self.passive_replies:
            return response.text(SUCCESS)
        xml = text_reply_xml(openid, account, reply)
        if safe and self.crypto is not None:
            xml = self.crypto.encrypt_reply(xml)
        return response.text(xml, content_type="application/xml")

    # -- message handling ------------------------------------------------------------------------
    @staticmethod
    def dedupe_key(message: dict) -> str:
        msgid = message.get("MsgId") or message.get("MsgID")
        if msgid:
            return f"id:{msgid}"
        return f"ev:{message.get('FromUserName')}:{message.get('CreateTime')}:{message.get('Event', '')}"

    def _user_input(self, message: dict) -> tuple[Optional[str], Optional[str], str]:
        """(text for the bot, direct reply, prefix of the bot's reply)."""
        msg_type = (message.get("MsgType") or "").lower()
        recognition = (message.get("Recognition") or "").strip()
        if msg_type == "text":
            content = (message.get("Content") or "").strip()
            return (content, None, "") if content else (None, EMPTY_TEXT, "")
        if msg_type == "event":
            event = (message.get("Event") or "").lower()
            if event == "subscribe":
                return "/greet", None, WELCOME
            if event == "click" and message.get("EventKey"):
                return message["EventKey"], None, ""
            return None, None, ""  # unsubscribe, VIEW, LOCATION...: nothing to say
        if recognition:
            return recognition, None, ""
        if msg_type == "voice":
            return None, ASK_TO_TYPE_VOICE, ""
        if msg_type == "image":
            return None, ASK_TO_TYPE_IMAGE, ""
        return None, UNSUPPORTED, ""

    async def _process(self, message: dict, openid: str, on_new_message: OnNewMessage,
                       deadline: float) -> Optional[str]:
        key = self.dedupe_key(message)
        result_key = f"res:{key}"
        if not await self.state.claim(f"msg:{key}", self.config.dedupe_ttl):
            logger.info("%s duplicate push %s", self.name(), key[:40])
            result = await self.state.wait_for(result_key, deadline - time.monotonic())
            return None if result in (None, _ASYNC, _NOTHING) else result
        text, direct, prefix = self._user_input(message)
        if direct is not None or text is None:
            await self.state.put(result_key, direct or _NOTHING, self.config.dedupe_ttl)
            if direct and not self.passive_replies:
                self._send_later(openid, direct)
            return direct
        decision = await self.limiter.hit(f"{self.name()}:{openid}")
        if not decision.allowed:
            logger.info("%s chat rate limit reached", self.name())
            await self.state.put(result_key, CHAT_LIMITED_REPLY, self.config.dedupe_ttl)
            if not self.passive_replies:
                self._send_later(openid, CHAT_LIMITED_REPLY)
            return CHAT_LIMITED_REPLY
        choice = resolve_choice(text, await self._menu(openid))
        if choice:
            text = choice
        return await self._run_bot(text, openid, message, on_new_message, deadline, prefix, result_key)

    async def _menu(self, openid: str) -> Optional[list[str]]:
        raw = await self.state.get(f"menu:{openid}")
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    async def _render(self, task: asyncio.Future, collector: CollectingOutputChannel, openid: str,
                      prefix: str) -> str:
        try:
            task.result()
        except Exception:
            logger.exception("%s: the bot failed on a message", self.name())
            return BUSY
        text, payloads = render_messages(collector.messages)
        if payloads:
            await self.state.put(f"menu:{openid}", json.dumps(payloads, ensure_ascii=False), self.config.menu_ttl)
        if prefix:
            text = f"{prefix}\n{text}" if text else prefix
        return text

    async def _run_bot(self, text: str, openid: str, message: dict, on_new_message: OnNewMessage,
                       deadline: float, prefix: str, result_key: str) -> Optional[str]:
        collector = CollectingOutputChannel()
        user_message = UserMessage(
            text, collector, openid, input_channel=self.name(),
            metadata={"channel": self.name(), "msg_type": message.get("MsgType"),
                      "account": message.get("ToUserName")},
        )
        task = asyncio.ensure_future(on_new_message(user_message))
        if self.passive_replies:
            await asyncio.wait({task}, timeout=max(0.0, deadline - time.monotonic()))
        if task.done():
            reply = await self._render(task, collector, openid, prefix)
            await self.state.put(result_key, reply or _NOTHING, self.config.dedupe_ttl)
            return reply or None
        await self.state.put(result_key, _ASYNC, self.config.dedupe_ttl)
        self._background(self._deliver_later(task, collector, openid, prefix))
        return None

    def _background(self, coroutine) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _send_later(self, openid: str, text: str) -> None:
        async def send() -> None:
            await self._send(openid, text)

        self._background(send())

    async def _send(self, openid: str, text: str) -> None:
        """Custom send, failures logged (the user's request has been answered already)."""
        if not self.api.configured:
            logger.warning("%s: an answer was dropped (%s_APPID/%s_SECRET not set)",
                           self.name(), self.env_prefix, self.env_prefix)
            return
        try:
            await self.api.send_text(openid, text)
            logger.info("%s: answer delivered through custom send", self.name())
        except WeChatApiError as exc:
            logger.warning("%s: custom send failed: %s", self.name(), exc)

    async def _deliver_later(self, task: asyncio.Future, collector: CollectingOutputChannel,
                             openid: str, prefix: str) -> None:
        try:
            await asyncio.wait({task})
            reply = await self._render(task, collector, openid, prefix)
        except Exception:
            logger.exception("%s: rendering a slow answer failed", self.name())
            return
        if reply:
            await self._send(openid, reply)
