"""The three status forms (application, disclosure request, ticket) as short declarations over one
base: a case number in any source system's shape and the phone's last 4 digits (or the whole phone
number), in one message or several, in either order; the answer comes from whichever table holds
the number (bot.cases), so a ticket number given in the application flow just works."""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.tracker import fresh_message, intent_of, text_of
from bot.approvals.queries import status_of_verified as application_status_of
from bot.approvals.replies import case_context as application_context
from bot.approvals.replies import status_message as application_message
from bot.approvals.urge import urge_application
from bot.cases import replies
from bot.cases.lookup import find_held
from bot.cases.numbers import candidates, digits_outside, example_hint, pick
from bot.cases.verify import LOCKED, OK, verify_case
from bot.disclosure.queries import status_of_verified as request_status_of
from bot.disclosure.replies import case_context as request_context
from bot.disclosure.replies import request_status_message
from bot.knowledge.answer import item_of_case
from bot.nlu.readings import (LONG_ACCOUNT_CHARS, asks_about_the_case, asks_to_take_it_up, asks_to_urge,
                              asks_where_the_number_is, rejects_the_answer)
from bot.tickets import intake
from bot.tickets import replies as ticket_replies
from bot.tickets.citizen import status_of_verified as ticket_status_of
from bot.tickets.service import find_ticket, not_satisfied, urge_ticket

logger = logging.getLogger(__name__)

# Intents that leave the form (handled by rules): the extractors stay silent.
LEAVING_INTENTS = {"deny", "goodbye", "request_human", "greet"}
OTHER_TOPICS = {"ask_procedure", "complain", "report", "seek_help", "suggest", "praise", "query_disclosure"}
CODE_SLOT = "verification_code"
RETRY_SLOT = "case_retry_no"   # the number of a failed verification: "我记错了，是7552" retries it
RETRY_FLAG = "case_retry"      # featurised: a rule sends the next inform/deny/affirm back to the form
FAILS_SLOT = "case_form_misses"  # consecutive messages the form could not use
GAVE_UP_SLOT = "case_gave_up"    # "我没有编号" (or three unusable answers): the form ends with other ways
MAX_MISSES = 3
SESSION_SLOT = "last_ticket_no"  # the ticket this conversation created or verified
SESSION_CODE = "session"         # verification_code: the ticket of this conversation, no digits needed
CASE_SLOT = "last_case"          # the application or disclosure request just verified, in one line


NUMBER_ENTITIES = ("application_no", "request_no", "ticket_no")


