"""The console's 信息公开年报 tab in real headless Chromium against the web service alone: the
supervisor generates the year's report (cross-check result, table 三 as counted, the 六 prompts),
writes part 一 and a figure the system has no source for, saves, and downloads the Word document; a department handler has no such tab. No script error, no CSP
violation."""
from __future__ import annotations

import requests

from tests.approvals_helpers import request_row
from tests.test_portal_browser import browser, console_login, wait  # noqa: F401  (fixture, helper)
from tests.test_supervision_browser import web  # noqa: F401  (fixture)


def test_supervisor_generates_and_downloads_the_report(browser, web):
    base, tokens = web
    rows = [request_row("YSQ2025-0001", received_at="2025-04-01T10:00:00+08:00", status="rejected",
                        answered_at="2025-04-20T10:00:00+08:00", department="区政府办", applicant_kind="research",
                        outcome="not_processed", outcome_reason="repeated"),
            request_row("YSQ2025-0002", received_at="2025-12-30T10:00:00+08:00", department="区政府办",
                        applicant_kind="natural_person")]
    resp = requests.post(f"{base}/api/disclosure/requests", json={"rows": rows},
                         headers={"Authorization": f"Bearer {tokens['feed']}"}, timeout=30)
    assert resp.status_code == 200 and resp.json()["inserted"] == 2

    browser.get_log("browser")
    console_login(browser, base, tokens["s1"])
    browser.find_element("css selector", "#gc-tabs button[data-tab='disclosure']").click()
    year = browser.find_element("id", "dr-year")
    year.clear()
    year.send_keys("2025")
    browser.find_element("id", "dr-build").click()
    wait(browser, lambda d: "2025年政府信息公开工作年度报告" in d.find_element("id", "dr-info").text,
         message="report not shown")
    assert browser.find_element("id", "dr-checks").text == "勾稽关系核对：全部通过"
    cells = browser.execute_script(
        "return Array.from(document.querySelectorAll('#dr-rows tr')).map(tr => "
        "Array.from(tr.cells).map(td => td.textContent))")
    by_label = {row[0]: row[1:] for row in cells}
    assert by_label["（五）不予处理 2.重复申请"] == ["0", "0", "1", "0", "0", "0", "1"]
    assert by_label["四、结转下年度继续办理"] == ["1", "0", "0", "0", "0", "0", "1"]
    assert "信息处理费" in browser.find_element("id", "dr-other").text
    assert "新收政府信息公开申请2件" in browser.find_element("id", "dr-text-overall").get_attribute("value")
    browser.find_element("id", "dr-fig-punishment").send_keys("7")
    overall = browser.find_element("id", "dr-text-overall")
    overall.clear()
    overall.send_keys("2025年，本机关坚持以公开为常态、不公开为例外。")
    browser.find_element("id", "dr-save").click()
    wait(browser, lambda d: "上次保存：s1" in d.find_element("id", "dr-saved").text, message="draft not saved")
    saved = requests.get(f"{base}/api/disclosure/annual-report", params={"year": "2025", "department": "区政府办"},
                         headers={"Authorization": f"Bearer {tokens['s1']}"}, timeout=30).json()
    assert saved["active"]["punishment"] == 7 and saved["active"]["coercion"] is None
    assert saved["prompts"]["overall"] == ["2025年，本机关坚持以公开为常态、不公开为例外。"]
    browser.find_element("id", "dr-docx").click()
    wait(browser, lambda d: "已下载" in d.find_element("id", "dr-info").text, message="no download")
    assert browser.find_element("id", "dr-info").text.endswith("区政府办-2025-政府信息公开工作年度报告.docx")
    errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE" and "favicon" not in e.get("message", "")]
    assert not errors, errors

    console_login(browser, base, tokens["zj1"])
    assert not browser.find_element("css selector", "#gc-tabs button[data-tab='disclosure']").is_displayed()
