"""外网公开反馈 (docs/publication.md): the public answers page and its API (no login), and the
moderators' publication queue in the console.

GET  /portal/answers                          the page (static HTML + /static/public.js over the API)
GET  /api/public/answers?q=&department=&category=&page=&page_size=
                                              → {"items", "total", "page", "page_size", "departments", "categories"}
GET  /api/public/answers/{id}                 → one published answer
GET  /api/public/answers.atom?department=&category=
                                              → Atom feed of the 50 latest published answers
GET  /api/public/figures?from=YYYY-MM&to=YYYY-MM&department=&format=json|csv
                                              → figures per department and month (/api/kpi's definitions)
GET  /api/publication/queue?state=pending|approved|rejected|withdrawn&offset=&limit=   (supervisor, admin)
POST /api/publication/{ticket_no}/approve {question?, answer?} | reject {reason} | withdraw {reason}
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone

from aiohttp import web

from bot.publication import figures, service
from bot.replies import HOTLINE_NAME
from bot.settings import get_settings
from bot.tickets import sla
from bot.tickets.lifecycle import TicketError
from bot.tickets.sla import CATEGORIES
from bot.web import desk
from bot.web.errors import ApiError, read_json
from bot.web.http import json_response, principal, ticket_api_error

FEED_SIZE = 50
PUBLIC_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=60",
                  "Access-Control-Allow-Origin": "*"}  # open data: any portal may read it

# The head of the portal's own pages (this one and the return-visit page, bot/web/visits.py).
HEAD = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · 广安区政务服务</title>
<link rel="stylesheet" href="/static/portal.css">
<link rel="stylesheet" href="/static/public.css">
"""

PAGE = HEAD.replace("{title}", "诉求办理公开") + """<link rel="alternate" type="application/atom+xml" title="诉求答复公开" href="/api/public/answers.atom">
</head>
<body>
<header class="portal-header"><h1>广安区人民政府 · 政务服务</h1>
  <nav class="pub-nav"><a href="/portal">在线咨询</a> · <a href="/portal/answers" aria-current="page">诉求办理公开</a></nav>
</header>
<main class="portal-main pub-main">
  <h2>诉求答复公开</h2>
  <p class="pub-note">以下是市民同意公开、经审核后发布的诉求及承办部门答复。姓名、电话、证件号码、门牌号、车牌号等个人信息已隐去。</p>
  <form id="pub-search" class="pub-search" role="search">
    <label>关键词 <input id="pub-q" type="search" maxlength="50" placeholder="如：路灯、噪音、物业"></label>
    <label>部门 <select id="pub-department"><option value="">全部部门</option></select></label>
    <label>类别 <select id="pub-category"><option value="">全部类别</option></select></label>
    <button type="submit">查询</button>
    <a class="pub-feed" href="/api/public/answers.atom">订阅（Atom）</a>
  </form>
  <p id="pub-info" class="pub-info" role="status"></p>
  <ol id="pub-list" class="pub-list"></ol>
  <nav class="pub-pager" aria-label="翻页">
    <button type="button" id="pub-prev">上一页</button>
    <span id="pub-page"></span>
    <button type="button" id="pub-next">下一页</button>
  </nav>

  <h2>部门办理情况</h2>
  <p class="pub-note">按受理月份统计：按时签收率、响应率、解决率、满意率与平均办理用时（工作日），口径与热线内部考核一致；
  满意率按回访结果计算，未回访的不计入。</p>
  <form id="fig-form" class="pub-search">
    <label>起始月份 <input id="fig-from" type="month"></label>
    <label>截止月份 <input id="fig-to" type="month"></label>
    <label>部门 <select id="fig-department"><option value="">全区及各部门</option></select></label>
    <button type="submit">查看</button>
    <a id="fig-csv" href="/api/public/figures?format=csv" download>下载 CSV</a>
    <a id="fig-json" href="/api/public/figures?format=json">JSON</a>
  </form>
  <p id="fig-info" class="pub-info" role="status"></p>
  <div class="pub-charts"><div id="fig-chart-rates" class="pub-chart"></div><div id="fig-chart-volume" class="pub-chart"></div></div>
  <div class="pub-table-wrap"><table class="pub-table"><thead><tr><th>月份</th><th>部门</th><th>受理量</th><th>按时签收率</th>
    <th>响应率</th><th>解决率</th><th>满意率</th><th>平均办理用时（工作日）</th></tr></thead><tbody id="fig-rows"></tbody></table></div>
</main>
<script src="/static/console/vendor/echarts.min.js"></script>
<script src="/static/public.js"></script>
</body>
</html>
"""

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'self'; base-uri 'none'; form-action 'self'")




