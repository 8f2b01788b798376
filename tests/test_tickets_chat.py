"""The ticket dialogue's actions against a real database (SQLite and PostgreSQL): the ticket_form's
validation action driven turn by turn as Rasa drives it, the submission, and the status check."""
from __future__ import annotations

import re
import time
import uuid
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import cases as ca
from actions import tickets as ta
from bot.cases import replies as case_replies
from bot.tickets import intake, replies
from bot.cases.lockout import reset_default_lockout
from bot.db import dispose_engine
from bot.tickets.service import get_ticket, list_tickets
from tests.tickets_helpers import staff  # noqa: F401  (fixture)

DOMAIN = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text(encoding="utf-8"))
FORM_SLOTS = DOMAIN["forms"]["ticket_form"]["required_slots"]


class Chat:
    """One conversation: user messages, bot messages and slots as Rasa would keep them, with the
    ticket_form's loop (validate → next requested slot → ask) emulated around our actions."""

    def __init__(self, channel: str = "socketio"):
        self.sender = f"chat-{uuid.uuid4().hex[:12]}"
        self.channel = channel
        self.slots: dict = {}
        self.events: list[dict] = [{"event": "session_started", "timestamp": time.time()}]
        self.active_loop: str | None = None
        self.latest: dict = {}
        self.bot: list[str] = []       # texts of every bot message
        self.buttons: list[list[str]] = []

    def tracker(self, latest_action: str = "action_listen") -> Tracker:
        return Tracker(self.sender, dict(self.slots), self.latest, list(self.events), False, None,
                       {"name": self.active_loop} if self.active_loop else {}, latest_action)

    def _user(self, text: str, intent: str, entities=None) -> None:
        self.latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or []}
        self.events.append({"event": "user", "text": text, "timestamp": time.time(), "input_channel": self.channel,
                            "parse_data": self.latest})

    def _collect(self, dispatcher: CollectingDispatcher) -> list[str]:
        out = []
        for m in dispatcher.messages:
            text = m.get("text") or (DOMAIN["responses"][m["response"]][0]["text"] if m.get("response") else "")
            out.append(text)
            self.bot.append(text)
            self.buttons.append([b["title"] for b in m.get("buttons") or []])
            self.events.append({"event": "bot", "text": text, "timestamp": time.time()})
        return out

    def _apply(self, events: list[dict]) -> None:
        for e in events:
            if e.get("event") == "slot":
                self.slots[e["name"]] = e["value"]

    async def run(self, action, latest_action: str = "action_listen") -> list[str]:
        dispatcher = CollectingDispatcher()
        events = await action.run(dispatcher, self.tracker(latest_action), DOMAIN)
        self._apply(events)
        return self._collect(dispatcher)

    async def _form_turn(self) -> list[str]:
        dispatcher = CollectingDispatcher()
        events = await ta.ValidateTicketForm().run(dispatcher, self.tracker(), DOMAIN)
        self._apply(events)
        out = self._collect(dispatcher)
        requested = [e for e in events if e.get("event") == "slot" and e["name"] == "requested_slot"]
        if requested:
            nxt = requested[-1]["value"]
        else:  # Rasa picks the first empty slot of the domain's list
            nxt = next((s for s in FORM_SLOTS if self.slots.get(s) is None), None)
        self.slots["requested_slot"] = nxt
        if nxt is None:
            self.active_loop = None
            return out + await self.run(ta.ActionSubmitTicket(), latest_action="ticket_form")
        self.active_loop = "ticket_form"
        ask = {"ticket_location": ta.ActionAskTicketLocation(), "ticket_phone": ta.ActionAskTicketPhone(),
               "ticket_confirm": ta.ActionAskTicketConfirm()}.get(nxt)
        if ask is not None:
            return out + await self.run(ask, latest_action="ticket_form")
        d = CollectingDispatcher()
        d.utter_message(response=f"utter_ask_{nxt}")
        return out + self._collect(d)

    async def start(self, text: str, intent: str) -> list[str]:
        self._user(text, intent)
        self.active_loop = None
        return await self._form_turn()

    async def say(self, text: str, intent: str = "inform", entities=None) -> list[str]:
        self._user(text, intent, entities)
        if self.active_loop == "ticket_form":
            return await self._form_turn()
        return []


@pytest.fixture
async def chat_db(staff):  # noqa: F811
    reset_default_lockout()
    yield staff
    reset_default_lockout()
    await dispose_engine()


