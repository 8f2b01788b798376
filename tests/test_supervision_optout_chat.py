"""退订 / 恢复通知 said in chat (#14): the actions through the Rasa SDK opt the conversation's
applicant out of the stage notices (the openid the applications notify and their phones, or a phone
typed in the message), the notices that follow are skipped, and 恢复通知 turns them on again — on
SQLite and PostgreSQL."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.supervision import ActionOptOutNotices, ActionResubscribeNotices
from bot.supervision import service
from tests.test_supervision import ROW, FakeSms, _insert, _notices, noon
from tests.tickets_helpers import staff  # noqa: F401  (fixture)

OPENID = "oWX-CITIZEN-1"


def tracker(sender, text, intent, phone=None):
    entities = [{"entity": "phone", "value": phone}] if phone else []
    return Tracker(sender, {}, {"text": text, "intent": {"name": intent}, "entities": entities},
                   [], False, None, {}, "action_listen")


async def run(action, sender, text, intent="unsubscribe_notices", phone=None):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker(sender, text, intent, phone), {})
    assert events == []
    return " ".join(m["text"] for m in dispatcher.messages)


class Chat:
    def __init__(self):
        self.sent = []

    async def deliver(self, channel, to, text):
        from bot.delivery import SENT, Delivery

        self.sent.append((channel, to, text))
        return Delivery(SENT)

    def wechat_api(self, channel):
        return None


async def test_tuiding_in_wechat_stops_the_notices_of_the_citizens_applications(staff):
    _insert(staff.url, **ROW, notify_channel="wechat", notify_to=OPENID)
    answer = await run(ActionOptOutNotices(), OPENID, "退订")
    assert "已为您退订" in answer and "SP2027000001" in answer and "恢复通知" in answer
    assert "13800138000" not in answer and "138****8000" not in answer   # the phone is not told back
    chat, sms = Chat(), FakeSms()
    result = await service.refresh(staff.url, now=noon("2027-02-04"), notifier=chat, sms=sms)
    assert result.skipped == 1 and not chat.sent and not sms.sent
    assert [st for _, _, _, st, _ in _notices(staff.url, "applicant")] == ["skipped"]
    # the SMS fallback's phone is opted out as well
    assert not await service.opt_out("13800138000", staff.url)

    again = await run(ActionOptOutNotices(), OPENID, "不要再给我发通知了")
    assert "已经退订过" in again

    back = await run(ActionResubscribeNotices(), OPENID, "恢复通知", "resubscribe_notices")
    assert "已为您恢复" in back and "SP2027000001" in back
    _insert(staff.url, **{**ROW, "events": ROW["events"] + [{"stage": "承办", "at": "2027-02-05T10:00:00+08:00"}]},
            notify_channel="wechat", notify_to=OPENID)
    await service.refresh(staff.url, now=noon("2027-02-05"), notifier=chat, sms=sms)
    assert [to for _, to, _ in chat.sent] == [OPENID] and "承办" in chat.sent[0][2]
    assert "一直是开启的" in await run(ActionResubscribeNotices(), OPENID, "恢复通知", "resubscribe_notices")


async def test_sms_recipient_opts_out_with_the_phone_typed(staff):
    _insert(staff.url, **ROW)      # told by SMS: the chat is not linked to the application
    answer = await run(ActionOptOutNotices(), "portal-session-9", "别发短信了", phone="+86 138-0013-8000")
    assert "已为您退订" in answer and "138****8000" in answer and "13800138000" not in answer
    sms = FakeSms()
    result = await service.refresh(staff.url, now=noon("2027-02-04"), sms=sms)
    assert result.skipped == 1 and not sms.sent


async def test_nothing_to_opt_out_is_explained(staff):
    answer = await run(ActionOptOutNotices(), "stranger", "退订")
    assert "没有找到" in answer and "手机号" in answer and "12345" in answer
    assert "没有找到" in await run(ActionResubscribeNotices(), "stranger", "恢复通知", "resubscribe_notices")


async def test_a_database_failure_gets_a_polite_answer(monkeypatch):
    async def broken(*args, **kwargs):
        raise ConnectionError("db down")

    monkeypatch.setattr(service, "opt_out_chat", broken)
    answer = await run(ActionOptOutNotices(), OPENID, "退订")
    assert "抱歉" in answer and "12345" in answer


def test_the_footer_of_every_notice_says_how_to_opt_out_in_chat():
    from bot.supervision.policy import load_policy

    footer = load_policy().notices.footer
    assert "退订" in footer and "本助手" in footer
