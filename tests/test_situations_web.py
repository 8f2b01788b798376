"""The 一次性告知单 and the situations API through a real aiohttp server, on a small knowledge
directory of the test's own: JSON, the mobile page, the PDF (its text read back), the QR code's
target, bad answers and unknown guides; and the chat actions through the Rasa SDK."""
import io
import json

import pytest
from pypdf import PdfReader
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import reload_settings
from bot.situations.data import reset_situations
from tests.knowledge_fixtures import write_knowledge
from tests.test_knowledge_api import client as knowledge_client  # noqa: F401 (the web app on a small knowledge dir)

SITUATIONS = """
guide: id_card
questions:
  - id: stage
    ask: 您是首次申领还是丢失补领？
    options:
      - {value: first, label: 首次申领, words: [首次, 第一次]}
      - {value: lost, label: 丢失补领, words: [丢, 补领]}
  - id: agent
    ask: 本人办理还是代办？
    options:
      - {value: self, label: 本人办理, words: [本人, 自己], deny: true}
      - {value: agent, label: 代办, words: [代办, 帮我妈], affirm: true}
materials:
  - {name: 居民户口簿, form: 原件, copies: 1, source: 户主持有}
  - {name: 挂失证明, form: 原件, copies: 1, source: 派出所, note: 能否免交以窗口为准, uncertain: true, when: {stage: lost}}
  - {name: 代办人居民身份证, form: 原件, copies: 1, source: 代办人持有, when: {agent: agent}}
conditions:
  - {text: 丢失的可先挂失, when: {stage: lost}}
sources: [《中华人民共和国居民身份证法》]
"""


def add_situations(root):
    (root / "situations").mkdir()
    (root / "situations" / "id_card.yml").write_text(SITUATIONS, encoding="utf-8")
    return root


@pytest.fixture
async def client(knowledge_client, tmp_path, monkeypatch):
    """The knowledge API's test server (its small knowledge directory) with situations for id_card,
    added after start-up and then reloaded, as a restart would."""
    add_situations(tmp_path / "knowledge")
    reset_situations()
    monkeypatch.setenv("WEB_PUBLIC_URL", "https://zwfw.example.gov.cn/")
    reload_settings()
    yield knowledge_client


async def test_guides_and_questions(client):
    body = await (await client.get("/api/situations")).json()
    assert body == {"guides": [{"guide": "id_card", "questions": 2}]}
    body = await (await client.get("/api/situations/id_card")).json()
    assert [q["id"] for q in body["questions"]] == ["stage", "agent"]
    assert body["questions"][0]["options"][1] == {"value": "lost", "label": "丢失补领"}


async def test_checklist_json_selects_materials_and_says_what_is_still_open(client):
    body = await (await client.get("/api/situations/id_card/checklist", params={"stage": "lost"})).json()
    assert [m["name"] for m in body["materials"]] == ["居民户口簿", "挂失证明", "代办人居民身份证"]
    assert body["materials"][2]["condition"] == "如属于「代办」"
    assert body["materials"][1]["uncertain"] is True and body["materials"][1]["source"] == "派出所"
    assert body["next_question"]["id"] == "agent" and body["open_questions"] == ["agent"]
    assert body["answers"] == [{"question": "您是首次申领还是丢失补领？", "answer": "丢失补领"}]
    assert body["url"] == "https://zwfw.example.gov.cn/checklist/id_card?stage=lost"
    assert body["pdf_url"] == "https://zwfw.example.gov.cn/checklist/id_card.pdf?stage=lost"
    assert body["facts"]["地点与咨询"].startswith("地点：户籍所在地派出所")
    assert "承诺时限：20个工作日" in body["facts"]["办理时限"]
    assert body["facts"]["收费标准"].startswith("首次申领20元")
    assert "天府通办" in body["facts"]["网上办理"] and body["conditions"] == [{"text": "丢失的可先挂失", "condition": None}]
    body = await (await client.get("/api/situations/id_card/checklist",
                                   params={"stage": "first", "agent": "self"})).json()
    assert [m["name"] for m in body["materials"]] == ["居民户口簿"] and body["next_question"] is None