async def test_complaint_with_every_slot_becomes_a_routed_ticket(chat_db):
    chat = Chat("socketio")
    out = await chat.start("投诉广福街道滨河路一家烧烤店油烟太大，熏得窗户都不敢开", "complain")
    # The description and its address were reused: the first question is the phone.
    assert chat.slots["ticket_description"].startswith("投诉广福街道滨河路")
    # the shop named on the street is part of the place
    assert chat.slots["ticket_location"] == "广福街道滨河路一家烧烤店"
    assert chat.slots["requested_slot"] == "ticket_phone" and "手机号码" in out[-1]
    assert out[0].startswith("好的，") and "我帮您把这条投诉登记下来" in out[0]   # the first reply says what happens
    assert chat.buttons[-1] == ["不留", "取消"]   # every question can be declined or left
    out = await chat.say("13800001234", entities=[{"entity": "phone", "value": "13800001234"}])
    assert chat.slots["ticket_phone"] == "13800001234" and chat.slots["requested_slot"] == "ticket_name"
    out = await chat.say("叫我李师傅")
    assert chat.slots["ticket_name"] == "李师傅"
    summary = out[-1]
    assert "类别：投诉" in summary and "地点：广福街道滨河路" in summary and "138****1234" in summary
    assert "13800001234" not in summary and chat.buttons[-1] == ["确认提交", "确认提交并同意公开", "修改", "取消"]
    assert "不选则不公开" in summary   # consent to publication is asked at the summary (docs/publication.md)
    out = await chat.say("确认提交", "affirm")
    reply = out[-1]
    items = await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender)
    assert len(items) == 1
    t = await get_ticket(items[0]["ticket_no"], chat_db.principals["a1"])
    assert t["ticket_no"] in reply and "年" in reply and "月" in reply
    assert t["department"] and t["department"] in reply and t["status"] == "dispatched"
    assert t["channel"] == "socketio" and t["conversation_id"] == chat.sender and t["category"] == "投诉"
    assert t["contact_phone"] == "13800001234" and t["contact_name"] == "李师傅"
    assert t["location"] == "广福街道滨河路一家烧烤店" and t["sign_by"] and t["resolve_by"]
    assert t["publish_consent"] is False   # "确认提交" alone: not published
    from bot.tickets.intake import local
    from bot.calendar import format_cn_date
    assert format_cn_date(local(t["resolve_by"])) in reply
    # The transcript keeps what was said (user and bot), in the database only.
    from bot.db import session_scope
    from bot.tickets.models import Ticket
    from sqlalchemy import select
    async with session_scope() as s:
        row = (await s.execute(select(Ticket).where(Ticket.ticket_no == t["ticket_no"]))).unique().scalar_one()
        roles = [m["role"] for m in row.transcript]
        texts = [m["text"] for m in row.transcript]
    assert roles[0] == "user" and "bot" in roles and "13800001234" in texts and "叫我李师傅" in texts
    # Slots are cleared for the next matter.
    assert all(chat.slots.get(s) is None for s in ta.TICKET_SLOTS)


@pytest.mark.parametrize("answer, intent", [("确认提交，同意公开答复", "affirm"), ("同意公开", "inform")])
async def test_consent_to_publication_at_the_summary(chat_db, answer, intent):
    chat = Chat("socketio")
    await chat.start("建议在渠江边多安装几个路灯，晚上散步太黑了", "suggest")
    await chat.say("不留", "deny")
    out = await chat.say("不留", "deny")
    assert "确认提交并同意公开" in chat.buttons[-1] and "不选则不公开" in out[-1]
    out = await chat.say(answer, intent)
    items = await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender)
    assert len(items) == 1 and items[0]["publish_consent"] is True and items[0]["ticket_no"] in out[-1]


def test_consent_words_at_the_summary():
    from bot.tickets.intake import confirm_choice

    assert confirm_choice("确认提交，同意公开答复", "affirm") == "public"
    assert confirm_choice("可以公开", None) == "public"
    assert confirm_choice("不同意公开", "deny") == "yes"   # submitted, not published
    assert confirm_choice("确认提交", "affirm") == "yes"
    assert confirm_choice("修改一下，同意公开", None) == "edit"


async def test_suggestion_without_phone_and_name(chat_db):
    chat = Chat("rest")
    out = await chat.start("建议在渠江边多安装几个路灯，晚上散步太黑了", "suggest")
    assert chat.slots["requested_slot"] == "ticket_phone" and "不留" in out[-1]   # no location for a suggestion
    await chat.say("不留", "deny")
    assert chat.slots["ticket_phone"] == "无"
    out = await chat.say("跳过", "affirm")
    assert chat.slots["ticket_name"] == "无" and "联系电话：未留" in out[-1] and "地点" not in out[-1]
    out = await chat.say("/affirm", "affirm")
    items = await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender)
    assert len(items) == 1 and items[0]["category"] == "建议" and items[0]["contact_phone"] is None
    assert items[0]["ticket_no"] in out[-1] and "没有留联系电话" in out[-1]


async def test_a_landline_goes_into_the_description_and_is_said_so(chat_db):
    chat = Chat()
    await chat.start("肖溪镇老街粮站宿舍的路灯坏了个把月了 晚上黑黢黢的", "seek_help")
    assert chat.slots["requested_slot"] == "ticket_phone"
    out = await chat.say("我没得手机 只有座机 0826-2123456")
    assert any("0826-2123456" in o and "座机" in o for o in out)
    assert replies.ANONYMOUS not in out and replies.PHONE_INVALID not in out   # no "no phone" warning, no format error
    assert chat.slots["ticket_phone"] == "无" and "0826-2123456" in chat.slots["ticket_description"]
    assert chat.slots["requested_slot"] == "ticket_name"


async def test_phone_is_validated_and_a_refusal_makes_an_anonymous_complaint(chat_db):
    chat = Chat()
    out = await chat.start("我要投诉", "complain")
    assert chat.slots["ticket_description"] is None and chat.slots["requested_slot"] == "ticket_description"
    out = await chat.say("楼下烧烤店油烟太大，晚上十二点还不停", "complain")
    assert chat.slots["requested_slot"] == "ticket_location" and "地点" in out[-1]   # no address said yet
    out = await chat.say("你们几点下班？")   # a question is not a place
    assert chat.slots.get("ticket_location") is None and chat.slots["requested_slot"] == "ticket_location"
    await chat.say("奎阁街道东门小区3栋")
    assert chat.slots["ticket_location"] == "奎阁街道东门小区3栋"
    out = await chat.say("12345")
    assert replies.PHONE_INVALID in out and chat.slots["ticket_phone"] is None
    await chat.say("我的手机是 138-0000-5678")
    assert chat.slots["ticket_phone"] == "13800005678"
    # Someone else declines: accepted, with what that means said once; never a format error.
    other = Chat()
    await other.start("举报东门小区有人在楼顶违章搭建彩钢房", "report")
    await other.say("东门小区5栋楼顶")
    out = await other.say("我不想留电话")
    assert replies.ANONYMOUS in out and replies.PHONE_INVALID not in out
    assert other.slots["ticket_phone"] == "无" and other.slots["requested_slot"] == "ticket_name"