async def number_in(tracker: Tracker) -> Optional[tuple[str, tuple[int, int]]]:
    """The case number the latest message carries (the data decides among candidates) and its span.
    The NLU's CaseNumberRecognizer has usually looked it up already: its entity is used as it is, and
    the tables are asked again only when it found none."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("extractor") == "CaseNumberRecognizer" and entity.get("entity") in NUMBER_ENTITIES:
            return entity["value"], (entity["start"], entity["end"])
    found = candidates(text_of(tracker))
    if not found:
        return None
    held = await find_held([c.number for c in found])
    chosen = pick(found, {n: h.kind for n, h in held.items()})
    return (chosen[0].number, (chosen[0].start, chosen[0].end)) if chosen else None


class StatusFormParts:
    """What a status form's actions are declared with: the form, its number slot and the kind whose
    wording the prompts use."""

    form: str = ""
    number_slot: str = ""
    kind: str = ""


class CaseStatusForm(StatusFormParts, FormValidationAction):
    def name(self) -> Text:
        return f"validate_{self.form}"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict[Text, Any]) -> List[Text]:
        if tracker.get_slot(GAVE_UP_SLOT):
            return []  # the form ends; the answer action offers the other ways
        return [self.number_slot, CODE_SLOT]

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> List[Dict]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        done = {e["name"] for e in events}
        return events + [SlotSet(name, value) for name, value in tracker.slots_to_validate().items()
                         if name in (RETRY_SLOT, RETRY_FLAG, FAILS_SLOT, GAVE_UP_SLOT) and name not in done]

    async def extract_number_and_code(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """Both slots from one message: a (new) number and the digits outside it."""
        if intent_of(tracker) in LEAVING_INTENTS or not fresh_message(tracker, self.form):
            return {}
        text = text_of(tracker)
        activating = tracker.get_slot("requested_slot") is None
        out: Dict[Text, Any] = {}
        found = await number_in(tracker)
        span = None
        if found:
            out[self.number_slot], span = found
        digits = digits_outside(text, span)
        if not found and activating and digits and tracker.get_slot(RETRY_SLOT):
            out[self.number_slot] = tracker.get_slot(RETRY_SLOT)
        elif not found and activating and self.kind == "ticket" and tracker.get_slot(SESSION_SLOT):
            # "刚才那个工单": the ticket registered (or verified) earlier in this conversation
            out.update({self.number_slot: tracker.get_slot(SESSION_SLOT), CODE_SLOT: SESSION_CODE})
            return {**out, RETRY_SLOT: None, RETRY_FLAG: False, FAILS_SLOT: 0}
        if digits and (found or activating or tracker.get_slot("requested_slot") == CODE_SLOT
                       or tracker.get_slot(self.number_slot)):
            out[CODE_SLOT] = digits
        if not found and replies.has_no_number(text):
            return {GAVE_UP_SLOT: True}
        if activating:
            out.update({RETRY_SLOT: None, RETRY_FLAG: False, FAILS_SLOT: 0, GAVE_UP_SLOT: False})
            return out
        asked = tracker.get_slot("requested_slot")
        if asked == CODE_SLOT and asked not in out:
            # while the check waits: "是不是超期了" is answered by the status itself; "不要跟邻居说是我举报的"
            # gets the reassurance — neither leaves the lookup
            said = (replies.STATE_AFTER_CHECK if asks_about_the_case(text)
                    else ticket_replies.PRIVACY_ANSWER if ticket_replies.worries_about_privacy(text) else None)
            if said:
                dispatcher.utter_message(text=said)
                return {FAILS_SLOT: int(tracker.get_slot(FAILS_SLOT) or 0)}
        if asked == self.number_slot and not found and asks_where_the_number_is(text):
            dispatcher.utter_message(text=replies.WHERE_IS_THE_NUMBER)  # the lookup keeps waiting for it
            return {FAILS_SLOT: int(tracker.get_slot(FAILS_SLOT) or 0)}
        if not out and (intent_of(tracker) in OTHER_TOPICS or intake.is_question(text)):
            # Another topic: nothing is extracted, the form rejects the message and the rules in
            # data/approvals.yml leave it and answer (no citizen is trapped in a status lookup).
            return {}
        if asked not in out and (asks_to_urge(text) or rejects_the_answer(text)):
            # done after the check (CaseStatusAnswer): no format error for it
            dispatcher.utter_message(text=replies.URGE_AFTER_CHECK)
            return {FAILS_SLOT: int(tracker.get_slot(FAILS_SLOT) or 0)}
        if asked not in out:
            misses = int(tracker.get_slot(FAILS_SLOT) or 0) + 1
            if misses >= MAX_MISSES:  # no third format error: the form ends with the other ways
                return {GAVE_UP_SLOT: True, FAILS_SLOT: 0}
            out[FAILS_SLOT] = misses
            self._hint(dispatcher, asked, misses, text)
        else:
            out[FAILS_SLOT] = 0
        return out

    def _hint(self, dispatcher: CollectingDispatcher, asked: Optional[str], misses: int, text: str) -> None:
        if intake.is_payload(text):
            return
        if asked == CODE_SLOT:
            line = replies.BAD_CODE
        else:
            line = replies.bad_number(example_hint(self.kind))
        if misses >= 2:  # never the same format error twice without another way out
            dispatcher.utter_message(text=line + replies.OTHER_WAYS, buttons=replies.OTHER_WAY_BUTTONS)
        else:
            dispatcher.utter_message(text=line, buttons=[replies.CANCEL_BUTTON])

    async def extract_verification_code(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        # The number's extractor reads both; Rasa calls this one too, which must not repeat it.
        return {}

    def validate_verification_code(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if value == SESSION_CODE and tracker.get_slot(self.number_slot) == tracker.get_slot(SESSION_SLOT):
            return {CODE_SLOT: SESSION_CODE}
        ok = isinstance(value, str) and value.strip().isdigit() and len(value.strip()) == 4
        return {CODE_SLOT: value.strip() if ok else None}

    def validate_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                        domain: Dict[Text, Any]) -> Dict[Text, Any]:
        return {self.number_slot: value if isinstance(value, str) and value else None}


def case_form(form: str, number_slot: str, kind: str) -> type:
    """A status form's validation action: the base under the names rasa_sdk looks up."""
    return type(f"Validate{form.title().replace('_', '')}", (CaseStatusForm,), {
        "form": form, "number_slot": number_slot, "kind": kind,
        f"extract_{number_slot}": CaseStatusForm.extract_number_and_code,
        f"validate_{number_slot}": CaseStatusForm.validate_number,
    })


class CaseNumberPrompt(StatusFormParts, Action):
    """"请告诉我您的受理编号（例如 …）": the example comes from knowledge/case_numbers.yml."""

    def name(self) -> Text:
        return f"action_ask_{self.form}_{self.number_slot}"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(text=replies.ask_number(example_hint(self.kind)), buttons=[replies.CANCEL_BUTTON])
        return []


