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
