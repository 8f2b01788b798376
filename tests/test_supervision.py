"""电子监察 and 全程告知 (#14): the stage-limit policy, lights on the working-day calendar (2026
调休, the 2027 Spring Festival computed from the law), 补正 pauses, warnings once per stage and
level, applicant notices once per stage under duplicate and concurrent events, retry and opt-out,
and the role-checked API — on SQLite and PostgreSQL."""
from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.approvals.status import ApplicationFacts, StageEvent
from bot.audit.models import AuditEntry
from bot.db import sync_engine
from bot.supervision import service
from bot.supervision.lights import GREEN, RED, YELLOW, light_of, supervise
from bot.supervision.models import SupervisionNotice
from bot.supervision.policy import SupervisionConfigError, load_policy, parse_policy
from tests.approvals_helpers import application_row
from tests.test_sync_api import APPS, bearer, push, system_token  # noqa: F401  (fixture)
from tests.tickets_helpers import client, staff  # noqa: F401  (fixtures)

CST = timezone(timedelta(hours=8))
DEP = "区住建局"


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00").replace(tzinfo=CST)


def facts(events, submitted="2027-02-03", promised=10, legal=20, status="in_progress", item="某事项"):
    return ApplicationFacts("SP2027000001", item, DEP, at(submitted, 9), promised, legal, status,
                            tuple(StageEvent(s, at(d), note=n) for s, d, n in events))


POLICY_DATA = {"stages": ["受理", "承办", "审核", "批准", "办结"],
               "default_shares": {"受理": 0.1, "承办": 0.4, "审核": 0.25, "批准": 0.15, "办结": 0.1},
               "yellow_at": 0.8, "min_stage_working_days": 1,
               "items": {"特办事项": {"promised_working_days": 12, "legal_working_days": 15,
                                  "shares": {"受理": 0.2, "承办": 0.2, "审核": 0.2, "批准": 0.2, "办结": 0.2}}}}


# ---- policy -------------------------------------------------------------------------------------

def test_the_shipped_policy_loads_and_splits_every_total_exactly():
    policy = load_policy()
    assert policy.stages == ("受理", "承办", "审核", "批准", "办结")
    for total in range(1, 61):
        limits = policy.stage_limits("任一事项", total)
        assert sum(limits.values()) == total
        if total >= 5:
            assert min(limits.values()) >= 1
    assert policy.stage_limits("任一事项", 10) == {"受理": 1, "承办": 4, "审核": 3, "批准": 1, "办结": 1}


def test_item_override_and_the_legal_limit_as_upper_bound():
    policy = parse_policy(POLICY_DATA)
    assert policy.total_limit("特办事项", 10, 20) == 12   # the item's published 承诺时限 wins
    assert policy.total_limit("特办事项", 10, 11) == 11   # ... capped by the application's legal limit
    assert policy.total_limit("其他", 10, 20) == 10       # no catalog limit: the source system's
    assert policy.total_limit("其他", 25, 20) == 20       # never above the legal limit
    assert policy.stage_limits("特办事项", 15) == {s: 3 for s in POLICY_DATA["stages"]}


@pytest.mark.parametrize("change, words", [
    ({"default_shares": {"受理": 0.5, "承办": 0.4, "审核": 0.25, "批准": 0.15, "办结": 0.1}}, "add up to 1"),
    ({"default_shares": {"受理": 1.0}}, "missing"),
    ({"stages": ["受理", "补正", "办结"]}, "not 补正"),
    ({"yellow_at": 1.5}, "yellow_at"),
    ({"items": {"x": {"promised_working_days": 0}}}, "promised_working_days"),
    ({"items": {"x": {"deadline": 3}}}, "may only have"),
])
def test_a_broken_policy_is_refused_with_the_field_named(change, words):
    with pytest.raises(SupervisionConfigError, match=words):
        parse_policy({**POLICY_DATA, **change}, "supervision.yml")


# ---- lights on the calendar -----------------------------------------------------------------------

@pytest.mark.parametrize("used, limit, light", [
    (0, 5, GREEN), (3, 5, GREEN), (4, 5, YELLOW), (5, 5, YELLOW), (6, 5, RED),
    (7, 10, GREEN), (8, 10, YELLOW), (10, 10, YELLOW), (11, 10, RED), (0, 1, GREEN), (1, 1, YELLOW), (2, 1, RED),
])
def test_light_boundaries(used, limit, light):
    assert light_of(used, limit, 0.8) == light


