"""催办 of an application by its verified applicant: a ticket to the application's department that
says which case and how late it is, with the applicant's registered contact (SQLite and PostgreSQL)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session

from bot.auth import service as auth
from bot.approvals.importer import import_approvals
from bot.approvals.urge import urge_application
from bot.db import dispose_engine, sync_engine
from bot.tickets.service import get_ticket
from tests.tickets_helpers import staff  # noqa: F401  (fixture)


def _application(number: str, status: str = "in_progress", events=None, department: str = "区市监局") -> dict:
    return {"application_no": number, "item_name": "食品经营许可（仅销售预包装食品备案）", "department": department,
            "applicant_name": "冉秀英", "applicant_phone": "15775068219", "submitted_at": "2026-10-12T15:30:00+08:00",
            "promised_working_days": 10, "legal_working_days": 20, "status": status,
            "events": events or [{"stage": "受理", "at": "2026-10-12T15:40:00+08:00"},
                                 {"stage": "承办", "at": "2026-10-14T10:00:00+08:00"}]}


@pytest.fixture
async def urge_db(staff, tmp_path):  # noqa: F811
    rows = [_application("SJ-XK-2026-10-00387"),
            _application("SJ-XK-2026-10-00400", "approved",
                         [{"stage": "受理", "at": "2026-10-12T15:40:00+08:00"},
                          {"stage": "办结", "at": "2026-10-20T10:00:00+08:00"}]),
            _application("SJ-XK-2026-10-00401", department="食品经营许可审批科")]
    engine = sync_engine(staff.url)
    with Session(engine, future=True) as s, s.begin():
        auth.add_department(s, "区市监局")
    engine.dispose()
    path = tmp_path / "apps.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    assert import_approvals(path, staff.url).inserted == 3
    yield staff
    await dispose_engine()


async def test_an_overdue_application_is_urged_by_a_ticket_to_its_department(urge_db):
    ticket = await urge_application("SJ-XK-2026-10-00387", "conv-urge-1", "rest", url=urge_db.url)
    assert ticket["category"] == "投诉" and ticket["department"] == "区市监局"
    assert ticket["contact_phone"] == "15775068219" and ticket["conversation_id"] == "conv-urge-1"
    text = ticket["description"]
    assert "SJ-XK-2026-10-00387" in text and "食品经营许可" in text and "已超过承诺时限" in text
    stored = await get_ticket(ticket["ticket_no"], urge_db.principals["a1"], url=urge_db.url)
    assert stored["department"] == "区市监局"


async def test_a_finished_or_unknown_application_is_not_urged(urge_db):
    assert await urge_application("SJ-XK-2026-10-00400", url=urge_db.url) is None
    assert await urge_application("NO-SUCH-0001", url=urge_db.url) is None


async def test_an_approval_department_tickets_do_not_know_is_left_to_routing(urge_db):
    ticket = await urge_application("SJ-XK-2026-10-00401", url=urge_db.url)
    assert ticket is not None and ticket["department"] != "食品经营许可审批科"
    assert "食品经营许可审批科" in ticket["description"]


async def test_urge_said_right_after_the_status_urges_that_application(urge_db):
    """"超了这么久了 帮我催一下" after the verified status of an application (its case kept in
    last_case): the application is urged, no ticket number is asked for; a finished one is said so."""
    import time

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions.tickets import ActionUrgeTicket
    from bot.cases import replies as case_replies

    async def urge(number: str) -> list[str]:
        events = [{"event": "action", "name": "action_application_status", "timestamp": time.time()},
                  {"event": "user", "text": "超了这么久了 你们帮我催一下", "timestamp": time.time(),
                   "parse_data": {"intent": {"name": "urge_ticket"}}}]
        tracker = Tracker("conv-urge-after", {"last_case": {"kind": "application", "number": number, "text": "办件"}},
                          {"text": "超了这么久了 你们帮我催一下", "intent": {"name": "urge_ticket"}}, events, False, None, {},
                          "action_listen")
        dispatcher = CollectingDispatcher()
        await ActionUrgeTicket().run(dispatcher, tracker, {})
        return [m.get("text") for m in dispatcher.messages]

    said = await urge("SJ-XK-2026-10-00387")
    assert said and said[0].startswith("已为您登记催办，工单编号：") and "区市监局" in said[0]
    assert await urge("SJ-XK-2026-10-00400") == [case_replies.NOTHING_TO_URGE]