def case_prompt(form: str, number_slot: str, kind: str) -> type:
    return type(f"Ask{form.title().replace('_', '')}Number", (CaseNumberPrompt,),
                {"form": form, "number_slot": number_slot, "kind": kind})


async def answer_for(kind: str, number: str, digits: str) -> tuple[Optional[str], Optional[str]]:
    """The status text of a verified case of any kind, and (application, disclosure request) the
    case in one line for a ticket filed right after (CASE_SLOT)."""
    if kind == "application":
        status = await application_status_of(number)
        return (application_message(status), application_context(status)) if status else (None, None)
    if kind == "disclosure":
        status = await request_status_of(number)
        return (request_status_message(status), request_context(status)) if status else (None, None)
    ticket = await ticket_status_of(number, digits)
    return (intake.status_text(ticket) if ticket else None), None


class CaseStatusAnswer(Action):
    """Submit of a status form: the verified answer of whichever kind holds the number."""

    form: str = ""
    number_slot: str = ""
    action_name: str = ""

    def name(self) -> Text:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        number = tracker.get_slot(self.number_slot) or ""
        code = tracker.get_slot(CODE_SLOT) or ""
        reset = [SlotSet(self.number_slot, None), SlotSet(CODE_SLOT, None), SlotSet(FAILS_SLOT, 0)]
        if tracker.get_slot(GAVE_UP_SLOT):
            if _told_the_story(tracker, self.form):
                # no "把情况再说一遍": what the citizen already said is registered (ticket_form reads it)
                dispatcher.utter_message(text=replies.NO_NUMBER_STORY)
                return reset + [SlotSet(GAVE_UP_SLOT, False), SlotSet("requested_slot", None),
                                FollowupAction("ticket_form")]
            dispatcher.utter_message(text=replies.NO_NUMBER, buttons=replies.OTHER_WAY_BUTTONS)
            return reset + [SlotSet(GAVE_UP_SLOT, False)]
        if code == SESSION_CODE and number and number == tracker.get_slot(SESSION_SLOT):
            return reset + await self._session_ticket(dispatcher, number)
        try:
            outcome = await verify_case(number, code)
            text, context = await answer_for(outcome.record.kind, outcome.record.number, code) \
                if outcome.kind == OK else (None, None)
        except Exception:
            logger.exception("case status lookup failed")
            dispatcher.utter_message(text=replies.SYSTEM_BUSY)
            return reset
        if text:
            verified_ticket = outcome.record.kind == "ticket"
            said = _said_in_lookup(tracker, self.form)
            rejected = verified_ticket and any(rejects_the_answer(t) for t in said)
            urge = not rejected and any(asks_to_urge(t) for t in said)
            dispatcher.utter_message(text=text, buttons=None if urge or rejected or not verified_ticket
                                     else [replies.URGE_BUTTON])
            if rejected:
                # only the messages that say it (never the digits typed for the check)
                await _not_satisfied(dispatcher, outcome.record.number,
                                     " ".join(t for t in said if rejects_the_answer(t)))
            elif urge:
                await urge_case(dispatcher, tracker, outcome.record.kind, outcome.record.number)
            return reset + [SlotSet(RETRY_SLOT, None), SlotSet(RETRY_FLAG, False), SlotSet(CASE_SLOT, context)] + (
                [SlotSet(SESSION_SLOT, outcome.record.number)] if verified_ticket else []) + await _case_item(context)
        if outcome.kind == LOCKED:
            dispatcher.utter_message(text=replies.locked_message(outcome.locked_seconds))
            return reset + [SlotSet(RETRY_SLOT, None), SlotSet(RETRY_FLAG, False)]
        if tracker.get_slot(RETRY_SLOT) != number:
            # "手機尾號是6621" for 6612: asked once more, inside the lookup (the number is kept)
            dispatcher.utter_message(text=replies.NEUTRAL_RETRY)  # the form's prompt follows with 取消
            return [SlotSet(CODE_SLOT, None), SlotSet(FAILS_SLOT, 0), SlotSet(RETRY_SLOT, number),
                    SlotSet(RETRY_FLAG, False), FollowupAction(self.form)]
        dispatcher.utter_message(text=replies.NEUTRAL, buttons=replies.OTHER_WAY_BUTTONS)
        return reset + [SlotSet(RETRY_SLOT, number), SlotSet(RETRY_FLAG, True)]


    @staticmethod
    async def _session_ticket(dispatcher: CollectingDispatcher, number: str) -> List[Dict]:
        try:
            ticket = await find_ticket(number)
        except Exception:
            logger.exception("session ticket lookup failed")
            dispatcher.utter_message(text=replies.SYSTEM_BUSY)
            return []
        if ticket is None:
            dispatcher.utter_message(text=replies.NEUTRAL)
            return [SlotSet(SESSION_SLOT, None)]
        dispatcher.utter_message(text=intake.status_text(ticket, urge_hint=False) + "\n" + replies.SESSION_FOLLOW_UP,
                                 buttons=[replies.URGE_BUTTON])
        return []


