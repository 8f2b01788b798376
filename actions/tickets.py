"""Tickets in chat (docs/tickets.md): the ticket_form (description, location, phone, name, confirm)
that turns a complaint, report, suggestion, request for help, praise, a request for a human or an
unresolved answer into a routed ticket. The ticket_status_form is in actions/cases.py.

Thin: reads slots and the tracker, calls bot.tickets.intake / service / citizen, replies in Chinese.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.identifiers import is_valid_mobile, normalize_phone
from bot.privacy import mask_text
from bot.tickets import intake
from bot.tickets.lifecycle import TicketError
from bot.tickets.service import Unavailable, create_ticket

logger = logging.getLogger(__name__)

FORM = "ticket_form"
TICKET_SLOTS = ("ticket_description", "ticket_location", "ticket_phone", "ticket_name", "ticket_confirm",
                "ticket_edit", "ticket_intent", "ticket_unresolved")
CANCEL = "cancel"
RETRY = "retry"      # ticket_edit: a submission failed; the slots are kept for "确认提交"
CHOOSE = "choose"    # ticket_edit: the citizen asked to change something and picks the field

CANCELLED = "好的，已取消本次诉求登记，您填写的信息不会保存。如需帮助，请随时告诉我，或拨打12345政务服务便民热线。"
SUBMIT_FAILED = ("抱歉，工单系统暂时繁忙，您的诉求还没有提交成功。您填写的信息已为您保留，请稍后点击“确认提交”再试一次；"
                 "如情况紧急，请直接拨打12345政务服务便民热线。")
PHONE_REQUIRED = "为方便承办部门联系您核实和答复，投诉、举报、求助类诉求需要留下手机号码（仅用于办理本诉求）。"
PHONE_INVALID = "手机号码格式不正确，请输入11位手机号码，例如 13800001234。"
DESCRIPTION_TOO_SHORT = "请再具体描述一下您要反映的问题，例如发生了什么、持续多久。"
NAME_INVALID = "称呼请控制在20个字以内，不想留可以回复“不留”。"
UNRESOLVED = "抱歉没能帮您解决问题。我先为您登记诉求，由工作人员跟进处理并答复您。"


def _intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def _text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def _category(tracker: Tracker) -> str:
    return intake.category_for(tracker.get_slot("ticket_description"), tracker.get_slot("ticket_intent"))


def _fresh_message(tracker: Tracker) -> bool:
    """The form runs right after a user message (not coming back after another action). Rasa calls
    the validation action on a copy of the tracker ending with the form's own ActionExecuted."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "bot" or (kind == "action" and event.get("name") not in (
                FORM, "action_listen", "action_extract_slots")):
            return False
    return False


def _activating(tracker: Tracker) -> bool:
    return tracker.get_slot("requested_slot") is None


def _answering(tracker: Tracker, slot: str) -> bool:
    """The latest user message answers the ticket form's question for ``slot``."""
    return (tracker.active_loop_name == FORM and tracker.get_slot("requested_slot") == slot
            and _fresh_message(tracker))


def _value(value: Optional[str]) -> Optional[str]:
    return None if value in (None, "", intake.NONE_VALUE) else value


class ValidateTicketForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_ticket_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict[Text, Any]) -> List[Text]:
        if tracker.get_slot("ticket_confirm") == CANCEL:
            return []  # the form ends; action_submit_ticket says it was cancelled
        slots = ["ticket_description"]
        if intake.needs_location(_category(tracker)):
            slots.append("ticket_location")
        return slots + ["ticket_phone", "ticket_name", "ticket_confirm"]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> List[Dict]:
        """rasa_sdk keeps only the required slots; the form's bookkeeping slots (intent, edit state,
        a cancel) set by the extractors are passed on too."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        done = {e["name"] for e in events}
        return events + [SlotSet(name, value) for name, value in tracker.slots_to_validate().items()
                         if name in TICKET_SLOTS and name not in done]

    # -- extraction ----------------------------------------------------------------------------
    def _cancelled(self, tracker: Tracker) -> bool:
        return intake.is_cancel(_text(tracker)) or _intent(tracker) == "goodbye"

    async def extract_ticket_description(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                         domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if _activating(tracker):  # activation: reuse what the citizen already said
            description = intake.description_from_messages(intake.user_messages(tracker.events))
            intent = _intent(tracker)
            return {
                "ticket_description": description,
                "ticket_intent": intent if intent in intake.TICKET_INTENTS else None,
                "ticket_location": intake.address_in(description),
                "ticket_phone": intake.phone_in(description),
                "ticket_name": None, "ticket_confirm": None, "ticket_edit": None, "ticket_unresolved": None,
            }
        if not _answering(tracker, "ticket_description"):
            return {}
        if self._cancelled(tracker):
            return {"ticket_confirm": CANCEL}
        text = intake.clean(_text(tracker))
        if intake.is_payload(text):
            return {"ticket_description": None}
        extra = {}
        if not tracker.get_slot("ticket_location") and intake.address_in(text):
            extra["ticket_location"] = intake.address_in(text)
        if not tracker.get_slot("ticket_phone") and intake.phone_in(text):
            extra["ticket_phone"] = intake.phone_in(text)
        return {"ticket_description": text, **extra}

    async def extract_ticket_location(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if not _answering(tracker, "ticket_location"):
            return {}
        text = intake.clean(_text(tracker))
        if intake.is_skip(text) or text in ("不清楚", "不知道", "不确定"):
            return {"ticket_location": intake.NONE_VALUE}
        if self._cancelled(tracker):
            return {"ticket_confirm": CANCEL}
        if intake.is_payload(text) or intake.meaningful_length(text) < 2:
            return {"ticket_location": None}
        return {"ticket_location": text[:intake.MAX_LOCATION_CHARS]}

    async def extract_ticket_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if not _answering(tracker, "ticket_phone"):
            return {}
        text = intake.clean(_text(tracker))
        if intake.is_skip(text):
            return {"ticket_phone": intake.NONE_VALUE}
        if self._cancelled(tracker):
            return {"ticket_confirm": CANCEL}
        return {"ticket_phone": intake.phone_in(text) or text}

    async def extract_ticket_name(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if not _answering(tracker, "ticket_name"):
            return {}
        text = intake.clean(_text(tracker))
        if intake.is_skip(text):
            return {"ticket_name": intake.NONE_VALUE}
        if self._cancelled(tracker):
            return {"ticket_confirm": CANCEL}
        if intake.is_payload(text):
            return {"ticket_name": None}
        return {"ticket_name": intake.name_from(text) or text}

    async def extract_ticket_confirm(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if not _answering(tracker, "ticket_confirm"):
            return {}
        text, intent = _text(tracker), _intent(tracker)
        if intent == "goodbye":
            return {"ticket_confirm": CANCEL}
        if tracker.get_slot("ticket_edit") == CHOOSE:
            field = intake.edit_field(text, await self.required_slots([], dispatcher, tracker, domain))
            if field:  # ask that question again, then show the summary again
                return {field: None, "ticket_edit": None, "ticket_confirm": None}
        choice = intake.confirm_choice(text, intent)
        if choice == "edit":
            return {"ticket_confirm": None, "ticket_edit": CHOOSE}
        return {"ticket_confirm": choice, "ticket_edit": None}

    # -- validation ----------------------------------------------------------------------------
    def validate_ticket_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> Dict[Text, Any]:
        text = intake.clean(value if isinstance(value, str) else "")
        if intake.meaningful_length(text) < 2:
            if value is not None:
                dispatcher.utter_message(text=DESCRIPTION_TOO_SHORT)
            return {"ticket_description": None}
        return {"ticket_description": text[:intake.MAX_DESCRIPTION_CHARS]}

    def validate_ticket_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if value is None:
            return {"ticket_phone": None}
        if value == intake.NONE_VALUE:
            if intake.phone_optional(_category(tracker)):
                return {"ticket_phone": intake.NONE_VALUE}
            dispatcher.utter_message(text=PHONE_REQUIRED)
            return {"ticket_phone": None}
        if isinstance(value, str) and is_valid_mobile(value):
            return {"ticket_phone": normalize_phone(value)}
        dispatcher.utter_message(text=PHONE_INVALID)
        return {"ticket_phone": None}

    def validate_ticket_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if value is None or value == intake.NONE_VALUE:
            return {"ticket_name": value}
        if not isinstance(value, str) or len(value.strip()) > intake.MAX_NAME_CHARS:
            dispatcher.utter_message(text=NAME_INVALID)
            return {"ticket_name": None}
        return {"ticket_name": value.strip()}


class ActionAskTicketPhone(Action):
    def name(self) -> Text:
        return "action_ask_ticket_phone"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        if intake.phone_optional(_category(tracker)):
            dispatcher.utter_message(text="请留下您的手机号码，方便工作人员向您反馈（号码仅用于办理本诉求）。不想留可以回复“不留”。",
                                     buttons=[{"title": "不留", "payload": "不留"}])
        else:
            dispatcher.utter_message(text="请留下您的手机号码，方便承办部门联系您核实和答复（号码仅用于办理本诉求）。")
        return []


class ActionAskTicketConfirm(Action):
    """The summary with 确认提交 / 修改 / 取消, or — after 修改 — which part to change."""

    def name(self) -> Text:
        return "action_ask_ticket_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        category = _category(tracker)
        ask_location = intake.needs_location(category)
        if tracker.get_slot("ticket_edit") == CHOOSE:
            buttons = [{"title": f"修改{label}", "payload": f"修改{label}"} for slot, label, _w in intake.EDIT_FIELDS
                       if slot != "ticket_location" or ask_location]
            buttons.append({"title": "不用改，确认提交", "payload": "/affirm"})
            dispatcher.utter_message(text="请问要修改哪一项？", buttons=buttons)
            return []
        dispatcher.utter_message(
            text=intake.summary_text(tracker.get_slot("ticket_description") or "", tracker.get_slot("ticket_location"),
                                     tracker.get_slot("ticket_phone"), tracker.get_slot("ticket_name"),
                                     category, ask_location),
            buttons=[{"title": "确认提交", "payload": "/affirm"}, {"title": "修改", "payload": "修改"},
                     {"title": "取消", "payload": "/deny"}])
        return []


def _reset() -> List[Dict]:
    return [SlotSet(slot, None) for slot in TICKET_SLOTS]


class ActionSubmitTicket(Action):
    """After the ticket_form: create the ticket, or say it was cancelled. After a failed submission
    the slots are kept and "确认提交" (affirm) runs this action again (rule in data/tickets.yml)."""

    def name(self) -> Text:
        return "action_submit_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        description = tracker.get_slot("ticket_description")
        if tracker.latest_action_name == "action_listen":  # a yes/no right after this action
            if tracker.get_slot("ticket_edit") != RETRY or not description:
                dispatcher.utter_message(response="utter_affirm_ack" if _intent(tracker) == "affirm"
                                         else "utter_deny_ack")
                return []
            if _intent(tracker) != "affirm":
                dispatcher.utter_message(text=CANCELLED)
                return _reset()
        elif tracker.get_slot("ticket_confirm") != "yes" or not description:
            dispatcher.utter_message(response="utter_goodbye" if _intent(tracker) == "goodbye" else None,
                                     text=None if _intent(tracker) == "goodbye" else CANCELLED)
            return _reset()
        data = {
            "description": description,
            "location": _value(tracker.get_slot("ticket_location")),
            "contact_phone": _value(tracker.get_slot("ticket_phone")),
            "contact_name": _value(tracker.get_slot("ticket_name")),
            "channel": (tracker.get_latest_input_channel() or "chat")[:32],
            "conversation_id": tracker.sender_id,
            "transcript": intake.transcript_from_events(tracker.events),
            "intent": tracker.get_slot("ticket_intent"),
        }
        try:
            ticket = await create_ticket(data)
        except TicketError as exc:
            if not isinstance(exc, Unavailable):
                logger.warning("ticket submission refused: %s", mask_text(exc.message))
                dispatcher.utter_message(text=f"抱歉，诉求未能提交：{exc.message}")
                return _reset()
            logger.error("ticket submission failed: database unavailable")
            return self._failed(dispatcher)
        except Exception:
            logger.exception("ticket submission failed")
            return self._failed(dispatcher)
        dispatcher.utter_message(text=intake.created_text(ticket))
        return _reset()

    @staticmethod
    def _failed(dispatcher: CollectingDispatcher) -> List[Dict]:
        dispatcher.utter_message(text=SUBMIT_FAILED, buttons=[{"title": "确认提交", "payload": "/affirm"},
                                                              {"title": "取消", "payload": "/deny"}])
        return [SlotSet("ticket_confirm", "yes"), SlotSet("ticket_edit", RETRY)]


class ActionTicketUnresolved(Action):
    """"没解决" after an answer: apologise and set ticket_unresolved, on which a rule starts the ticket
    form; a plain "no" is acknowledged."""

    def name(self) -> Text:
        return "action_ticket_unresolved"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        if intake.is_unresolved(_text(tracker)) or _intent(tracker) == "complain":
            dispatcher.utter_message(text=UNRESOLVED)
            return [SlotSet("ticket_unresolved", True)]
        dispatcher.utter_message(response="utter_deny_ack")
        return [SlotSet("ticket_unresolved", False)]
