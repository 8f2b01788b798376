"""Situational guides in chat (docs/situations.md): a materials question about a guide with situations
starts situation_form (action_answer_procedure follows up with it); the form asks only the questions
that change the list and ends with the applicant's own list and the 一次性告知单 link. The logic is
bot.situations.replies; these classes only move slots and messages.

Inside the form every message is read for answers first. One that answers nothing is something else:
a procedure question ("那要多久？") is answered and ends the interview (or, about another item's
materials, starts that item's); small talk is answered and ends it; any other request (a complaint,
a status query) is rejected by the form so that its own rule takes it."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.procedures import respond
from actions.tracker import fresh_message, intent_of, text_of
from bot.situations import replies

FORM = "situation_form"
DONE, CANCEL, LEFT = "done", "cancel", "left"
SMALL_TALK = {"greet": "utter_greet", "goodbye": "utter_goodbye", "thank": "utter_thank",
              "bot_challenge": "utter_iamabot"}
EXTRA_SLOTS = ("situation_state", "procedure_item", "procedure_faq", "aspect")


def _name(state: dict | None) -> str:
    from bot.knowledge.search import get_index
    guide = get_index().knowledge.guides.get((state or {}).get("guide") or "")
    return guide.name if guide else replies.UNNAMED_GUIDE


class ValidateSituationForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_situation_form"

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> List[Dict]:
        """rasa_sdk keeps only the required slot; the interview state (and the item in context after
        an answered side question) are passed on too."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        done = {e["name"] for e in events}
        return events + [SlotSet(n, v) for n, v in tracker.slots_to_validate().items()
                         if n in EXTRA_SLOTS and n not in done]

    async def extract_situation_answer(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "situation_answer" or not fresh_message(tracker, FORM):
            return {}
        state = replies.load_state(tracker.get_slot("situation_state"))
        if state is None:
            return {"situation_answer": CANCEL}
        text, intent = text_of(tracker), intent_of(tracker)
        if not replies.is_answer(state, text) or intent == "ask_procedure" and replies.asks_other_aspect(text):
            if intent == "ask_procedure":
                events, interview = await respond(dispatcher, tracker)
                out = {e["name"]: e["value"] for e in events if e.get("event") == "slot"}
                out["situation_answer"] = None if interview is not None else LEFT
                return out
            if intent in SMALL_TALK:
                dispatcher.utter_message(response=SMALL_TALK[intent])
                return {"situation_answer": LEFT}
            if intent not in ("inform", "affirm", "deny", "out_of_scope", "nlu_fallback"):
                return {}  # another request: the form rejects, its own rule answers it
        turn = replies.answer(state, _name(state), text)
        if turn.done:
            dispatcher.utter_message(text=turn.text, buttons=turn.buttons or None)
            return {"situation_answer": CANCEL if turn.cancelled else DONE,
                    "situation_state": replies.dump_state(turn.state)}
        return {"situation_answer": None, "situation_state": replies.dump_state(turn.state)}


class ActionAskSituationAnswer(Action):
    """Puts the next question (after the items every applicant needs on the first one, with a hint
    after an answer that named no option)."""

    def name(self) -> Text:
        return "action_ask_situation_answer"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        state = replies.load_state(tracker.get_slot("situation_state"))
        turn = replies.prompt(state, _name(state)) if state else None
        if turn is None:  # nothing to ask (bad or stale state): end the form quietly
            return [SlotSet("situation_answer", CANCEL)]
        dispatcher.utter_message(text=turn.text, buttons=turn.buttons)
        return [SlotSet("situation_state", replies.dump_state(turn.state))]


class ActionSituationDone(Action):
    """After the form (the list, a cancel or an answered side question were said by the validator):
    the form's slots are reset so the next materials question starts a new interview; the answers stay
    in situation_state for corrections ("不对，我是代办的")."""

    def name(self) -> Text:
        return "action_situation_done"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        return [SlotSet("situation_answer", None)]