@pytest.mark.parametrize("today, used, light", [
    ("2027-02-08", 0, GREEN),    # 2027-02-05..08: 除夕 to 正月初三, computed from the law
    ("2027-02-11", 3, GREEN),    # 3 of 4 = 75 %
    ("2027-02-12", 4, YELLOW),   # 4 of 4: at the limit, not over
    ("2027-02-14", 4, YELLOW),   # weekend: no day used
    ("2027-02-15", 5, RED),
])
def test_stage_light_across_the_2027_spring_festival(today, used, light):
    sv = supervise(facts([("受理", "2027-02-04", None)]), load_policy(), date.fromisoformat(today))
    assert sv.current.stage == "承办" and sv.current.limit == 4
    assert (sv.current.used, sv.current.light) == (used, light)


@pytest.mark.parametrize("today, light", [("2026-05-08", GREEN), ("2026-05-09", YELLOW), ("2026-05-11", RED)])
def test_a_tiaoxiu_saturday_counts(today, light):
    """2026-05-01..05 off, Saturday 2026-05-09 is a working day (调休)."""
    sv = supervise(facts([("受理", "2026-04-30", None)], submitted="2026-04-29"), load_policy(),
                   date.fromisoformat(today))
    assert sv.current.light == light


def test_buzheng_pauses_the_stage_clock():
    events = [("受理", "2027-03-01", None), ("补正", "2027-03-02", "缺身份证复印件")]
    policy = load_policy()
    during = [supervise(facts(events, submitted="2027-03-01"), policy, date(2027, 3, d)) for d in (2, 5, 26)]
    assert {sv.current.used for sv in during} == {1} and all(sv.paused for sv in during)
    assert all(sv.light == GREEN for sv in during)
    resumed = facts(events + [("补正完成", "2027-03-26", None)], submitted="2027-03-01")
    sv = supervise(resumed, policy, date(2027, 3, 30))   # 2 more working days after the materials came
    assert (sv.current.stage, sv.current.used, sv.paused) == ("承办", 3, False)
    assert sv.used == 3 and sv.stages[0].used == 0   # 受理 on the day of submission


def test_a_skipped_stage_is_merged_into_the_next_one_reached():
    sv = supervise(facts([("受理", "2027-03-01", None), ("审核", "2027-03-08", None)], submitted="2027-03-01"),
                   load_policy(), date(2027, 3, 9))
    merged = sv.stages[1]
    assert (merged.stage, merged.covers, merged.limit, merged.used) == ("审核", ("承办", "审核"), 7, 5)
    assert sv.current.stage == "批准"


# ---- warnings and notices in the database -----------------------------------------------------------

def _insert(url, **row):
    from bot.approvals.importer import import_application_objects

    result = import_application_objects([(0, application_row(**row))], url)
    assert result.invalid == 0, result.errors


def _notices(url, kind=None):
    engine = sync_engine(url)
    try:
        with Session(engine, future=True) as s:
            q = select(SupervisionNotice).order_by(SupervisionNotice.id)
            if kind:
                q = q.where(SupervisionNotice.kind == kind)
            return [(n.kind, n.dedupe_key, n.recipient, n.status, n.text) for n in s.execute(q).scalars()]
    finally:
        engine.dispose()


class FakeSms:
    def __init__(self, fail_times=0):
        self.sent, self.fail_times = [], fail_times

    async def send(self, phone, text):
        if self.fail_times:
            self.fail_times -= 1
            raise ConnectionError("gateway down")
        self.sent.append((phone, text))


def noon(day: str) -> datetime:
    return at(day, 12).astimezone(timezone.utc)


ROW = dict(no="SP2027000001", department=DEP, submitted_at="2027-02-03T09:00:00+08:00",
           events=[{"stage": "受理", "at": "2027-02-04T10:00:00+08:00", "handler": "窗口"}])


