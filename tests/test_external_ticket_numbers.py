"""A ticket handed down by another 12345 system keeps its own number (POST /api/tickets with
``ticket_no``; migration 0017 widened the columns): stored, found by the case lookup a citizen's
check uses, idempotent when posted again, refused when it is no case number (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest

from bot.cases.lookup import find_held
from bot.cases.verify import verify_case
from bot.cases.lockout import Lockout
from bot.db import dispose_engine
from bot.identifiers import is_valid_ticket_no
from bot.tickets.lifecycle import InvalidInput
from bot.tickets.service import create_ticket, get_ticket
from tests.tickets_helpers import staff  # noqa: F401  (fixture)

HANDED_DOWN = {"description": "学校门口的红绿灯坏了三天", "location": "北辰街道思源大道", "contact_phone": "13990001234",
               "ticket_no": "２０２６ 1105-00087"}


@pytest.fixture
async def tickets_db(staff):  # noqa: F811
    yield staff
    await dispose_engine()


async def test_a_handed_down_ticket_keeps_its_number(tickets_db):
    ticket = await create_ticket(dict(HANDED_DOWN), url=tickets_db.url)
    assert ticket["ticket_no"] == "20261105-00087"
    again = await create_ticket({**HANDED_DOWN, "description": "又说一遍"}, url=tickets_db.url)
    assert again["ticket_no"] == ticket["ticket_no"] and again["description"] == HANDED_DOWN["description"], \
        "posted twice: the one stored"
    stored = await get_ticket("20261105-00087", tickets_db.principals["a1"], url=tickets_db.url)
    assert stored["ticket_no"] == "20261105-00087"
    held = await find_held(["2026110500087"], tickets_db.url)  # typed without the dash
    assert held["2026110500087"].kind == "ticket" and held["2026110500087"].number == "20261105-00087"
    ok = await verify_case("2026 1105 00087", "1234", tickets_db.url, Lockout())
    assert ok.kind == "ok" and ok.record.number == "20261105-00087"


@pytest.mark.parametrize("number", ["GD12", "hello-world", "2026-ABC", "1" * 41])
async def test_a_number_that_is_no_case_number_is_refused(tickets_db, number):
    with pytest.raises(InvalidInput):
        await create_ticket({**HANDED_DOWN, "ticket_no": number}, url=tickets_db.url)


def test_ticket_numbers_ours_and_handed_down():
    assert is_valid_ticket_no("GD7KX3M9QP") and is_valid_ticket_no("gd7kx3m9qp")
    assert is_valid_ticket_no("2026110500087") and is_valid_ticket_no("GA20261105-0087")
    assert not is_valid_ticket_no("GD1234") and not is_valid_ticket_no("我的工单")