async def page(_request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html", charset="utf-8", headers={
        "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"})


def _int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        raise ApiError(400, f"invalid_{name}", f"{name} 应为整数") from None
    if not low <= number <= high:
        raise ApiError(400, f"invalid_{name}", f"{name} 应在 {low}–{high} 之间")
    return number


def _filters(q) -> dict:
    text = (q.get("q") or "").replace("\x00", "").strip()
    if len(text) > service.MAX_QUERY:
        raise ApiError(400, "invalid_q", f"关键词不能超过 {service.MAX_QUERY} 个字")
    category = q.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise ApiError(400, "invalid_category", f"类别应为 {'、'.join(CATEGORIES)}")
    department = (q.get("department") or "").replace("\x00", "").strip() or None
    if department is not None and len(department) > 64:
        raise ApiError(400, "invalid_department", "部门名称过长")
    return {"text": text or None, "department": department, "category": category}


async def answers(request: web.Request) -> web.Response:
    q = request.query
    page_no = _int(q.get("page"), "page", 1, 1, 10_000)
    size = _int(q.get("page_size"), "page_size", 20, 1, service.MAX_PAGE_SIZE)
    data = await service.public_answers(**_filters(q), page=page_no, page_size=size)
    return json_response(data, headers=PUBLIC_HEADERS)


async def answer(request: web.Request) -> web.Response:
    raw = request.match_info["id"]
    if not raw.isdigit() or len(raw) > 9:
        raise ApiError(404, "not_found", "没有这条公开答复")
    item = await service.public_answer(int(raw))
    if item is None:
        raise ApiError(404, "not_found", "没有这条公开答复")
    return json_response(item, headers=PUBLIC_HEADERS)


_HOST = re.compile(r"[A-Za-z0-9.\-]{1,253}(?::\d{1,5})?|\[[0-9A-Fa-f:]{2,39}\](?::\d{1,5})?")


def _base_url(request: web.Request) -> str:
    """WEB_PUBLIC_URL, else the address the request came to (a Host header that is not a plain
    host name is not echoed into the feed)."""
    configured = get_settings().web_public_url
    if configured:
        return configured
    host = request.host or ""
    return f"{request.scheme}://{host if _HOST.fullmatch(host) else 'localhost'}"


ATOM = "http://www.w3.org/2005/Atom"


