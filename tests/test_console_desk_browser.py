"""The agent desktop (#16) in real headless Chromium against the live stack, with the browser's
clock zone set to New York: times in China time, the display name in the header, two rapid clicks
on 生成工单 making one ticket, the caller's history and the call timer, an urgent ticket first with
an alert, the full ticket view with call notes and every note, and a conflicting edit saying who
changed what."""
from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy.orm import Session

from tests.conftest_channels import channels_stack  # noqa: F401  (fixture)
from tests.test_console_browser import login, texts
from tests.test_portal_browser import browser, wait  # noqa: F401  (fixture, helper)

pytestmark = pytest.mark.stack
ELSEWHERE = "America/New_York"


@pytest.fixture(scope="module")
def desk(channels_stack):
    """Users of the stack's database (a dispatcher with a display name, two handlers of 区公安分局)."""
    from bot.auth import service as auth
    from bot.db import migrate, sync_engine

    url = f"sqlite:///{channels_stack.var_dir / 'app.db'}"
    migrate.upgrade(url)
    engine = sync_engine(url)
    suffix = uuid.uuid4().hex[:6]
    out = {"url": url, "suffix": suffix}
    with Session(engine, future=True) as s, s.begin():
        auth.sync_departments(s)
        auth.add_user(s, f"desk-{suffix}", "dispatcher", display_name="王小丽")
        auth.add_user(s, f"police1-{suffix}", "handler", "区公安分局")
        auth.add_user(s, f"police2-{suffix}", "handler", "区公安分局")
        out["dispatcher"] = auth.issue_token(s, f"desk-{suffix}")
        out["handler"] = auth.issue_token(s, f"police1-{suffix}")
        out["handler2"] = auth.issue_token(s, f"police2-{suffix}")
        out["handler2_name"] = f"police2-{suffix}"
    engine.dispose()
    return out


@pytest.fixture
def elsewhere(browser):
    """The browser's clock zone set to New York (CDP), so China time must be computed, not assumed."""
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ELSEWHERE})
    yield browser
    browser.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": ""})


def api(stack, token, method, path, **kw):
    return requests.request(method, f"{stack.web}{path}", timeout=15,
                            headers={"Authorization": f"Bearer {token}"}, **kw)


def china(iso: str) -> str:
    d = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo("Asia/Shanghai"))
    return f"{d.month}月{d.day}日 {d.hour:02d}:{d.minute:02d}"


def make_tickets(url: str, *bodies: dict) -> list[dict]:
    """Tickets straight into the stack's database, left in 待派单 (no automatic dispatch or link)."""
    from bot.auth.service import Principal
    from bot.db import dispose_engine
    from bot.tickets import service

    async def run():
        try:
            return [await service.create_ticket(b, actor=Principal("seed", "dispatcher"), url=url,
                                                auto_dispatch=False, link=False) for b in bodies]
        finally:
            await dispose_engine()
    return asyncio.run(run())


def test_times_are_china_time_and_the_header_has_the_display_name(elsewhere, channels_stack, desk):
    browser = elsewhere
    created = api(channels_stack, desk["dispatcher"], "POST", "/api/tickets", json={
        "description": "身份证补办进度咨询，需要部门回电", "department": "区公安分局", "category": "求助"})
    assert created.status_code == 201, created.text
    t = created.json()
    browser.get(f"{channels_stack.web}/static/console/vendor/echarts.LICENSE")  # see console_login
    browser.execute_script("sessionStorage.clear()")
    browser.get(f"{channels_stack.web}/console")
    assert browser.execute_script("return Intl.DateTimeFormat().resolvedOptions().timeZone") == ELSEWHERE
    assert "python -m" not in browser.find_element("id", "gc-login").text  # no CLI text for agents
    assert browser.execute_script("return document.querySelector('link[rel=icon]').href").endswith("favicon.svg")
    login(browser, channels_stack, desk["handler"])
    row = f"#wb-rows tr[data-ticket='{t['ticket_no']}']"
    wait(browser, lambda d: d.find_elements("css selector", row), message="ticket not on the workbench")
    cells = texts(browser, row + " td")
    assert cells[4] == china(t["sign_by"]) and cells[5] == china(t["resolve_by"])
    # what the browser's own zone would have shown is another time
    local = browser.execute_script("var d = new Date(arguments[0]); return d.getHours()", t["resolve_by"])
    assert local != datetime.fromisoformat(t["resolve_by"]).astimezone(ZoneInfo("Asia/Shanghai")).hour
    # the status column does not wrap character by character
    assert browser.execute_script(f"return getComputedStyle(document.querySelector(\"{row} td:nth-child(4)\")).whiteSpace") == "nowrap"
    login(browser, channels_stack, desk["dispatcher"])
    assert browser.find_element("id", "gc-who").text.startswith("王小丽（")