async def test_cancel_anywhere_stores_nothing(chat_db):
    chat = Chat()
    await chat.start("我要投诉", "complain")
    out = await chat.say("算了", "deny")
    assert out[-1] == replies.CANCELLED and chat.active_loop is None
    chat2 = Chat()
    await chat2.start("表扬一下东门社区的王书记，工作很负责", "praise")
    await chat2.say("不留", "deny")
    await chat2.say("不留", "deny")
    out = await chat2.say("/deny", "deny")
    assert out[-1] == replies.CANCELLED
    chat3 = Chat()  # leaving at the phone question is no refusal of the phone
    await chat3.start("我们小区门口的路灯坏了半个月了 晚上黑漆漆的", "seek_help")
    assert chat3.slots["requested_slot"] == "ticket_phone"
    out = await chat3.say("算了不说了 再见", "deny")  # said so before the goodbye: nothing was registered
    assert out[0] == replies.CANCELLED and "再见" in out[-1] and chat3.active_loop is None
    for c in (chat, chat2, chat3):
        assert await list_tickets(chat_db.principals["a1"], conversation_id=c.sender) == []
        assert all(c.slots.get(s) is None for s in ta.TICKET_SLOTS)


async def test_praise_of_a_bare_unit_asks_which_one(chat_db):
    chat = Chat()
    out = await chat.start("我要表扬一下社区的小王 她跑到我屋头来帮我办高龄补贴", "praise")
    assert out[-1] == replies.ASK_PRAISED_UNIT and chat.slots["requested_slot"] == "ticket_location"
    await chat.say("北辰街道东门社区")
    assert chat.slots["ticket_location"] == "北辰街道东门社区" and chat.slots["requested_slot"] == "ticket_phone"
    named = Chat()
    await named.start("表扬一下北辰派出所的民警 帮我找回了钱包", "praise")
    assert named.slots["requested_slot"] == "ticket_phone"


async def test_edit_a_field_before_submitting(chat_db):
    chat = Chat()
    await chat.start("小区门口的井盖丢了，晚上很危险", "seek_help")
    await chat.say("广福街道滨河路88号")
    await chat.say("13800001234")
    await chat.say("不留", "deny")
    out = await chat.say("修改", "affirm")
    assert out[-1] == "请问要修改哪一项？" and "修改联系电话" in chat.buttons[-1]
    out = await chat.say("修改联系电话")
    assert chat.slots["requested_slot"] == "ticket_phone" and chat.slots["ticket_location"] == "广福街道滨河路88号"
    out = await chat.say("13900001111")
    assert "139****1111" in out[-1]
    out = await chat.say("确认提交", "affirm")
    items = await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender)
    assert items[0]["contact_phone"] == "13900001111"
    # 井盖丢失 is urgent: flagged, with emergency numbers.
    assert items[0]["urgent"] is True and "紧急" in out[-1] and "119" in out[-1] and "110" in out[-1]


async def test_gas_leak_is_urgent_with_emergency_advice(chat_db):
    chat = Chat()
    await chat.start("奎阁街道东门小区2栋楼道里有很大的煤气味，可能煤气泄漏了", "seek_help")
    await chat.say("13800001234")
    await chat.say("不留", "deny")
    out = await chat.say("确认提交", "affirm")
    assert "紧急" in out[-1] and "119" in out[-1] and "120" in out[-1] and "12345" in out[-1]


async def test_fallback_button_reuses_the_question_not_understood(chat_db):
    chat = Chat()
    chat._user("我家附近那个怎么一直没人来弄啊好几个月了", "nlu_fallback")
    chat._user("/out_of_scope", "out_of_scope")
    chat._user("就是那个事情你们到底管不管", "nlu_fallback")
    out = await chat.start("/request_human", "request_human")
    assert chat.slots["ticket_description"] == "就是那个事情你们到底管不管"
    assert chat.slots["ticket_intent"] == "request_human"
    # A bare button with nothing said before: the form asks.
    chat2 = Chat()
    out = await chat2.start("/request_human", "request_human")
    assert chat2.slots["requested_slot"] == "ticket_description" and "描述" in out[-1]


async def test_more_of_the_story_at_a_question_is_kept_and_a_question_is_no_place(chat_db):
    """The story told on at the place question joins the description (even with "好几天" in it), the
    place is asked again; "晚上打得通不" is a side question (the hotline's hours), never a place."""
    chat = Chat()
    await chat.start("路边有个老年人摔倒了 头在流血 人还清醒 我要咋个弄", "seek_help")
    assert chat.slots["requested_slot"] == "ticket_location"
    out = await chat.say("120打了 他是骑电瓶车掉到那个没盖盖子的下水道井里面摔的 这个井盖丢了好几天了 "
                         "一直没人管 你们要赶紧派人来把它盖上 不然还要出事", "complain")
    assert out[0] == replies.STORY_NOTED and "井盖丢了好几天" in chat.slots["ticket_description"]
    assert chat.slots["requested_slot"] == "ticket_location"
    out = await chat.say("会不会告诉老板是我反映的", "inform")  # no "？", still a question about the intake
    assert out[0] == replies.PRIVACY_ANSWER and chat.slots["requested_slot"] == "ticket_location"
    out = await chat.say("晚上打得通不", "ask_procedure")
    assert "24小时" in out[0] and chat.slots.get("ticket_location") is None


