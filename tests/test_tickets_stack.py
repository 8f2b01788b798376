"""A complaint in chat, through the REST webhook of the whole stack (Rasa, action server, web
service as `make run` starts them), becomes a routed ticket with deadlines on /api/tickets, and the
citizen checks it in chat. Needs the trained model (make test trains it first)."""
from __future__ import annotations

import secrets
import sqlite3
import time
import uuid

import pytest
import requests

from bot.rasa_server.channels.rest import NOTICE_REFRESH_SECONDS
from tests.test_stack_integration import MODEL, Stack, texts

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def ticket_stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz missing: run `make model` (make test does)")
    token = secrets.token_urlsafe(24)
    s = Stack(tmp_path_factory.mktemp("ticket-stack"), env={"GOV_ADMIN_TOKEN": token, "WORKER_INTERVAL": "1"})
    s.token = token
    s.start()
    yield s
    if s.proc and s.proc.poll() is None:
        s.stop()


def test_complaint_in_chat_becomes_a_routed_ticket(ticket_stack):
    s = ticket_stack
    sender = f"t-{uuid.uuid4().hex}"
    first = texts(s.say(sender, "投诉广福街道滨河路一家烧烤店油烟太大，熏得窗户都不敢开"))
    assert "手机号码" in first
    assert "称呼" in texts(s.say(sender, "13800001234"))
    summary = s.say(sender, "不留")
    assert "请核对" in texts(summary) and "138****1234" in texts(summary)
    assert [b["title"] for b in summary[-1]["buttons"]] == ["确认提交", "确认提交并同意公开", "修改", "取消"]
    done = texts(s.say(sender, "确认提交"))
    assert "工单编号：GD" in done and "前答复办理结果" in done

    resp = requests.get(f"{s.web}/api/tickets", params={"conversation_id": sender},
                        headers={"Authorization": f"Bearer {s.token}"}, timeout=10)
    assert resp.status_code == 200
    items = resp.json()["items"]
    assert len(items) == 1
    t = items[0]
    assert t["ticket_no"] in done and t["department"] in done
    assert t["category"] == "投诉" and t["status"] == "dispatched" and t["channel"] == "rest"
    assert t["sign_by"] and t["first_contact_by"] and t["resolve_by"] and t["light"] == "green"
    assert t["location"] == "广福街道滨河路一家烧烤店" and t["contact_phone"] == "13800001234"

    # The citizen checks it in chat with the number and the phone's last 4 digits.
    other = f"t-{uuid.uuid4().hex}"
    assert "后4位" in texts(s.say(other, f"工单{t['ticket_no']}处理到哪了"))
    status = texts(s.say(other, "1234"))
    assert "当前状态：待签收" in status and t["department"] in status
    s.say(other, f"工单{t['ticket_no']}处理到哪了")
    assert "未能核验" in texts(s.say(other, "9999"))

    # The handler signs and replies over the API; the worker inside the web service puts the reply
    # into the citizen's conversation.
    auth = {"Authorization": f"Bearer {s.token}"}
    for action, body in (("sign", {}), ("reply", {"text": "已责令商家加装油烟净化器"})):
        r = requests.post(f"{s.web}/api/tickets/{t['ticket_no']}/{action}", json=body, headers=auth, timeout=10)
        assert r.status_code == 200, r.text
    deadline = time.monotonic() + 30
    bot_texts = []
    while time.monotonic() < deadline:
        events = requests.get(f"{s.rasa}/conversations/{sender}/tracker", timeout=10).json()["events"]
        bot_texts = [e.get("text") or "" for e in events if e.get("event") == "bot"]
        if any("已责令商家加装油烟净化器" in b for b in bot_texts):
            break
        time.sleep(1)
    assert any("已责令商家加装油烟净化器" in b and t["ticket_no"] in b for b in bot_texts)


def test_cancel_and_request_human(ticket_stack):
    s = ticket_stack
    sender = f"t-{uuid.uuid4().hex}"
    assert "人工坐席暂时无法接入" in texts(s.say(sender, "转人工"))
    assert "已取消" in texts(s.say(sender, "算了"))
    resp = requests.get(f"{s.web}/api/tickets", params={"conversation_id": sender},
                        headers={"Authorization": f"Bearer {s.token}"}, timeout=10)
    assert resp.json()["items"] == []


def test_rest_citizen_gets_the_department_reply_with_the_next_answer(ticket_stack):
    """REST cannot push: the worker stores the reply notice and the channel puts it in front of
    the answer to the citizen's next message, once."""
    s = ticket_stack
    sender = f"t-{uuid.uuid4().hex}"
    s.say(sender, "投诉广福街道滨河路一家烧烤店油烟太大")
    s.say(sender, "13800001234")
    s.say(sender, "不留")
    done = texts(s.say(sender, "确认提交"))
    ticket_no = done.split("工单编号：")[1][:10]
    headers = {"Authorization": f"Bearer {s.token}"}
    for action, body in (("sign", {}), ("reply", {"text": "已约谈商家，责令三日内安装油烟净化设备"})):
        resp = requests.post(f"{s.web}/api/tickets/{ticket_no}/{action}", json=body, headers=headers, timeout=10)
        assert resp.status_code == 200, resp.text

    def notice_stored() -> bool:
        with sqlite3.connect(s.var_dir / "app.db") as db:
            return bool(db.execute("SELECT 1 FROM ticket_notifications WHERE ticket_no = ? AND kind = 'citizen' "
                                   "AND status = 'stored'", (ticket_no,)).fetchall())

    deadline = time.monotonic() + 30
    while not notice_stored():
        assert time.monotonic() < deadline, "the worker did not store the citizen notice"
        time.sleep(0.5)
    time.sleep(NOTICE_REFRESH_SECONDS + 0.5)  # the channel looks for waiting notices this often
    answer = s.say(sender, "你好")
    assert "责令三日内安装油烟净化设备" in answer[0]["text"] and ticket_no in answer[0]["text"]
    assert len(answer) > 1, "the bot's own answer follows the notice"
    assert "责令三日内" not in texts(s.say(sender, "你好")), "handed out once"