def test_two_rapid_clicks_make_one_ticket_with_the_callers_history(elsewhere, channels_stack, desk):
    browser = elsewhere
    from selenium.webdriver.common.action_chains import ActionChains

    marker = uuid.uuid4().hex[:8]
    phone = "139" + str(uuid.uuid4().int)[:8]
    earlier = api(channels_stack, desk["dispatcher"], "POST", "/api/tickets", json={
        "description": "上个月反映过的路灯问题 " + marker, "contact_phone": phone, "department": "区公安分局"}).json()
    login(browser, channels_stack, desk["dispatcher"])
    wait(browser, lambda d: d.find_element("id", "call-timer").text.startswith("通话时长 "), message="no call timer")
    browser.find_element("id", "ticket-description").send_keys("小区门口路灯又坏了，晚上很黑 " + marker)
    browser.find_element("id", "call-notes").send_keys("已告知会转交相关部门")
    browser.find_element("id", "ticket-phone").send_keys(phone)
    # the caller's history (masked) appears under the number
    wait(browser, lambda d: earlier["ticket_no"] in d.find_element("id", "call-caller").text,
         message="caller history not shown")
    caller = browser.find_element("id", "call-caller").text
    assert phone not in caller and phone[:3] + "****" + phone[-4:] in caller and "历史工单 1 件" in caller
    button = browser.find_element("id", "ticket-create")
    ActionChains(browser).double_click(button).perform()
    wait(browser, lambda d: d.find_elements("css selector", "#ticket-result .gc-ticket-no"), message="no ticket created")
    no = browser.find_element("css selector", "#ticket-result .gc-ticket-no").text
    # the form is cleared: a third click makes nothing
    assert browser.find_element("id", "ticket-description").get_attribute("value") == ""
    button.click()
    wait(browser, lambda d: "请填写诉求内容" in d.find_element("id", "ticket-result").text)
    found = api(channels_stack, desk["dispatcher"], "GET", "/api/tickets", params={"q": "又坏了，晚上很黑 " + marker}).json()
    assert [i["ticket_no"] for i in found["items"]] == [no]
    ticket = api(channels_stack, desk["dispatcher"], "GET", f"/api/tickets/{no}").json()
    assert [m["from"] for m in ticket["transcript"]] == ["agent_notes", "call"]
    assert ticket["transcript"][1]["text"].startswith("通话时长 ") and ticket["transcript"][1]["seconds"] >= 0
    # the same request sent again by the page's own client, with one key, is answered with the same ticket
    again = browser.execute_async_script("""
        var done = arguments[arguments.length - 1], key = window.GovConsole.requestKey();
        var body = {description: "重复提交测试 " + arguments[0], department: "区公安分局"};
        Promise.all([window.GovConsole.api("POST", "/api/tickets", body, key),
                     window.GovConsole.api("POST", "/api/tickets", body, key)])
          .then(function (r) { done([r[0].ticket_no, r[1].ticket_no]); }, function (e) { done(String(e)); });""", marker)
    assert isinstance(again, list) and again[0] == again[1], again


