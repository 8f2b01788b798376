"""ask_procedure: answers from the knowledge base (bot.knowledge.answer composes the reply)."""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.knowledge.answer import compose
from bot.knowledge.search import get_index
from bot.privacy import mask_text

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


class ActionAnswerProcedure(Action):
    def name(self) -> Text:
        return "action_answer_procedure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):  # a button payload carries its choice in entities, not words
            text = ""
        asked_item = _entity(tracker, "procedure_item")
        asked_aspect = _entity(tracker, "aspect")
        context_item = tracker.get_slot("procedure_item")
        try:
            reply = await asyncio.get_running_loop().run_in_executor(
                None, lambda: compose(text, context_item, asked_item, asked_aspect))
        except Exception:
            logger.exception("procedure answer failed for %s", mask_text(text))
            dispatcher.utter_message(text="抱歉，办事指南查询暂时出现问题。请稍后再试，或拨打12345政务服务便民热线咨询。")
            return []
        dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
        events: List[Dict] = [SlotSet("aspect", None)]
        if reply.procedure_item:
            events.append(SlotSet("procedure_item", reply.procedure_item))
        return events