@pytest.mark.parametrize("path, status, code", [
    ("/api/situations/passport", 404, "situations_not_found"),
    ("/api/situations/id_card/checklist?stage=renew", 400, "invalid_answer"),
    ("/checklist/id_card?agent=%3Cscript%3E", 400, "invalid_answer"),
    ("/checklist/nope.pdf", 404, "situations_not_found"),
    ("/checklist/ID_CARD", 404, "not_found"),
])
async def test_bad_requests_get_a_json_error(client, path, status, code):
    resp = await client.get(path)
    assert resp.status == status
    assert (await resp.json())["error"]["code"] == code


async def test_bad_situation_data_is_a_503_not_a_500(client, tmp_path):
    (tmp_path / "knowledge" / "situations" / "id_card.yml").write_text(
        SITUATIONS.replace("form: 原件, copies: 1, source: 户主持有", "form: 原本, copies: 1, source: 户主持有"),
        encoding="utf-8")
    reset_situations()
    for path in ("/api/situations", "/checklist/id_card.pdf"):
        resp = await client.get(path)
        assert resp.status == 503 and (await resp.json())["error"]["code"] == "situations_unavailable"
    reset_situations()


async def test_mobile_page_has_the_list_the_qr_code_and_a_strict_policy(client):
    resp = await client.get("/checklist/id_card", params={"stage": "lost", "agent": "agent"})
    assert resp.status == 200 and resp.content_type == "text/html"
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    html = await resp.text()
    for text in ("一次性告知单", "居民身份证申领", "丢失补领", "代办人居民身份证", "以窗口告知为准",
                 "来源：代办人持有", "data:image/svg+xml", "/checklist/id_card.pdf?agent=agent&amp;stage=lost",
                 "以受理窗口审核为准"):
        assert text in html, text
    assert "<script" not in html


async def test_pdf_text_read_back(client):
    resp = await client.get("/checklist/id_card.pdf", params={"stage": "lost", "agent": "agent"})
    assert resp.status == 200 and resp.content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(await resp.read()))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    for expected in ("一次性告知单", "居民身份证申领（区公安分局）", "丢失补领", "居民户口簿", "挂失证明",
                     "代办人居民身份证", "户籍所在地派出所", "20个工作日", "首次申领20元", "天府通办",
                     "zwfw.example.gov.cn/checklist/id_card?agent=agent&stage=lost", "生成日期：", "年",
                     "以受理窗口审核为准"):
        assert expected in text, expected
    assert [image.name for page in reader.pages for image in page.images], "the QR code image is missing"


# --- the chat actions (Rasa SDK, no model) ------------------------------------------------------
def tracker(text, slots=None, intent="ask_procedure", events=None):
    return Tracker("t", slots or {}, {"text": text, "intent": {"name": intent}, "entities": []},
                   events if events is not None else [{"event": "user", "text": text}], False, None,
                   {"name": "situation_form"} if slots and slots.get("requested_slot") else {}, "action_listen")


@pytest.fixture
def actions(monkeypatch, tmp_path):
    from bot.knowledge import search

    monkeypatch.setenv("GOV_KNOWLEDGE_DIR", str(add_situations(write_knowledge(tmp_path / "knowledge"))))
    reset_situations()
    reload_settings()
    search.reset_index()
    from actions.procedures import ActionAnswerProcedure
    from actions.situations import ActionAskSituationAnswer, ValidateSituationForm

    yield ActionAnswerProcedure(), ActionAskSituationAnswer(), ValidateSituationForm()
    search.reset_index()
    monkeypatch.undo()
    reload_settings()


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