async def _case_item(context: Optional[dict]) -> List[Dict]:
    """The application's item becomes the item in context: "办好了去哪里拿 要带啥子" right after the status
    is about it (nothing changes when its name names no guide or item surely)."""
    name = (context or {}).get("item") if (context or {}).get("kind") == "application" else None
    if not name:
        return []
    try:
        item = await asyncio.get_running_loop().run_in_executor(None, item_of_case, name)
    except Exception:  # the knowledge base unavailable: the status answer stands alone
        logger.exception("the item of an application not found in the knowledge base")
        return []
    return [SlotSet("procedure_item", item), SlotSet("procedure_faq", None)] if item else []


def _said_in_lookup(tracker: Tracker, form: str) -> list[str]:
    """What the citizen wrote in this lookup: the message that started it and those while it waited
    (read for 催办 and for 不满意 after the check)."""
    start = next((i for i in range(len(tracker.events) - 1, -1, -1)
                  if tracker.events[i].get("event") == "active_loop" and tracker.events[i].get("name") == form),
                 len(tracker.events))
    opening = [e for e in tracker.events[:start] if e.get("event") == "user"][-1:]
    during = [e for e in tracker.events[start:] if e.get("event") == "user"]
    return [e.get("text") or "" for e in opening + during]


def _told_the_story(tracker: Tracker, form: str) -> bool:
    """The message that started the lookup tells a matter at story length (a problem, or what was applied
    for and where it is stuck), so a ticket can be registered from it without asking again."""
    opening = _said_in_lookup(tracker, form)[:1]
    # only when it asks for something to be done (催办, 反映): one who only wants to know where a case is
    # gets the other ways to look it up
    return bool(opening) and len(re.findall(r"[\u4e00-\u9fff]", opening[0])) >= LONG_ACCOUNT_CHARS \
        and (asks_to_urge(opening[0]) or asks_to_take_it_up(opening[0]))


async def _not_satisfied(dispatcher: CollectingDispatcher, number: str, words: str) -> None:
    try:
        outcome = await not_satisfied(number, words)
    except Exception:
        logger.exception("dissatisfaction after a status lookup not recorded")
        dispatcher.utter_message(text=replies.URGE_NOT_RECORDED)
        return
    dispatcher.utter_message(text=ticket_replies.not_satisfied_text(outcome, number))


async def urge_case(dispatcher: CollectingDispatcher, tracker: Tracker, kind: str, number: str) -> None:
    """催办 right after a verified status: recorded on a ticket; for an application, a ticket to its
    department that carries the urge (bot.approvals.urge)."""
    try:
        if kind == "ticket":
            dispatcher.utter_message(text=ticket_replies.urged(await urge_ticket(number), number))
        elif kind == "application":
            ticket = await urge_application(number, tracker.sender_id,
                                            (tracker.get_latest_input_channel() or "chat")[:32])
            dispatcher.utter_message(text=replies.application_urged(ticket) if ticket is not None
                                     else replies.NOTHING_TO_URGE)
    except Exception:
        logger.exception("urge after a status lookup not recorded")
        dispatcher.utter_message(text=replies.URGE_NOT_RECORDED)


def case_answer(form: str, number_slot: str, action_name: str) -> type:
    return type(f"Answer{form.title().replace('_', '')}", (CaseStatusAnswer,),
                {"form": form, "number_slot": number_slot, "action_name": action_name})


ValidateApplicationStatusForm = case_form("application_status_form", "application_no", "application")
ValidateDisclosureRequestForm = case_form("disclosure_request_form", "request_no", "disclosure")
ValidateTicketStatusForm = case_form("ticket_status_form", "ticket_no", "ticket")
AskApplicationNo = case_prompt("application_status_form", "application_no", "application")
AskRequestNo = case_prompt("disclosure_request_form", "request_no", "disclosure")
AskTicketNo = case_prompt("ticket_status_form", "ticket_no", "ticket")
ActionApplicationStatus = case_answer("application_status_form", "application_no", "action_application_status")
ActionDisclosureRequestStatus = case_answer("disclosure_request_form", "request_no",
                                            "action_disclosure_request_status")
ActionTicketStatus = case_answer("ticket_status_form", "ticket_no", "action_ticket_status")
# the status answers right after which CASE_SLOT holds the case just verified: any of the three forms
# may verify any kind of case (the number decides), so a ticket-status lookup can answer an application
CASE_ANSWERS = (ActionApplicationStatus.action_name, ActionDisclosureRequestStatus.action_name,
                ActionTicketStatus.action_name)
