"""The portal chat widget and rasa-webchat in real headless Chromium (Debian's chromium and
chromium-driver, installed by scripts/install-chromium) against the live stack's socket.io channel."""
from __future__ import annotations

import shutil
import subprocess
import tarfile
import threading
import uuid
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from bot.ports import free_ports
from tests.conftest_channels import channels_stack  # noqa: F401  (fixture)

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
RASA_WEBCHAT = "rasa-webchat@1.0.1"
NPM_CACHE = Path.home() / ".cache" / "gov-bot-tests" / "npm"
GREETING = "政务智能助手"


def _ensure_chromium() -> None:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        subprocess.run([str(ROOT / "scripts" / "install-chromium")], check=False)
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("headless Chromium missing: run scripts/install-chromium (make test does)")


def start_chromium(*extra: str, size: str = "1280,900"):
    """A headless Chromium driven by Selenium; ``extra`` command-line switches (e.g. an autoplay policy)."""
    _ensure_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-extensions", "--disable-sync",
                "--no-first-run", "--mute-audio", f"--window-size={size}", "--lang=zh-CN", *extra):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture(scope="module")
def browser():
    driver = start_chromium()
    yield driver
    driver.quit()


def wait(driver, condition, timeout: float = 30, message: str = ""):
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.support.ui import WebDriverWait

    # Pages re-render lists and panels on refresh: an element found a moment ago may be replaced
    # before it is read; that is "not yet", not a failure.
    return WebDriverWait(driver, timeout, poll_frequency=0.2,
                         ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                         ).until(condition, message)


def console_login(driver, base: str, token: str, tab: str | None = None) -> None:
    """Log in to the console at ``base`` with ``token`` (a fresh sessionStorage), then open ``tab``."""
    # Clear the storage on a page of the same origin that runs no console script: a console page
    # loaded with the previous test's token would keep polling through the clear.
    driver.get(f"{base}/static/console/vendor/echarts.LICENSE")
    driver.execute_script("sessionStorage.clear()")
    driver.get(f"{base}/console")
    wait(driver, lambda d: d.find_elements("css selector", "#gc-token"), message="no login form")[0].send_keys(token)
    driver.find_element("css selector", "#gc-login-form button").click()
    wait(driver, lambda d: d.find_element("id", "gc-app").is_displayed(), message="login failed")
    if tab:
        driver.find_element("css selector", f"#gc-tabs button[data-tab='{tab}']").click()


