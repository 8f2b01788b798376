"""query_disclosure (catalog search) and apply_disclosure (how to apply; a request's status and
statutory deadline after verification by the phone's last 4 digits)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.approvals import LEAVING_INTENTS, SYSTEM_BUSY, _intent, extract_code, validate_code
from bot.approvals.replies import locked_message
from bot.approvals.verify import LOCKED, OK, request_no_in
from bot.disclosure import replies
from bot.disclosure.importer import is_valid_request_no, normalize_request_no
from bot.disclosure.queries import request_status, search_catalog
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
        dispatcher.utter_message(text=replies.HOW_TO_APPLY)
        return []


class ValidateDisclosureRequestForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_disclosure_request_form"

    async def extract_request_no(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if tracker.active_loop_name != "disclosure_request_form" or \
                tracker.get_slot("requested_slot") != "request_no" or _intent(tracker) in LEAVING_INTENTS:
            return {}
        if tracker.get_slot("request_no"):
            return {}
        return {"request_no": request_no_in(tracker.latest_message.get("text") or "")}

    async def extract_verification_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: Dict[Text, Any]) -> Dict[Text, Any]:
        return extract_code(tracker, "disclosure_request_form")

    def validate_request_no(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: Dict[Text, Any]) -> Dict[Text, Any]:
        number = normalize_request_no(value if isinstance(value, str) else "")
        if is_valid_request_no(number):
            return {"request_no": number}
        dispatcher.utter_message(text="这个申请编号的格式不正确，申请编号形如 YSQ2026-0005。")
        return {"request_no": None}

    def validate_verification_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: Dict[Text, Any]) -> Dict[Text, Any]:
        return validate_code(value, dispatcher)


class ActionDisclosureRequestStatus(Action):
    def name(self) -> Text:
        return "action_disclosure_request_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        number = tracker.get_slot("request_no") or ""
        code = tracker.get_slot("verification_code") or ""
        try:
            outcome = await request_status(number, code)
        except Exception:
            logger.exception("disclosure request lookup failed")
            dispatcher.utter_message(text=SYSTEM_BUSY)
        else:
            if outcome.kind == OK:
                dispatcher.utter_message(text=replies.request_status_message(outcome.record))
            elif outcome.kind == LOCKED:
                dispatcher.utter_message(text=locked_message(outcome.locked_seconds))
            else:
                dispatcher.utter_message(text=replies.NEUTRAL)
        return [SlotSet("request_no", None), SlotSet("verification_code", None)]
