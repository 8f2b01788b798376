"""The 申报预检 page in real headless Chromium against a live web service (`python -m bot serve`,
real OCR): from the 一次性告知单's link the citizen types their name, picks both sides of an ID card
(rendered here) for 本人居民身份证, sees the upload confirmed, asks for the result (ID card 齐全, photo
缺少), is told politely that an SVG is not accepted, and deletes everything."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from bot.calendar import local_today
from tests.hardening_helpers import WebService
from tests.test_portal_browser import browser, wait  # noqa: F401  (fixture, helper)
from tests.uploads_helpers import SVG_SCRIPT, id_back, id_front, id_number, jpeg

GUIDE = "marriage-certificate-replacement"
TEXT = "const e = document.querySelector(arguments[0]); return e ? e.textContent : ''"
ID_INPUT = ".pc-row input[data-material='本人居民身份证']"
PHOTO_INPUT = ".pc-row input[data-material='近期半身免冠照片']"


def row_status(selector: str) -> str:
    return f"{selector} ~ .pc-file-status"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    var = tmp_path_factory.mktemp("precheck")
    web = WebService(var, UPLOAD_DIR=str(var / "uploads"), GOV_SECRET_KEY="browser-test-secret",
                     WORKER_IN_WEB="0").start()
    yield web
    web.stop()
    log = web.log.read_text(encoding="utf-8", errors="replace")
    assert "unhandled error" not in log, log[-3000:]
    assert "张三丰" not in log and id_number() not in log  # nothing read is logged


def test_citizen_prechecks_from_the_checklist(browser, service, tmp_path):  # noqa: F811
    sheet = requests.get(f"{service.url}/checklist/{GUIDE}?place=local", timeout=10).text
    assert f'href="/precheck/{GUIDE}?place=local"' in sheet
    today = local_today()
    front, back, svg = tmp_path / "front.jpg", tmp_path / "back.jpg", tmp_path / "photo.svg"
    front.write_bytes(jpeg(id_front("张三丰", id_number())))
    back.write_bytes(jpeg(id_back(today - timedelta(days=2000), today + timedelta(days=900))))
    svg.write_bytes(SVG_SCRIPT)

    browser.get(f"{service.url}/precheck/{GUIDE}?place=local")
    assert "申请补领婚姻登记证声明书" in browser.execute_script(TEXT, "main")  # made at the window
    browser.find_element("id", "pc-check").click()
    wait(browser, lambda d: "请先" in d.execute_script(TEXT, "#pc-message"))
    browser.find_element("id", "pc-name").send_keys("张三丰")
    browser.find_element("css selector", ID_INPUT).send_keys(f"{front}\n{back}")
    wait(browser, lambda d: d.execute_script(TEXT, row_status(ID_INPUT)) == "已上传 2 个文件", timeout=90,
         message="ID card not uploaded: " + browser.execute_script(TEXT, row_status(ID_INPUT)))
    assert "预检编号" in browser.execute_script(TEXT, "#pc-ref")
    assert browser.find_element("id", "pc-name").get_attribute("disabled") is not None

    browser.find_element("css selector", PHOTO_INPUT).send_keys(str(svg))
    wait(browser, lambda d: "不接受 SVG" in d.execute_script(TEXT, row_status(PHOTO_INPUT)),
         message="SVG not refused politely")

    browser.find_element("id", "pc-check").click()
    status = "#pc-result li[data-material='{}'] .pc-status"
    wait(browser, lambda d: d.execute_script(TEXT, status.format("本人居民身份证")) == "齐全", timeout=30)
    assert browser.execute_script(TEXT, status.format("近期半身免冠照片")) == "缺少"
    assert "以窗口审核为准" in browser.execute_script(TEXT, "#pc-message")

    browser.find_element("id", "pc-delete").click()
    wait(browser, lambda d: "已删除" in d.execute_script(TEXT, "#pc-message"))
    assert [p for p in (service.var_dir / "uploads").iterdir() if p.is_file()] == []
