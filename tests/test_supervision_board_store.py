"""The supervision board reads the lights each refresh stores (#14): no recomputation of
applications refreshed today, the same figures as a full recomputation, and invalidation — an
event's refresh replaces the stored lights; an open application last computed on an earlier day,
or never, is recomputed — on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from bot.db import sync_engine
from bot.supervision import board as board_mod, service
from tests.test_supervision import DEP, ROW, FakeSms, _insert, noon
from tests.tickets_helpers import staff  # noqa: F401  (fixture)

OPEN_LATE = {**ROW, "no": "SP2027000002", "events": [{"stage": "受理", "at": "2027-02-04T10:00:00+08:00"}]}
DONE = {**ROW, "no": "SP2027000003", "status": "approved", "events": [
    {"stage": "受理", "at": "2027-02-04T10:00:00+08:00"}, {"stage": "承办", "at": "2027-02-05T10:00:00+08:00"},
    {"stage": "审核", "at": "2027-02-09T10:00:00+08:00"}, {"stage": "批准", "at": "2027-02-10T10:00:00+08:00"},
    {"stage": "办结", "at": "2027-02-10T16:00:00+08:00"}]}


def _drop_states(url):
    engine = sync_engine(url)
    with Session(engine, future=True) as s, s.begin():
        s.connection().exec_driver_sql("DELETE FROM supervision_states")
    engine.dispose()


def _without_count(b):
    return {k: v for k, v in b.items() if k != "recomputed"}


async def test_board_reads_the_stored_lights_and_matches_a_full_recomputation(staff):
    for row in (ROW, OPEN_LATE, DONE):
        _insert(staff.url, **row)
    today = date(2027, 2, 16)
    # as the pushes and imports of these records do (the worker's beat refreshes open ones only)
    await service.refresh(staff.url, numbers=[r["no"] for r in (ROW, OPEN_LATE, DONE)], now=noon("2027-02-16"),
                          sms=FakeSms())
    stored = await board_mod.board(today, date(2027, 1, 1), today, url=staff.url)
    assert stored["recomputed"] == 0
    assert stored["lights"] == {"green": 0, "yellow": 0, "red": 2}
    assert [o["application_no"] for o in stored["overdue"]] == ["SP2027000001", "SP2027000002"]
    dep = next(d for d in stored["departments"] if d["department"] == DEP)
    assert (dep["finished"], dep["on_time"], dep["open"], dep["red"]) == (1, 1, 2, 2)

    _drop_states(staff.url)
    live = await board_mod.board(today, date(2027, 1, 1), today, url=staff.url)
    assert live["recomputed"] == 3
    assert _without_count(live) == _without_count(stored)


async def test_an_event_replaces_the_stored_lights_and_an_old_computation_is_not_used(staff):
    _insert(staff.url, **ROW)
    await service.refresh(staff.url, now=noon("2027-02-16"), sms=FakeSms())
    before = await board_mod.board(date(2027, 2, 16), url=staff.url)
    assert before["lights"]["red"] == 1 and before["recomputed"] == 0

    # the source system pushes 承办 and 审核: the push's refresh stores the new lights
    _insert(staff.url, **{**ROW, "events": ROW["events"] + [
        {"stage": "承办", "at": "2027-02-16T10:00:00+08:00"}, {"stage": "审核", "at": "2027-02-16T11:00:00+08:00"}]})
    await service.refresh(staff.url, numbers=["SP2027000001"], now=noon("2027-02-16"), sms=FakeSms(), live=True)
    after = await board_mod.board(date(2027, 2, 16), url=staff.url)
    assert after["recomputed"] == 0 and after["lights"] == {"green": 1, "yellow": 0, "red": 0}

    # a day later without a worker beat: the open application is recomputed for that day
    later = await board_mod.board(date(2027, 2, 26), url=staff.url)
    assert later["recomputed"] == 1 and later["lights"]["red"] == 1
    assert later["overdue"][0]["stage"] == "批准"
