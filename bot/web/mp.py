"""The mini-program's own chat API.

- ``POST /api/mp/login {"code": "<wx.login code>"}`` → code2session through the WeChat API →
  ``{"token": ..., "expires_in": ...}`` (a signed session token for the user's openid).
- ``POST /api/mp/chat {"message": "..."}`` with ``Authorization: Bearer <token>`` → the bot's
  answer ``{"messages": [{"text": ..., "buttons": [{"title", "payload"}]}]}`` (through Rasa's REST
  channel, the conversation id being the openid).
- ``GET /api/mp/subscriptions`` / ``POST /api/mp/subscriptions {"results": {...}}`` (bearer) → the
  stage-notice subscription templates and the messages left per template (docs/supervision.md)."""
from __future__ import annotations

import asyncio
import logging

import aiohttp
from aiohttp import web

from bot.web import mp_session
from bot.wechat_api import WeChatAPI, WeChatApiError
from bot.settings import get_settings
from bot.web.errors import ApiError, read_json
from bot.web.http import json_response

logger = logging.getLogger(__name__)
MAX_MESSAGE = 1000
RASA_TIMEOUT = 20
_apis: dict = {}


def _api() -> WeChatAPI:
    mp = get_settings().miniprogram
    key = (mp.appid, mp.secret, mp.api_base)
    api = _apis.get(key)
    if api is None:
        from bot.redis_client import get_redis

        api = WeChatAPI(mp.appid, mp.secret, mp.api_base,
                        redis=get_redis(), prefix="gov:miniprogram:")
        _apis[key] = api
    return api




async def login(request: web.Request) -> web.Response:
    body = await read_json(request, max_bytes=4096)
    code = body.get("code")
    if not isinstance(code, str) or not code.strip() or len(code) > 256:
        raise ApiError(400, "invalid_code", "缺少 wx.login 返回的 code")
    api = _api()
    if not api.configured:
        raise ApiError(503, "miniprogram_disabled", "小程序接口未配置（WECHAT_MP_APPID / WECHAT_MP_SECRET）")
    try:
        session = await api.code2session(code.strip())
    except WeChatApiError as exc:
        if exc.errcode in (40029, 40163, 40226):
            raise ApiError(401, "invalid_code", "登录凭证无效或已使用，请重新登录") from exc
        logger.warning("code2session failed: %s", exc)
        raise ApiError(502, "wechat_unavailable", "微信服务暂时不可用，请稍后再试") from exc
    openid = session.get("openid")
    if not isinstance(openid, str) or not openid:
        raise ApiError(502, "wechat_unavailable", "微信服务返回异常，请稍后再试")
    ttl = get_settings().miniprogram.session_ttl
    return json_response({"token": mp_session.issue(openid, ttl), "expires_in": ttl})


def _openid(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    openid = mp_session.verify(token.strip()) if scheme.lower() == "bearer" else None
    if not openid:
        raise ApiError(401, "unauthorized", "请先登录（会话无效或已过期）")
    return openid


async def chat(request: web.Request) -> web.Response:
    openid = _openid(request)
    body = await read_json(request, max_bytes=16_384)
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ApiError(400, "empty_message", "请输入您要咨询的问题")
    if len(message) > MAX_MESSAGE:
        raise ApiError(400, "message_too_long", f"消息过长，请控制在 {MAX_MESSAGE} 字以内")
    url = f"{get_settings().rasa_url}/webhooks/rest/webhook"
    payload = {"sender": openid, "message": message.strip(), "metadata": {"channel": "miniprogram_api"}}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=RASA_TIMEOUT)) as session:
            async with session.post(url, json=payload) as resp:
                if resp.status != 200:
                    raise ApiError(503, "bot_unavailable", "智能助手暂时不可用，请稍后再试")
                replies = await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        logger.warning("rasa unreachable from /api/mp/chat: %s", type(exc).__name__)
        raise ApiError(503, "bot_unavailable", "智能助手暂时不可用，请稍后再试") from exc
    messages = []
    for reply in replies if isinstance(replies, list) else []:
        if not isinstance(reply, dict):
            continue
        item = {"text": reply.get("text") or ""}
        buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
                   for b in reply.get("buttons") or [] if isinstance(b, dict) and b.get("title")]
        if buttons:
            item["buttons"] = buttons
        if reply.get("image"):
            item["image"] = reply["image"]
        if item["text"] or buttons:
            messages.append(item)
    return json_response({"messages": messages})


async def subscriptions(request: web.Request) -> web.Response:
    """The stage-notice templates to ask for, and how many messages of each the citizen may get."""
    from bot.supervision.routes import subscriptions_left, templates_for

    openid = _openid(request)
    left = await subscriptions_left(openid, None)
    ids = templates_for("miniprogram")
    return json_response({"templates": ids, "remaining": {t: left.get(t, 0) for t in sorted(set(ids.values()))}})


async def subscribe(request: web.Request) -> web.Response:
    """The result of ``wx.requestSubscribeMessage``: ``{"results": {template_id: "accept" | "reject" |
    "ban" | "filter"}}``; each accepted stage-notice template allows one more message."""
    from bot.supervision.routes import add_subscriptions, subscriptions_left, templates_for

    openid = _openid(request)
    body = await read_json(request, max_bytes=4096)
    results = body.get("results")
    if not isinstance(results, dict) or not results or len(results) > 20 or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in results.items()):
        raise ApiError(400, "invalid_results", "results 应为 wx.requestSubscribeMessage 的结果 {模板ID: accept|reject}")
    known = set(templates_for("miniprogram").values())
    unknown = sorted(k for k in results if k not in known)
    if unknown:
        raise ApiError(400, "unknown_template", f"不是办件通知的模板：{', '.join(unknown)[:200]}")
    accepted = sorted(k for k, v in results.items() if v == "accept")
    url = None
    await add_subscriptions(openid, accepted, url)
    left = await subscriptions_left(openid, url)
    return json_response({"accepted": accepted, "remaining": {t: left.get(t, 0) for t in sorted(known)}})


def setup(app: web.Application) -> None:
    app.router.add_get("/api/mp/subscriptions", subscriptions)
    app.router.add_post("/api/mp/subscriptions", subscribe)
    app.router.add_post("/api/mp/login", login)
    app.router.add_post("/api/mp/chat", chat)