async def test_unresolved_after_an_answer(chat_db):
    chat = Chat()
    chat._user("社保卡补办要带什么，我电话13912345678", "ask_procedure")
    chat.events.append({"event": "bot", "text": "补办社保卡请带身份证到区政务服务中心。", "timestamp": 1.0})
    chat._user("不满意，没解决", "deny")
    out = await chat.run(ta.ActionTicketUnresolved())
    assert chat.slots["ticket_unresolved"] is True and out == [replies.UNRESOLVED]
    # "没解决" is a 👎 on the answer before it, in the admins' review queue (docs/feedback.md)
    from bot.auth.service import SYSTEM
    from bot.feedback.service import queue
    items = (await queue(SYSTEM))["items"]
    assert [(i["answer"], i["rating"], i["conversation_id"]) for i in items] == [
        ("补办社保卡请带身份证到区政务服务中心。", "down", chat.sender)]
    assert items[0]["question"] == "社保卡补办要带什么，我电话139****5678"
    out = await chat._form_turn()   # the rule starts the form; "没解决" is no description
    assert chat.slots["requested_slot"] == "ticket_description" and chat.slots["ticket_unresolved"] is None
    plain = Chat()
    plain._user("不用了", "deny")
    out = await plain.run(ta.ActionTicketUnresolved())
    assert plain.slots["ticket_unresolved"] is False and "好的" in out[0]


async def test_database_down_keeps_the_slots_for_a_retry(chat_db, monkeypatch):
    from bot.settings import reload_settings
    from bot.ports import free_ports

    chat = Chat()
    await chat.start("建议在渠江边多安装几个路灯，晚上散步太黑了", "suggest")
    await chat.say("13800001234")
    await chat.say("王女士")
    good_url = chat_db.url
    monkeypatch.setenv("DATABASE_URL", f"postgresql://postgres@127.0.0.1:{free_ports(1)[0]}/nowhere")
    reload_settings()
    await dispose_engine()
    out = await chat.say("确认提交", "affirm")
    assert out[-1] == replies.SUBMIT_FAILED and chat.buttons[-1] == ["确认提交", "取消"]
    assert chat.slots["ticket_description"] and chat.slots["ticket_phone"] == "13800001234"
    assert chat.slots["ticket_edit"] == ta.RETRY
    monkeypatch.setenv("DATABASE_URL", good_url)
    reload_settings()
    await dispose_engine()
    chat._user("确认提交", "affirm")   # rule: action_submit_ticket → affirm → action_submit_ticket
    out = await chat.run(ta.ActionSubmitTicket())
    items = await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender)
    assert len(items) == 1 and items[0]["ticket_no"] in out[-1] and items[0]["contact_name"] == "王女士"
    chat._user("好的", "affirm")   # a stray yes afterwards submits nothing more
    await chat.run(ta.ActionSubmitTicket())
    assert len(await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender)) == 1


# ---- status ---------------------------------------------------------------------------------

async def _status_turn(chat: Chat, text: str, intent: str = "inform", entities=None, activation=False):
    chat._user(text, intent, entities)
    for e in entities or []:   # Rasa's from_entity mappings
        if e["entity"] == "ticket_no":
            chat.slots["ticket_no"] = e["value"]
        if e["entity"] == "verification_code" and chat.slots.get("requested_slot") == "verification_code":
            chat.slots["verification_code"] = e["value"]
    if activation:
        chat.active_loop = None
    dispatcher = CollectingDispatcher()
    events = await ca.ValidateTicketStatusForm().run(dispatcher, chat.tracker(), DOMAIN)
    chat._apply(events)
    out = chat._collect(dispatcher)
    if chat.active_loop != "ticket_status_form":
        chat.events.append({"event": "active_loop", "name": "ticket_status_form"})
    chat.active_loop = "ticket_status_form"
    required = () if chat.slots.get("case_gave_up") else ("ticket_no", "verification_code")  # required_slots
    nxt = next((s for s in required if chat.slots.get(s) is None), None)
    chat.slots["requested_slot"] = nxt
    if nxt is None:
        chat.active_loop = None
        out += await chat.run(ca.ActionTicketStatus(), latest_action="ticket_status_form")
    return out


async def _ticket(chat_db, phone="13800001234"):
    chat = Chat()
    await chat.start("投诉广福街道滨河路一家烧烤店油烟太大，熏得窗户都不敢开", "complain")
    await chat.say(phone)
    await chat.say("不留", "deny")
    await chat.say("确认提交", "affirm")
    return (await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender))[0]


async def test_status_with_number_and_digits(chat_db):
    t = await _ticket(chat_db)
    chat = Chat()
    out = await _status_turn(chat, f"查一下{t['ticket_no'].lower()}处理到哪了", "query_ticket_status", activation=True)
    assert chat.slots["ticket_no"] == t["ticket_no"] and chat.slots["requested_slot"] == "verification_code"
    out = await _status_turn(chat, "后四位是1234", entities=[{"entity": "verification_code", "value": "1234"}])
    text = out[-1]
    assert t["ticket_no"] in text and "当前状态：待签收" in text and f"承办部门：{t['department']}" in text
    assert "应办结时间" in text and "时限状态：正常办理中" in text and "13800001234" not in text
    assert re.search(r"应办结时间：.*前（还有\d+个工作日）", text), "how long is left, in working days"
    # A handler's reply shows up as the latest reply.
    from bot.tickets.service import act
    handler = chat_db.principals["a1"]
    await act(t["ticket_no"], "sign", handler)
    await act(t["ticket_no"], "reply", handler, {"text": "已责令商家安装油烟净化设施"})
    chat = Chat()
    await _status_turn(chat, t["ticket_no"], entities=[{"entity": "ticket_no", "value": t["ticket_no"]}],
                       activation=True)
    out = await _status_turn(chat, "1234", entities=[{"entity": "verification_code", "value": "1234"}])
    assert "当前状态：已答复" in out[-1] and "最新答复：已责令商家安装油烟净化设施" in out[-1]
    assert chat.slots["ticket_no"] is None and chat.slots["verification_code"] is None


