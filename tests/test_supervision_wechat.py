"""全程告知 through WeChat (#14): stage notices as Official Account template messages and mini-program
subscription messages, the customer-service message within 48 hours, SMS otherwise — against the
fake WeChat API server on loopback, on SQLite and PostgreSQL; a passing failure is retried from the
top, a refusal passes to the next way; the mini-program records the subscriptions it got."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import sync_engine
from bot.delivery import Deliverer as ChannelNotifier
from bot.supervision import service
from bot.supervision.models import SupervisionNotice
from tests.conftest_wechat import SAMPLE_APPID, SAMPLE_SECRET, FakeWeChat
from tests.test_supervision import ROW, FakeSms, _insert, noon
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

OPENID = "oOPENID123"


@pytest.fixture
def fake_wechat(monkeypatch):
    from bot.settings import reload_settings

    fake = FakeWeChat().start()
    for prefix in ("WECHAT", "WECHAT_MP"):
        monkeypatch.setenv(f"{prefix}_APPID", SAMPLE_APPID)
        monkeypatch.setenv(f"{prefix}_SECRET", SAMPLE_SECRET)
    monkeypatch.setenv("WECHAT_API_BASE", fake.base)
    monkeypatch.setenv("WECHAT_NOTICE_TEMPLATES", "受理=TM-OA-ACCEPT,*=TM-OA-ANY")
    monkeypatch.setenv("WECHAT_MP_NOTICE_TEMPLATES", "受理=TM-MP-ACCEPT,补正=TM-MP-FIX")
    monkeypatch.delenv("REDIS_URL", raising=False)
    reload_settings()
    yield fake
    fake.stop()
    monkeypatch.undo()
    reload_settings()


def _rows(url):
    engine = sync_engine(url)
    try:
        with Session(engine, future=True) as s:
            return [(n.status, n.route, n.attempts, n.error) for n in
                    s.execute(select(SupervisionNotice).where(SupervisionNotice.kind == "applicant")
                              .order_by(SupervisionNotice.id)).scalars()]
    finally:
        engine.dispose()


async def _refresh(staff, sms, day="2027-02-04", **kw):
    return await service.refresh(staff.url, now=noon(day), notifier=ChannelNotifier(), sms=sms, **kw)


async def test_official_account_stage_notice_is_a_template_message(staff, fake_wechat):
    _insert(staff.url, **ROW, notify_channel="wechat", notify_to=OPENID)
    sms = FakeSms()
    result = await _refresh(staff, sms)
    assert result.sent == 1 and not sms.sent and not fake_wechat.sent
    [(kind, body)] = fake_wechat.delivered
    assert kind == "template" and body["touser"] == OPENID and body["template_id"] == "TM-OA-ACCEPT"
    data = {k: v["value"] for k, v in body["data"].items()}
    assert data == {"character_string1": "SP2027000001", "thing2": body["data"]["thing2"]["value"],
                    "phrase3": "受理", "time4": "2027年2月4日", "thing5": "部门审查材料"}
    assert 0 < len(data["thing2"]) <= 20
    assert _rows(staff.url) == [("sent", "template", 1, None)]


async def test_fallback_order_template_then_48h_custom_then_sms(staff, fake_wechat):
    """Not following (43004) → customer-service message; outside the 48 hours too (45015) → SMS."""
    _insert(staff.url, **ROW, notify_channel="wechat", notify_to=OPENID)
    fake_wechat.unfollowed.add(OPENID)
    sms = FakeSms()
    await _refresh(staff, sms)
    assert [k for k, _ in fake_wechat.delivered] == ["custom"] and not sms.sent
    assert "SP2027000001" in fake_wechat.sent[0]["text"]["content"]
    assert _rows(staff.url) == [("sent", "custom", 1, None)]

    # the next stage: the citizen has been silent for more than 48 hours as well
    fake_wechat.silent_since_48h.add(OPENID)
    _insert(staff.url, **{**ROW, "events": ROW["events"] + [{"stage": "承办", "at": "2027-02-05T10:00:00+08:00"}]})
    await _refresh(staff, sms, "2027-02-05")
    assert len(fake_wechat.delivered) == 1
    assert [phone for phone, _ in sms.sent] == ["13800138000"] and "承办" in sms.sent[0][1]
    assert _rows(staff.url)[1] == ("sent", "sms", 1, None)


async def test_a_passing_failure_is_retried_from_the_top_not_sent_by_sms(staff, fake_wechat):
    _insert(staff.url, **ROW, notify_channel="wechat", notify_to=OPENID)
    fake_wechat.fail_next = [-1]          # WeChat busy on the template message
    sms = FakeSms()
    first = await _refresh(staff, sms)
    assert first.failed == 1 and not fake_wechat.delivered and not sms.sent
    [(status, route, attempts, error)] = _rows(staff.url)
    assert (status, route, attempts) == ("failed", None, 1) and "-1" in error
    assert (await service.deliver(staff.url, noon("2027-02-04") + timedelta(seconds=20), sms=sms)).sent == 0
    again = await service.deliver(staff.url, noon("2027-02-04") + timedelta(minutes=2),
                                  notifier=ChannelNotifier(), sms=sms)
    assert again.sent == 1 and [k for k, _ in fake_wechat.delivered] == ["template"] and not sms.sent
    assert _rows(staff.url) == [("sent", "template", 2, None)]


async def test_unreachable_everywhere_without_a_phone_fails_and_is_retried(staff, fake_wechat):
    _insert(staff.url, **ROW, notify_channel="wechat", notify_to=OPENID)
    engine = sync_engine(staff.url)
    with engine.begin() as conn:   # a record whose phone the source system did not send
        conn.exec_driver_sql("UPDATE approval_applications SET applicant_phone = ''")
    engine.dispose()
    fake_wechat.unfollowed.add(OPENID)
    fake_wechat.silent_since_48h.add(OPENID)
    sms = FakeSms()
    result = await _refresh(staff, sms)
    assert result.failed == 1 and not sms.sent and not fake_wechat.delivered
    [(status, _, _, error)] = _rows(staff.url)
    assert status == "failed" and "template:43004" in error and "custom:45015" in error
    # the citizen writes again (the 48 hours start over): the retry gets through
    fake_wechat.silent_since_48h.clear()
    assert (await service.deliver(staff.url, noon("2027-02-04") + timedelta(minutes=2),
                                  notifier=ChannelNotifier(), sms=sms)).sent == 1
    assert _rows(staff.url)[0][:2] == ("sent", "custom")


async def test_mini_program_subscription_message_only_where_the_citizen_subscribed(client, staff, fake_wechat):
    from bot.web import mp_session

    token = mp_session.issue(OPENID, 600)
    auth = {"Authorization": f"Bearer {token}"}
    listed = await (await client.get("/api/mp/subscriptions", headers=auth)).json()
    assert listed == {"templates": {"受理": "TM-MP-ACCEPT", "补正": "TM-MP-FIX"},
                      "remaining": {"TM-MP-ACCEPT": 0, "TM-MP-FIX": 0}}
    resp = await client.post("/api/mp/subscriptions", headers=auth,
                             json={"results": {"TM-MP-ACCEPT": "accept", "TM-MP-FIX": "reject"}})
    assert resp.status == 200
    assert (await resp.json())["remaining"] == {"TM-MP-ACCEPT": 1, "TM-MP-FIX": 0}
    fake_wechat.subscribed[(OPENID, "TM-MP-ACCEPT")] = 1   # what WeChat recorded for the same tap
    for bad in ({"results": {"TM-OTHER": "accept"}}, {"results": []}, {}):
        r = await client.post("/api/mp/subscriptions", headers=auth, json=bad)
        assert r.status == 400 and "error" in await r.json()
    assert (await client.get("/api/mp/subscriptions")).status == 401

    _insert(staff.url, **{**ROW, "events": ROW["events"] + [
        {"stage": "补正", "at": "2027-02-04T11:00:00+08:00", "note": "缺身份证复印件"}]},
        notify_channel="miniprogram", notify_to=OPENID)
    sms = FakeSms()
    await _refresh(staff, sms)
    kinds = [(k, b.get("template_id")) for k, b in fake_wechat.delivered]
    # 受理: subscribed → subscription message; 补正: refused in the dialog → customer-service message
    assert kinds == [("subscribe", "TM-MP-ACCEPT"), ("custom", None)] and not sms.sent
    sub = fake_wechat.delivered[0][1]
    assert sub["touser"] == OPENID and sub["data"]["phrase3"] == {"value": "受理"}
    assert "缺身份证复印件" in fake_wechat.delivered[1][1]["text"]["content"]
    assert sorted(r[1] for r in _rows(staff.url)) == ["custom", "subscribe"]
    left = await (await client.get("/api/mp/subscriptions", headers=auth)).json()
    assert left["remaining"] == {"TM-MP-ACCEPT": 0, "TM-MP-FIX": 0}   # the one message was used


async def test_a_subscription_wechat_no_longer_honours_is_dropped(staff, fake_wechat):
    from bot.supervision.routes import add_subscriptions, subscriptions_left

    await add_subscriptions(OPENID, ["TM-MP-ACCEPT", "TM-MP-ACCEPT"], staff.url)
    assert (await subscriptions_left(OPENID, staff.url)) == {"TM-MP-ACCEPT": 2}
    _insert(staff.url, **ROW, notify_channel="miniprogram", notify_to=OPENID)
    sms = FakeSms()
    await _refresh(staff, sms)    # WeChat has none for this user: 43101 → custom
    assert [k for k, _ in fake_wechat.delivered] == ["custom"]
    assert (await subscriptions_left(OPENID, staff.url)) == {"TM-MP-ACCEPT": 0}


async def test_opted_out_wechat_user_gets_nothing(staff, fake_wechat):
    _insert(staff.url, **ROW, notify_channel="wechat", notify_to=OPENID)
    await service.opt_out(OPENID, staff.url)
    sms = FakeSms()
    result = await _refresh(staff, sms)
    assert result.skipped == 1 and not fake_wechat.delivered and not sms.sent


def test_stage_template_setting_is_parsed_and_checked():
    from bot.settings import parse_stage_templates

    assert parse_stage_templates("受理=A， 补正 = B,*=C") == {"受理": "A", "补正": "B", "*": "C"}
    assert parse_stage_templates("") == {}
    with pytest.raises(ValueError, match="stage=template_id"):
        parse_stage_templates("受理A")


def test_template_values_are_cut_to_wechat_lengths():
    from bot.supervision.notices import template_data

    data = template_data({"thing1": "item", "phrase2": "stage", "character_string3": "application_no"},
                         {"item": "个体工商户设立登记（含名称自主申报及营业执照领取）", "stage": "不予受理",
                          "application_no": "SP2027000001"})
    assert data["thing1"]["value"] == "个体工商户设立登记（含名称自主申报及营业执照" [:19] + "…"
    assert len(data["thing1"]["value"]) == 20
    assert data["phrase2"] == {"value": "不予受理"} and data["character_string3"] == {"value": "SP2027000001"}