async def test_warnings_once_per_stage_and_level(staff):
    _insert(staff.url, **ROW)
    sms = FakeSms()
    for day in ("2027-02-11", "2027-02-12", "2027-02-12", "2027-02-15", "2027-02-16"):
        await service.refresh(staff.url, now=noon(day), sms=sms)
    staff_rows = [(k, key, to) for k, key, to, _, _ in _notices(staff.url) if k != "applicant"]
    assert staff_rows == [("warning", "yellow:承办", f"department:{DEP}"),
                          ("warning", "red:承办", f"department:{DEP}"),
                          ("escalation", "red:承办", "role:supervisor")]
    # the next stage starts green and warns again on its own
    _insert(staff.url, **{**ROW, "events": ROW["events"] + [{"stage": "承办", "at": "2027-02-16T10:00:00+08:00"}]})
    await service.refresh(staff.url, now=noon("2027-02-25"), sms=sms)
    assert [key for _, key, _, _, _ in _notices(staff.url, "warning")][-1] == "red:审核"


async def test_one_notice_per_stage_under_duplicate_and_concurrent_events(staff):
    _insert(staff.url, **ROW)
    sms = FakeSms()
    now = noon("2027-02-04")
    await asyncio.gather(*(service.refresh(staff.url, now=now, sms=sms) for _ in range(4)))
    await service.refresh(staff.url, now=now, sms=sms)
    applicant = _notices(staff.url, "applicant")
    assert [(key, to, st) for _, key, to, st, _ in applicant] == [("stage:受理", "13800138000", "sent")]
    assert len(sms.sent) == 1
    text = sms.sent[0][1]
    assert "SP2027000001" in text and "受理" in text and "2027年2月" in text and "退订" in text


async def test_buzheng_notice_says_what_is_missing_and_old_events_are_not_news(staff):
    _insert(staff.url, **{**ROW, "events": [
        {"stage": "受理", "at": "2027-02-03T10:00:00+08:00"},
        {"stage": "补正", "at": "2027-02-10T10:00:00+08:00", "note": "缺房屋产权证明复印件"}]})
    sms = FakeSms()
    await service.refresh(staff.url, now=noon("2027-02-10"), sms=sms)
    assert [k for _, k, _, _, _ in _notices(staff.url, "applicant")] == ["stage:补正@20270210T020000"]
    assert "缺房屋产权证明复印件" in sms.sent[0][1] and "不计入办理时限" in sms.sent[0][1]


async def test_a_failed_send_is_retried_with_backoff_and_masked_in_logs(staff, caplog):
    _insert(staff.url, **ROW)
    sms = FakeSms(fail_times=1)
    now = noon("2027-02-04")
    with caplog.at_level(logging.WARNING):
        first = await service.refresh(staff.url, now=now, sms=sms)
    assert first.failed == 1 and not sms.sent
    [record] = [r for r in caplog.records if r.name == "bot.supervision.service"]
    assert record.to == "138****8000" and "13800138000" not in str(vars(record))
    assert (await service.deliver(staff.url, now + timedelta(seconds=30), sms=sms)).sent == 0   # not due yet
    assert (await service.deliver(staff.url, now + timedelta(minutes=2), sms=sms)).sent == 1
    assert [st for _, _, _, st, _ in _notices(staff.url, "applicant")] == ["sent"]
    assert (await service.deliver(staff.url, now + timedelta(hours=2), sms=sms)).sent == 0


async def test_opt_out_is_honoured(client, staff):
    _insert(staff.url, **ROW)
    resp = await client.post("/api/supervision/opt-outs", json={"address": "+86 138-0013-8000"},
                             headers=bearer(staff.tokens["d1"]))
    assert resp.status == 201
    assert not await service.opt_out("13800138000", staff.url)
    assert (await client.post("/api/supervision/opt-outs", json={"address": "13800138000"},
                              headers=bearer(staff.tokens["zj1"]))).status == 403
    sms = FakeSms()
    result = await service.refresh(staff.url, now=noon("2027-02-04"), sms=sms)
    assert result.skipped == 1 and not sms.sent
    assert [st for _, _, _, st, _ in _notices(staff.url, "applicant")] == ["skipped"]


