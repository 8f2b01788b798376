"""Rasa's REST channel (``/webhooks/rest/webhook``), hardened:

- bad requests (no JSON object, no ``sender``, a non-text ``message``) get 400 JSON, not 500;
- control characters are removed and messages over ``MAX_MESSAGE_CHARS`` get a polite reply
  without reaching the bot;
- each sender may send ``RATE_LIMIT_CHAT`` messages per ``RATE_LIMIT_CHAT_WINDOW`` seconds
  (bot.ratelimit, shared through Redis when configured); beyond that a polite reply;
- when a custom action fails (the action server is down or erroring) or the tracker store cannot
  load or save the conversation (database restarting), the user gets an apology, the message is
  kept in ``pending_messages`` and re-sent to the bot by bot.rasa_server.retry once the action server
  is healthy again (the answer is recorded: REST cannot push). When even that table cannot be
  written, the apology asks the user to try again later;
- ticket notices that could not be pushed to a REST conversation (bot.tickets.sweep stores them)
  come first in the answer to one of the citizen's next messages (within NOTICE_REFRESH_SECONDS).
"""
from __future__ import annotations

import json
import logging
import re
import time
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.rasa_server import action_probe
from bot.rasa_server.channels import replies
from bot.ratelimit import CHAT_LIMITED_REPLY, RateLimiter, chat_limiter

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
NOTICE_REFRESH_SECONDS = 5.0
MAX_SENDER_CHARS = 128
TOO_LONG_REPLY = replies.TOO_LONG.format(limit=MAX_MESSAGE_CHARS)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def clean_text(text: str) -> str:
    """The message without control and bidi-override characters, trimmed."""
    return _CONTROL.sub("", text).strip()


def _error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": {"code": code, "message": message}}, status=status,
                         dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _reply(sender: str, text: str, status: int = 200, headers: Optional[dict] = None) -> HTTPResponse:
    return response.json([{"recipient_id": sender, "text": text}], status=status, headers=headers,
                         dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def handle_guarded(on_new_message: OnNewMessage, message: UserMessage) -> tuple[list[str], Optional[str]]:
    """Run one message through the bot; (failed custom actions, error) — ``error`` is the name of
    the exception when handling the message failed as a whole (tracker or lock store down)."""
    with action_probe.watch() as failures:
        try:
            await on_new_message(message)
        except Exception as exc:  # the bot could not handle it at all
            logger.exception("message handling failed")
            return list(failures), type(exc).__name__
    return list(failures), None


class RestInput(RasaRestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self, limiter: Optional[RateLimiter] = None) -> None:
        self._limiter = limiter
        self.notices = StoredNotices()

    @property
    def limiter(self) -> RateLimiter:
        if self._limiter is None:
            self._limiter = chat_limiter()
        return self._limiter

    @classmethod
    def from_credentials(cls, credentials: Optional[dict]) -> "RestInput":
        return cls()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = Blueprint("hardened_rest_webhook", __name__)
        action_probe.install()

        @blueprint.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return _error(400, "invalid_json", replies.INVALID_JSON)
            if not isinstance(body, dict):
                return _error(400, "invalid_json", replies.JSON_NOT_OBJECT)
            sender = body.get("sender")
            if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_CHARS:
                return _error(400, "invalid_sender", replies.INVALID_SENDER.format(limit=MAX_SENDER_CHARS))
            sender = sender.strip()
            text = body.get("message")
            if text is None:
                text = ""
            if not isinstance(text, str):
                return _error(400, "invalid_message", replies.INVALID_MESSAGE)
            metadata = body.get("metadata")
            if metadata is not None and not isinstance(metadata, dict):
                return _error(400, "invalid_metadata", replies.INVALID_METADATA)
            input_channel = body.get("input_channel")
            if not isinstance(input_channel, str) or not input_channel or len(input_channel) > 32:
                input_channel = self.name()

            decision = await self.limiter.hit(sender)
            if not decision.allowed:
                logger.info("chat rate limit reached", extra={"channel": input_channel})
                return _reply(sender, CHAT_LIMITED_REPLY, headers={"Retry-After": str(decision.retry_after)})
            if len(text) > MAX_MESSAGE_CHARS:
                return _reply(sender, TOO_LONG_REPLY)
            text = clean_text(text)

            if rasa_stream(request):
                return response.stream(
                    self.stream_response(on_new_message, text, sender, input_channel, metadata),
                    content_type="text/event-stream")

            collector = CollectingOutputChannel()
            message = UserMessage(text, collector, sender, input_channel=input_channel, metadata=metadata)
            failures, error = await handle_guarded(on_new_message, message)
            if failures or error:
                reply = await self._keep(sender, input_channel, text, metadata, failures, error)
                if error or any(f.startswith("tracker_store:") for f in failures):
                    # The turn was not stored (or not handled): its answer must not stand alone.
                    collector.messages.clear()
                collector.messages.append({"recipient_id": sender, "text": reply})
            else:
                # News about the citizen's tickets that could not be pushed (REST is pull-only).
                notices = await self.notices.take(sender)
                collector.messages[0:0] = [{"recipient_id": sender, "text": t} for t in notices]
            return response.json(collector.messages, dumps=lambda o: json.dumps(o, ensure_ascii=False))

        @blueprint.listener("after_server_start")
        async def start_retry(app, _loop) -> None:
            from bot.rasa_server.retry import start_retry_loop

            start_retry_loop(app)

        @blueprint.listener("before_server_stop")
        async def stop_retry(app, _loop) -> None:
            from bot.rasa_server.retry import stop_retry_loop
            from bot.rasa_server.patches import close_kept_sessions

            await stop_retry_loop(app)
            agent = getattr(app.ctx, "agent", None)
            if agent is not None and agent.action_endpoint is not None:
                await close_kept_sessions(agent.action_endpoint)

        return blueprint

    async def _keep(self, sender: str, channel: str, text: str, metadata: Optional[dict],
                    failures: list, error: Optional[str]) -> str:
        """Store the message for a retry; the apology to send (a plainer one if even that failed)."""
        if not text:
            return replies.BUSY
        from bot.pending import store

        try:
            row_id = await store.add(sender, channel, text, metadata)
        except Exception as exc:
            logger.error("could not keep a failed message for retry: %s", type(exc).__name__)
            return replies.BUSY
        logger.warning("custom action failed; message kept for retry",
                       extra={"pending_id": row_id, "failures": failures, "error": error})
        return replies.APOLOGY


class StoredNotices:
    """Ticket notices kept for REST conversations (bot.tickets.sweep), handed out with the next
    answer. Which conversations have any is read with one query at most every ``refresh`` seconds
    (not one query per message); a notice stored meanwhile comes with a later answer."""

    def __init__(self, refresh: float = NOTICE_REFRESH_SECONDS) -> None:
        self.refresh = refresh
        self._waiting: set[str] = set()
        self._read_at: Optional[float] = None

    async def take(self, sender: str) -> list[str]:
        from bot.tickets.sweep import stored_recipients, take_stored

        try:
            now = time.monotonic()
            if self._read_at is None or now - self._read_at >= self.refresh:
                self._read_at = now
                self._waiting = await stored_recipients()
            if sender not in self._waiting:
                return []
            self._waiting.discard(sender)
            return await take_stored(sender)
        except Exception as exc:  # the answer to the message matters more than the notice
            logger.warning("could not read stored ticket notices: %s", type(exc).__name__)
            return []


def rasa_stream(request: Request) -> bool:
    import rasa.utils.endpoints

    return rasa.utils.endpoints.bool_arg(request, "stream", default=False)
