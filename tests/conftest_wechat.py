"""Test support for the WeChat channels: a fake WeChat API server on loopback (access_token,
custom send, template and subscription messages, code2session) running in its own thread, a client that signs and encrypts pushes the
way WeChat's server does, and a real Sanic server for a channel's blueprint."""
from __future__ import annotations

import asyncio
import secrets
import threading
import time
import uuid
from typing import Optional

import aiohttp
from aiohttp import web

from bot.rasa_server.channels.wechat_crypto import MessageCrypto, signature
from bot.ports import free_ports

# Tencent's sample account (WXBizMsgCrypt sample code; see test_wechat_crypto.py for the source).
SAMPLE_TOKEN = "QDG6eK"
SAMPLE_APPID = "wx5823bf96d3bd56c7"
SAMPLE_AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SAMPLE_SECRET = "test-app-secret"


async def post(url: str, params: dict, body: bytes) -> tuple[int, str]:
    """POST a push to a channel server as WeChat does: (status, body)."""
    async with aiohttp.ClientSession() as session:
        async with session.post(url, params=params, data=body) as resp:
            return resp.status, await resp.text()


async def get(url: str, params: dict) -> tuple[int, str]:
    """GET (the URL check WeChat makes when the server is configured): (status, body)."""
    async with aiohttp.ClientSession() as session:
        async with session.get(url, params=params) as resp:
            return resp.status, await resp.text()


class FakeWeChat:
    """WeChat's API server as far as the channels use it, on 127.0.0.1 in a background thread."""

    def __init__(self, appid: str = SAMPLE_APPID, secret: str = SAMPLE_SECRET, expires_in: int = 7200) -> None:
        self.appid = appid
        self.secret = secret
        self.expires_in = expires_in
        self.token_delay = 0.0
        self.token_requests = 0
        self.valid_tokens: set[str] = set()
        self.sent: list[dict] = []          # customer-service messages delivered
        self.rejected_sends = 0
        self.delivered: list[tuple] = []    # (kind, body) of every message delivered: custom | template | subscribe
        self.silent_since_48h: set[str] = set()   # openids whose last message is older than 48 h: custom → 45015
        self.unfollowed: set[str] = set()          # openids not following the account: template → 43004
        self.subscribed: dict = {}                 # (openid, template_id) → messages the user accepted
        self.fail_next: list[int] = []             # errcodes answered to the next sends, in order (-1: busy)
        self.port = free_ports(1)[0]
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._runner: Optional[web.AppRunner] = None
        self._ready = threading.Event()
        self._thread: Optional[threading.Thread] = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- handlers --------------------------------------------------------------------------------
    async def token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        q = request.query
        if q.get("grant_type") != "client_credential" or q.get("appid") != self.appid or q.get("secret") != self.secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        token = f"TOKEN-{self.token_requests}-{uuid.uuid4().hex[:8]}"
        self.valid_tokens.add(token)
        return web.json_response({"access_token": token, "expires_in": self.expires_in})

    async def custom_send(self, request: web.Request) -> web.Response:
        if request.query.get("access_token") not in self.valid_tokens:
            self.rejected_sends += 1
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        body = await request.json()
        if self.fail_next:
            return self._error(self.fail_next.pop(0))
        if body.get("touser") in self.silent_since_48h:
            return self._error(45015)
        self.sent.append(body)
        self.delivered.append(("custom", body))
        return web.json_response({"errcode": 0, "errmsg": "ok"})

    @staticmethod
    def _error(errcode: int) -> web.Response:
        messages = {-1: "system error", 45015: "response out of time limit or subscription is canceled",
                    43004: "require subscribe", 43101: "user refuse to accept the msg",
                    40037: "invalid template_id", 47003: "argument invalid! data.thing2.value invalid"}
        return web.json_response({"errcode": errcode, "errmsg": messages.get(errcode, "error")})

    async def _template_like(self, request: web.Request, kind: str) -> web.Response:
        if request.query.get("access_token") not in self.valid_tokens:
            self.rejected_sends += 1
            return web.json_response({"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"})
        body = await request.json()
        if not body.get("touser") or not body.get("template_id") or not isinstance(body.get("data"), dict) or any(
                not isinstance(v, dict) or not isinstance(v.get("value"), str) for v in body["data"].values()):
            return self._error(47003)
        if self.fail_next:
            return self._error(self.fail_next.pop(0))
        if kind == "template" and body["touser"] in self.unfollowed:
            return self._error(43004)
        if kind == "subscribe":
            key = (body["touser"], body["template_id"])
            if self.subscribed.get(key, 0) <= 0:
                return self._error(43101)
            self.subscribed[key] -= 1
        self.delivered.append((kind, body))
        return web.json_response({"errcode": 0, "errmsg": "ok", "msgid": len(self.delivered)})

    async def template_send(self, request: web.Request) -> web.Response:
        return await self._template_like(request, "template")

    async def subscribe_send(self, request: web.Request) -> web.Response:
        return await self._template_like(request, "subscribe")

    async def code2session(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("appid") != self.appid or q.get("secret") != self.secret:
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        code = q.get("js_code", "")
        if not code or code.startswith("bad"):
            return web.json_response({"errcode": 40029, "errmsg": "invalid code"})
        return web.json_response({"openid": f"mp-openid-{code}", "session_key": secrets.token_urlsafe(16)})

    # -- lifecycle -------------------------------------------------------------------------------
    def revoke_tokens(self) -> None:
        """Every issued token becomes invalid (as after a refresh elsewhere or an expiry)."""
        self.valid_tokens.clear()

    def start(self) -> "FakeWeChat":
        def run() -> None:
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            app = web.Application()
            app.router.add_get("/cgi-bin/token", self.token)
            app.router.add_post("/cgi-bin/message/custom/send", self.custom_send)
            app.router.add_post("/cgi-bin/message/template/send", self.template_send)
            app.router.add_post("/cgi-bin/message/subscribe/send", self.subscribe_send)
            app.router.add_get("/sns/jscode2session", self.code2session)
            self._runner = web.AppRunner(app, access_log=None)
            self._loop.run_until_complete(self._runner.setup())
            self._loop.run_until_complete(web.TCPSite(self._runner, "127.0.0.1", self.port).start())
            self._ready.set()
            self._loop.run_forever()
            self._loop.run_until_complete(self._runner.cleanup())
            self._loop.close()

        self._thread = threading.Thread(target=run, name="fake-wechat", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake WeChat API server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def wait_sent(self, count: int, timeout: float = 10.0) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.sent) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.sent)


