"""The ticket state machine on SQLite and PostgreSQL: every transition, every forbidden one, roles,
random dispatch within a department, optimistic concurrency, database errors on creation."""
import asyncio
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.audit.trail import verify
from bot.auth.service import Principal
from bot.db import session_scope
from bot.tickets import lifecycle, service
from bot.tickets.lifecycle import Conflict, Forbidden, InvalidInput, InvalidTransition
from bot.tickets.models import STATUSES, Ticket
from tests.tickets_helpers import staff  # noqa: F401  (fixture)

DESCRIPTION = "小区电梯坏了一个星期，物业一直不修"

# How to bring a fresh ticket (dispatched to 区住建局) into each status: (action, actor, params)
PATHS = {
    "pending_dispatch": [],
    "dispatched": [("dispatch", "d1", {"department": "区住建局"})],
    "signed": [("dispatch", "d1", {"department": "区住建局"}), ("sign", "zj1", {})],
    "contacted": [("dispatch", "d1", {"department": "区住建局"}), ("sign", "zj1", {}), ("contact", "zj1", {})],
    "replied": [("dispatch", "d1", {"department": "区住建局"}), ("sign", "zj1", {}),
                ("reply", "zj1", {"text": "已督促物业维修"})],
    "resolved": [("dispatch", "d1", {"department": "区住建局"}), ("sign", "zj1", {}), ("contact", "zj1", {}),
                 ("resolve", "zj1", {"text": "电梯已修复"})],
    "returned": [("dispatch", "d1", {"department": "区住建局"}), ("return", "zj1", {"reason": "不属于本部门职责"})],
    "closed": [("dispatch", "d1", {"department": "区住建局"}), ("sign", "zj1", {}), ("contact", "zj1", {}),
               ("resolve", "zj1", {"text": "电梯已修复"}), ("visit", "d1", {"satisfaction": "满意"})],
}
# A valid call of each action: (actor, params)
VALID = {
    "dispatch": ("d1", {"department": "区住建局"}), "reassign": ("d1", {"department": "区住建局", "reason": "改派"}),
    "sign": ("zj1", {}), "contact": ("zj1", {}), "reply": ("zj1", {"text": "答复"}), "resolve": ("zj1", {"text": "办结"}),
    "return": ("zj1", {"reason": "非本部门职责"}), "extension": ("zj1", {"days": 3, "reason": "需现场勘查"}),
    "extension_approve": ("s1", {}), "supervise": ("s1", {"reason": "请加快办理"}),
    "visit": ("d1", {"satisfaction": "满意"}), "reopen": ("d1", {"reason": "群众反映未解决"}),
    "urge": ("a1", {"reason": "市民催办"}),
    "recompute": ("a1", {"reason": "节假日安排更新"}),
    "visit_expire": ("a1", {}),   # the worker's: the return visit unanswered (tests/test_visits.py)
    # 一事多诉 (tests/test_hot_issues.py has the behaviour)
    "link": ("d1", {"lead": "GD00000000"}), "link_confirm": ("d1", {}), "unlink": ("d1", {}),
}


async def new_ticket(staff, status="pending_dispatch", **data):
    t = await service.create_ticket({"description": DESCRIPTION, "contact_phone": "13800138000", **data},
                                    actor=staff.principals["d1"], url=staff.url, auto_dispatch=False)
    for action, who, params in PATHS[status]:
        t = await service.act(t["ticket_no"], action, staff.principals[who], params, url=staff.url)
    assert t["status"] == status
    return t


