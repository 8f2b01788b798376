"""action_apply_disclosure: a disclosure question the knowledge base answers exactly (an FAQ) gets that
answer; any other gets how to apply. Either way the disclosure guide is the item in context."""
from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.disclosure import ActionApplyDisclosure
from bot.disclosure import replies


def _run(text: str):
    tracker = Tracker("t", {}, {"text": text, "intent": {"name": "apply_disclosure"}}, [], False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    import asyncio

    events = asyncio.run(ActionApplyDisclosure().run(dispatcher, tracker, {}))
    return [m["text"] for m in dispatcher.messages], events


def test_a_remedy_question_gets_the_remedy_not_how_to_apply():
    out, events = _run("信息公开的答复我收到了 说不予公开 我不服 能咋办")
    assert "行政复议" in out[0] and out[0] != replies.HOW_TO_APPLY
    assert {"event": "slot", "name": "procedure_item", "value": replies.GUIDE_ID, "timestamp": None} in events


def test_how_to_apply_otherwise():
    out, _ = _run("我想申请政府信息公开")
    assert out == [replies.HOW_TO_APPLY]
