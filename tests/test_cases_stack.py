"""Case numbers as the source systems write them, through the live dialogue (Rasa, action server,
web service): numbering schemes unlike the demo's (3-letter prefixes, pure digits, dashes, long
government-style numbers), spaces, full-width and lower-case input, number and digits in one message
in either order, the whole phone number, a corrected code, mixed kinds, and the neutral answer for
unknown numbers. Needs the trained model (make test trains it first)."""
from __future__ import annotations

import json
import uuid

import pytest

from bot.approvals.importer import import_approvals
from bot.cases import replies
from bot.disclosure.importer import import_disclosure_requests
from tests.test_stack_integration import MODEL, Stack, texts

pytestmark = pytest.mark.stack

APPS = [
    {"application_no": "GAQ20251103000217", "item_name": "食品经营许可证核发", "phone": "13981237552"},
    {"application_no": "5116020251120000123", "item_name": "个体工商户设立登记", "phone": "15182904416"},
    {"application_no": "GA-SP-2026-001234", "item_name": "建设工程规划许可证核发", "phone": "18090013388"},
    {"application_no": "SCZW511602202611250000987", "item_name": "残疾人证新办", "phone": "13700009012"},
]


def _application(row: dict) -> dict:
    return {"application_no": row["application_no"], "item_name": row["item_name"], "department": "区行政审批局",
            "applicant_name": "陈建国", "applicant_phone": row["phone"],
            "submitted_at": "2026-11-20T09:30:00+08:00", "promised_working_days": 10, "legal_working_days": 20,
            "status": "in_progress", "events": [{"stage": "受理", "at": "2026-11-20T10:00:00+08:00"},
                                                {"stage": "审核", "at": "2026-11-24T15:00:00+08:00"}]}


@pytest.fixture(scope="module")
def case_stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz missing: run `make model` (make test does)")
    var = tmp_path_factory.mktemp("case-stack")
    s = Stack(var)
    s.start()
    apps, reqs = var / "apps.jsonl", var / "reqs.jsonl"
    apps.write_text("\n".join(json.dumps(_application(r), ensure_ascii=False) for r in APPS), encoding="utf-8")
    reqs.write_text(json.dumps({"request_no": "YSQ20250930011", "subject": "2025年老旧小区改造项目资金使用情况",
                                "applicant_phone": "13550281234", "received_at": "2026-11-02T10:00:00+08:00",
                                "extended": False, "status": "processing"}, ensure_ascii=False), encoding="utf-8")
    url = f"sqlite:///{var / 'app.db'}"
    assert import_approvals(apps, url).invalid == 0
    assert import_disclosure_requests(reqs, url).invalid == 0
    yield s
    if s.proc and s.proc.poll() is None:
        s.stop()


def _chat(stack, *messages: str) -> list[str]:
    sender = f"c-{uuid.uuid4().hex}"
    return [texts(stack.say(sender, m)) for m in messages]


@pytest.mark.parametrize("first, second, item", [
    ("查询办件进度GAQ20251103000217", "7552", "食品经营许可证核发"),
    ("我的件办到哪了 ＧＡＱ２０２５ １１０３ ０００２ １７", "后四位是７５５２", "食品经营许可证核发"),
    ("gaq20251103000217 7552", None, "食品经营许可证核发"),
    ("4416 5116020251120000123 帮我看下", None, "个体工商户设立登记"),
    ("申请编号GA—SP—2026—001234", "我电话是180 9001 3388", "建设工程规划许可证核发"),
    ("SCZW 5116 0220 2611 2500 00987 进度", "9012", "残疾人证新办"),
])
def test_numbers_in_the_shapes_citizens_type(case_stack, first, second, item):
    replies_ = _chat(case_stack, first, *([second] if second else []))
    assert item not in replies_[0] or second is None, "details shown before verification"
    assert item in replies_[-1] and "审核" in replies_[-1], replies_


def test_unknown_number_and_wrong_digits_get_the_same_answer_then_a_correction_works(case_stack):
    wrong = _chat(case_stack, "GAQ20251103000217", "1111", "2222")
    unknown = _chat(case_stack, "GAQ20259999999999", "1111", "2222")
    # the first miss asks for the digits once more, the second ends the lookup; both the same either way
    assert replies.NEUTRAL_RETRY in wrong[1] and wrong[1] == unknown[1]
    assert replies.NEUTRAL in wrong[-1] and wrong[-1] == unknown[-1]
    assert "食品经营许可证核发" not in "".join(wrong)
    sender = f"c-{uuid.uuid4().hex}"  # the digits typed again inside the lookup
    case_stack.say(sender, "办件GAQ20251103000217")
    assert replies.NEUTRAL_RETRY in texts(case_stack.say(sender, "3333"))
    assert "食品经营许可证核发" in texts(case_stack.say(sender, "我记错了，是7552"))
    sender = f"c-{uuid.uuid4().hex}"  # after the lookup ended, "我记错了，是…" still retries that number
    for digits in ("3333", "4444"):
        case_stack.say(sender, "办件GAQ20251103000217")
        case_stack.say(sender, digits)
    assert "食品经营许可证核发" in texts(case_stack.say(sender, "我记错了，是7552"))


def test_disclosure_request_answers_with_its_statutory_deadline(case_stack):
    out = _chat(case_stack, "我申请的信息公开YSQ20250930011什么时候答复", "1234")
    assert "申请方式" not in out[0] and "老旧小区" not in out[0]
    assert "法定答复期限" in out[-1] and "20个工作日" in out[-1] and "老旧小区改造" in out[-1]


def test_a_ticket_number_in_the_application_flow_just_works(case_stack):
    sender = f"c-{uuid.uuid4().hex}"  # the citizen registers a ticket in chat, as in production
    for m in ("投诉奎阁街道滨江路烧烤店油烟太大", "13800005566", "不留", "确认提交"):
        done = texts(case_stack.say(sender, m))
    number = done.split("工单编号：")[1][:10]
    out = _chat(case_stack, "查询办件进度", f"受理编号是{number}", "5566")
    assert "工单" in out[-1] and number in out[-1] and "当前状态" in out[-1], out
    # The ticket number and the whole phone number in one message.
    out = _chat(case_stack, f"{number.lower()} 13800005566")
    assert number in out[-1] and "当前状态" in out[-1]


def test_no_number_is_no_dead_end(case_stack):
    out = _chat(case_stack, "我想查下我的办件进度", "我没有编号，回执搞丢了")
    assert replies.NO_NUMBER in out[-1]
    out = _chat(case_stack, "查工单", "出生医学证明要带什么材料")   # another topic leaves the lookup
    assert "没有找到编号" not in out[-1] and "出生医学证明" in out[-1]
