"""GET /portal: a portal page with the chat widget, and /static/ (widget.js, widget.css, the
vendored socket.io client). Other portal pages embed the widget with the same one tag:
``<script src="http://HOST:8080/static/widget.js" data-socket-url="http://HOST:5005"></script>``.
The page gets the Rasa socket URL browsers use from the ``RASA_PUBLIC_URL`` setting."""
from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from bot.settings import get_settings

STATIC_DIR = Path(__file__).resolve().parent / "static"

PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>广安区政务服务 · 在线咨询</title>
<link rel="stylesheet" href="/static/portal.css">
<link rel="stylesheet" href="/static/public.css">
</head>
<body>
<header class="portal-header"><h1>广安区人民政府 · 政务服务</h1>
  <nav class="pub-nav"><a href="/portal" aria-current="page">在线咨询</a> · <a href="/portal/answers">诉求办理公开</a></nav>
</header>
<main class="portal-main">
  <h2>在线咨询</h2>
  <p>政务智能助手可以为您解答办事指南、查询办件进度和政务公开信息，也可以记录您反映的问题。
  点击右下角的“在线咨询”开始对话；需要人工服务请拨打 12345 政务服务便民热线。</p>
  <ul>
    <li>办事指南：材料、流程、办理时限和地点</li>
    <li>进度查询：凭受理编号查询办件进度</li>
    <li>政务公开：政策文件与依申请公开</li>
    <li>诉求反映：咨询、投诉、建议、求助</li>
  </ul>
</main>
<script src="/static/widget.js" data-socket-url="{socket_url}" data-open="true"></script>
</body>
</html>
"""


def _csp(socket_url: str) -> str:
    parts = urlsplit(socket_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    ws = ("wss" if parts.scheme == "https" else "ws") + f"://{parts.netloc}"
    return ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: http: data:; "
            f"connect-src 'self' {origin} {ws}; frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


async def portal(_request: web.Request) -> web.Response:
    socket_url = get_settings().rasa_public_url
    html = PAGE.replace("{socket_url}", escape(socket_url, quote=True))
    return web.Response(text=html, content_type="text/html", charset="utf-8", headers={
        "Content-Security-Policy": _csp(socket_url),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    })


_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".txt": "text/plain",
          ".map": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon"}


async def static(request: web.Request) -> web.StreamResponse:
    """Files under bot/web/static, text types with an explicit UTF-8 charset (the widget carries
    Chinese text and may be embedded in pages with another encoding)."""
    relative = request.match_info["path"]
    path = (STATIC_DIR / relative).resolve()
    if STATIC_DIR not in path.parents or not path.is_file():
        raise web.HTTPNotFound()
    kind = _TYPES.get(path.suffix.lower() if not path.name.endswith("LICENSE") else ".txt")
    if kind is None:
        raise web.HTTPNotFound()
    charset = "; charset=utf-8" if kind.startswith("text/") or kind == "application/json" else ""
    return web.FileResponse(path, headers={
        "Content-Type": kind + charset,
        "Cache-Control": "public, max-age=300",
        "X-Content-Type-Options": "nosniff",
        "Access-Control-Allow-Origin": "*",
    })


def setup(app: web.Application) -> None:
    app.router.add_get("/portal", portal)
    app.router.add_get("/static/{path:.+}", static)
