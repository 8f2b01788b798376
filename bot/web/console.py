"""GET /console: the agent console (hotline call panel, dispatcher's queue, department workbench,
live chat queue, dashboard) — a static page whose scripts call the JSON API with the bearer token
the user logs in with (kept in sessionStorage). docs/console.md.

Also the small read APIs only the console needs:
GET /api/console/me          → who the token belongs to (the page shows the tabs of the role) and, for
                               admins, the notices shown as a banner (the holiday calendar running out)
GET /api/console/dashboard   → tickets by day and category, SLA lights, the top hot events (bot.tickets.hot)
"""
from __future__ import annotations


from aiohttp import web

from bot.web import desk, livechat
from bot.web.http import json_response, principal

SCRIPTS = ("core.js", "inbox.js", "call.js", "queue.js", "workbench.js", "livechat.js", "dashboard.js", "desk.js", "canned.js",
           "supervision.js", "disclosure.js", "publication.js", "feedback.js")  # these build their own tabs (电子监察
# docs/supervision.md, 信息公开年报 docs/disclosure.md, 公开审核 docs/publication.md, 答案评价 docs/feedback.md)

PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>12345 坐席工作台 · 广安区政务智能助手</title>
<link rel="icon" href="/static/console/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/console/console.css">
<link rel="stylesheet" href="/static/console/desk.css">
</head>
<body>
<header class="gc-header">
  <h1>12345 坐席工作台</h1>
  <span id="gc-who" class="gc-who"></span>
  <button id="gc-logout" class="gc-link" type="button" hidden>退出登录</button>
</header>
<section id="gc-login" class="gc-login">
  <h2>登录</h2>
  <p>请输入管理员发放的访问令牌。没有令牌或令牌失效，请联系系统管理员。</p>
  <form id="gc-login-form">
    <input id="gc-token" type="password" autocomplete="off" placeholder="访问令牌" aria-label="访问令牌">
    <button type="submit">登录</button>
  </form>
  <p id="gc-login-error" class="gc-error" role="alert"></p>
</section>
<main id="gc-app" hidden>
  <div id="gc-banner" class="gc-banner" role="alert" hidden></div>
  <section id="gc-inbox" class="gc-inbox" hidden aria-live="polite">
    <h2>督办提醒<span id="gc-inbox-count" class="gc-count"></span></h2>
    <ul id="gc-inbox-items"></ul>
  </section>
  <nav class="gc-tabs" id="gc-tabs">
    <button type="button" data-tab="call" data-roles="dispatcher supervisor admin">来电辅助</button>
    <button type="button" data-tab="queue" data-roles="dispatcher supervisor admin">派单队列</button>
    <button type="button" data-tab="workbench" data-roles="handler supervisor admin">部门工作台</button>
    <button type="button" data-tab="chat" data-roles="dispatcher supervisor admin">在线会话<span id="gc-chat-count" class="gc-count"></span></button>
    <button type="button" data-tab="dashboard" data-roles="dispatcher supervisor handler admin">数据看板</button>
  </nav>

  <section class="gc-panel" id="tab-call" hidden>
    <div class="gc-call-head">
      <span>来电编号：<strong id="call-id"></strong></span>
      <button type="button" id="call-new">新来电</button>
      <span id="call-status" class="gc-muted"></span>
    </div>
    <div class="gc-cols">
      <div class="gc-col">
        <label for="call-input">来电人说（边输入边出建议；回车记入通话）</label>
        <textarea id="call-input" rows="3" placeholder="输入或粘贴来电人说的话"></textarea>
        <div class="gc-row"><button type="button" id="call-commit">记入通话</button></div>
        <h3>通话记录</h3>
        <ol id="call-turns" class="gc-turns"></ol>
        <label for="call-notes">通话记录备注（点击建议答复的“插入”加入此处）</label>
        <textarea id="call-notes" rows="8"></textarea>
      </div>
      <div class="gc-col">
        <div id="call-analysis" class="gc-analysis">
          <div>意图：<span id="call-intent">—</span></div>
          <div>类别：<span id="call-category">—</span> <span id="call-urgent" class="gc-urgent" hidden></span></div>
          <div>推荐承办部门：<span id="call-departments">—</span></div>
          <div id="call-same-issue" class="gc-same-issue" role="status" hidden></div>
        </div>
        <h3>建议答复</h3>
        <ol id="call-suggestions" class="gc-suggestions"></ol>
        <h3>生成工单</h3>
        <form id="ticket-form" class="gc-form">
          <label>诉求内容<textarea id="ticket-description" rows="4"></textarea></label>
          <label>类别<select id="ticket-category">
            <option>咨询</option><option>求助</option><option>投诉</option><option>举报</option><option>建议</option><option>表扬</option>
          </select></label>
          <label class="gc-inline"><input type="checkbox" id="ticket-urgent"> 紧急</label>
          <label>承办部门<select id="ticket-department"><option value="">自动派单（按推荐）</option></select></label>
          <label>联系电话<input id="ticket-phone" inputmode="numeric" maxlength="11"></label>
          <label>联系人<input id="ticket-name" maxlength="64"></label>
          <label>地点<input id="ticket-location" maxlength="200"></label>
          <label class="gc-inline" title="请询问来电人：诉求和答复隐去个人信息后，是否同意在政府网站公开"><input type="checkbox" id="ticket-publish"> 来电人同意公开答复（隐去个人信息）</label>
          <button type="submit" id="ticket-create">生成工单</button>
          <p id="ticket-result" class="gc-result" role="status"></p>
        </form>
      </div>
    </div>
  </section>

  <section class="gc-panel" id="tab-queue" hidden>
    <div class="gc-row">
      <label>状态 <select id="queue-status">
        <option value="pending_dispatch">待派单</option><option value="returned">已退单</option>
        <option value="dispatched">待签收</option><option value="signed">已签收</option>
        <option value="contacted">处理中</option><option value="replied">已答复</option>
        <option value="resolved">已办结</option><option value="closed">已回访</option><option value="">全部</option>
      </select></label>
      <button type="button" id="queue-refresh">刷新</button>
      <span id="queue-info" class="gc-muted"></span>
    </div>
    <table class="gc-table"><thead><tr><th>灯</th><th>工单号</th><th>受理时间</th><th>类别</th><th>内容</th><th>部门</th><th>状态</th><th>操作</th></tr></thead>
      <tbody id="queue-rows"></tbody></table>
  </section>

  <section class="gc-panel" id="tab-workbench" hidden>
    <div class="gc-row">
      <label>灯 <select id="wb-light"><option value="">全部</option><option value="red">红灯</option><option value="yellow">黄灯</option><option value="green">绿灯</option></select></label>
      <button type="button" id="wb-refresh">刷新</button>
      <span id="wb-info" class="gc-muted"></span>
    </div>
    <div class="gc-cols">
      <div class="gc-col"><table class="gc-table"><thead><tr><th>灯</th><th>工单号</th><th>内容</th><th>状态</th><th>签收时限</th><th>办结时限</th></tr></thead>
        <tbody id="wb-rows"></tbody></table></div>
      <div class="gc-col" id="wb-detail"><p class="gc-muted">选择左侧工单查看详情和办理。</p></div>
    </div>
  </section>

  <section class="gc-panel" id="tab-chat" hidden>
    <div class="gc-cols">
      <div class="gc-col">
        <div class="gc-row"><button type="button" id="chat-refresh">刷新</button><span id="chat-info" class="gc-muted"></span></div>
        <ul id="chat-list" class="gc-chat-list"></ul>
      </div>
      <div class="gc-col" id="chat-detail"><p class="gc-muted">选择左侧会话接入。</p></div>
    </div>
  </section>

  <section class="gc-panel" id="tab-dashboard" hidden>
    <div class="gc-row"><button type="button" id="dash-refresh">刷新</button><span id="dash-info" class="gc-muted"></span></div>
    <div id="dash-alerts" class="gc-alerts" role="alert"></div>
    <div class="gc-lights" id="dash-lights"></div>
    <div class="gc-charts">
      <div class="gc-chart" id="chart-days"></div>
      <div class="gc-chart" id="chart-categories"></div>
      <div class="gc-chart" id="chart-kpi"></div>
      <div class="gc-chart" id="chart-topics"></div>
    </div>
    <h3>热点事件（同一地点、同一问题）</h3>
    <ol id="dash-events" class="gc-events"></ol>
    <table class="gc-table"><thead><tr><th>部门</th><th>工单</th><th>签收及时率</th><th>响应率</th><th>解决率</th><th>满意率</th><th>在办</th><th>超期</th></tr></thead>
      <tbody id="dash-kpi-rows"></tbody></table>
  </section>