async def test_urge_said_while_the_lookup_waits_is_done_after_the_check(chat_db):
    """"帮我催一下" before the digits: no format error, the check, then the urge on the ticket."""
    t = await _ticket(chat_db)
    chat = Chat()
    await _status_turn(chat, f"{t['ticket_no']} 咋个还没人管", "query_ticket_status",
                       entities=[{"entity": "ticket_no", "value": t["ticket_no"]}], activation=True)
    out = await _status_turn(chat, "都超过时间了 你们帮我催一下嘛", "urge_ticket")
    assert out == [case_replies.URGE_AFTER_CHECK] and chat.slots["requested_slot"] == "verification_code"
    out = await _status_turn(chat, "1234", entities=[{"entity": "verification_code", "value": "1234"}])
    assert "当前状态" in out[-2] and out[-1].startswith(f"已为您催办工单 {t['ticket_no']}")
    assert any(e["action"] == "urge" for e in (await get_ticket(t["ticket_no"], chat_db.principals["a1"]))["history"])
    # without an urge, none is recorded
    chat = Chat()
    await _status_turn(chat, t["ticket_no"], entities=[{"entity": "ticket_no", "value": t["ticket_no"]}],
                       activation=True)
    out = await _status_turn(chat, "1234", entities=[{"entity": "verification_code", "value": "1234"}])
    assert not any("催办工单" in line for line in out)


async def test_not_satisfied_after_the_check_reopens_an_answered_ticket_or_urges_an_open_one(chat_db):
    """"回复说处理了 结果照样吵 我不满意 要求重新处理": an answered ticket goes back to its department with
    the citizen's words (the return visit's 不满意); an open one is urged with them."""
    from bot.tickets.service import act

    t = await _ticket(chat_db)
    handler = chat_db.principals["a1"]
    chat = Chat()
    words = f"工单{t['ticket_no']} 结果照样熏人 我对处理结果不满意 要求重新处理"
    await _status_turn(chat, words, "query_ticket_status",
                       entities=[{"entity": "ticket_no", "value": t["ticket_no"]}], activation=True)
    out = await _status_turn(chat, "1234", entities=[{"entity": "verification_code", "value": "1234"}])
    assert out[-1] == replies.NOT_SATISFIED["urged"]
    urge = [e for e in (await get_ticket(t["ticket_no"], handler))["history"] if e["action"] == "urge"][-1]
    assert "不满意" in urge["reason"] and "1234" not in urge["reason"]
    for action, params in (("sign", None), ("reply", {"text": "已责令整改"}), ("resolve", None)):
        await act(t["ticket_no"], action, handler, params)
    chat = Chat()
    await _status_turn(chat, words, "query_ticket_status",
                       entities=[{"entity": "ticket_no", "value": t["ticket_no"]}], activation=True)
    out = await _status_turn(chat, "1234", entities=[{"entity": "verification_code", "value": "1234"}])
    assert out[-1] == replies.NOT_SATISFIED["reopened"]
    assert (await get_ticket(t["ticket_no"], handler))["status"] == "dispatched"


async def test_status_neutral_answer_and_lockout(chat_db):
    t = await _ticket(chat_db)
    answers = []
    for number, digits in ((t["ticket_no"], "9999"), ("GD23456789", "1234")):
        chat = Chat()
        await _status_turn(chat, number, entities=[{"entity": "ticket_no", "value": number}], activation=True)
        out = await _status_turn(chat, digits, entities=[{"entity": "verification_code", "value": digits}])
        answers.append(out[-1])
    assert answers[0] == answers[1] == case_replies.NEUTRAL_RETRY  # the first miss asks once more
    for _ in range(4):
        chat = Chat()
        await _status_turn(chat, t["ticket_no"], entities=[{"entity": "ticket_no", "value": t["ticket_no"]}],
                           activation=True)
        out = await _status_turn(chat, "0000", entities=[{"entity": "verification_code", "value": "0000"}])
    assert "暂停查询" in out[-1]
    chat = Chat()   # even the right digits are refused while locked
    await _status_turn(chat, t["ticket_no"], entities=[{"entity": "ticket_no", "value": t["ticket_no"]}],
                       activation=True)
    out = await _status_turn(chat, "1234", entities=[{"entity": "verification_code", "value": "1234"}])
    assert "暂停查询" in out[-1]


async def test_status_rejects_a_malformed_number(chat_db):
    chat = Chat()
    await _status_turn(chat, "我反映的问题处理得怎么样了", "query_ticket_status", activation=True)
    assert chat.slots["requested_slot"] == "ticket_no"
    out = await _status_turn(chat, "GD1234")
    assert out == [case_replies.bad_number("工单编号（例如 GD7KX3M9QP）")] and not chat.slots.get("ticket_no")
    out = await _status_turn(chat, "不记得了")   # a second miss offers other ways out
    assert case_replies.OTHER_WAYS.strip() in out[0] and chat.buttons[-1] == ["转人工", "登记诉求", "取消"]


async def test_no_number_ends_the_status_lookup_with_other_ways(chat_db):
    chat = Chat()
    await _status_turn(chat, "我反映的问题处理得怎么样了", "query_ticket_status", activation=True)
    assert chat.slots["requested_slot"] == "ticket_no"
    out = await _status_turn(chat, "我没有编号，回执也搞丢了")
    assert chat.slots.get("case_gave_up") is False and chat.active_loop is None
    assert case_replies.NO_NUMBER in out and chat.buttons[-1] == ["转人工", "登记诉求", "取消"]
    # Three unusable answers in a row never trap the citizen either.
    chat = Chat()
    await _status_turn(chat, "查询工单", "query_ticket_status", activation=True)
    for text in ("GD1", "嗯嗯", "啊"):
        out = await _status_turn(chat, text)
    assert case_replies.NO_NUMBER in out and chat.active_loop is None