def test_urgent_ticket_first_with_an_alert_and_the_full_view(elsewhere, channels_stack, desk):
    browser = elsewhere
    marker = uuid.uuid4().hex[:8]
    praise, gas = make_tickets(desk["url"],
        {"description": "表扬社区网格员热心帮忙 " + marker, "category": "表扬", "urgent": False},
        {"description": "楼道里煤气味很大，邻居家没人，" + "请尽快派人来看看。" * 12 + marker, "category": "求助",
         "urgent": True, "contact_phone": "13800001234", "location": "和平路12号",
         "transcript": [{"from": "caller", "text": "楼道里煤气味很大"}, {"from": "agent_notes", "text": "已提醒不要开关电器"},
                        {"from": "call", "text": "通话时长 01:40", "seconds": 100}]})
    login(browser, channels_stack, desk["dispatcher"])
    browser.find_element("css selector", "#gc-tabs button[data-tab='queue']").click()
    # the alert above the queue and the badge on the tab, on whichever tab
    wait(browser, lambda d: d.find_element("id", "queue-alert").is_displayed(), message="no urgent alert")
    assert "紧急工单" in browser.find_element("id", "queue-alert").text
    assert int(browser.find_element("id", "queue-urgent-count").text) >= 1
    browser.find_element("id", "queue-q").send_keys(marker + "\n")
    wait(browser, lambda d: len(d.find_elements("css selector", "#queue-rows tr[data-ticket]")) == 2,
         message="search did not find the two tickets")
    # one snapshot in the page: the queue redraws on its own timer, so element handles can go stale
    rows = browser.execute_script("return Array.from(document.querySelectorAll('#queue-rows tr[data-ticket]'))"
                                  ".map(r => ({no: r.dataset.ticket, cls: r.className, text: r.innerText}))")
    assert rows[0]["no"] == gas["ticket_no"]  # urgent first, above the praise
    assert "gc-row-urgent" in rows[0]["cls"] and "急" in rows[0]["text"]
    assert rows[1]["no"] == praise["ticket_no"]
    assert "共 2 件" in browser.find_element("id", "queue-info").text
    # the full view from the row: whole text, transcript with call notes and timer, routing reasons, history
    browser.execute_script(f"document.querySelector(\"#queue-rows tr[data-ticket='{gas['ticket_no']}'] td:nth-child(5) div\").click()")
    wait(browser, lambda d: d.find_element("id", "desk-ticket").is_displayed(), message="no ticket view")
    view = browser.find_element("id", "desk-ticket").text
    assert gas["ticket_no"] in view and "请尽快派人来看看。" * 12 + marker in view.replace("\n", "")
    assert "已提醒不要开关电器" in view and "通话时长 01:40" in view and "派单建议及理由" in view and "办理记录" in view
    assert china(gas["resolve_by"]) in view
    browser.find_element("css selector", "#desk-ticket .gc-dialog-close").click()
    wait(browser, lambda d: not d.find_element("id", "desk-ticket").is_displayed())
    # dispatched, it leaves the alert
    select = f"#queue-rows tr[data-ticket='{gas['ticket_no']}'] input"
    browser.find_element("css selector", select).send_keys("区住建局")
    browser.find_element("css selector", f"#queue-rows tr[data-ticket='{gas['ticket_no']}'] button:not([data-open-ticket])").click()
    wait(browser, lambda d: gas["ticket_no"] not in d.find_element("id", "queue-alert").text
         and not d.find_elements("css selector", f"#queue-rows tr[data-ticket='{gas['ticket_no']}'] select"),
         message="dispatched ticket still alerted")


def test_conflicting_edit_says_who_changed_what_and_notes_show(elsewhere, channels_stack, desk):
    browser = elsewhere
    created = api(channels_stack, desk["dispatcher"], "POST", "/api/tickets", json={
        "description": "户籍证明开具咨询 " + uuid.uuid4().hex[:6], "department": "区公安分局", "category": "咨询"}).json()
    no = created["ticket_no"]
    login(browser, channels_stack, desk["handler"])
    row = f"#wb-rows tr[data-ticket='{no}']"
    wait(browser, lambda d: d.find_elements("css selector", row), message="ticket not on the workbench")
    browser.execute_script(f"document.querySelector(\"{row}\").click()")
    wait(browser, lambda d: d.find_elements("css selector", "#wb-detail button[data-action='sign']"))
    # meanwhile a colleague signs it and notes a call
    assert api(channels_stack, desk["handler2"], "POST", f"/api/tickets/{no}/sign", json={}).status_code == 200
    assert api(channels_stack, desk["handler2"], "POST", f"/api/tickets/{no}/contact",
               json={"note": "已电话联系群众，约定明天来办"}).status_code == 200
    browser.find_element("css selector", "#wb-detail button[data-action='sign']").click()
    # (the workbench's message line had no id before #16: no error of an action was ever shown)
    wait(browser, lambda d: "已被他人更新" in d.find_element("id", "wb-message").text, message="no conflict message")
    message = browser.find_element("id", "wb-message").text
    assert desk["handler2_name"] in message and "签收" in message and "联系群众" in message
    history = browser.find_element("css selector", "#wb-detail .gc-history").text
    assert "已电话联系群众，约定明天来办" in history  # the contact note under 办理记录
    browser.find_element("css selector", "#wb-detail button[data-open-ticket]").click()
    wait(browser, lambda d: d.find_element("id", "desk-ticket").is_displayed())
    assert "已电话联系群众，约定明天来办" in browser.find_element("id", "desk-ticket").text


