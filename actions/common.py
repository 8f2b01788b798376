"""Actions every conversation uses: the affirmation step of the two-stage fallback, out-of-scope."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.dialogue import affirmation
from bot.knowledge.answer import NONE_OF_THESE, choice_buttons, fallback_items_text, follow_up_reply, plausible_items
from bot.nlu.readings import plausible_reading
from bot.nlu.normalize import has_content


logger = logging.getLogger(__name__)


async def _follow_up(text: str, tracker: Tracker, where: str):
    """The knowledge base's answer to a message the NLU could not place, on the item in context or by a
    sure FAQ (``follow_up_reply``), or None — also when the knowledge base is unavailable."""
    try:
        return await asyncio.get_running_loop().run_in_executor(
            None, lambda: follow_up_reply(text, tracker.get_slot("procedure_item"),
                                          context_faq=tracker.get_slot("procedure_faq")))
    except Exception:
        logger.exception("%s: knowledge search unavailable", where)
        return None


class ActionAskAffirmation(Action):
    """First stage of the two-stage fallback, in Chinese: "您是想咨询……吗？" with 是/不是 buttons."""

    def name(self) -> Text:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        # "他下不了床 还要去医院评残不" after 残疾人证: a follow-up the guide in context answers is answered,
        # not met with "您是想…吗" (a clear next message ends the fallback loop as a rephrasing would)
        reply = await _follow_up(text, tracker, "fallback")
        if reply is not None and reply.procedure_item:  # (answered on the item in context, as out_of_scope does)
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
            return []
        try:  # a question that looks like a procedure: offer the items it may be about
            items = await asyncio.get_running_loop().run_in_executor(None, plausible_items, text)
        except Exception:
            logger.exception("fallback: knowledge search unavailable")
            items = []
        if items:
            dispatcher.utter_message(text=fallback_items_text(items), buttons=choice_buttons(items) + [NONE_OF_THESE])
            # "这个咋个补" next is about the first item offered (as after an answer's choice of items)
            return [SlotSet("procedure_item", items[0].id), SlotSet("procedure_faq", None)]
        ranking = tracker.latest_message.get("intent_ranking") or []
        candidates = [r for r in ranking if r.get("name") not in (None, "nlu_fallback", "out_of_scope")
                      and plausible_reading(r["name"], text)]
        if not candidates:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return []
        text, buttons = affirmation(candidates[0]["name"])
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionOutOfScope(Action):
    """Out of scope, or a message with no text at all (empty, emoji only, control characters)."""

    def name(self) -> Text:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        if not has_content(text):
            dispatcher.utter_message(response="utter_empty_message")
            return []
        if text == NONE_OF_THESE["payload"]:  # "都不是": none of the items offered is the context
            dispatcher.utter_message(response="utter_out_of_scope")
            return [SlotSet("procedure_item", None), SlotSet("procedure_faq", None)]
        # "一年能贷好多" after 学生资助 reads as out of scope to the NLU, but the knowledge answers it
        reply = await _follow_up(text, tracker, "out of scope")
        if reply is not None:
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
            if reply.procedure_item:
                return [SlotSet("procedure_item", reply.procedure_item), SlotSet("procedure_faq", None)]
            return [SlotSet("procedure_faq", reply.faq_id)] if reply.faq_id else []
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
