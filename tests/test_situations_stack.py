"""The pre-check desk through the live dialogue (Rasa REST channel, action server, web service): a
materials question starts the situation questions, answers in words or by button, 不知道, a side
question that leaves, a correction after the list, and the 告知单 link opened from the chat.
Needs the trained model (make test trains it first)."""
from __future__ import annotations

import io
import re
import uuid

import pytest
import requests
from pypdf import PdfReader

from tests.test_stack_integration import stack, texts  # noqa: F401 (the live stack, one per module)

pytestmark = pytest.mark.stack


def chat(stack, *messages: str) -> list[str]:
    sender = f"s-{uuid.uuid4().hex}"
    return [texts(stack.say(sender, m)) for m in messages]


def test_two_answers_give_the_personal_list_and_its_printable_sheet(stack):
    first, second, third = chat(stack, "办居住证要带什么材料", "第一次办", "在这边上班，我自己去")
    assert "所有情形都需要" in first and "本人居民身份证或其他有效身份证明" in first
    assert "首次申领居住证、年度签注" in first
    assert "依据" in second
    assert "您的材料清单（首次申领 · 合法稳定就业 · 本人办理）" in third
    assert "劳动合同" in third and "就读证明" not in third and "代办人" not in third
    link = re.search(r"(http://\S+/checklist/residence-permit\?\S+)", third).group(1)
    assert link.endswith("agent=self&basis=job&stage=first")
    # the link as printed points at WEB_PUBLIC_URL; the same path on this stack's web service
    path = link.split("/checklist/", 1)[1]
    page = requests.get(f"{stack.web}/checklist/{path}", timeout=10)
    assert page.status_code == 200 and "劳动合同" in page.text
    pdf = requests.get(f"{stack.web}/checklist/{path.replace('?', '.pdf?', 1)}", timeout=30)
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "一次性告知单" in text and "劳动合同" in text


def test_what_the_message_says_is_not_asked_again(stack):
    [reply] = chat(stack, "我想帮我妈补办居住证，要带些什么")
    assert "您的材料清单（补领或换领 · 委托他人代办）" in reply
    assert "代办人居民身份证" in reply


def test_unknown_answer_side_question_and_correction(stack):
    sender = f"s-{uuid.uuid4().hex}"
    first = texts(stack.say(sender, "办居住证要带什么材料"))
    assert "首次申领" in first
    skipped = texts(stack.say(sender, "不知道"))
    assert "依据" in skipped  # still matters if it is a first application
    skipped = texts(stack.say(sender, "跳过"))
    assert "委托别人代办" in skipped
    listed = texts(stack.say(sender, "本人"))
    assert "您的材料清单（不确定 · 不确定 · 本人办理）" in listed and "如属于「首次申领」且「合法稳定就业」" in listed
    corrected = texts(stack.say(sender, "不对，是签注"))
    assert "您的材料清单（年度签注 · 本人办理）" in corrected, corrected
    side = texts(stack.say(sender, "在哪里办"))
    assert "派出所" in side


def test_a_side_question_inside_the_questions_is_answered_and_leaves(stack):
    first, side, after = chat(stack, "结婚登记要带啥子", "收费不", "谢谢")
    assert "本人居民身份证" in first and "内地居民" in first
    assert "费" in side and "内地居民" not in side
    assert after and "内地居民" not in after


def test_cancel_leaves_the_questions(stack):
    first, cancelled, other = chat(stack, "办护照要带什么材料", "算了", "护照要多久能拿到")
    assert "首次申领" in first
    assert "不再询问" in cancelled
    assert "工作日" in other or "时限" in other


def test_what_was_said_before_the_materials_question_counts(stack):
    *_, reply = chat(stack, "居住证怎么办理", "我是第一次办，在广安这边打工", "要带什么材料")
    assert "依据" not in reply and "首次申领居住证、年度签注" not in reply, reply
    assert "委托别人代办" in reply  # the one question left
