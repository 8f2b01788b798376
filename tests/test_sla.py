"""SLA deadlines and lights on the working-day calendar: National Day 2025, Spring Festival 2026,
May Day 2026 and the 调休 Saturdays/Sundays that are working days."""
import json
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.tickets import sla

CST = ZoneInfo("Asia/Shanghai")
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=CST)


def local(moment: datetime) -> str:
    return moment.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


def test_cli_example_from_the_issue():
    out = subprocess.run([sys.executable, "-m", "bot", "sla", "deadlines", "--category", "求助",
                          "--created", "2026-04-30T10:00:00+08:00"], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    body = json.loads(out.stdout)
    assert body["sign_by"] == "2026-05-06T23:59:59+08:00"        # May Day 1–5 off
    assert body["first_contact_by"] == "2026-05-07T23:59:59+08:00"
    assert body["resolve_by"] == "2026-05-11T23:59:59+08:00"      # Sat 2026-05-09 is a 调休 working day


def test_cli_rejects_unknown_category_and_bad_time():
    for args in (["--category", "闲聊", "--created", "2026-04-30T10:00:00+08:00"],
                 ["--category", "求助", "--created", "明天"]):
        out = subprocess.run([sys.executable, "-m", "bot", "sla", "deadlines", *args], cwd=ROOT,
                             capture_output=True, text=True, env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
        assert out.returncode == 2 and "error" in out.stderr and not out.stdout


@pytest.mark.parametrize("category, created, sign_by, resolve_by", [
    # National Day 2025: Oct 1–8 off; Sun 2025-09-28 and Sat 2025-10-11 are working days
    ("咨询", "2025-09-30 10:00", "2025-10-09 23:59:59", "2025-10-10 23:59:59"),
    ("求助", "2025-09-26 16:00", "2025-09-28 23:59:59", "2025-10-10 23:59:59"),
    ("投诉", "2025-09-30 09:00", "2025-10-09 23:59:59", "2025-10-28 23:59:59"),
    # Spring Festival 2026: Feb 15–23 off; Sat 2026-02-14 and Sat 2026-02-28 are working days
    ("求助", "2026-02-13 11:00", "2026-02-14 23:59:59", "2026-02-27 23:59:59"),
    ("咨询", "2026-02-14 18:00", "2026-02-24 23:59:59", "2026-02-25 23:59:59"),
    ("表扬", "2026-02-24 08:00", "2026-02-25 23:59:59", "2026-03-02 23:59:59"),
    # an ordinary week: created on Friday, the weekend is not counted
    ("建议", "2026-03-06 15:00", "2026-03-09 23:59:59", "2026-03-27 23:59:59"),
])
def test_working_day_deadlines(category, created, sign_by, resolve_by):
    d = sla.compute_deadlines(category, False, at(created))
    assert local(d.sign_by) == sign_by
    assert local(d.resolve_by) == resolve_by
    assert d.first_contact_by > d.sign_by


def test_first_contact_counts_from_signing():
    policy = sla.load_policy()
    d = sla.compute_deadlines("投诉", False, at("2025-09-30 10:00"), signed_at=at("2025-09-30 15:00"), policy=policy)
    assert local(d.first_contact_by) == "2025-10-09 23:59:59"


def test_urgent_uses_hours():
    d = sla.compute_deadlines("求助", True, at("2025-10-01 22:00"))
    assert local(d.sign_by) == "2025-10-02 00:00:00"       # 2 hours, holidays included
    assert local(d.first_contact_by) == "2025-10-02 02:00:00"
    assert local(d.resolve_by) == "2025-10-02 22:00:00"    # 24 hours


def test_light_counts_working_time_only():
    start, sign_by = at("2025-09-30 10:00"), at("2025-10-09 23:59:59")
    # during the holiday only 14 of 38 working hours have passed: green
    assert sla.light_for([(start, sign_by)], at("2025-10-06 12:00"), False) == "green"
    # 2025-10-09 20:00: 34 of 38 working hours (89%) → yellow
    assert sla.light_for([(start, sign_by)], at("2025-10-09 20:00"), False) == "yellow"
    assert sla.light_for([(start, sign_by)], at("2025-10-10 00:00:01"), False) == "red"


def test_urgent_light_at_80_percent():
    start = at("2026-03-02 10:00")
    limit = start + timedelta(hours=2)
    assert sla.light_for([(start, limit)], start + timedelta(minutes=95), True) == "green"
    assert sla.light_for([(start, limit)], start + timedelta(minutes=97), True) == "yellow"
    assert sla.light_for([(start, limit)], limit + timedelta(seconds=1), True) == "red"


def test_extension_adds_working_days():
    assert local(sla.extend_deadline(at("2025-09-30 23:59:59"), False, 2)) == "2025-10-10 23:59:59"


def test_policy_validation(tmp_path):
    bad = {"sign_working_days": 1, "first_contact_working_days": 1, "resolve_working_days": {"咨询": 2},
           "urgent": {"sign_hours": 2, "first_contact_hours": 2, "resolve_hours": 24}}
    with pytest.raises(sla.SlaConfigError, match="lacks"):
        sla.parse_policy(bad)
    with pytest.raises(sla.SlaConfigError, match="yellow_at"):
        sla.parse_policy({**bad, "resolve_working_days": dict.fromkeys(sla.CATEGORIES, 3), "yellow_at": 2})


def test_working_hours_skip_holidays():
    assert sla.working_hours(at("2025-09-30 12:00"), at("2025-10-09 12:00")) == pytest.approx(24.0)
    assert sla.as_utc(datetime(2026, 1, 1)).tzinfo == timezone.utc


# ---- where working time and wall-clock time differ ------------------------------------------------

@pytest.mark.parametrize("start, deadline, now, light", [
    # National Day 2025 (Oct 1-8 off): at the end of the break 14 of 38 working hours are used (37%),
    # while 89% of the wall-clock time has passed — green, not yellow.
    ("2025-09-30 10:00", "2025-10-09 23:59:59", "2025-10-08 23:00", "green"),
    # the same limit on its last day: 34 of 38 working hours → yellow
    ("2025-09-30 10:00", "2025-10-09 23:59:59", "2025-10-09 20:00", "yellow"),
    # an ordinary weekend: Friday 12:00 to Monday 23:59:59 has 12 + 24 working hours; at Monday 06:00
    # 18/36 = 50% of the working time is used (82% of the wall clock) → green
    ("2026-03-06 12:00", "2026-03-09 23:59:59", "2026-03-09 06:00", "green"),
    ("2026-03-06 12:00", "2026-03-09 23:59:59", "2026-03-09 19:00", "yellow"),   # 31/36 = 86%
    # Spring Festival 2027 computed from the law (Feb 5-8 off): created Thursday Feb 4 09:00, sign by
    # Tuesday Feb 9; on Monday Feb 8 22:00 only 15 of 39 working hours are used
    ("2027-02-04 09:00", "2027-02-09 23:59:59", "2027-02-08 22:00", "green"),
    ("2027-02-04 09:00", "2027-02-09 23:59:59", "2027-02-09 20:00", "yellow"),   # 35/39 = 90%
])
def test_working_day_lights_count_working_time_not_the_wall_clock(start, deadline, now, light):
    assert sla.light_for([(at(start), at(deadline))], at(now), False) == light


def test_working_fraction_is_exact():
    start, deadline = at("2026-03-06 12:00"), at("2026-03-09 12:00")
    assert sla.limit_fraction(start, deadline, at("2026-03-08 23:00"), False) == pytest.approx(0.5)  # 12 of 24 h
    assert sla.limit_fraction(start, deadline, at("2026-03-09 06:00"), False) == pytest.approx(0.75)
    assert sla.limit_fraction(start, deadline, deadline, False) == pytest.approx(1.0)
    assert sla.limit_fraction(start, deadline, at("2026-03-09 13:00"), False) > 1.0
    assert sla.limit_fraction(start, deadline, at("2026-03-05 12:00"), False) == 0.0   # before the start
    assert sla.working_hours(at("2026-03-06 12:00"), at("2026-03-09 12:00")) == pytest.approx(24.0)
    assert sla.working_hours(at("2026-03-09 12:00"), at("2026-03-06 12:00")) == 0.0


def test_urgent_lights_run_on_the_wall_clock_across_a_holiday():
    # From the last day of National Day 2025 into the first working day: 100 of 120 minutes is yellow
    # even though only 40 of those minutes fall on a working day.
    start, limit = at("2025-10-08 23:00"), at("2025-10-09 01:00")
    assert sla.light_for([(start, limit)], at("2025-10-09 00:30"), True) == "green"    # 75%
    assert sla.light_for([(start, limit)], at("2025-10-09 00:40"), True) == "yellow"   # 83%
    assert sla.limit_fraction(start, limit, at("2025-10-09 00:30"), True) == pytest.approx(0.75)
    # wholly inside the holiday: the hours still count
    start = at("2025-10-03 10:00")
    assert sla.light_for([(start, start + timedelta(hours=2))], at("2025-10-03 11:30"), True) == "green"
    assert sla.light_for([(start, start + timedelta(hours=2))], at("2025-10-03 11:40"), True) == "yellow"


def test_red_when_any_pending_limit_is_overdue_and_yellow_at_the_policy_fraction():
    policy = sla.load_policy()
    green = (at("2026-03-09 09:00"), at("2026-03-20 23:59:59"))
    overdue = (at("2026-03-02 09:00"), at("2026-03-03 23:59:59"))
    assert sla.light_for([green, overdue], at("2026-03-10 09:00"), False, policy) == "red"
    # exactly at yellow_at (80%) is yellow; just before is green
    start, limit = at("2026-03-02 10:00"), at("2026-03-02 20:00")
    assert sla.light_for([(start, limit)], at("2026-03-02 18:00"), True, policy) == "yellow"
    assert sla.light_for([(start, limit)], at("2026-03-02 17:59"), True, policy) == "green"


# ---- extensions --------------------------------------------------------------------------------

@pytest.mark.parametrize("days, hours", [(1, 24), (2, 48), (5, 120)])
def test_urgent_extension_adds_24_hours_per_day_on_the_wall_clock(days, hours):
    deadline = at("2025-09-30 20:00")   # straight into National Day: holidays count for urgent tickets
    assert sla.extend_deadline(deadline, True, days) == sla.as_utc(deadline) + timedelta(hours=hours)


def test_working_day_extension_skips_weekends_and_holidays():
    assert local(sla.extend_deadline(at("2026-03-06 23:59:59"), False, 1)) == "2026-03-09 23:59:59"
    assert local(sla.extend_deadline(at("2027-02-04 23:59:59"), False, 1)) == "2027-02-09 23:59:59"


def test_urgent_deadlines_are_hours_from_their_own_start():
    policy = sla.load_policy()
    created, dispatched, signed = at("2026-03-06 22:00"), at("2026-03-06 23:00"), at("2026-03-07 00:30")
    d = sla.compute_deadlines("投诉", True, created, dispatched_at=dispatched, signed_at=signed, policy=policy)
    assert d.sign_by == sla.as_utc(dispatched) + timedelta(hours=policy.urgent_sign_hours)
    assert d.first_contact_by == sla.as_utc(signed) + timedelta(hours=policy.urgent_first_contact_hours)
    assert d.resolve_by == sla.as_utc(created) + timedelta(hours=policy.urgent_resolve_hours)


def test_ticket_lights_of_working_day_tickets_count_working_time():
    """The lifecycle and the worker (sweep) pass the ticket's own urgency: a non-urgent ticket created
    just before National Day 2025 is still green at the end of the break."""
    from bot.tickets.lifecycle import expected_deadlines, ticket_light
    from bot.tickets.models import Ticket
    from bot.tickets.sweep import worst_limit

    policy = sla.load_policy()
    created = at("2025-09-30 10:00")
    t = Ticket(ticket_no="GD23456789", category="咨询", urgent=False, status="dispatched", created_at=created,
               dispatched_at=created, signed_at=None, reopened_at=None, events=[])
    d = expected_deadlines(t, policy)
    t.sign_by, t.first_contact_by, t.resolve_by = d.sign_by, d.first_contact_by, d.resolve_by
    assert local(t.sign_by) == "2025-10-09 23:59:59"
    assert ticket_light(t, at("2025-10-08 23:00"), policy) == "green"        # 89% of the wall clock
    assert worst_limit(t, at("2025-10-08 23:00"), policy) is None
    assert ticket_light(t, at("2025-10-09 20:00"), policy) == "yellow"
    assert worst_limit(t, at("2025-10-09 20:00"), policy)[:2] == ("yellow", "sign")
    assert ticket_light(t, at("2025-10-10 00:00:01"), policy) == "red"


# ---- the policy file and the small helpers, exactly -----------------------------------------------

GOOD_POLICY = {"sign_working_days": 1, "first_contact_working_days": 2,
               "resolve_working_days": {"咨询": 2, "求助": 5, "表扬": 5, "投诉": 15, "举报": 15, "建议": 15},
               "urgent": {"sign_hours": 2, "first_contact_hours": 3, "resolve_hours": 24.5}, "yellow_at": 0.75}


def test_policy_is_parsed_field_by_field():
    import yaml

    assert sla.parse_policy(GOOD_POLICY) == sla.SlaPolicy(
        sign_working_days=1, first_contact_working_days=2,
        resolve_working_days={"咨询": 2, "求助": 5, "表扬": 5, "投诉": 15, "举报": 15, "建议": 15},
        urgent_sign_hours=2.0, urgent_first_contact_hours=3.0, urgent_resolve_hours=24.5, yellow_at=0.75)
    without_yellow = {k: v for k, v in GOOD_POLICY.items() if k != "yellow_at"}
    assert sla.parse_policy(without_yellow).yellow_at == 0.8
    assert sla.parse_policy({**GOOD_POLICY, "yellow_at": 1}).yellow_at == 1.0
    shipped = sla.parse_policy(yaml.safe_load((ROOT / "knowledge" / "sla.yml").read_text(encoding="utf-8")))
    assert (shipped.sign_working_days, shipped.first_contact_working_days, shipped.urgent_resolve_hours) == (1, 1, 24.0)
    assert isinstance(shipped.urgent_sign_hours, float) and isinstance(shipped.sign_working_days, int)


@pytest.mark.parametrize("change, message", [
    ({"sign_working_days": -1}, "x.yml: sign_working_days must be a non-negative integer, got -1"),
    ({"sign_working_days": 1.5}, "x.yml: sign_working_days must be a non-negative integer, got 1.5"),
    ({"first_contact_working_days": True}, "x.yml: first_contact_working_days must be a non-negative integer, got True"),
    ({"first_contact_working_days": "1"}, "x.yml: first_contact_working_days must be a non-negative integer, got '1'"),
    ({"urgent": {"sign_hours": -2, "first_contact_hours": 2, "resolve_hours": 24}},
     "x.yml: sign_hours must be a non-negative number, got -2"),
    ({"urgent": {"sign_hours": 2, "first_contact_hours": None, "resolve_hours": 24}},
     "x.yml: first_contact_hours must be a non-negative number, got None"),
    ({"urgent": {"sign_hours": 2, "first_contact_hours": 2, "resolve_hours": "24h"}},
     "x.yml: resolve_hours must be a non-negative number, got '24h'"),
    ({"urgent": [2, 2, 24]}, "x.yml: urgent must be a mapping with sign_hours, first_contact_hours, resolve_hours"),
    ({"resolve_working_days": [2]}, "x.yml: resolve_working_days must map each category"),
    ({"resolve_working_days": {"咨询": 2, "求助": 5}}, "x.yml: resolve_working_days lacks 投诉, 举报, 建议, 表扬"),
    ({"resolve_working_days": dict(GOOD_POLICY["resolve_working_days"], 投诉=-3)},
     "x.yml: 投诉 must be a non-negative integer, got -3"),
    ({"yellow_at": 0}, "x.yml: yellow_at must be a fraction in (0, 1], got 0"),
    ({"yellow_at": 1.01}, "x.yml: yellow_at must be a fraction in (0, 1], got 1.01"),
    ({"yellow_at": True}, "x.yml: yellow_at must be a fraction in (0, 1], got True"),
    ({"yellow_at": "0.8"}, "x.yml: yellow_at must be a fraction in (0, 1], got '0.8'"),
])
def test_policy_errors_name_the_file_the_key_and_the_value(change, message):
    from pathlib import Path

    with pytest.raises(sla.SlaConfigError) as err:
        sla.parse_policy({**GOOD_POLICY, **change}, Path("x.yml"))
    assert str(err.value).startswith(message), str(err.value)


def test_policy_must_be_a_mapping_and_zero_is_allowed():
    with pytest.raises(sla.SlaConfigError, match="expected a mapping at the top level"):
        sla.parse_policy([GOOD_POLICY])
    assert sla.parse_policy({**GOOD_POLICY, "sign_working_days": 0}).sign_working_days == 0
    zero_hours = {"sign_hours": 0, "first_contact_hours": 0, "resolve_hours": 0}
    assert sla.parse_policy({**GOOD_POLICY, "urgent": zero_hours}).urgent_resolve_hours == 0.0


def test_unknown_category_lists_the_known_ones():
    with pytest.raises(ValueError) as err:
        sla.parse_policy(GOOD_POLICY).resolve_days("闲聊")
    assert str(err.value) == "未知的工单类别：'闲聊'（应为 咨询、求助、表扬、投诉、举报、建议）"


def test_deadlines_json_and_time_helpers():
    d = sla.Deadlines(at("2027-01-26 23:59:59"), at("2027-01-27 23:59:59"), at("2027-02-17 23:59:59"))
    assert d.to_json() == {"sign_by": "2027-01-26T23:59:59+08:00", "first_contact_by": "2027-01-27T23:59:59+08:00",
                           "resolve_by": "2027-02-17T23:59:59+08:00"}
    assert sla.iso(None) is None
    assert sla.iso(datetime(2027, 1, 25, 2, 0)) == "2027-01-25T10:00:00+08:00"      # naive = UTC
    assert sla.as_utc(at("2027-01-25 10:00")) == datetime(2027, 1, 25, 2, 0, tzinfo=timezone.utc)
    assert sla.as_utc(at("2027-01-25 10:00")).tzinfo == timezone.utc
    assert sla.parse_moment("2027-01-25T10:00:00") == at("2027-01-25 10:00")          # no offset: local
    assert sla.parse_moment(" 2027-01-25T10:00:00+00:00 ").utcoffset() == timedelta(0)  # an offset is kept
    for bad in ("明天", "", None):
        with pytest.raises(ValueError) as err:
            sla.parse_moment(bad)
        assert str(err.value).startswith("不是有效的时间（ISO 8601")


def test_limit_fraction_edges():
    start, deadline = at("2026-03-02 10:00"), at("2026-03-02 12:00")
    assert sla.limit_fraction(start, deadline, deadline, True) == 1.0                 # exactly at the deadline
    assert sla.light_for([(start, deadline)], deadline, True) == "yellow"              # due, not yet late
    assert sla.limit_fraction(start, deadline, at("2026-03-02 13:00"), True) == 1.5    # 50% over
    assert sla.limit_fraction(start, deadline, at("2026-03-02 12:00:01"), False) == pytest.approx(1.0 + 1 / 7200)
    # a limit of no length: exactly 1.0 at its moment, just over 1.0 after it
    assert sla.limit_fraction(deadline, deadline, deadline, True) == 1.0
    late = sla.limit_fraction(deadline, deadline, at("2026-03-02 12:00:01"), True)
    assert 1.0 < late < 1.0001
    # a limit of half a second is still measured
    half = deadline + timedelta(milliseconds=500)
    assert sla.limit_fraction(deadline, half, deadline + timedelta(milliseconds=250), True) == 0.5
    # working time: a limit wholly inside a holiday has no working time
    assert sla.limit_fraction(at("2025-10-02 10:00"), at("2025-10-03 10:00"), at("2025-10-02 12:00"), False) == 1.0


def test_deadlines_do_not_depend_on_the_machine_time_zone(monkeypatch):
    """Local time is Asia/Shanghai (settings), whatever TZ the process runs with."""
    import time as time_module

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time_module.tzset()
    try:
        d = sla.compute_deadlines("咨询", False, at("2026-03-06 10:00"))   # Friday; still Thursday in LA
        assert local(d.sign_by) == "2026-03-09 23:59:59" and d.sign_by.utcoffset() == timedelta(0)
        assert sla.iso(d.sign_by) == "2026-03-09T23:59:59+08:00"
        assert sla.working_hours(at("2026-03-06 23:00"), at("2026-03-07 01:00")) == pytest.approx(1.0)
        assert sla.as_utc(at("2026-03-06 23:30")).utcoffset() == timedelta(0)
    finally:
        monkeypatch.undo()
        time_module.tzset()
