"""The 一次性告知单 in the agent console, in real headless Chromium against the live stack: the caller's
words prefill the guide's questions, the agent completes one (kept when the next utterance redraws
the suggestions), opens the caller's list and sends its link by SMS (the stack's log-only sender)."""
from __future__ import annotations

import pytest
import requests

from tests.conftest_channels import channels_stack  # noqa: F401  (fixture)
from tests.test_console_browser import login, tokens  # noqa: F401  (fixture, helper)
from tests.test_portal_browser import browser, wait  # noqa: F401  (fixture, helper)

pytestmark = pytest.mark.stack

BOX = "#call-suggestions li[data-id='residence-permit'] .gc-situations"
# Every step reads the page afresh (the suggestions are redrawn while the call goes on).
VALUE = "const e = document.querySelector(arguments[0]); return e ? e.value : null"
CHOOSE = ("const s = document.querySelector(arguments[0]); s.value = arguments[1];"
          "s.dispatchEvent(new Event('change'))")
TEXT = "const e = document.querySelector(arguments[0]); return e ? e.textContent : ''"
CLICK = "document.querySelector(arguments[0]).click()"


def question(name: str) -> str:
    return f"{BOX} select[data-question='{name}']"


def test_agent_completes_the_situation_and_sends_the_list(browser, channels_stack, tokens):  # noqa: F811
    login(browser, channels_stack, tokens["dispatcher"])
    browser.find_element("id", "call-input").send_keys("我想办居住证，第一次办，我在这边打工\n")
    wait(browser, lambda d: d.execute_script(TEXT, "#call-status").startswith("已更新")
         and d.find_elements("css selector", BOX), message="no situation box for 居住证")
    browser.execute_script(CLICK, BOX + " summary")
    assert browser.execute_script(VALUE, question("stage")) == "first"
    assert browser.execute_script(VALUE, question("basis")) == "job"
    assert browser.execute_script(VALUE, question("agent")) == ""
    browser.execute_script(CHOOSE, question("agent"), "agent")
    # the next utterance redraws the suggestions: the agent's choice and the open box stay
    browser.find_element("id", "call-input").send_keys("她说要快一点\n")
    wait(browser, lambda d: len(d.find_elements("css selector", "#call-turns li")) == 2
         and d.execute_script(TEXT, "#call-status").startswith("已更新"), message="second utterance not analysed")
    wait(browser, lambda d: d.execute_script(VALUE, question("agent")) == "agent", message="agent's choice lost")
    assert browser.execute_script("return document.querySelector(arguments[0]).open", BOX) is True
    href = browser.execute_script("return document.querySelector(arguments[0]).href", BOX + " .gc-sit-link")
    assert href.endswith("/checklist/residence-permit?agent=agent&basis=job&stage=first")
    page = requests.get(href, timeout=10)
    assert page.status_code == 200 and "代办人居民身份证" in page.text and "劳动合同" in page.text
    # no phone yet: the agent is told, nothing is sent
    browser.execute_script(CLICK, BOX + " .gc-sit-sms")
    wait(browser, lambda d: "请先在工单中填写" in d.execute_script(TEXT, BOX + " .gc-sit-status"))
    browser.find_element("id", "ticket-phone").send_keys("13900001111")
    browser.execute_script(CLICK, BOX + " .gc-sit-sms")
    wait(browser, lambda d: d.execute_script(TEXT, BOX + " .gc-sit-status") == "已发送至 139****1111",
         message="SMS not sent")