async def test_a_question_after_an_answer_is_answered_not_registered(chat_db):
    chat = Chat()
    chat.events.append({"event": "action", "name": "action_answer_procedure", "timestamp": time.time()})
    chat.slots["procedure_item"] = None
    out = await chat.start("我老婆也有公积金 两个人一起贷额度能高点不", "seek_help")
    assert chat.active_loop is None and not chat.slots.get("ticket_description")
    assert out and not any("登记下来" in m or "手机号码" in m for m in out)   # answered, no form question
    assert await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender) == []


async def test_a_service_question_out_of_the_blue_is_answered_when_the_knowledge_base_knows_it(chat_db):
    chat = Chat()
    out = await chat.start("我儿子身份证过期了 换一个要好多钱", "seek_help")
    assert chat.active_loop is None and "身份证" in "".join(out)
    assert not any("手机号码" in m for m in out)
    # a problem asked as a question is still registered
    chat = Chat()
    out = await chat.start("楼上漏水到我家 天花板都泡烂了 咋个办", "seek_help")
    assert chat.active_loop == "ticket_form" and chat.slots["ticket_description"].startswith("楼上漏水")


async def test_a_where_question_a_faq_answers_is_answered_though_it_names_no_certificate(chat_db):
    """"说要去打疫苗 应该去哪里打啊" names no 证/卡/保: the FAQ entry on vaccination answers it, no ticket."""
    chat = Chat()
    out = await chat.start("宝宝两个月了 出院的时候医院给了个小本本 说要去打疫苗 我们住广福街道 应该去哪里打啊", "complain")
    assert chat.active_loop is None and "接种" in "".join(out)
    assert not any("手机号码" in m for m in out)


async def test_asked_whether_we_handle_it_at_a_contact_question_answered_and_the_story_kept(chat_db):
    chat = Chat()
    await chat.start("老板跑了 欠我们工钱 三个月了 一个人好几万 电话打不通 人也找不到", "complain")
    await chat.say("官盛镇那边 修安置房那个工地")
    assert chat.slots["requested_slot"] == "ticket_phone"
    out = await chat.say("我们一共十几个人 都是附近的 过年都回不去了 你们到底管不管嘛")
    assert out[0].startswith("管的") and "区人社局" in out[0] and chat.slots["requested_slot"] == "ticket_phone"
    assert "十几个人" in chat.slots["ticket_description"]
    # asked with the matter itself, when the matter is asked for: answered, and it is the matter
    chat = Chat()
    await chat.start("我要投诉", "complain")
    assert chat.slots["requested_slot"] == "ticket_description"
    out = await chat.say("楼上天天晚上吵到半夜 你们管不管")
    assert out[0].startswith("管的") and chat.slots["ticket_description"].startswith("楼上天天晚上吵")
    assert chat.slots["requested_slot"] != "ticket_description"


async def test_more_of_the_matter_at_a_contact_question_joins_the_description(chat_db):
    chat = Chat()
    await chat.start("在石笋镇街上那家农资店买的玉米种子 出苗不到三成 老板说不关他的事", "complain")
    assert chat.slots["requested_slot"] == "ticket_phone"
    out = await chat.say("我就是要他赔 今年一季都白种了")
    assert out[0] == replies.STORY_NOTED and chat.slots["requested_slot"] == "ticket_phone"
    assert chat.slots["ticket_description"].endswith("我就是要他赔 今年一季都白种了")
    # "不晓得" inside a story is no refusal of the phone
    await chat.say("村上的人说他们也不晓得 喊我自己找你们问")
    assert chat.slots.get("ticket_phone") is None and chat.slots["requested_slot"] == "ticket_phone"
    await chat.say("15183926470")
    out = await chat.say("你们一定要让他把种子钱赔给我们")
    assert out[0] == replies.STORY_NOTED and chat.slots["requested_slot"] == "ticket_name"


async def test_a_number_given_with_a_privacy_worry_and_a_place_at_the_phone_question_are_kept(chat_db):
    chat = Chat()
    await chat.start("凌晨一点了 旁边工地还在打桩 整栋楼都在抖 这都第三天了", "complain")
    await chat.say("北辰街道 北辰路跟金光大道交叉口那个工地")
    await chat.say("电话不想留 怕他们晓得是我告的")
    assert chat.slots["ticket_phone"] == "-" or chat.slots["requested_slot"] == "ticket_name"
    out = await chat.say("算了 留嘛 13618263307 莫给施工方说是我哈")
    assert replies.PRIVACY_ANSWER in out and chat.slots["ticket_phone"] == "13618263307"
    # the whole place said at the phone question, where the parser alone finds only the division
    chat = Chat()
    await chat.start("我在大安镇场镇开服装店 每逢赶场天 门口就摆满了摊摊 把我门都堵完了", "complain")
    assert chat.slots["requested_slot"] == "ticket_phone"
    await chat.say("大安镇 正街 信用社对面那一排")
    assert "正街 信用社对面" in chat.slots["ticket_location"]


async def test_at_the_summary_only_a_yes_submits(chat_db):
    chat = Chat()
    await chat.start("北辰街道万盛小区门口那家烧烤店天天搞到凌晨两点 油烟噪音 我姓王 电话13981234567", "complain")
    assert chat.slots["requested_slot"] == "ticket_confirm"
    out = await chat.say("你们到底管不管 要好久才有人来")   # "好久" holds a 好, which is no yes
    assert chat.active_loop == "ticket_form" and "工作日" in "".join(out)
    assert await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender) == []
    await chat.say("好 提交")
    assert len(await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender)) == 1


async def test_a_question_read_as_a_suggestion_after_an_answer_is_answered(chat_db):
    chat = Chat()
    chat.events.append({"event": "action", "name": "action_answer_procedure", "timestamp": time.time()})
    await chat.start("我儿子在外地 他能不能帮我在他手机上弄", "suggest")
    assert chat.active_loop is None and not chat.slots.get("ticket_description")
    chat = Chat()
    chat.events.append({"event": "action", "name": "action_answer_procedure", "timestamp": time.time()})
    await chat.start("这个认证能不能搞简单点 老年人太麻烦了", "suggest")
    assert chat.active_loop == "ticket_form"