async def test_materials_question_starts_the_questions_and_answers_end_them(actions):
    answer, ask, validate = actions
    dispatcher = CollectingDispatcher()
    events = await answer.run(dispatcher, tracker("办身份证要带什么材料"), {})
    assert {"event": "followup", "timestamp": None, "name": "situation_form"} in events
    assert dispatcher.messages == []  # the form's first question says it all
    slots = slots_of(events)
    assert json.loads(slots["situation_state"]) == {"guide": "id_card", "answers": {}, "asked": None}

    dispatcher = CollectingDispatcher()
    slots.update(slots_of(await ask.run(dispatcher, tracker("", slots), {})))
    assert dispatcher.messages[0]["text"].startswith("【居民身份证申领】所有情形都需要：1. 居民户口簿")
    assert json.loads(slots["situation_state"])["asked"] == "stage"

    dispatcher = CollectingDispatcher()
    form_slots = dict(slots, requested_slot="situation_answer")
    out = await validate.extract_situation_answer(dispatcher, tracker("丢了，帮我妈办", form_slots, "inform"), {})
    assert out["situation_answer"] == "done"
    assert "您的材料清单（丢失补领 · 代办）" in dispatcher.messages[0]["text"]
    assert "http://localhost:8080/checklist/id_card?agent=agent&stage=lost" in dispatcher.messages[0]["text"]


async def test_what_was_said_earlier_about_the_item_is_not_asked_again(actions):
    answer, _ask, _validate = actions
    said = ["我想办身份证", "是第一次办，帮我妈办", "要带什么材料"]
    events = [{"event": "user", "text": t} for t in said]
    dispatcher = CollectingDispatcher()
    out = await answer.run(dispatcher, tracker(said[-1], {"procedure_item": "id_card"}, events=events), {})
    assert "您的材料清单（首次申领 · 代办）" in dispatcher.messages[0]["text"]
    assert not [e for e in out if e.get("event") == "followup"]
    # about another item before: nothing of it is taken
    dispatcher = CollectingDispatcher()
    events[-1]["text"] = "办身份证要带什么材料"
    out = await answer.run(dispatcher, tracker("办身份证要带什么材料", {"procedure_item": "social_security_card"},
                                               events=events), {})
    assert {"event": "followup", "timestamp": None, "name": "situation_form"} in out


async def test_bad_situation_data_leaves_the_plain_materials_answer(actions, tmp_path):
    answer, _ask, _validate = actions
    (tmp_path / "knowledge" / "situations" / "id_card.yml").write_text("guide: id_card\nquestions: [", encoding="utf-8")
    reset_situations()
    dispatcher = CollectingDispatcher()
    events = await answer.run(dispatcher, tracker("办身份证要带什么材料"), {})
    assert dispatcher.messages[0]["text"].startswith("【居民身份证申领】（区公安分局）申请材料")
    assert not [e for e in events if e.get("event") == "followup"]
    reset_situations()


async def test_a_side_question_in_the_form_is_answered_and_another_request_is_rejected(actions):
    _answer, _ask, validate = actions
    state = json.dumps({"guide": "id_card", "answers": {}, "asked": "stage"}, ensure_ascii=False)
    slots = {"situation_state": state, "requested_slot": "situation_answer", "procedure_item": "id_card"}
    dispatcher = CollectingDispatcher()
    out = await validate.extract_situation_answer(dispatcher, tracker("那要多久", slots), {})
    assert out["situation_answer"] == "left" and "承诺时限：20个工作日" in dispatcher.messages[0]["text"]
    dispatcher = CollectingDispatcher()
    assert await validate.extract_situation_answer(dispatcher, tracker("我要投诉", slots, "complain"), {}) == {}
    dispatcher = CollectingDispatcher()
    out = await validate.extract_situation_answer(dispatcher, tracker("嗯", slots, "affirm"), {})
    assert out["situation_answer"] is None and json.loads(out["situation_state"])["retry"] is True