def test_admin_keeps_canned_replies_and_an_agent_inserts_one(browser, channels_stack, desk):
    from bot.auth import service as auth
    from bot.db import dispose_engine, sync_engine
    from bot.livechat import service

    engine = sync_engine(desk["url"])
    with Session(engine, future=True) as s, s.begin():
        auth.add_user(s, f"desk-admin-{desk['suffix']}", "admin")
        admin = auth.issue_token(s, f"desk-admin-{desk['suffix']}")
    engine.dispose()
    marker = uuid.uuid4().hex[:6]
    login(browser, channels_stack, admin)
    browser.find_element("css selector", "#gc-tabs button[data-tab='chat']").click()
    wait(browser, lambda d: d.find_element("id", "canned-admin").is_displayed(), message="no 常用语管理 for the admin")
    browser.find_element("id", "canned-title").send_keys("受理告知" + marker)
    browser.find_element("id", "canned-text").send_keys("您好，您反映的问题已记录，我们会尽快转交相关部门办理。")
    browser.find_element("id", "canned-save").click()
    wait(browser, lambda d: "受理告知" + marker in d.find_element("id", "canned-list").text, message="not added")

    async def handoff():
        try:
            await service.request_handoff(uuid.uuid4().hex, "socketio", "我要人工 " + marker, url=desk["url"])
        finally:
            await dispose_engine()
    asyncio.run(handoff())
    login(browser, channels_stack, desk["dispatcher"])
    assert not browser.find_elements("id", "canned-admin")  # only admins keep the list
    browser.find_element("css selector", "#gc-tabs button[data-tab='chat']").click()
    wait(browser, lambda d: any(marker in t for t in texts(d, "#chat-list li")), message="hand-off not queued")
    item = next(i for i in browser.find_elements("css selector", "#chat-list li[data-id]") if marker in i.text)
    assert "已等 " in item.text
    item.click()
    wait(browser, lambda d: d.find_elements("css selector", "#chat-canned option[title]"), message="no 常用语")
    browser.find_element("id", "chat-reply").send_keys("王女士，")
    browser.execute_script(
        "var s = document.getElementById('chat-canned');"
        "s.value = Array.from(s.options).find(o => o.text.indexOf(arguments[0]) >= 0).value;"
        "s.dispatchEvent(new Event('change'))", "受理告知" + marker)
    value = browser.find_element("id", "chat-reply").get_attribute("value")
    assert value.startswith("王女士，") and "已记录，我们会尽快转交" in value
    time.sleep(6)  # the detail is drawn again every 5 s: the draft survives
    assert browser.find_element("id", "chat-reply").get_attribute("value") == value


def test_readable_at_1366_by_768_without_sideways_scrolling(browser, channels_stack, desk):
    browser.set_window_size(1366, 768)
    try:
        login(browser, channels_stack, desk["dispatcher"])
        for tab in ("call", "queue", "chat", "dashboard"):
            browser.find_element("css selector", f"#gc-tabs button[data-tab='{tab}']").click()
            time.sleep(1)
            wide = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
            assert wide[0] <= wide[1], (tab, wide)
        # Alt+Q goes to the queue's search box
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys

        browser.find_element("css selector", "#gc-tabs button[data-tab='call']").click()
        ActionChains(browser).key_down(Keys.ALT).send_keys("q").key_up(Keys.ALT).perform()
        wait(browser, lambda d: d.switch_to.active_element.get_attribute("id") == "queue-q", message="Alt+Q")
    finally:
        browser.set_window_size(1280, 900)