async def test_a_bare_request_for_a_person_becomes_a_call_back_that_says_so(chat_db):
    chat = Chat()
    await chat.start("不想跟机器人说 给我转人工", "request_human")
    assert chat.slots["ticket_description"] == intake.clean(replies.CALLBACK_DESCRIPTION)
    chat = Chat()
    await chat.start("楼上漏水漏到我家了 给我转人工", "request_human")
    assert chat.slots["ticket_description"].startswith("楼上漏水")


async def test_a_question_about_the_case_or_a_privacy_worry_while_the_check_waits_keeps_the_lookup(chat_db):
    """"是不是超期了" is answered by the status itself; "不要跟邻居说是我举报的" gets the reassurance — the
    lookup waits for the digits instead of ending (or starting a new ticket)."""
    t = await _ticket(chat_db)
    chat = Chat()
    await _status_turn(chat, f"查一下{t['ticket_no']}", "query_ticket_status", activation=True)
    assert chat.slots["requested_slot"] == "verification_code"
    out = await _status_turn(chat, "都快一个月了 是不是超期了哦", "ask_procedure")
    assert out == [case_replies.STATE_AFTER_CHECK] and chat.slots["requested_slot"] == "verification_code"
    out = await _status_turn(chat, "你们不要跟邻居说是我举报的哈", "report")
    assert out == [replies.PRIVACY_ANSWER] and chat.slots["requested_slot"] == "verification_code"
    out = await _status_turn(chat, "1234", entities=[{"entity": "verification_code", "value": "1234"}])
    assert t["ticket_no"] in out[-1] and "当前状态" in out[-1]


async def test_a_grievance_asked_as_a_question_about_the_rule_is_answered_with_an_offer(chat_db):
    """"连表都不给我 这个合理不": the rule of the item, then the offer to register — no form question yet;
    "帮我登记一下" then registers the story told before it."""
    chat = Chat()
    out = await chat.start("我去社区申请低保 那个工作人员说我有个儿子就不能申请 连表都不给我 这个合理不", "complain")
    assert chat.active_loop is None and "低保" in out[0]
    assert out[-1] == replies.OFFER_TO_REGISTER and not any("手机号码" in m for m in out)
    out = await chat.start("帮我登记一下", "seek_help")
    assert chat.active_loop == "ticket_form" and "低保" in chat.slots["ticket_description"]
    # a complaint that says so is registered at once
    chat = Chat()
    await chat.start("投诉一下 老码头火锅店 要发票说没得 说要开发票就另外加8个点 这个合理不", "complain")
    assert chat.active_loop == "ticket_form"


async def test_the_opening_names_the_department_when_the_router_is_sure(chat_db):
    chat = Chat()
    out = await chat.start("我儿子是一级智力残疾 去年就申请了重度残疾人护理补贴 村上说批了 到现在一分钱都莫看到", "seek_help")
    assert out[0].startswith("好的，这类问题一般由区") and "负责" in out[0]


async def test_a_story_naming_a_place_in_passing_joins_the_description_and_a_correction_replaces_the_place(chat_db):
    chat = Chat()
    await chat.start("我说个事哈 我是井河镇柏林村的 今年八十一了 老伴走了好几年了 儿女都在广东", "seek_help")
    assert chat.slots["requested_slot"] == "ticket_phone" and chat.slots["ticket_location"] == "井河镇柏林村"
    out = await chat.say("我们村的村医小何 何医生 对我们这些老年人好得很 每个月都上门来给我量血压 "
                         "上回我半夜心口痛 打电话给他 他骑个摩托就来了 送我到镇上医院")
    assert out[0] == replies.STORY_NOTED and "村医小何" in chat.slots["ticket_description"]
    assert chat.slots["ticket_location"] == "井河镇柏林村"   # "送我到镇上医院" places nothing
    # a place named with the shop is the answer of a place, no more of the story
    chat = Chat()
    await chat.start("广福街道农贸市场西门那个下水道堵了 污水漫得满街都是 臭得很 生意都没法做", "complain")
    assert chat.slots["requested_slot"] == "ticket_phone"
    description = chat.slots["ticket_description"]
    await chat.say("不对不对 是东门 不是西门 东门卖鱼那边")
    assert chat.slots["ticket_location"] == "广福街道农贸市场东门" and chat.slots["ticket_description"] == description
    await chat.say("叫 蜀香园家常菜 在 广福街道 龙台大道 卫生院旁边")
    assert chat.slots["ticket_description"] == description


async def test_which_of_two_departments_is_answered_at_a_contact_question(chat_db):
    chat = Chat()
    await chat.start("我们小区有个人遛狗从来不拴绳 好大一条金毛 今天扑到我娃儿身上 裤儿都扯烂了", "complain")
    await chat.say("枣山街道锦绣苑小区")
    out = await chat.say("狗好像也没办证 跟物业说了物业说管不了 这个归派出所还是城管嘛")
    assert any("一般由区公安分局负责" in o for o in out)


async def test_a_question_during_an_emergency_gets_the_safety_instruction_again(chat_db):
    chat = Chat()
    out = await chat.start("老头子在灶房摔倒了 喊他不答应 头上还有血 咋个办嘛", "ask_procedure")
    assert "120" in out[0] and chat.active_loop == "ticket_form"
    out = await chat.say("要不要把他扶起来 我一个人扶不动")
    assert "120" in out[0] and "不要" in out[0] and out[-1].startswith("请告诉我")
    out = await chat.say("我在中桥街道 水井湾小区3栋")   # the address goes to 120 first
    assert out[0] == replies.call_with_address("中桥街道 水井湾小区3栋", "120") and "手机号码" in out[-1]