def bot_texts(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.govchat-bot .govchat-text')).map(e => e.textContent)")


def user_texts(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.govchat-user .govchat-text')).map(e => e.textContent)")


def open_fresh_portal(driver, stack) -> None:
    driver.get(f"{stack.web}/portal")
    driver.execute_script("localStorage.clear()")
    driver.get(f"{stack.web}/portal")
    wait(driver, lambda d: d.find_elements("css selector", ".govchat-connected"), message="widget did not connect")


def say(driver, text: str) -> None:
    box = driver.find_element("css selector", ".govchat-input")
    box.send_keys(text)
    driver.find_element("css selector", ".govchat-send").click()


def test_portal_page_serves_the_widget_with_the_rasa_url(channels_stack):
    resp = requests.get(f"{channels_stack.web}/portal", timeout=5)
    assert resp.status_code == 200
    assert f'<script src="/static/widget.js" data-socket-url="{channels_stack.rasa}"' in resp.text
    assert "connect-src 'self' " + channels_stack.rasa in resp.headers["Content-Security-Policy"]
    js = requests.get(f"{channels_stack.web}/static/widget.js", timeout=5)
    assert js.status_code == 200 and js.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert ".innerHTML" not in js.text and "insertAdjacentHTML" not in js.text and "在线咨询" in js.text
    vendor = requests.get(f"{channels_stack.web}/static/vendor/socket.io.min.js", timeout=5)
    assert vendor.status_code == 200 and "Released under the MIT License" in vendor.text[:200]
    for path in ("../portal.py", "..%2Fportal.py", "vendor/../../portal.py", "nope.js"):
        assert requests.get(f"{channels_stack.web}/static/{path}", timeout=5).status_code == 404


def test_hello_gets_the_menu_and_buttons_work(browser, channels_stack):
    open_fresh_portal(browser, channels_stack)
    # First contact: the widget greets with the menu by itself.
    wait(browser, lambda d: any(GREETING in t for t in bot_texts(d)), message="no greeting")
    before = len(bot_texts(browser))
    say(browser, "你好")
    wait(browser, lambda d: len(bot_texts(d)) > before, message="no answer to 你好")
    assert GREETING in bot_texts(browser)[-1]
    assert user_texts(browser)[-1] == "你好"
    titles = browser.execute_script(
        "const all = document.querySelectorAll('.govchat-bot .govchat-buttons');"
        "return Array.from(all[all.length - 1].querySelectorAll('.govchat-button')).map(b => b.textContent)")
    assert titles == ["办事指南", "进度查询", "政务公开", "我要反映问题", "转人工"]
    count = len(bot_texts(browser))
    buttons = browser.find_elements("css selector", ".govchat-bot:last-of-type .govchat-button")
    next(b for b in buttons if b.text == "办事指南").click()
    wait(browser, lambda d: len(bot_texts(d)) > count, message="no answer to the quick reply")
    assert user_texts(browser)[-1] == "办事指南"


def test_session_survives_a_reload(browser, channels_stack):
    open_fresh_portal(browser, channels_stack)
    say(browser, "你好")
    wait(browser, lambda d: "你好" in user_texts(d) and len(bot_texts(d)) >= 2)
    session_id = browser.execute_script("return localStorage.getItem('govchat.session_id')")
    assert session_id
    browser.refresh()
    wait(browser, lambda d: d.find_elements("css selector", ".govchat-connected"))
    assert browser.execute_script("return localStorage.getItem('govchat.session_id')") == session_id
    assert "你好" in user_texts(browser), "the transcript is restored after a reload"
    count = len(bot_texts(browser))
    say(browser, "谢谢")
    wait(browser, lambda d: len(bot_texts(d)) > count, message="no answer after the reload")
    tracker = requests.get(f"{channels_stack.rasa}/conversations/{session_id}/tracker", timeout=10).json()
    said = [e.get("text") for e in tracker["events"] if e.get("event") == "user"]
    assert "你好" in said and "谢谢" in said, said


def test_html_in_messages_is_shown_as_text_and_only_http_links_are_clickable(browser, channels_stack):
    open_fresh_portal(browser, channels_stack)
    attack = '<img src=x onerror="window.__pwned=1"> 详见 https://www.guanan.gov.cn/bs?id=1 或 javascript:window.__pwned=2'
    say(browser, attack)
    wait(browser, lambda d: attack in user_texts(d))
    wait(browser, lambda d: len(bot_texts(d)) >= 2)  # the bot answered too (its text is text as well)
    found = browser.execute_script("""
        const log = document.querySelector('.govchat-log');
        return {imgs: log.querySelectorAll('img').length,
                links: Array.from(log.querySelectorAll('.govchat-user a')).map(a => a.href),
                pwned: window.__pwned === undefined ? null : window.__pwned};""")
    assert found == {"imgs": 0, "links": ["https://www.guanan.gov.cn/bs?id=1"], "pwned": None}


def test_usable_on_a_phone_screen(browser, channels_stack):
    browser.set_window_size(390, 844)
    try:
        open_fresh_portal(browser, channels_stack)
        sizes = browser.execute_script("""
            const p = document.querySelector('.govchat-panel').getBoundingClientRect();
            const i = document.querySelector('.govchat-input').getBoundingClientRect();
            return {panel: p.width, viewport: document.documentElement.clientWidth,
                    inputBottom: i.bottom, height: window.innerHeight};""")
        assert abs(sizes["panel"] - sizes["viewport"]) <= 1, sizes
        assert sizes["inputBottom"] <= sizes["height"], sizes
        say(browser, "你好")
        wait(browser, lambda d: len(bot_texts(d)) >= 2)
    finally:
        browser.set_window_size(1280, 900)


# -- rasa-webchat, unchanged, against our socket.io channel ------------------------------------
@pytest.fixture(scope="module")
def rasa_webchat_bundle() -> Path:
    """rasa-webchat's UMD bundle from npm, cached outside the repository."""
    target = NPM_CACHE / "rasa-webchat-1.0.1" / "lib" / "index.js"
    if target.exists():
        return target
    npm = shutil.which("npm")
    if not npm:
        pytest.fail("npm is needed to fetch rasa-webchat for this test")
    NPM_CACHE.mkdir(parents=True, exist_ok=True)
    out = subprocess.run([npm, "pack", RASA_WEBCHAT, "--silent"], cwd=NPM_CACHE, capture_output=True,
                         text=True, timeout=180)
    tgz = NPM_CACHE / (out.stdout.strip().splitlines()[-1] if out.stdout.strip() else "rasa-webchat-1.0.1.tgz")
    if out.returncode != 0 or not tgz.exists():
        pytest.fail(f"npm pack {RASA_WEBCHAT} failed: {out.stderr[-500:]}")
    dest = NPM_CACHE / "rasa-webchat-1.0.1"
    with tarfile.open(tgz) as archive:
        member = archive.getmember("package/lib/index.js")
        member.name = "lib/index.js"
        archive.extract(member, dest)
    return target


@pytest.fixture(scope="module")
def webchat_page(tmp_path_factory, rasa_webchat_bundle, channels_stack):
    """A page like an existing portal's that embeds rasa-webchat, served from loopback."""
    site = tmp_path_factory.mktemp("webchat-site")
    shutil.copy(rasa_webchat_bundle, site / "webchat.js")
    (site / "index.html").write_text(f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>portal with rasa-webchat</title></head>
<body><div id="webchat"></div>
<script src="webchat.js"></script>
<script>
  WebChat.default({{
    selector: "#webchat",
    initPayload: "/greet",
    socketUrl: "{channels_stack.rasa}",
    socketPath: "/socket.io/",
    title: "政务智能助手",
    inputTextFieldHint: "请输入",
    params: {{ storage: "local" }},
    customData: {{ language: "zh" }}
  }}, null);
</script></body></html>""", encoding="utf-8")
    port = free_ports(1)[0]
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(SimpleHTTPRequestHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/index.html"
    server.shutdown()


def test_rasa_webchat_works_against_the_socketio_channel(browser, webchat_page):
    browser.get(webchat_page)
    browser.execute_script("localStorage.clear(); sessionStorage.clear()")
    browser.get(webchat_page + f"?v={uuid.uuid4().hex[:6]}")
    launcher = wait(browser, lambda d: d.find_elements("css selector", ".rw-launcher"), message="no launcher")
    launcher[0].click()
    wait(browser, lambda d: GREETING in d.find_element("css selector", ".rw-messages-container").text,
         message="rasa-webchat got no greeting")
    box = browser.find_element("css selector", ".rw-new-message")
    box.send_keys("谢谢")
    browser.find_element("css selector", ".rw-send").click()
    wait(browser, lambda d: "不客气" in d.find_element("css selector", ".rw-messages-container").text,
         message="rasa-webchat got no answer to 谢谢")
