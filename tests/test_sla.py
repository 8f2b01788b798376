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