async def test_an_emergency_told_by_someone_who_cannot_call_gets_how_to_dial_at_once(chat_db):
    chat = Chat()
    out = await chat.start("屋头好大一股气味 像是天然气 我不会打电话 咋个整", "seek_help")
    assert "关闭燃气总阀" in out[0] and replies.HOW_TO_CALL in out[0]


async def test_a_danger_getting_worse_or_told_midway_gets_its_safety_instruction_first(chat_db):
    """Inside an emergency ticket, a worse turn or a new danger ("他没有出气了") is answered with the
    safety instruction before the next question; a call already made is not told to call again."""
    chat = Chat()
    out = await chat.start("屋头烧蜂窝煤烤火 我妈说脑壳昏 想吐", "seek_help")
    assert "一氧化碳" in out[0] and chat.slots["ticket_emergency"] == "co_poisoning"
    out = await chat.say("窗子开了 我妈还是软起的 喊她答应得迷迷糊糊的")
    assert "120" in out[0] and out[-1].startswith("请告诉我")
    assert "迷迷糊糊" in chat.slots["ticket_description"]
    out = await chat.say("他好像没有出气了 我不会做心肺复苏")
    assert "按" in out[0] and "120" in out[0] and out[-1].startswith("请告诉我")
    out = await chat.say("我已经打了120了 救护车在路上")
    assert not any("一氧化碳" in o or "心肺复苏" in o for o in out)


async def test_a_danger_told_in_a_plain_ticket_makes_it_urgent(chat_db):
    chat = Chat()
    await chat.start("我们楼道的灯坏了好久了 物业不管", "complain")
    out = await chat.say("中桥街道 桂花苑5栋")
    out = await chat.say("对了 我楼下邻居喝了农药 嘴巴吐白沫")
    assert "120" in out[0] and "催吐" in out[0]
    assert chat.slots["ticket_emergency"] == "poisoning"


async def test_a_name_read_as_goodbye_is_taken_as_the_name(chat_db):
    chat = Chat()
    await chat.start("提个建议：恒升镇新修的安置小区最近的公交站要走二十多分钟，能不能把12路延伸过来", "suggest")
    await chat.say("15308265192")
    out = await chat.say("谭先生", "goodbye")
    assert chat.slots["ticket_name"].startswith("谭") and chat.active_loop == "ticket_form" and "核对" in out[-1]


async def test_a_complaint_right_after_a_verified_lookup_carries_the_case_and_goes_to_its_department(chat_db):
    """"都快三个月了 我要投诉" after the status of a disclosure request: the ticket says which request,
    asks no place, and goes to the office in charge of disclosure."""
    from sqlalchemy.orm import Session

    from bot.auth import service as auth
    from bot.db import sync_engine
    from bot.disclosure.status import COMPETENT_OFFICE

    with Session(sync_engine(chat_db.url), future=True) as s, s.begin():
        auth.add_department(s, COMPETENT_OFFICE)
    chat = Chat()
    case = {"text": "依申请公开 GAQ-XXGK-2025-0031（旧改项目招投标信息），2025年8月20日收到，法定答复期限2025年9月17日，"
                    "当前状态：办理中，已超过法定答复期限", "department": COMPETENT_OFFICE}
    chat.slots[ca.CASE_SLOT] = case
    chat.events.append({"event": "action", "name": "action_disclosure_request_status", "timestamp": time.time()})
    out = await chat.start("都快三个月了，法定不是20个工作日吗，我要投诉，你帮我登记", "complain")
    assert chat.slots["requested_slot"] == "ticket_phone", out   # the case says where: no place asked
    assert "GAQ-XXGK-2025-0031" in chat.slots["ticket_description"]
    await chat.say("13547821906")
    await chat.say("姓邓")
    out = await chat.say("/affirm", "affirm")
    items = await list_tickets(chat_db.principals["a1"], conversation_id=chat.sender)
    assert len(items) == 1 and items[0]["department"] == COMPETENT_OFFICE and items[0]["category"] == "投诉"
    # without the lookup just before, the same words are a ticket of their own
    other = Chat()
    other.slots[ca.CASE_SLOT] = case
    await other.start("都快三个月了，法定不是20个工作日吗，我要投诉，你帮我登记", "complain")
    assert "GAQ" not in other.slots["ticket_description"]


async def test_a_place_given_with_a_question_on_time_limits_is_taken_and_the_question_answered(chat_db):
    chat = Chat()
    await chat.start("下水道堵了好几天了 臭得很", "complain")
    assert chat.slots["requested_slot"] == "ticket_location"
    out = await chat.say("北辰街道万盛小区5栋 要好久才有人来")
    assert "万盛小区" in chat.slots["ticket_location"]
    assert any("工作日" in o or "小时" in o for o in out[:-1]) and chat.slots["requested_slot"] == "ticket_phone"


async def test_a_place_given_inside_an_emergency_is_taken_not_answered_with_the_advice_again(chat_db):
    chat = Chat()
    await chat.start("我们单位一个同事说不想活了 现在在顶楼天台边边上坐起 说要跳下去", "seek_help")
    assert chat.slots["ticket_emergency"] == "self_harm"
    await chat.say("在浓洄街道新华大厦顶楼 我们有人在旁边拉到他的")
    assert "新华大厦" in (chat.slots.get("ticket_location") or "")


async def test_where_to_find_the_number_is_answered_and_the_lookup_waits(chat_db):
    chat = Chat()
    await _status_turn(chat, "我反映的问题处理得怎么样了", "query_ticket_status", activation=True)
    out = await _status_turn(chat, "这个编号在哪里看嘛？我只记得是十月份交的", "nlu_fallback")
    assert out == [case_replies.WHERE_IS_THE_NUMBER]
    assert chat.active_loop == "ticket_status_form" and chat.slots["requested_slot"] == "ticket_no"
