"""The 一次性告知单 in the agent console, in real headless Chromium against the live stack: the caller's
words prefill the guide's questions, the agent completes one, opens the caller's list and sends its
link by SMS (the stack's log-only sender)."""
from __future__ import annotations

import pytest
import requests

from tests.conftest_channels import channels_stack  # noqa: F401  (fixture)
from tests.test_console_browser import login, tokens  # noqa: F401  (fixture, helper)
from tests.test_portal_browser import browser, wait  # noqa: F401  (fixture, helper)

pytestmark = pytest.mark.stack

BOX = "#call-suggestions li[data-id='residence-permit'] .gc-situations"


def test_agent_completes_the_situation_and_sends_the_list(browser, channels_stack, tokens):  # noqa: F811
    login(browser, channels_stack, tokens["dispatcher"])
    browser.find_element("id", "call-input").send_keys("我想办居住证，第一次办，我在这边打工\n")
    wait(browser, lambda d: d.find_elements("css selector", BOX), message="no situation box for 居住证")
    browser.find_element("css selector", BOX + " summary").click()
    value = "return document.querySelector(arguments[0]).value"
    assert browser.execute_script(value, BOX + " select[data-question='stage']") == "first"
    assert browser.execute_script(value, BOX + " select[data-question='basis']") == "job"
    assert browser.execute_script(value, BOX + " select[data-question='agent']") == ""
    browser.execute_script("const s = document.querySelector(arguments[0]); s.value = 'agent';"
                           "s.dispatchEvent(new Event('change'))", BOX + " select[data-question='agent']")
    href = browser.find_element("css selector", BOX + " .gc-sit-link").get_attribute("href")
    assert href.endswith("/checklist/residence-permit?agent=agent&basis=job&stage=first")
    page = requests.get(href, timeout=10)
    assert page.status_code == 200 and "代办人居民身份证" in page.text and "劳动合同" in page.text
    # no phone yet: the agent is told, nothing is sent
    browser.find_element("css selector", BOX + " .gc-sit-sms").click()
    wait(browser, lambda d: "请先在工单中填写" in d.find_element("css selector", BOX + " .gc-sit-status").text)
    browser.find_element("id", "ticket-phone").send_keys("13900001111")
    browser.find_element("css selector", BOX + " .gc-sit-sms").click()
    wait(browser, lambda d: d.find_element("css selector", BOX + " .gc-sit-status").text == "已发送至 139****1111",
         message="SMS not sent")