class WeChatPusher:
    """Builds requests the way WeChat's server sends them (signed, optionally encrypted)."""

    def __init__(self, token: str = SAMPLE_TOKEN, aes_key: str = SAMPLE_AES_KEY, appid: str = SAMPLE_APPID) -> None:
        self.token = token
        self.crypto = MessageCrypto(token, aes_key, appid) if aes_key else None

    @staticmethod
    def text_xml(content: str, openid: str = "oUser1", msgid: Optional[str] = None,
                 account: str = "gh_account") -> str:
        msgid = msgid or str(secrets.randbelow(10 ** 18))
        return (f"<xml><ToUserName><![CDATA[{account}]]></ToUserName>"
                f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
                f"<Content><![CDATA[{content}]]></Content><MsgId>{msgid}</MsgId></xml>")

    @staticmethod
    def event_xml(event: str, openid: str = "oUser1", account: str = "gh_account") -> str:
        return (f"<xml><ToUserName><![CDATA[{account}]]></ToUserName>"
                f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
                f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
                f"<Event><![CDATA[{event}]]></Event></xml>")

    def plain(self, xml: str, timestamp: Optional[int] = None) -> tuple[dict, bytes]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = str(secrets.randbelow(10 ** 9))
        params = {"signature": signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce,
                  "openid": "oUser1"}
        return params, xml.encode("utf-8")

    def safe(self, xml: str, timestamp: Optional[int] = None) -> tuple[dict, bytes]:
        assert self.crypto is not None
        ts = str(int(time.time()) if timestamp is None else timestamp)
        nonce = str(secrets.randbelow(10 ** 9))
        wrapped = self.crypto.encrypt_reply(xml, timestamp=ts, nonce=nonce)  # same envelope format
        from bot.rasa_server.channels.wechat_crypto import parse_xml

        envelope = parse_xml(wrapped)
        body = (f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
                f"<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>").encode("utf-8")
        params = {"signature": signature(self.token, ts, nonce), "timestamp": ts, "nonce": nonce,
                  "openid": "oUser1", "encrypt_type": "aes", "msg_signature": envelope["MsgSignature"]}
        return params, body

    def open_reply(self, body: str, safe: bool) -> dict:
        """The reply XML as fields (decrypted and its signature checked in safe mode)."""
        from bot.rasa_server.channels.wechat_crypto import parse_xml

        fields = parse_xml(body)
        if not safe:
            return fields
        assert self.crypto is not None
        inner = self.crypto.decrypt_message(fields, fields["MsgSignature"], fields["TimeStamp"], fields["Nonce"])
        return parse_xml(inner)


class SanicChannelServer:
    """A channel's blueprint on a real Sanic server on 127.0.0.1, in the running event loop."""

    def __init__(self, channel, on_new_message) -> None:
        self.channel = channel
        self.on_new_message = on_new_message
        self.port = free_ports(1)[0]
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/{self.channel.name()}/webhook"

    async def __aenter__(self) -> "SanicChannelServer":
        from sanic import Sanic

        # Several apps in one process: Sanic's test mode keeps its start-up code rewriting
        # ("touchup") repeatable.
        Sanic.test_mode = True
        app = Sanic(f"wxtest_{uuid.uuid4().hex[:10]}")
        app.config.ACCESS_LOG = False
        app.blueprint(self.channel.blueprint(self.on_new_message), url_prefix=f"/webhooks/{self.channel.name()}")
        self.server = await app.create_server(host="127.0.0.1", port=self.port, return_asyncio_server=True,
                                              access_log=False)
        await self.server.startup()
        await self.server.before_start()
        await self.server.after_start()
        return self

    async def __aexit__(self, *exc) -> None:
        for task in list(getattr(self.channel, "_tasks", ())):
            try:
                await asyncio.wait_for(asyncio.shield(task), 10)
            except Exception:
                pass
        await self.server.before_stop()
        self.server.close()
        await self.server.wait_closed()
        await self.server.after_stop()