async def test_full_lifecycle_to_a_rated_visit(staff):
    t = await new_ticket(staff)
    assert t["status"] == "pending_dispatch" and t["category"] == "投诉" and t["department"] is None
    no = t["ticket_no"]
    P = staff.principals
    t = await service.act(no, "dispatch", P["d1"], {"department": "区住建局"}, url=staff.url)
    assert t["status"] == "dispatched" and t["handler"] in ("zj1", "zj2")
    t = await service.act(no, "sign", P["zj2"], {}, url=staff.url)
    assert t["status"] == "signed" and t["handler"] == "zj2" and t["signed_at"]
    t = await service.act(no, "contact", P["zj2"], {"note": "已电话联系"}, url=staff.url)
    assert t["status"] == "contacted" and t["first_contacted_at"]
    t = await service.act(no, "extension", P["zj2"], {"days": 5, "reason": "需协调开发商"}, url=staff.url)
    assert t["extension_pending"] == {"days": 5, "reason": "需协调开发商"}
    before = t["resolve_by"]
    t = await service.act(no, "extension_approve", P["s1"], {}, url=staff.url)
    assert t["extension_pending"] is None and t["extension_count"] == 1 and t["resolve_by"] > before
    t = await service.act(no, "supervise", P["s1"], {"reason": "请尽快办结"}, url=staff.url)
    assert t["supervise_count"] == 1 and t["status"] == "contacted"
    t = await service.act(no, "reply", P["zj2"], {"text": "已督促物业更换电梯主板"}, url=staff.url)
    assert t["status"] == "replied" and t["reply"] == "已督促物业更换电梯主板"
    t = await service.act(no, "resolve", P["zj2"], {}, url=staff.url)
    assert t["status"] == "resolved" and t["resolved_at"]
    t = await service.act(no, "visit", P["d1"], {"satisfaction": "不满意", "reason": "电梯仍然时好时坏"}, url=staff.url)
    assert t["status"] == "dispatched" and t["reopen_count"] == 1 and t["department"] == "区住建局"
    assert t["resolved_at"] is None and t["satisfaction"] is None
    for action, who, params in [("sign", "zj1", {}), ("contact", "zj1", {}), ("resolve", "zj1", {"text": "已更换"}),
                                ("visit", "d1", {"satisfaction": "基本满意"})]:
        t = await service.act(no, action, P[who], params, url=staff.url)
    assert t["status"] == "closed" and t["satisfaction"] == "基本满意"
    actions = [h["action"] for h in t["history"]]
    assert actions == ["create", "dispatch", "sign", "contact", "extension", "extension_approve", "supervise",
                       "reply", "resolve", "visit", "sign", "contact", "resolve", "visit"]
    assert [h["seq"] for h in t["history"]] == list(range(1, 15))
    assert t["version"] == len(actions)
    result = verify(staff.url)
    assert result.ok and result.checked == len(actions)


async def test_return_goes_back_to_the_dispatcher_and_reassign(staff):
    P = staff.principals
    t = await new_ticket(staff, "returned")
    assert t["department"] is None and t["handler"] is None
    assert t["history"][-1]["reason"] == "不属于本部门职责" and t["history"][-1]["data"]["from_department"] == "区住建局"
    t = await service.act(t["ticket_no"], "dispatch", P["d1"], {"department": "区综合执法局"}, url=staff.url)
    assert t["status"] == "dispatched" and t["department"] == "区综合执法局" and t["handler"] == "zf1"
    t = await service.act(t["ticket_no"], "reassign", P["d1"], {"department": "区住建局", "handler": "zj1",
                                                                "reason": "电梯归住建"}, url=staff.url)
    assert t["department"] == "区住建局" and t["handler"] == "zj1" and t["status"] == "dispatched"


async def test_reopen_a_closed_ticket_and_reject_an_extension(staff):
    P = staff.principals
    t = await new_ticket(staff, "closed")
    t = await service.act(t["ticket_no"], "reopen", P["s1"], {"reason": "群众再次来电"}, url=staff.url)
    assert t["status"] == "dispatched" and t["reopen_count"] == 1 and t["satisfaction"] is None
    t = await service.act(t["ticket_no"], "sign", P["zj1"], {}, url=staff.url)
    t = await service.act(t["ticket_no"], "extension", P["zj1"], {"days": 2, "reason": "等配件"}, url=staff.url)
    before = t["resolve_by"]
    t = await service.act(t["ticket_no"], "extension_approve", P["d1"], {"approved": False}, url=staff.url)
    assert t["resolve_by"] == before and t["extension_count"] == 0 and t["extension_pending"] is None


FORBIDDEN = [(status, action) for status in STATUSES for action, spec in lifecycle.RULES.items()
             if action != "create" and status not in spec.from_statuses]


@pytest.mark.parametrize("status, action", FORBIDDEN)
async def test_forbidden_transitions_raise_and_change_nothing(staff, status, action):
    t = await new_ticket(staff, status)
    who, params = VALID[action]
    with pytest.raises(InvalidTransition) as info:
        await service.act(t["ticket_no"], action, staff.principals["a1"], params, url=staff.url)
    assert STATUSES[status] in info.value.message
    after = await service.get_ticket(t["ticket_no"], staff.principals["a1"], url=staff.url)
    assert after["status"] == status and after["version"] == t["version"] and len(after["history"]) == len(t["history"])


