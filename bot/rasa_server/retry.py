"""The retry loop of kept messages (bot.pending stores them), running inside the Rasa server (started by the REST channel's
blueprint, one loop per Sanic worker; claims are atomic so no message is answered twice).

Every ``PENDING_RETRY_INTERVAL`` seconds, while the action server answers ``/health``, due
messages are re-sent to the bot. The answer is delivered by bot.delivery on the channel the message
came from, as a message the conversation already holds: pushed when that channel can push (socket.io,
WeChat: the output channel of the server's input channel), and recorded in
``pending_messages.answer`` in every case (REST cannot push: the client finds the answer in the
conversation). A message whose custom action fails again waits with back-off; after
``PENDING_MAX_ATTEMPTS`` it is marked ``failed``.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Optional

import aiohttp
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.delivery import SENT, Deliverer, Message
from bot.rasa_server.action_probe import watch
from bot.pending import store
from bot.settings import get_settings

logger = logging.getLogger(__name__)
TASK_KEY = "gov_pending_retry_task"


def action_server_health_url(agent: Any) -> Optional[str]:
    endpoint = getattr(agent, "action_endpoint", None)
    url = getattr(endpoint, "url", None)
    if not url:
        return None
    base = url.rstrip("/")
    if base.endswith("/webhook"):
        base = base[: -len("/webhook")]
    return base + "/health"


async def action_server_healthy(agent: Any) -> bool:
    url = action_server_health_url(agent)
    if url is None:
        return False
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
            async with session.get(url) as resp:
                return resp.status == 200
    except Exception:
        return False


def _outputs(app: Any) -> dict:
    """The output channels of the server's input channels that can push (not REST), by name."""
    outputs = {}
    for input_channel in getattr(app.ctx, "input_channels", None) or []:
        name = input_channel.name()
        if name == "rest":
            continue
        try:
            output = input_channel.get_output_channel()
        except Exception:
            logger.exception("output channel %s unavailable", name)
            continue
        if output is not None:
            outputs[name] = output
    return outputs


async def retry_once(app: Any, limit: int = 20) -> dict:
    """One pass: re-send due messages when the action server is healthy. Returns counts."""
    agent = getattr(app.ctx, "agent", None)
    counts = {"answered": 0, "failed": 0, "waiting": 0}
    if agent is None or not agent.is_ready() or not await action_server_healthy(agent):
        return counts
    conf = get_settings().pending
    for item in await store.claim_due(limit=limit):
        collector = CollectingOutputChannel()
        metadata = dict(item["metadata"] or {})
        metadata["retry_of"] = item["id"]
        message = UserMessage(item["text"], collector, item["sender_id"], input_channel=item["channel"],
                              metadata=metadata)
        error = None
        with watch() as failures:
            try:
                await agent.handle_message(message)
            except Exception as exc:
                error = type(exc).__name__
        if failures or error:
            status = await store.settle_failed(item["id"], item["attempts"], conf.max_attempts,
                                               error or ",".join(failures),
                                               retry_in=min(600, 15 * 2 ** min(item["attempts"], 6)))
            counts["failed" if status == "failed" else "waiting"] += 1
            continue
        delivered = "recorded"
        if collector.messages:
            deliverer = Deliverer(outputs=_outputs(app))
            for reply in collector.messages:
                body = {k: v for k, v in reply.items() if k != "recipient_id"}
                delivery = await deliverer.deliver(item["channel"], item["sender_id"],
                                                   Message(body=body, recorded=True))
                if delivery.status != SENT:
                    break
            else:
                delivered = "pushed"
        await store.settle_done(item["id"], collector.messages, delivered)
        counts["answered"] += 1
        logger.info("pending message answered", extra={"pending_id": item["id"], "delivered": delivered})
    return counts


async def _loop(app: Any) -> None:
    interval = get_settings().pending.retry_interval
    while True:
        await asyncio.sleep(interval)
        try:
            await retry_once(app)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # database down for a moment: try again next time
            logger.warning("pending retry pass failed: %s", type(exc).__name__)


def start_retry_loop(app: Any) -> None:
    if getattr(app.ctx, TASK_KEY, None) is None:
        setattr(app.ctx, TASK_KEY, asyncio.get_running_loop().create_task(_loop(app)))


async def stop_retry_loop(app: Any) -> None:
    task = getattr(app.ctx, TASK_KEY, None)
    if task is not None:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
        setattr(app.ctx, TASK_KEY, None)
