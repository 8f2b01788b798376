"""外网公开反馈 in real headless Chromium against the web service alone (no Rasa): a supervisor
publishes an answered ticket from the console's 公开审核 tab; the public page then lists it without
personal data, searches, and draws the figures (ECharts) with their table. No script error, no
CSP violation."""
from __future__ import annotations

import pytest
import requests

from tests.test_portal_browser import browser, console_login, wait  # noqa: F401  (fixture, helper)
from tests.test_supervision_browser import web  # noqa: F401  (fixture)

ADMIN = "publication-browser-admin-token"
PERSONAL = ("张三丰", "13912345678", "51160219900101123X", "川A·12345", "3栋2单元501")


@pytest.fixture
def admin_token(monkeypatch):
    """The admin token of the settings, set before ``web`` reads them."""
    monkeypatch.setenv("GOV_ADMIN_TOKEN", ADMIN)
    return ADMIN


def _answered_ticket(base: str) -> str:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    t = requests.post(f"{base}/api/tickets", headers=headers, timeout=30, json={
        "description": "我叫张三丰，电话13912345678，身份证51160219900101123X，住幸福小区3栋2单元501室，"
                       "楼下川A·12345的车天天堵消防通道", "category": "投诉", "department": "区住建局",
        "publish_consent": True, "contact_phone": "13912345678", "contact_name": "张三丰"}).json()
    for action, body in (("sign", {}), ("reply", {"text": "已联系车主挪车，并在通道口加装隔离桩"}), ("resolve", {})):
        resp = requests.post(f"{base}/api/tickets/{t['ticket_no']}/{action}", json=body, headers=headers, timeout=30)
        assert resp.status_code == 200, resp.text
    return t["ticket_no"]


def _severe(driver) -> list:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE" and "favicon" not in e.get("message", "")]


def test_moderator_publishes_and_the_public_page_shows_it(browser, admin_token, web):  # noqa: F811
    base, tokens = web
    ticket_no = _answered_ticket(base)

    browser.get_log("browser")
    console_login(browser, base, tokens["s1"], "publication")
    wait(browser, lambda d: ticket_no in d.find_element("id", "pub-items").text, message="candidate not listed")
    drafts = browser.execute_script("return Array.from(document.querySelectorAll('#pub-items textarea')).map(t => t.value)")
    assert len(drafts) == 2 and "［号码］" in drafts[0]
    assert not any(p in "".join(drafts) for p in PERSONAL), drafts
    publish = [b for b in browser.find_elements("css selector", "#pub-items button") if b.text == "公开"]
    publish[0].click()
    wait(browser, lambda d: "已公开" in d.find_element("id", "pub-info").text, message="not published")
    assert not _severe(browser), _severe(browser)

    browser.get(f"{base}/portal/answers")
    wait(browser, lambda d: "共 1 条" in d.find_element("id", "pub-info").text, message="answer not listed")
    listed = browser.find_element("id", "pub-list").text
    assert "已联系车主挪车" in listed and "区住建局" in listed and "［车牌号］" in listed
    assert not any(p in browser.page_source for p in PERSONAL)
    assert ticket_no not in browser.page_source
    wait(browser, lambda d: d.find_elements("css selector", "#fig-rows tr"), message="figures not shown")
    assert browser.execute_script(
        "return ['fig-chart-rates','fig-chart-volume'].map(id => document.querySelectorAll('#' + id + ' canvas').length)"
    ) == [1, 1]
    months = browser.find_elements("css selector", "#fig-rows tr")
    assert len(months) >= 12 and any("区住建局" in r.text for r in months)
    assert "format=csv" in browser.find_element("id", "fig-csv").get_attribute("href")

    box = browser.find_element("id", "pub-q")
    box.send_keys("没有这个词")
    browser.find_element("css selector", "#pub-search button[type='submit']").click()
    wait(browser, lambda d: "没有找到" in d.find_element("id", "pub-info").text, message="search did not run")
    assert not _severe(browser), _severe(browser)
