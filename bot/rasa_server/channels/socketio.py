"""Rasa's socket.io channel with session persistence that works on python-socketio 5.x.

Rasa 3.6 calls ``sio.enter_room(...)`` without ``await``; since python-socketio 5.10 that is a
coroutine, so the socket never joins its session room and replies (emitted to the room) are lost.
This subclass re-registers the ``session_request`` handler with the call awaited when needed.
Messages are also normalised so an empty or non-text payload gets a polite reply, not an error,
and limited per session like the REST channel's (bot.ratelimit).
"""
from __future__ import annotations

import inspect
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput as RasaSocketIOInput
from sanic import Blueprint

from bot.ratelimit import CHAT_LIMITED_REPLY, chat_limiter

logger = logging.getLogger(__name__)


class SocketIOInput(RasaSocketIOInput):
    @classmethod
    def name(cls) -> Text:
        # Same name as Rasa's channel: widgets, tracker metadata and output routing stay unchanged.
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        limiter = chat_limiter()

        async def limited(message: UserMessage) -> None:
            # Messages per session, as on the REST channel (RATE_LIMIT_CHAT per RATE_LIMIT_CHAT_WINDOW).
            if not (await limiter.hit(f"{self.name()}:{message.sender_id}")).allowed:
                logger.info("socket.io chat rate limit reached")
                await message.output_channel.send_text_message(message.sender_id, CHAT_LIMITED_REPLY)
                return
            await on_new_message(message)

        blueprint = super().blueprint(limited)
        sio = self.sio

        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            if not isinstance(data, dict):
                data = {}
            session_id = data.get("session_id")
            if not session_id or not isinstance(session_id, str) or len(session_id) > 128:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                entered = sio.enter_room(sid, session_id, namespace=self.namespace)
                if inspect.isawaitable(entered):
                    await entered
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
            logger.debug("socket.io session confirmed")

        # Registering again replaces Rasa's handler for the same event and namespace.
        sio.on("session_request", handler=session_request, namespace=self.namespace)
        return blueprint