async def test_chat_channel_of_the_applicant_is_used(staff):
    _insert(staff.url, **ROW, notify_channel="wechat", notify_to="oOPENID123")

    class Chat:
        def __init__(self):
            self.sent = []

        async def deliver(self, channel, to, message):
            from bot.delivery import SENT, Delivery

            self.sent.append((channel, to))
            return Delivery(SENT)

    chat, sms = Chat(), FakeSms()
    await service.refresh(staff.url, now=noon("2027-02-04"), notifier=chat, sms=sms)
    assert chat.sent == [("wechat", "oOPENID123")] and not sms.sent


# ---- API -------------------------------------------------------------------------------------------

async def test_board_is_for_the_supervisor_only(client, staff):
    for user, status in (("d1", 403), ("zj1", 403), ("s1", 200), ("a1", 200)):
        resp = await client.get("/api/supervision/board", headers=bearer(staff.tokens[user]))
        assert resp.status == status, user
    assert (await client.get("/api/supervision/board")).status == 401


async def test_push_warn_explain_supervise_and_board(client, staff, system_token, monkeypatch):
    from bot.web import supervision as web_supervision

    monkeypatch.setattr(service, "today_of", lambda now: date(2027, 2, 16))
    monkeypatch.setattr(web_supervision, "local_today", lambda: date(2027, 2, 16))
    red = {**application_row(**{k: v for k, v in ROW.items() if k != "no"}, no="SP2027000001")}
    done = application_row(no="SP2027000002", department=DEP, status="approved",
                           submitted_at="2027-02-01T09:00:00+08:00",
                           events=[{"stage": "受理", "at": "2027-02-01T10:00:00+08:00"},
                                   {"stage": "办结", "at": "2027-02-03T10:00:00+08:00"}])
    status, body = await push(client, APPS, [red, done], system_token)
    assert status == 200 and body["inserted"] == 2
    status, body = await push(client, APPS, [red, done], system_token)   # re-sent: nothing new
    assert body["unchanged"] == 2
    # pushed events are told whatever their age, once per stage however often they are re-sent
    told = sorted(key for _, key, _, _, _ in _notices(staff.url, "applicant"))
    assert told == sorted(["stage:受理", "stage:受理", "stage:办结"])
    warnings = await (await client.get("/api/supervision/notifications", headers=bearer(staff.tokens["zj1"]))).json()
    assert [i["text"][:6] for i in warnings["items"]] == ["【红灯警示】"]
    sup = await (await client.get("/api/supervision/notifications", headers=bearer(staff.tokens["s1"]))).json()
    assert sup["unread"] == 1 and "区住建局" in sup["items"][0]["text"]
    other = await (await client.get("/api/supervision/notifications", headers=bearer(staff.tokens["zf1"]))).json()
    assert other["items"] == []

    url = "/api/supervision/applications/SP2027000001/explain"
    reason = {"stage": "承办", "reason": "春节后现场核查排期"}
    assert (await client.post(url, json=reason, headers=bearer(staff.tokens["zf1"]))).status == 403
    assert (await client.post(url, json=reason, headers=bearer(staff.tokens["s1"]))).status == 403
    assert (await client.post(url, json={"stage": "受理", "reason": "x"},
                              headers=bearer(staff.tokens["zj1"]))).status == 409
    assert (await client.post(url, json=reason, headers=bearer(staff.tokens["zj1"]))).status == 201
    sup_url = "/api/supervision/applications/SP2027000001/supervise"
    assert (await client.post(sup_url, json={}, headers=bearer(staff.tokens["zj1"]))).status == 403
    resp = await client.post(sup_url, json={"note": "请本周内办结"}, headers=bearer(staff.tokens["s1"]))
    assert resp.status == 200 and (await resp.json())["supervised"]

    board = await (await client.get("/api/supervision/board?from=2027-01-01&to=2027-02-16",
                                    headers=bearer(staff.tokens["s1"]))).json()
    assert board["lights"] == {"green": 0, "yellow": 0, "red": 1}
    dep = next(d for d in board["departments"] if d["department"] == DEP)
    assert (dep["finished"], dep["on_time"], dep["on_time_rate"], dep["red"]) == (1, 1, 1.0, 1)
    [late] = board["overdue"]
    assert (late["application_no"], late["stage"], late["supervised"]) == ("SP2027000001", "承办", True)
    assert late["explanations"][0]["reason"] == "春节后现场核查排期"
    assert len(board["weekly"]) == 8 and board["weekly"][-3] == {
        "week": "2027-02-01", "finished": 1, "on_time": 1, "on_time_rate": 1.0}

    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s:
        actions = s.execute(select(AuditEntry.action).where(AuditEntry.object_id == "SP2027000001")).scalars().all()
    engine.dispose()
    assert actions == ["supervision_explain", "supervision_supervise"]


