"""The citizen's return-visit page (回访, bot.tickets.visits; docs/tickets.md "Return visits"): no
login, the signed one-time link is the credential.

GET  /visit/{token}[?choice=满意]   the page: the ticket's answer and the three verdicts (server-rendered,
                                    works without JavaScript)
POST /visit/{token}                 form fields satisfaction, comment → the thank-you page
GET  /api/visits/{token}            → {"ticket_no", "category", "department", "resolved", "reply", "choices", "expires"}
POST /api/visits/{token}            {"satisfaction", "comment"?} → {"ticket_no", "satisfaction", "reopened", "escalated"}
An invalid link is 404 (``invalid_link``), a used or expired one 410 (``link_used``).
"""
from __future__ import annotations

from html import escape

from aiohttp import web

from bot.replies import HOTLINE_NAME
from bot.tickets import visits
from bot.tickets.lifecycle import TicketError
from bot.tickets.models import SATISFACTION
from bot.web.errors import read_json
from bot.web.public import HEAD
from bot.web.http import json_response, ticket_api_error

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store"}

SHELL = HEAD.replace("{title}", "办理结果评价") + """</head>
<body>
<header class="portal-header"><h1>广安区人民政府 · 政务服务</h1></header>
<main class="portal-main">
{body}
</main>
</body>
</html>
"""


def _page(body: str, status: int = 200) -> web.Response:
    return web.Response(text=SHELL.replace("{body}", body), status=status, content_type="text/html",
                        charset="utf-8", headers=HEADERS)


def _message(title: str, text: str, status: int) -> web.Response:
    return _page(f"<h2>{escape(title)}</h2><p>{escape(text)}</p>"
                 f"<p>如有其他问题，请拨打{HOTLINE_NAME}。</p>", status)


def _form(info: dict, token: str, choice: str | None, error: str = "") -> str:
    options = "".join(
        f'<label class="visit-choice"><input type="radio" name="satisfaction" value="{escape(c)}"'
        f'{" checked" if c == choice else ""} required> {escape(c)}</label>' for c in SATISFACTION)
    return (f"<h2>办理结果评价</h2>"
            f"<p>工单编号：<strong>{escape(info['ticket_no'])}</strong>　类别：{escape(info['category'])}"
            f"　办结日期：{escape(info['resolved'])}</p>"
            f"<p>承办部门答复：</p><p class=\"pub-a\">{escape(info.get('reply') or '—')}</p>"
            + (f'<p class="visit-error" role="alert">{escape(error)}</p>' if error else "")
            + f'<form method="post" action="/visit/{escape(token, quote=True)}" class="visit-form">'
            f"<fieldset><legend>您对办理结果：</legend>{options}</fieldset>"
            '<label>意见（选填，500字以内）<textarea name="comment" rows="4" maxlength="500"></textarea></label>'
            '<p class="pub-note">选择“不满意”，工单将交承办部门重新办理。每个链接只能评价一次。</p>'
            '<button type="submit">提交评价</button></form>')


async def page(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    try:
        info = await visits.visit_page(token)
    except TicketError as exc:
        return _message("评价链接不可用", exc.message, exc.status)
    choice = request.query.get("choice")
    return _page(_form(info, token, choice if choice in SATISFACTION else None))


THANKS = {
    "reopened": "感谢您的评价。您的诉求已交承办部门重新办理，办理结果会再次告知您。",
    "escalated": "感谢您的评价。您的意见已转交督办人员跟进处理。",
    "done": "感谢您的评价！",
}


async def submit(request: web.Request) -> web.Response:
    token = request.match_info["token"]
    form = await request.post()
    satisfaction, comment = form.get("satisfaction"), form.get("comment")
    try:
        result = await visits.record_verdict(token, satisfaction if isinstance(satisfaction, str) else "",
                                             comment if isinstance(comment, str) else None)
    except TicketError as exc:
        if exc.status == 400:
            try:
                info = await visits.visit_page(token)
            except TicketError as again:
                return _message("评价链接不可用", again.message, again.status)
            return _page(_form(info, token, None, exc.message), 400)
        return _message("评价链接不可用", exc.message, exc.status)
    kind = "reopened" if result["reopened"] else "escalated" if result["escalated"] else "done"
    return _message("评价已提交", THANKS[kind], 200)


async def api_get(request: web.Request) -> web.Response:
    try:
        return json_response(await visits.visit_page(request.match_info["token"]), headers={"Cache-Control": "no-store"})
    except TicketError as exc:
        raise ticket_api_error(exc) from exc


async def api_post(request: web.Request) -> web.Response:
    body = await read_json(request)
    try:
        return json_response(await visits.record_verdict(request.match_info["token"], body.get("satisfaction"),
                                                 body.get("comment")))
    except TicketError as exc:
        raise ticket_api_error(exc) from exc


def setup(app: web.Application) -> None:
    app.router.add_get("/visit/{token}", page)
    app.router.add_post("/visit/{token}", submit)
    app.router.add_get("/api/visits/{token}", api_get)
    app.router.add_post("/api/visits/{token}", api_post)