async def test_extension_rules(staff):
    P = staff.principals
    t = await new_ticket(staff, "signed")
    with pytest.raises(InvalidTransition, match="没有待审批"):
        await service.act(t["ticket_no"], "extension_approve", P["s1"], {}, url=staff.url)
    with pytest.raises(InvalidInput):
        await service.act(t["ticket_no"], "extension", P["zj1"], {"days": 0, "reason": "x"}, url=staff.url)
    await service.act(t["ticket_no"], "extension", P["zj1"], {"days": 3, "reason": "x"}, url=staff.url)
    with pytest.raises(InvalidTransition, match="已有待审批"):
        await service.act(t["ticket_no"], "extension", P["zj1"], {"days": 3, "reason": "y"}, url=staff.url)


@pytest.mark.parametrize("action, who", [("dispatch", "zj1"), ("sign", "d1"), ("sign", "s1"), ("supervise", "d1"),
                                         ("visit", "zj1"), ("extension_approve", "zj1"), ("reassign", "zj1")])
async def test_roles_are_enforced(staff, action, who):
    t = await new_ticket(staff, {"dispatch": "pending_dispatch", "visit": "resolved"}.get(action, "dispatched"))
    with pytest.raises(Forbidden):
        await service.act(t["ticket_no"], action, staff.principals[who], VALID[action][1], url=staff.url)


async def test_handlers_act_on_their_own_department_only(staff):
    t = await new_ticket(staff, "dispatched")
    with pytest.raises(Forbidden, match="本部门"):
        await service.act(t["ticket_no"], "sign", staff.principals["zf1"], {}, url=staff.url)
    with pytest.raises(Forbidden):
        await service.get_ticket(t["ticket_no"], staff.principals["zf1"], url=staff.url)
    mine = await service.list_tickets(staff.principals["zf1"], url=staff.url)
    assert mine == []
    theirs = await service.list_tickets(staff.principals["zj1"], url=staff.url)
    assert [i["ticket_no"] for i in theirs] == [t["ticket_no"]]


async def test_bad_input_is_rejected_without_writing(staff):
    P = staff.principals
    t = await new_ticket(staff, "resolved")
    with pytest.raises(InvalidInput):
        await service.act(t["ticket_no"], "visit", P["d1"], {"satisfaction": "还行"}, url=staff.url)
    with pytest.raises(InvalidInput):
        await service.create_ticket({"description": "  "}, actor=P["d1"], url=staff.url)
    with pytest.raises(InvalidInput):
        await service.create_ticket({"description": "路灯坏了", "contact_phone": "12345"}, actor=P["d1"], url=staff.url)
    with pytest.raises(InvalidInput, match="部门不存在"):
        await service.create_ticket({"description": "路灯坏了", "department": "区不存在局"}, actor=P["d1"], url=staff.url)
    async with session_scope(staff.url) as s:
        assert (await s.execute(select(func.count()).select_from(Ticket))).scalar_one() == 1
    assert verify(staff.url).ok


async def test_dispatch_draws_a_handler_at_random(staff):
    handlers = Counter()
    for _ in range(16):
        t = await service.create_ticket({"description": DESCRIPTION, "department": "区住建局"},
                                        actor=staff.principals["d1"], url=staff.url)
        handlers[t["handler"]] += 1
    assert set(handlers) == {"zj1", "zj2"}  # P(one handler only) = 2 * 0.5**16