</main>
<script src="/static/console/vendor/echarts.min.js"></script>
{scripts}
</body>
</html>
"""

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'")




async def page(_request: web.Request) -> web.Response:
    scripts = "\n".join(f'<script src="/static/console/{name}"></script>' for name in SCRIPTS)
    return web.Response(text=PAGE.replace("{scripts}", scripts), content_type="text/html", charset="utf-8", headers={
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    })


def admin_notices() -> list[dict]:
    """What the console shows admins above everything: the calendar running out (bot.calendar)."""
    from bot.calendar import coverage

    cover = coverage()
    if cover.ok:
        return []
    return [{"kind": "calendar", "text": cover.to_json()["message"],
             "hint": "请在 knowledge/holidays.yml 录入国务院办公厅放假安排通知，然后运行 "
                     "python -m bot calendar recompute"}]


async def me(request: web.Request) -> web.Response:
    who = await principal(request)
    notices = admin_notices() if who.role == "admin" else []
    return json_response({"username": who.username, "display_name": await _display_name(who), "role": who.role,
                  "department": who.department, "notices": notices})


async def _display_name(who) -> str:
    """The name the header shows (users add --display-name), else the login name."""
    from sqlalchemy import select

    from bot.auth.models import User
    from bot.db import session_scope

    try:
        async with session_scope() as session:
            name = (await session.execute(select(User.display_name).where(User.username == who.username))
                    ).scalar_one_or_none()
    except Exception:  # the admin token has no user row; a database hiccup only costs the nicer name
        name = None
    return name or who.username


async def dashboard(request: web.Request) -> web.Response:
    from bot import dashboard as figures

    who = await principal(request, "dispatcher", "supervisor", "handler")
    department = who.department if who.role == "handler" else (request.query.get("department") or None)
    try:
        days = max(1, min(90, int(request.query.get("days", "14"))))
    except ValueError:
        days = 14
    return json_response(await figures.compute(department=department, days=days))


def setup(app: web.Application) -> None:
    app.router.add_get("/console", page)
    app.router.add_get("/console/", page)
    app.router.add_get("/api/console/me", me)
    app.router.add_get("/api/console/dashboard", dashboard)
    desk.setup(app)
    livechat.setup(app)