async def test_the_worker_beat_supervises_open_applications(staff):
    from bot.supervision.models import SupervisionState
    from bot.worker import Worker

    class Lead:
        async def hold(self):
            return True

        async def release(self):
            pass

    _insert(staff.url, **{**ROW, "submitted_at": "2026-10-08T09:00:00+08:00",
                          "events": [{"stage": "受理", "at": "2026-10-09T10:00:00+08:00"}]})
    assert await Worker(staff.url, leader=Lead(), interval=1).tick()
    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s:
        state = s.execute(select(SupervisionState)).scalar_one()
    engine.dispose()
    assert (state.application_no, state.stage, state.light) == ("SP2027000001", "承办", RED)
    assert [k for k, _, _, _, _ in _notices(staff.url) if k != "applicant"] == ["warning", "escalation"]


def test_the_jsonl_import_supervises_what_it_loaded(app_env, tmp_path, capsys):
    from bot.cli import main
    from tests.approvals_helpers import write_jsonl

    start = date.today() - timedelta(days=40)
    path = write_jsonl(tmp_path / "a.jsonl", [application_row(
        "SP2026990002", department=DEP, submitted_at=f"{start}T09:00:00+08:00",
        events=[{"stage": "受理", "at": f"{start}T10:00:00+08:00"}])])
    assert main(["import", "approvals", str(path)]) == 0
    assert "supervision: applications=1 warnings=1 notices=0" in capsys.readouterr().out
    assert main(["import", "approvals", str(path)]) == 0   # again: nothing new
    assert "supervision: applications=1 warnings=0 notices=0" in capsys.readouterr().out


async def test_odd_input_gets_a_4xx_never_a_500(client, staff):
    sup, zj = bearer(staff.tokens["s1"]), bearer(staff.tokens["zj1"])
    for path in ("/api/supervision/board?to=0001-01-01", "/api/supervision/board?weeks=%C2%B2",
                 "/api/supervision/board?department=%00", "/api/supervision/board?from=yesterday"):
        assert (await client.get(path, headers=sup)).status == 400, path
    assert (await client.post("/api/supervision/notifications/%C2%B2/read", headers=sup)).status == 404
    assert (await client.post("/api/supervision/applications/%00/explain", json={"stage": "承办", "reason": "x"},
                              headers=zj)).status == 404
    resp = await client.post("/api/supervision/applications/SP2099000001/explain",
                             json={"stage": "承办\u0000", "reason": "\u0000\ud800"}, headers=zj)
    assert resp.status == 400
    resp = await client.post("/api/supervision/applications/SP2099000001/supervise", json={"note": "\u0000"},
                             headers=sup)
    assert resp.status == 404


def test_item_overrides_name_items_of_the_catalog():
    """An override keyed by a name no source system writes would silently never apply."""
    import yaml

    from bot.settings import get_settings

    names = set()
    for path in (get_settings().knowledge_dir / "guides").glob("*.yml"):
        guide = yaml.safe_load(path.read_text(encoding="utf-8"))
        names.update([guide.get("name"), *(guide.get("catalog_names") or [])])
    assert set(load_policy().items) <= names


def test_notify_fields_of_an_application_row_are_validated():
    from bot.approvals.importer import parse_application

    assert parse_application(application_row(notify_channel="sms")).values["notify_to"] is None
    assert parse_application(application_row(notify_channel="miniprogram", notify_to="oMP1")).values[
        "notify_to"] == "oMP1"
    with pytest.raises(ValueError, match="notify_channel"):
        parse_application(application_row(notify_channel="fax", notify_to="x"))
    with pytest.raises(ValueError, match="notify_to"):
        parse_application(application_row(notify_channel="wechat"))
    # rows without them keep the content hash they had before the fields existed
    assert "notify_channel" not in parse_application(application_row()).values
