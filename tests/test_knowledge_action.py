"""action_answer_procedure through the Rasa SDK: text, buttons and slot events across a follow-up."""
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.settings import reload_settings
from tests.knowledge_fixtures import write_knowledge


def tracker(text, slots=None, entities=None):
    return Tracker("test", slots or {}, {"text": text, "intent": {"name": "ask_procedure"}, "entities": entities or []},
                   [], False, None, {}, "action_listen")


@pytest.fixture
def action(monkeypatch, tmp_path):
    from bot.knowledge import search

    monkeypatch.setenv("GOV_KNOWLEDGE_DIR", str(write_knowledge(tmp_path)))
    reload_settings()
    search.reset_index()
    from actions.procedures import ActionAnswerProcedure

    yield ActionAnswerProcedure()
    search.reset_index()
    monkeypatch.undo()
    reload_settings()


async def test_question_then_follow_up_then_button(action):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker("办身份证要带什么材料"), {})
    assert dispatcher.messages[0]["text"].startswith("【居民身份证申领】（区公安分局）申请材料")
    assert {"event": "slot", "timestamp": None, "name": "procedure_item", "value": "id_card"} in events

    dispatcher = CollectingDispatcher()
    await action.run(dispatcher, tracker("那要多久？", {"procedure_item": "id_card"}), {})
    assert "承诺时限：20个工作日" in dispatcher.messages[0]["text"]

    dispatcher = CollectingDispatcher()
    payload = '/ask_procedure{"aspect":"fees","procedure_item":"id_card"}'
    await action.run(dispatcher, tracker(payload, {"procedure_item": "id_card"},
                                         [{"entity": "aspect", "value": "fees"},
                                          {"entity": "procedure_item", "value": "id_card"}]), {})
    assert "首次申领20元" in dispatcher.messages[0]["text"]


async def test_menu_button_without_words_asks_what(action):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker("/ask_procedure"), {})
    assert "请问您想办理什么事项" in dispatcher.messages[0]["text"]
    assert [e["name"] for e in events] == ["aspect"]


async def test_out_of_scope_follow_up_on_the_item_in_context_is_answered(action):
    from actions.common import ActionOutOfScope

    dispatcher = CollectingDispatcher()
    tracker_ = Tracker("test", {"procedure_item": "id_card"},
                       {"text": "那要多久？", "intent": {"name": "out_of_scope"}, "entities": []},
                       [], False, None, {}, "action_listen")
    events = await ActionOutOfScope().run(dispatcher, tracker_, {})
    assert "承诺时限：20个工作日" in dispatcher.messages[0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "procedure_item", "value": "id_card"} in events

    dispatcher = CollectingDispatcher()
    tracker_ = Tracker("test", {}, {"text": "今天天气怎么样", "intent": {"name": "out_of_scope"}, "entities": []},
                       [], False, None, {}, "action_listen")
    assert await ActionOutOfScope().run(dispatcher, tracker_, {}) == []
    assert dispatcher.messages[0]["response"] == "utter_out_of_scope"


async def test_a_materials_question_about_one_line_of_the_guide_starts_no_interview(action):
    from actions.procedures import _situation
    from bot.knowledge.answer import Reply

    specific = Reply("【结婚登记】…相关说明", [], "marriage-registration", "answer", "materials", True)
    assert _situation(specific, "户口本还要不要带", None) is None
