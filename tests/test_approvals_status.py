"""Status computation: working days used, 补正 pauses, the promised date, overdue."""
from datetime import date, datetime, timedelta, timezone

from bot.approvals.status import NOT_YET_ACCEPTED, ApplicationFacts, StageEvent, compute_status, pauses_of

CST = timezone(timedelta(hours=8))


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=CST).astimezone(timezone.utc)


def facts(events, promised=10, status="in_progress", submitted="2026-03-02"):
    return ApplicationFacts("SP20260302001", "高龄津贴发放", "区民政局", at(submitted, 9), promised, 20, status,
                            tuple(StageEvent(stage, at(day)) for stage, day in events))


def test_no_pause_promised_date_is_submission_plus_promised_working_days():
    s = compute_status(facts([("受理", "2026-03-02"), ("承办", "2026-03-03")]), today=date(2026, 3, 10))
    assert s.promised_date == date(2026, 3, 16)
    assert s.working_days_used == 6
    assert s.current_stage == "承办" and s.stage_since == date(2026, 3, 3)
    assert not s.overdue and not s.paused and not s.finished


def test_promised_date_spans_national_day():
    s = compute_status(facts([("受理", "2025-09-30")], promised=3, submitted="2025-09-30"), today=date(2025, 10, 9))
    assert s.promised_date == date(2025, 10, 11)  # Oct 9, Oct 10, 调休 Saturday Oct 11
    assert s.working_days_used == 1


def test_closed_pause_is_excluded_and_moves_the_promised_date():
    s = compute_status(facts([("受理", "2026-03-02"), ("补正", "2026-03-04"), ("补正完成", "2026-03-09"),
                              ("审核", "2026-03-10")]), today=date(2026, 3, 10))
    assert s.paused_working_days == 3          # Mar 5, 6, 9
    assert s.working_days_used == 3            # Mar 3, 4, 10
    assert s.promised_date == date(2026, 3, 19)
    assert not s.paused and s.current_stage == "审核"


def test_open_pause_runs_to_today():
    s = compute_status(facts([("受理", "2026-03-02"), ("补正", "2026-03-04")]), today=date(2026, 3, 10))
    assert s.paused and s.current_stage == "补正" and s.stage_since == date(2026, 3, 4)
    assert s.paused_working_days == 4          # Mar 5, 6, 9, 10
    assert s.working_days_used == 2
    assert s.promised_date == date(2026, 3, 20)
    # Waiting for the applicant's materials never makes the application overdue.
    later = compute_status(facts([("受理", "2026-03-02"), ("补正", "2026-03-04")]), today=date(2026, 4, 30))
    assert not later.overdue and later.working_days_used == 2


def test_any_later_event_resumes_the_clock():
    pauses = pauses_of([StageEvent("补正", at("2026-03-04")), StageEvent("补正", at("2026-03-05")),
                        StageEvent("承办", at("2026-03-06"))])
    assert [(p.start, p.end) for p in pauses] == [(date(2026, 3, 4), date(2026, 3, 6))]


def test_overdue_when_used_exceeds_promised():
    s = compute_status(facts([("受理", "2026-03-02"), ("承办", "2026-03-03")], promised=5), today=date(2026, 3, 16))
    assert s.promised_date == date(2026, 3, 9)
    assert s.working_days_used == 10 and s.overdue
    on_time = compute_status(facts([("受理", "2026-03-02")], promised=5), today=date(2026, 3, 9))
    assert not on_time.overdue


def test_finished_application_stops_the_clock():
    done = facts([("受理", "2026-03-02"), ("批准", "2026-03-05"), ("办结", "2026-03-06")], promised=5,
                 status="approved")
    s = compute_status(done, today=date(2026, 6, 1))
    assert s.finished and s.finished_on == date(2026, 3, 6)
    assert s.working_days_used == 4 and not s.overdue
    late = facts([("受理", "2026-03-02"), ("办结", "2026-03-12")], promised=5, status="approved")
    assert compute_status(late, today=date(2026, 6, 1)).overdue


def test_local_dates_are_used_for_events_near_midnight():
    # 00:30 in Beijing is the previous day in UTC; the local date counts.
    early = ApplicationFacts("SP20260302001", "x", "y", at("2026-03-02", 9), 10, 20, "in_progress",
                             (StageEvent("补正", datetime(2026, 3, 4, 16, 30, tzinfo=timezone.utc)),))
    s = compute_status(early, today=date(2026, 3, 10))
    assert s.stage_since == date(2026, 3, 5)


def test_no_events_yet():
    s = compute_status(facts([]), today=date(2026, 3, 3))
    assert s.current_stage == NOT_YET_ACCEPTED and s.stage_since == date(2026, 3, 2)
    assert s.working_days_used == 1


def test_naive_times_from_sqlite_are_utc():
    naive = ApplicationFacts("SP20260302001", "x", "y", datetime(2026, 3, 2, 1, 30), 10, 20, "in_progress",
                             (StageEvent("受理", datetime(2026, 3, 2, 2, 0)),))
    s = compute_status(naive, today=date(2026, 3, 3))
    assert s.stage_since == date(2026, 3, 2) and s.working_days_used == 1
