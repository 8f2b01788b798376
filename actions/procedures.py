"""ask_procedure: answers from the knowledge base (bot.knowledge.answer composes the reply)."""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge.answer import ANSWER_FAILED, asks_about_both, aspects_beside_materials, compose, item_name
from bot.knowledge.search import get_index
from bot.privacy import mask_text
from bot.situations import replies as situation_replies

logger = logging.getLogger(__name__)


def _warm_up() -> None:
    try:
        get_index()
    except Exception:  # reported again, with the cause, on the first question
        logger.exception("knowledge index could not be built at start-up")


# Build the retrieval index once when the action server starts, not on the first question.
threading.Thread(target=_warm_up, name="knowledge-index", daemon=True).start()


def _entity(tracker: Tracker, name: str) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


async def respond(dispatcher: CollectingDispatcher, tracker: Tracker, text: Optional[str] = None):
    """Answer the latest ask_procedure message (or ``text``, the part of it that asks): (slot events, the
    situation interview's first :class:`~bot.situations.replies.Turn` when one starts, else None). Shared
    with the situation form, where a question that is no answer ("那要多久？") is answered the same way."""
    text = text or tracker.latest_message.get("text") or ""
    if text.startswith("/"):  # a button payload carries its choice in entities, not words
        text = ""
    asked_item = _entity(tracker, "procedure_item")
    asked_aspect = _entity(tracker, "aspect")
    context_item = tracker.get_slot("procedure_item")
    context_faq = tracker.get_slot("procedure_faq")
    try:
        reply = await asyncio.get_running_loop().run_in_executor(
            None, lambda: compose(text, context_item, asked_item, asked_aspect, context_faq=context_faq))
    except Exception:
        logger.exception("procedure answer failed for %s", mask_text(text))
        dispatcher.utter_message(text=ANSWER_FAILED)
        return [], None
    other = _previous_item(tracker, reply.procedure_item) if reply.kind == "answer" and reply.aspect \
        and asks_about_both(text) else None
    if other is not None:  # "两个证办下来要好久": the same aspect of the item talked about before
        try:
            more = await asyncio.get_running_loop().run_in_executor(
                None, lambda: compose("", asked_item=other, asked_aspect=reply.aspect))
            if more.kind == "answer":
                reply.text = f"{reply.text}\n{more.text}"
        except Exception:
            logger.exception("the other item of a question about both not answered")
    situation = _situation(reply, text, tracker)
    if situation is not None and not situation.done:
        # "办护照 在哪 要啥": where (or how long, how much) is answered before the materials interview
        await _answer_beside(dispatcher, text, reply.procedure_item)
    if situation is not None:
        events: List[Dict] = [SlotSet("aspect", None), SlotSet("procedure_item", reply.procedure_item), SlotSet("procedure_faq", None),
                              SlotSet("situation_state", situation_replies.dump_state(situation.state))]
        if situation.done:  # the message already said everything that changes the list
            dispatcher.utter_message(text=situation.text)
            return events, None
        return events, situation
    dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
    events = [SlotSet("aspect", None)]
    if reply.procedure_item:
        events.append(SlotSet("procedure_item", reply.procedure_item))
    # the FAQ entry answered is the context of a follow-up; an item answered since ends it
    if reply.faq_id or reply.procedure_item:
        events.append(SlotSet("procedure_faq", reply.faq_id))
    return events, None


async def _answer_beside(dispatcher: CollectingDispatcher, text: str, item: Optional[str]) -> None:
    for aspect in aspects_beside_materials(text):
        try:
            more = await asyncio.get_running_loop().run_in_executor(
                None, lambda: compose("", asked_item=item, asked_aspect=aspect))
        except Exception:
            logger.exception("an aspect asked beside the materials not answered")
            return
        if more.kind == "answer":
            dispatcher.utter_message(text=more.text)


def _situation(reply, text: str, tracker: Tracker):
    """A materials answer about a guide with situations becomes the pre-check interview (or, after
    a list, a correction of it: "不对，我是代办的")."""
    if reply.kind not in ("answer", "overview") or not reply.procedure_item:
        return None
    name = item_name(reply.procedure_item)
    try:
        state = situation_replies.load_state(tracker.get_slot("situation_state"))
        same = bool(state) and state.get("guide") == reply.procedure_item
        corrects = same and situation_replies.corrects(state, text) and not situation_replies.asks_other_aspect(text)
        if reply.specific and not corrects:
            return None  # "户口本还要不要带": the guide's line on it answers, not the interview's first question
        if corrects or same and reply.aspect == "materials":  # "不对，是签注": the list again, corrected
            turn = situation_replies.answer(dict(state, asked=None), name, text)  # the answers so far stay
            if turn.state:
                turn.state["retry"] = False
            return turn
        if reply.aspect != "materials":
            return None
        return situation_replies.start(reply.procedure_item, name, text, _earlier(tracker, reply.procedure_item))
    except Exception:  # bad situation data: the plain materials answer still helps
        logger.exception("situations unavailable for %s", reply.procedure_item)
        return None


def _previous_item(tracker: Tracker, current: Optional[str]) -> Optional[str]:
    """The item talked about before the current one, if any."""
    for event in reversed(tracker.events):
        if event.get("event") == "slot" and event.get("name") == "procedure_item" \
                and event.get("value") and event.get("value") != current:
            return str(event["value"])
    return None


EARLIER_MESSAGES = 3  # what the citizen said about the item before the materials question


def _earlier(tracker: Tracker, guide_id: str) -> tuple[str, ...]:
    """The citizen's previous messages (oldest first), when the item was already in context: "我是
    第一次办，在这边上班" before "那要带什么材料" answers two questions."""
    if tracker.get_slot("procedure_item") != guide_id:
        return ()
    texts = [e.get("text") or "" for e in tracker.events if e.get("event") == "user"][:-1]
    return tuple(t for t in texts[-EARLIER_MESSAGES:] if t and not t.startswith("/"))


class ActionAnswerProcedure(Action):
    def name(self) -> Text:
        return "action_answer_procedure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        events, interview = await respond(dispatcher, tracker)
        if interview is not None:  # situation_form puts the questions
            return events + [SlotSet("situation_answer", None), FollowupAction("situation_form")]
        return events