def atom_feed(items: list[dict], base: str, now: datetime) -> bytes:
    """An Atom 1.0 document (RFC 4287) of published answers; text is set as data, never markup."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "zh-CN"})

    def sub(parent, tag, text=None, **attrs):
        node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            node.text = text
        return node

    sub(feed, "title", "广安区政务服务 · 诉求答复公开")
    sub(feed, "id", f"{base}/portal/answers")
    sub(feed, "updated", items[0]["published"] if items else sla.iso(now))
    sub(feed, "link", href=f"{base}/portal/answers", rel="alternate", type="text/html")
    sub(feed, "link", href=f"{base}/api/public/answers.atom", rel="self", type="application/atom+xml")
    author = sub(feed, "author")
    sub(author, "name", f"广安区{HOTLINE_NAME}")
    for item in items:
        entry = sub(feed, "entry")
        sub(entry, "title", f"【{item['category']}】{item['question'][:40]}")
        sub(entry, "id", f"{base}/api/public/answers/{item['id']}")
        sub(entry, "updated", item["published"])
        sub(entry, "published", item["published"])
        sub(entry, "link", href=f"{base}/portal/answers#answer-{item['id']}", rel="alternate", type="text/html")
        if item.get("department"):
            sub(entry, "category", term=item["department"], label=item["department"])
        sub(entry, "category", term=item["category"], label=item["category"])
        sub(entry, "summary", item["question"], type="text")
        sub(entry, "content", f"诉求：{item['question']}\n\n答复（{item.get('department') or '承办部门'}，"
                              f"{item['answered']}）：{item['answer']}", type="text")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8")


async def feed(request: web.Request) -> web.Response:
    data = await service.public_answers(**_filters(request.query), page=1, page_size=FEED_SIZE)
    body = atom_feed(data["items"], _base_url(request), datetime.now(timezone.utc))
    return web.Response(body=body, content_type="application/atom+xml", charset="utf-8", headers=PUBLIC_HEADERS)


def _month(value: str | None, name: str, default: date) -> date:
    if not value:
        return default
    try:
        return figures.parse_month(value)
    except ValueError:
        raise ApiError(400, f"invalid_{name}", f"{name} 应为月份 YYYY-MM") from None


async def public_figures(request: web.Request) -> web.Response:
    q = request.query
    today = datetime.now(timezone.utc).astimezone(sla.local_tz()).date().replace(day=1)
    last = _month(q.get("to"), "to", today)
    first = _month(q.get("from"), "from", last.replace(year=last.year - 1 if last.month < 12 else last.year,
                                                       month=last.month % 12 + 1))
    if first > last:
        raise ApiError(400, "invalid_range", "from 不能晚于 to")
    if len(figures.months_between(first, last)) > figures.MAX_MONTHS:
        raise ApiError(400, "invalid_range", f"一次最多查询 {figures.MAX_MONTHS} 个月")
    fmt = q.get("format") or "json"
    if fmt not in ("json", "csv"):
        raise ApiError(400, "invalid_format", "format 应为 json 或 csv")
    department = _filters({"department": q.get("department")})["department"]
    rows = await figures.monthly(first, last, department)
    name = f"figures-{first:%Y-%m}-{last:%Y-%m}"
    if fmt == "csv":
        return web.Response(text=figures.to_csv(rows), content_type="text/csv", charset="utf-8", headers={
            **PUBLIC_HEADERS, "Content-Disposition": f'attachment; filename="{name}.csv"'})
    return json_response({"from": f"{first:%Y-%m}", "to": f"{last:%Y-%m}", "department": department,
                  "columns": figures.TITLES, "rows": rows}, headers=PUBLIC_HEADERS)


# ---- the console: moderation ------------------------------------------------------------------

async def moderation_queue(request: web.Request) -> web.Response:
    who = await principal(request, *service.MODERATOR_ROLES)
    q = request.query
    try:
        return json_response(await service.queue(who, state=q.get("state") or "pending",
                                         limit=_int(q.get("limit"), "limit", 50, 1, 200),
                                         offset=_int(q.get("offset"), "offset", 0, 0, 1_000_000)))
    except TicketError as exc:
        raise ticket_api_error(exc) from exc


async def decide(request: web.Request) -> web.Response:
    who = await principal(request, *service.MODERATOR_ROLES)
    body = await read_json(request) if request.can_read_body else {}

    async def run():
        try:
            return 200, await service.decide(request.match_info["ticket_no"], request.match_info["action"], who,
                                             params=body)
        except TicketError as exc:
            raise ticket_api_error(exc) from exc
    return await desk.once(request, who.username, run)


def setup(app: web.Application) -> None:
    app.router.add_get("/portal/answers", page)
    app.router.add_get("/api/public/answers", answers)
    app.router.add_get("/api/public/answers.atom", feed)
    app.router.add_get("/api/public/answers/{id}", answer)
    app.router.add_get("/api/public/figures", public_figures)
    app.router.add_get("/api/publication/queue", moderation_queue)
    app.router.add_post("/api/publication/{ticket_no}/{action:approve|reject|withdraw}", decide)
