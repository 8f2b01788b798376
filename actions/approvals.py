"""query_application_status: the application_status_form (number, then the phone's last 4 digits)
and the verified answer from bot.approvals."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.approvals import replies
from bot.approvals.importer import normalize_application_no
from bot.approvals.queries import application_status
from bot.approvals.verify import LOCKED, OK, application_no_in, four_digits_in
from bot.identifiers import is_valid_application_no

logger = logging.getLogger(__name__)

# Intents that leave the form (handled by rules in data/approvals.yml): the extractors stay silent.
LEAVING_INTENTS = {"deny", "goodbye", "request_human", "greet"}
SYSTEM_BUSY = "抱歉，查询服务暂时不可用，请稍后再试，或拨打12345政务服务便民热线。"


def _intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def extract_code(tracker: Tracker, form: str) -> Dict[Text, Any]:
    """The 4 digits from the message answering the verification question (even without an entity)."""
    if tracker.active_loop_name != form or tracker.get_slot("requested_slot") != "verification_code":
        return {}
    if _intent(tracker) in LEAVING_INTENTS:
        return {}
    digits = four_digits_in(tracker.latest_message.get("text") or "")
    # None re-asks the question instead of rejecting the form.
    return {"verification_code": digits}


def validate_code(value: Any, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4:
        return {"verification_code": value.strip()}
    if value is not None:  # None: nothing usable in the message; the form simply asks again
        dispatcher.utter_message(text=replies.BAD_CODE)
    return {"verification_code": None}


class ValidateApplicationStatusForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_application_status_form"

    async def extract_application_no(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if tracker.active_loop_name != "application_status_form" or \
                tracker.get_slot("requested_slot") != "application_no" or _intent(tracker) in LEAVING_INTENTS:
            return {}
        if tracker.get_slot("application_no"):
            return {}
        return {"application_no": application_no_in(tracker.latest_message.get("text") or "")}

    async def extract_verification_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: Dict[Text, Any]) -> Dict[Text, Any]:
        return extract_code(tracker, "application_status_form")

    def validate_application_no(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: Dict[Text, Any]) -> Dict[Text, Any]:
        number = normalize_application_no(value if isinstance(value, str) else "")
        if is_valid_application_no(number):
            return {"application_no": number}
        dispatcher.utter_message(text="这个受理编号的格式不正确，受理编号一般由2位字母和8位以上数字组成。")
        return {"application_no": None}

    def validate_verification_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: Dict[Text, Any]) -> Dict[Text, Any]:
        return validate_code(value, dispatcher)


class ActionApplicationStatus(Action):
    """Submit of the form: the status only when the digits match; otherwise the neutral answer."""

    def name(self) -> Text:
        return "action_application_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        number = tracker.get_slot("application_no") or ""
        code = tracker.get_slot("verification_code") or ""
        try:
            outcome = await application_status(number, code)
        except Exception:
            logger.exception("application status lookup failed")
            dispatcher.utter_message(text=SYSTEM_BUSY)
        else:
            if outcome.kind == OK:
                dispatcher.utter_message(text=replies.status_message(outcome.record))
            elif outcome.kind == LOCKED:
                dispatcher.utter_message(text=replies.locked_message(outcome.locked_seconds))
            else:
                dispatcher.utter_message(text=replies.NEUTRAL)
        return [SlotSet("application_no", None), SlotSet("verification_code", None)]