async def test_concurrent_updates_one_wins(staff):
    t = await new_ticket(staff, "dispatched")
    P = staff.principals
    results = await asyncio.gather(
        service.act(t["ticket_no"], "sign", P["zj1"], {}, expected_version=t["version"], url=staff.url),
        service.act(t["ticket_no"], "sign", P["zj2"], {}, expected_version=t["version"], url=staff.url),
        return_exceptions=True)
    wins = [r for r in results if isinstance(r, dict)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1
    assert isinstance(losses[0], (Conflict, InvalidTransition)), repr(losses[0])
    final = await service.get_ticket(t["ticket_no"], P["a1"], url=staff.url)
    assert final["status"] == "signed" and final["version"] == t["version"] + 1
    assert [h["action"] for h in final["history"]].count("sign") == 1
    # a stale version is a conflict even when the action itself would be allowed
    with pytest.raises(Conflict, match="已被他人更新"):
        await service.act(t["ticket_no"], "contact", P["zj1"], {}, expected_version=t["version"], url=staff.url)
    assert verify(staff.url).ok


async def test_race_between_read_and_write_is_a_conflict(staff):
    """Both transactions read version v; the second UPDATE ... WHERE version = v matches nothing."""
    t = await new_ticket(staff, "signed")
    P = staff.principals
    first_read, second_done = asyncio.Event(), asyncio.Event()

    async def slow_contact():
        async with session_scope(staff.url) as s:
            row = (await s.execute(select(Ticket).where(Ticket.ticket_no == t["ticket_no"]))).unique().scalar_one()
            first_read.set()
            await second_done.wait()
            await lifecycle.apply(s, row, "contact", P["zj1"])

    async def fast_reply():
        await first_read.wait()
        try:
            return await service.act(t["ticket_no"], "reply", P["zj1"], {"text": "已答复"}, url=staff.url)
        finally:
            second_done.set()

    results = await asyncio.gather(slow_contact(), fast_reply(), return_exceptions=True)
    assert isinstance(results[1], dict) and results[1]["status"] == "replied"
    assert type(results[0]).__name__ == "StaleDataError", repr(results[0])
    final = await service.get_ticket(t["ticket_no"], P["a1"], url=staff.url)
    assert final["status"] == "replied" and verify(staff.url).ok


async def test_creation_retries_after_a_lost_connection(staff, monkeypatch):
    """A database error in the middle of the request is retried with the same ticket number."""
    from sqlalchemy.exc import OperationalError

    calls = {"n": 0}
    real_apply = lifecycle.apply

    async def flaky_apply(session, ticket, action, *args, **kwargs):
        if action == "create":
            calls["n"] += 1
            if calls["n"] == 1:
                raise OperationalError("INSERT", {}, ConnectionResetError("server closed the connection"))
        return await real_apply(session, ticket, action, *args, **kwargs)

    monkeypatch.setattr(lifecycle, "apply", flaky_apply)
    t = await service.create_ticket({"description": DESCRIPTION, "department": "区住建局"},
                                    actor=staff.principals["d1"], url=staff.url)
    assert calls["n"] == 2 and t["status"] == "dispatched"
    async with session_scope(staff.url) as s:
        assert (await s.execute(select(func.count()).select_from(Ticket))).scalar_one() == 1


async def test_database_down_is_a_clear_error(staff, monkeypatch):
    from sqlalchemy.exc import OperationalError

    async def down(*_a, **_k):
        raise OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(lifecycle, "apply", down)
    monkeypatch.setattr(service, "RETRIES", 2)
    with pytest.raises(service.Unavailable) as info:
        await service.create_ticket({"description": DESCRIPTION}, actor=staff.principals["d1"], url=staff.url)
    assert info.value.status == 503


async def test_lights_follow_the_pending_limit(staff):
    from datetime import datetime, timedelta, timezone

    t = await new_ticket(staff, "dispatched")
    async with session_scope(staff.url) as s:
        row = (await s.execute(select(Ticket).where(Ticket.ticket_no == t["ticket_no"]))).unique().scalar_one()
        assert lifecycle.ticket_light(row, row.dispatched_at) == "green"
        assert lifecycle.ticket_light(row, row.sign_by + timedelta(seconds=1)) == "red"
        far = datetime(2030, 1, 1, tzinfo=timezone.utc)
        assert lifecycle.ticket_light(row, far) == "red"


async def test_unknown_principal_role_cannot_create(staff):
    nobody = Principal("x", "handler", "区住建局", None)
    with pytest.raises(Forbidden):
        await service.create_ticket({"description": DESCRIPTION}, actor=nobody, url=staff.url)


async def test_a_citizen_urge_is_recorded_and_changes_no_clock(staff):
    t = await new_ticket(staff, "signed")
    urged = await service.urge_ticket(t["ticket_no"], url=staff.url)
    assert urged["status"] == "signed" and urged["resolve_by"] == t["resolve_by"]
    assert urged["sign_by"] == t["sign_by"] and urged["first_contact_by"] == t["first_contact_by"]
    last = urged["history"][-1]
    assert last["action"] == "urge" and "催办" in (last.get("reason") or "")
    closed = await new_ticket(staff, "closed")
    assert await service.urge_ticket(closed["ticket_no"], url=staff.url) is None
