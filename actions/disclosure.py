"""query_disclosure (catalog search) and apply_disclosure (how to apply; a request's status and
statutory deadline: the disclosure_request_form in actions/cases.py)."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.cases.replies import SYSTEM_BUSY
from bot.knowledge.answer import compose
from bot.disclosure import replies
from bot.disclosure.queries import search_catalog
from bot.privacy import mask_text

logger = logging.getLogger(__name__)


class ActionQueryDisclosure(Action):
    def name(self) -> Text:
        return "action_query_disclosure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        try:
            hits = await search_catalog(text)
        except Exception:
            logger.exception("disclosure catalog search failed for %r", mask_text(text))
            dispatcher.utter_message(text=SYSTEM_BUSY)
            return []
        dispatcher.utter_message(text=replies.hits_message(hits))
        return []


class ActionApplyDisclosure(Action):
    def name(self) -> Text:
        return "action_apply_disclosure"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        text = tracker.latest_message.get("text") or ""
        # "说不予公开 我不服 能咋办", "为啥要延长答复": a FAQ of the knowledge base says exactly this; how to
        # apply is for the rest
        try:
            reply = await asyncio.get_running_loop().run_in_executor(None, lambda: compose(text))
        except Exception:
            logger.exception("knowledge base unavailable for a disclosure question %r", mask_text(text))
            reply = None
        dispatcher.utter_message(text=reply.text if reply is not None and reply.kind == "faq" else replies.HOW_TO_APPLY)
        # Follow-ups ("多久能答复", "要钱不", "有没有时间限制") are answered from the disclosure guide in knowledge/.
        return [SlotSet("procedure_item", replies.GUIDE_ID)]
