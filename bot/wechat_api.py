"""The WeChat server API that the WeChat channels (slow answers), citizen deliveries (bot.delivery), stage
notices (bot.supervision.routes) and the mini-program login (bot.web.mp) call; below all of them, so it lives
outside bot.rasa_server.channels: access_token (cached, refreshed before expiry by one refresher at a time),
the customer-service message API (custom send), the Official Account's template messages, the mini-program's
subscription messages and its code2session.

The access_token lives in Redis when configured, so every process and worker shares one token and
only the holder of a short Redis lock fetches a new one; without Redis it is cached in-process
behind an asyncio lock. A token is refreshed ``REFRESH_MARGIN`` seconds before it expires; callers
keep using the still-valid old token meanwhile instead of waiting."""
from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from typing import Any, Optional

import aiohttp

logger = logging.getLogger(__name__)

# errcodes meaning "this access_token is no longer valid": refresh and retry once.
TOKEN_ERRORS = {40001, 40014, 42001}
_RELEASE_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end
"""


class WeChatApiError(Exception):
    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatAPI:
    REFRESH_MARGIN = 300  # seconds before expiry when a new token is fetched
    LOCK_TTL_MS = 15_000

    def __init__(self, appid: str, secret: str, api_base: str, redis: Any = None,
                 prefix: str = "gov:wechat:", timeout: float = 5.0) -> None:
        self.appid = appid
        self.secret = secret
        self.api_base = api_base.rstrip("/")
        self.redis = redis
        self.prefix = prefix
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._token: Optional[str] = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0  # how many times this instance fetched a token (observability, tests)

    @property
    def configured(self) -> bool:
        return bool(self.appid and self.secret)

    @property
    def _token_key(self) -> str:
        return f"{self.prefix}token:{self.appid}"

    # -- HTTP ----------------------------------------------------------------------------------
    async def _request(self, method: str, path: str, params: dict, payload: Optional[dict] = None) -> dict:
        url = f"{self.api_base}{path}"
        try:
            async with aiohttp.ClientSession(timeout=self.timeout) as session:
                body = None if payload is None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
                headers = {"Content-Type": "application/json; charset=utf-8"} if body else None
                async with session.request(method, url, params=params, data=body, headers=headers) as resp:
                    raw = await resp.read()
                    if resp.status >= 400:
                        raise WeChatApiError(-resp.status, f"HTTP {resp.status}")
        except aiohttp.ClientError as exc:
            raise WeChatApiError(-1, f"unreachable: {type(exc).__name__}") from exc
        except asyncio.TimeoutError as exc:
            raise WeChatApiError(-1, "timeout") from exc
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WeChatApiError(-2, "response is not JSON") from exc
        if not isinstance(data, dict):
            raise WeChatApiError(-2, "response is not a JSON object")
        if data.get("errcode"):
            raise WeChatApiError(int(data["errcode"]), str(data.get("errmsg", "")))
        return data

    # -- access_token --------------------------------------------------------------------------
    async def _fetch_token(self) -> tuple[str, float]:
        if not self.configured:
            raise WeChatApiError(-3, "WECHAT_APPID / WECHAT_SECRET not set")
        data = await self._request("GET", "/cgi-bin/token", {
            "grant_type": "client_credential", "appid": self.appid, "secret": self.secret})
        token = data.get("access_token")
        if not token:
            raise WeChatApiError(-2, "no access_token in response")
        expires_in = int(data.get("expires_in") or 7200)
        self.fetches += 1
        logger.info("wechat access_token refreshed", extra={"appid": self.appid, "expires_in": expires_in})
        return str(token), time.time() + expires_in

    async def _cached(self) -> tuple[Optional[str], float]:
        if self.redis is not None:
            try:
                raw = await self.redis.get(self._token_key)
            except Exception as exc:
                logger.warning("redis unavailable for the access_token cache: %s", type(exc).__name__)
                return self._token, self._expires_at
            if raw:
                try:
                    item = json.loads(raw)
                    return item["token"], float(item["expires_at"])
                except (ValueError, KeyError, TypeError):
                    return None, 0.0
            return None, 0.0
        return self._token, self._expires_at

    async def _store(self, token: str, expires_at: float) -> None:
        self._token, self._expires_at = token, expires_at
        if self.redis is not None:
            ttl = max(1, int(expires_at - time.time()))
            try:
                await self.redis.set(self._token_key, json.dumps({"token": token, "expires_at": expires_at}), ex=ttl)
            except Exception as exc:
                logger.warning("could not cache the access_token in redis: %s", type(exc).__name__)

    async def access_token(self, force: bool = False, rejected: Optional[str] = None) -> str:
        """A valid access_token. ``force`` with the ``rejected`` token (one WeChat refused) fetches
        a new one unless someone already replaced it."""
        token, expires_at = await self._cached()
        now = time.time()
        fresh = token and expires_at - self.REFRESH_MARGIN > now and not (force and token == rejected)
        if fresh:
            return token  # type: ignore[return-value]
        still_valid = token and expires_at > now and not (force and token == rejected)
        async with self._lock:  # one refresher per process
            token, expires_at = await self._cached()
            now = time.time()
            if token and expires_at - self.REFRESH_MARGIN > now and not (force and token == rejected):
                return token
            if self.redis is None:
                token, expires_at = await self._fetch_token()
                await self._store(token, expires_at)
                return token
            return await self._refresh_shared(rejected if force else None,
                                              token if still_valid else None)

    async def _refresh_shared(self, rejected: Optional[str], old_valid: Optional[str]) -> str:
        """Refresh through a Redis lock: one process fetches, the others use the old token while it
        is valid or wait for the new one."""
        lock_key = f"{self.prefix}token-lock:{self.appid}"
        owner = uuid.uuid4().hex
        try:
            acquired = await self.redis.set(lock_key, owner, nx=True, px=self.LOCK_TTL_MS)
        except Exception as exc:
            logger.warning("redis lock unavailable, refreshing locally: %s", type(exc).__name__)
            token, expires_at = await self._fetch_token()
            await self._store(token, expires_at)
            return token
        if acquired:
            try:
                token, expires_at = await self._cached()  # someone may have refreshed meanwhile
                if token and token != rejected and expires_at - self.REFRESH_MARGIN > time.time():
                    return token
                token, expires_at = await self._fetch_token()
                await self._store(token, expires_at)
                return token
            finally:
                try:
                    await self.redis.eval(_RELEASE_LOCK, 1, lock_key, owner)
                except Exception:
                    pass
        if old_valid:
            return old_valid
        deadline = time.monotonic() + self.LOCK_TTL_MS / 1000
        while time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            token, expires_at = await self._cached()
            if token and token != rejected and expires_at > time.time():
                return token
        raise WeChatApiError(-4, "timed out waiting for another process to refresh the access_token")

    # -- API calls -----------------------------------------------------------------------------
    async def call(self, method: str, path: str, params: Optional[dict] = None,
                   payload: Optional[dict] = None) -> dict:
        """An API call with ``access_token``; an expired/invalid token is refreshed once."""
        token = await self.access_token()
        try:
            return await self._request(method, path, {**(params or {}), "access_token": token}, payload)
        except WeChatApiError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            token = await self.access_token(force=True, rejected=token)
            return await self._request(method, path, {**(params or {}), "access_token": token}, payload)

    async def send_text(self, openid: str, content: str) -> dict:
        """The customer-service message API (reaches a user within 48 h of their last message)."""
        return await self.call("POST", "/cgi-bin/message/custom/send", payload={
            "touser": openid, "msgtype": "text", "text": {"content": content}})

    async def send_template(self, openid: str, template_id: str, data: dict, url: Optional[str] = None,
                            miniprogram: Optional[dict] = None) -> dict:
        """Official Account template message (``message/template/send``): reaches a follower at any
        time; ``data`` is ``{key: {"value": ...}}`` with the keys of the chosen template."""
        payload = {"touser": openid, "template_id": template_id, "data": data}
        if url:
            payload["url"] = url
        if miniprogram:
            payload["miniprogram"] = miniprogram
        return await self.call("POST", "/cgi-bin/message/template/send", payload=payload)

    async def send_subscribe(self, openid: str, template_id: str, data: dict, page: Optional[str] = None) -> dict:
        """Mini-program subscription message (``subscribeMessage.send``): one message per
        ``wx.requestSubscribeMessage`` the user accepted for this template (43101 otherwise)."""
        payload = {"touser": openid, "template_id": template_id, "data": data, "lang": "zh_CN"}
        if page:
            payload["page"] = page
        return await self.call("POST", "/cgi-bin/message/subscribe/send", payload=payload)

    async def code2session(self, js_code: str) -> dict:
        """Mini-program login: ``wx.login`` code → {openid, session_key, unionid?}."""
        if not self.configured:
            raise WeChatApiError(-3, "mini-program appid / secret not set")
        return await self._request("GET", "/sns/jscode2session", {
            "appid": self.appid, "secret": self.secret, "js_code": js_code,
            "grant_type": "authorization_code"})
