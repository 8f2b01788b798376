"""Tickets in chat (docs/tickets.md): the ticket_form (description, location, phone, name, confirm)
that turns a complaint, report, suggestion, request for help, praise, a request for a human or an
unresolved answer into a routed ticket. The ticket_status_form is in actions/cases.py.

Thin: reads slots and the tracker, calls bot.tickets.intake / service / citizen, replies in Chinese.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.cases import CASE_ANSWERS, CASE_SLOT, urge_case
from actions.procedures import respond
from actions.tracker import fresh_message, hinted, intent_of, previous_action, text_of
from bot.identifiers import is_valid_mobile, normalize_phone
from bot.knowledge.answer import compose, item_name
from bot.nlu.readings import (asks_about_the_rule, asks_instead_of_telling, cannot_do_it_oneself, names_a_service, rule_clause,
                              says_something_is_wrong, suggests_change, tells_problem, without_the_rule_question)
from bot.privacy import mask_text
from bot.tickets import intake, replies
from bot.tickets.emergency import emergencies, emergency_in
from bot.tickets.places import (corrected_place, corrects_place, division_in, needs_location, place_in, place_said_later,
                                plausible_place_answer, without_places)
from bot.tickets.lifecycle import TicketError
from bot.tickets.service import Unavailable, create_ticket, is_active_department, urge_ticket

logger = logging.getLogger(__name__)

FORM = "ticket_form"
TICKET_SLOTS = ("ticket_description", "ticket_location", "ticket_phone", "ticket_name", "ticket_confirm",
                "ticket_edit", "ticket_intent", "ticket_unresolved", "ticket_emergency", "ticket_side",
                "ticket_followup")
CANCEL = "cancel"
QUESTION = "question"  # ticket_confirm: the message that started the form asks a question; it is answered instead
QUESTION_OFFER = "question_offer"  # ... a question whether what happened is right: answered, registering offered
# After these the citizen is asking about a service or a disclosure: a question next is one more question.
QUESTION_CONTEXT_ACTIONS = ("action_answer_procedure", "situation_form", "action_ask_situation_answer", "action_situation_done",
                            "action_query_disclosure", "action_apply_disclosure", "action_disclosure_request_status",
                            "action_out_of_scope", "action_default_ask_affirmation", "action_two_stage_fallback")
ANSWERED_KINDS = ("answer", "overview", "faq")
CONTACT_QUESTIONS = ("ticket_phone", "ticket_name")
OPTIONAL_ANSWERS = {"ticket_phone": "phone", "ticket_name": "name", "ticket_location": "location"}
RETRY = "retry"      # ticket_edit: a submission failed; the slots are kept for "确认提交"
CHOOSE = "choose"    # ticket_edit: the citizen asked to change something and picks the field
STORY_MIN_CHARS = 20  # a problem told at this length inside the form is more of the story, not a side question
STATEMENT_MIN_CHARS = 8  # shorter replies to a contact question ("好的", "嗯 晓得了") add nothing to the matter


def _names_part_of(text: str, name: Optional[str]) -> bool:
    """The question uses two characters of the item's name in a row ("采伐证" of 林木采伐许可证核发): an
    item without a guide is offered only then ("晚上打得通不" is no question about 夜间施工许可)."""
    return bool(name) and any(name[i:i + 2] in text for i in range(len(name) - 1))


def _last_clause(text: str) -> str:
    parts = [p for p in re.split(r"[，,。！!；;\s]+", text) if p]
    return parts[-1] if parts else text


def _long_story(text: str) -> bool:
    """Long enough to be more of the story even where a question word stands ("丢了好几天了")."""
    return len(re.findall(r"[\u4e00-\u9fff]", text)) >= STORY_MIN_CHARS


def _tells_story(text: str) -> bool:
    """A problem told at story length, or a message twice that long, whatever words it uses ("上星期三带我婆婆去
    龙台镇卫生院输液…态度太差了…", "去办营业执照变更…问她缺啥子她说你自己看墙上"): more of the matter."""
    return _long_story(text) and (tells_problem(text)
                                  or len(re.findall(r"[\u4e00-\u9fff]", text)) >= 2 * STORY_MIN_CHARS)


def _category(tracker: Tracker) -> str:
    return intake.category_for(tracker.get_slot("ticket_description"), tracker.get_slot("ticket_intent"))


def _activating(tracker: Tracker) -> bool:
    # requested_slot may still name another form's question when that form was left for this one
    # ("算了 其实我主要是想说…" inside the materials interview)
    requested = tracker.get_slot("requested_slot")
    return requested is None or not str(requested).startswith("ticket_")


def _answering(tracker: Tracker, slot: str) -> bool:
    """The latest user message answers the ticket form's question for ``slot``."""
    return (tracker.active_loop_name == FORM and tracker.get_slot("requested_slot") == slot
            and fresh_message(tracker, FORM))


async def _asks_instead(tracker: Tracker) -> Optional[Dict[Text, Any]]:
    """The request for help that starts the form is a question about a service, told as one's own
    situation ("我是1972年的 灵活就业 好久可以退休"): answered by the knowledge base, no ticket. After an
    answer any such question is one more question; out of the blue it must name a service that the
    knowledge base answers with confidence. A grievance told as a question about the rule ("连表都不给我
    这个合理不") is answered too, with an offer to register it (QUESTION_OFFER, the part that asks kept
    in ticket_followup). The slots that end the form that way, or None: the form goes on."""
    intent = intent_of(tracker)
    if intent not in ("seek_help", "complain", "suggest", "report") or tracker.get_slot("ticket_unresolved"):
        return None
    text = intake.clean(text_of(tracker))
    if text.startswith("/") or intent == "suggest" and suggests_change(text):  # "能不能把认证搞简单点" suggests
        return None
    in_context = previous_action(tracker) in QUESTION_CONTEXT_ACTIONS
    if in_context and cannot_do_it_oneself(text):
        return {"ticket_confirm": QUESTION, "ticket_followup": None}  # "我不会耍手机 屋头娃儿又在外头" after an answer
    if not asks_instead_of_telling(text):
        # "连表都不给我 这个合理不": the rule is answered and registering offered (QUESTION_OFFER)
        asked = await _rule_question(text) if asks_about_the_rule(text) else None
        return {"ticket_confirm": QUESTION_OFFER, "ticket_followup": asked} if asked else None
    # "他能不能帮我在他手机上弄" after an answer; out of the blue, a service answered with confidence
    if in_context or await _answered_with_confidence(text):
        return {"ticket_confirm": QUESTION, "ticket_followup": None}
    return None


async def _rule_question(text: str) -> Optional[str]:
    """What to search for the rule asked: the clause that asks it when the knowledge base answers that
    ("我想问清楚到底几点到几点可以施工" in a shop owner's long story), else the message without its "合理不"
    when the knowledge base answers it with confidence; None when neither is answered."""
    clause = rule_clause(text)
    if clause and clause != text and await _answered_with_confidence(clause, need_service=False):
        return clause
    rest = without_the_rule_question(text)
    return rest if await _answered_with_confidence(rest) else None


async def _answered_with_confidence(text: str, need_service: bool = True) -> bool:
    """The message names a service (or, when not ``need_service``, anything) that the knowledge base answers
    with confidence — or a FAQ entry answers it: FAQ entries are written for the questions people ask
    in their own words ("说要去打疫苗 应该去哪里打啊" names no certificate or insurance)."""
    try:
        reply = await asyncio.get_running_loop().run_in_executor(None, lambda: compose(text))
    except Exception:
        logger.exception("knowledge base unavailable for a question read as a request for help")
        return False
    if reply.kind == "faq":
        return True
    return reply.kind in ANSWERED_KINDS and not (need_service and not names_a_service(text))


def _emergency_advice(kind: Optional[str]) -> Optional[str]:
    """The safety instruction of the ticket's emergency kind, if it is one."""
    found = next((e for e in emergencies() if e.kind == kind), None) if kind else None
    return found.advice if found else None


def _value(value: Optional[str]) -> Optional[str]:
    return None if value in (None, "", intake.NONE_VALUE) else value


class ValidateTicketForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_ticket_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: Dict[Text, Any]) -> List[Text]:
        if tracker.get_slot("ticket_confirm") in (CANCEL, QUESTION, QUESTION_OFFER):
            return []  # the form ends; action_submit_ticket says it was cancelled, or answers the question
        slots = ["ticket_description"]
        if needs_location(_category(tracker), tracker.get_slot("ticket_emergency"),
                                 tracker.get_slot("ticket_description")):
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
    @staticmethod
    def _handled(tracker: Tracker) -> bool:
        """The first extractor already took this message as a side question or a cancel."""
        return bool(tracker.get_slot("ticket_side")) or tracker.get_slot("ticket_confirm") == CANCEL

    async def extract_ticket_description(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                         domain: Dict[Text, Any]) -> Dict[Text, Any]:
        """Runs first on every message: activation reuses what the citizen already said; later
        messages may volunteer or correct other fields, ask a side question, or cancel."""
        if _activating(tracker):
            instead = await _asks_instead(tracker)
            if instead:
                return {**instead, "ticket_side": False}
            return self._activation(dispatcher, tracker)
        if tracker.active_loop_name != FORM or not fresh_message(tracker, FORM):
            return {}
        text = intake.clean(text_of(tracker))
        asked = tracker.get_slot("requested_slot")
        rest = intake.cancel_with_rest(text)
        if rest == "" and asked in OPTIONAL_ANSWERS and intake.refuses(text, OPTIONAL_ANSWERS[asked], asked=True) \
                and not intake.says_goodbye(text):
            rest = None  # "不用了" to "怎么称呼您" declines the name, it does not cancel the ticket
        # "谭先生" to "怎么称呼您" may read as goodbye to the classifier: an answer to the question is no farewell
        if rest is not None or intent_of(tracker) == "goodbye" and not self._answers(text, asked):
            return {"ticket_confirm": CANCEL, "ticket_followup": rest or None, "ticket_side": False}
        if replies.wants_human(text):  # honoured as a call-back, with the citizen's matter as its text
            dispatcher.utter_message(text=replies.HUMAN_CALLBACK)
            out = {"ticket_side": True}
            if asked == "ticket_description":
                out["ticket_description"] = replies.CALLBACK_DESCRIPTION
            return out
        emergency = tracker.get_slot("ticket_emergency")
        if emergency and replies.cannot_call(text):  # "120好多号 我打不来": safety comes before the form
            advice = _emergency_advice(emergency)
            dispatcher.utter_message(text=(advice + "\n" if advice else "") + replies.HOW_TO_CALL)
            return {"ticket_side": True}
        told = self._emergency_told(dispatcher, text, asked, tracker)
        if told is not None:
            return told
        if intake.is_confused(text) and not self._answers(text, asked):
            dispatcher.utter_message(text=replies.plain_question(asked))
            return {"ticket_side": True}
        if self._side_question(text, asked, tracker):
            noted = await self._answer_side(dispatcher, text, tracker)
            out = {"ticket_side": True}
            description = tracker.get_slot("ticket_description")
            if noted and description and text not in description and (intake.names_matter(text) or tells_problem(text)):
                # "你们能不能安排画个斑马线 装个红绿灯嘛": said to go with the matter, so it joins the description
                # ("我中文不好 可以帮我写吗" is about the intake and says nothing of the matter)
                out["ticket_description"] = intake.told_more(description, text)
            phone = intake.phone_in(text)
            if phone and asked != "ticket_phone" and not _value(tracker.get_slot("ticket_phone")):
                # "算了 留嘛 13618263307 莫给施工方说是我哈": reassured, and the number given is kept
                out["ticket_phone"] = phone
            if asked == "ticket_description" and replies.asks_whether_handled(text) and tells_problem(text):
                out["ticket_description"] = text  # "楼上天天吵 你们管不管": answered, and it is the matter
            elif asked != "ticket_description" and _long_story(text) and "ticket_description" not in out \
                    and replies.asks_whether_handled(text):
                more = self._told_instead(text, tracker)
                if more:  # "我们一共十几个人 过年都回不去了 你们到底管不管": answered, and the story kept
                    out["ticket_description"] = more
            return out
        if self._answers(text, asked) and replies.side_answer(text, None) == replies.PRIVACY_ANSWER:
            # "会不会说是我举报的哦 我不想留电话": reassured, and the refusal taken as the answer
            dispatcher.utter_message(text=replies.PRIVACY_ANSWER)
        elif self._answers(text, asked) and intake.asks_about_processing(text):
            # "万盛小区5栋 要好久才有人来": the answer taken, and the question with it answered
            dispatcher.utter_message(text=replies.processing_time(_category(tracker),
                                                                  bool(tracker.get_slot("ticket_emergency"))))
        out: Dict[Text, Any] = {"ticket_side": False, **self._volunteered(text, tracker, asked)}
        if out.get("ticket_location") and asked not in ("ticket_location", "ticket_description"):
            dispatcher.utter_message(text=replies.noted(out["ticket_location"]))
        if asked == "ticket_description":
            if intake.is_payload(text):
                out["ticket_description"] = None
            else:
                out["ticket_description"] = text
        return out

    @classmethod
    def _emergency_told(cls, dispatcher: CollectingDispatcher, text: str, asked: Optional[str],
                        tracker: Tracker) -> Optional[Dict[Text, Any]]:
        """A danger told in the middle of intake, or one getting worse ("他好像没有出气了 我不会做心肺复苏",
        "窗子开了 我妈还是软起的"), or what to do now ("要不要给她灌肥皂水"): its safety instruction comes
        before the next question, and the ticket becomes urgent. None when the message is something else."""
        if intake.is_payload(text) or intake.has_called_for_help(text) \
                or asked != "ticket_description" and cls._answers(text, asked):
            return None
        current = tracker.get_slot("ticket_emergency")
        found = emergency_in(text) if tracker.get_slot("ticket_intent") != "praise" else None
        if found is not None and not (found.takes_over or current):
            found = None
        if found is None:
            worse = asked in ("ticket_location", "ticket_phone", "ticket_name") and not intake.is_question(text) \
                and intake.meaningful_length(text) >= intake.MIN_DESCRIPTION_CHARS and not intake.acknowledges(text) \
                and not intake.refuses(text, "phone") and not intake.refuses(text, "name")
            if not current or not (worse or intake.asks_what_to_do(text)) or replies.side_answer(text, None) \
                    or intake.asks_about_processing(text):
                return None
        advice = found.advice if found is not None else _emergency_advice(current)
        if not advice:
            return None
        dispatcher.utter_message(text=advice)
        # "在浓洄街道新华大厦顶楼 我们有人在旁边拉到他的": the instruction again, and the place taken
        out: Dict[Text, Any] = {"ticket_side": asked != "ticket_description",
                                **cls._volunteered(text, tracker, asked)}
        if found is not None and not current:
            out["ticket_emergency"] = found.kind
        description = tracker.get_slot("ticket_description")
        if asked == "ticket_description":
            out["ticket_description"] = text
        elif description and text not in description and not intake.is_question(text):
            out["ticket_description"] = intake.told_more(description, text)
        if out["ticket_side"]:
            dispatcher.utter_message(text=replies.RESUME)
        return out

    def _activation(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> Dict[Text, Any]:
        messages = intake.user_messages(tracker.events)
        description = intake.description_from_messages(messages)
        description = intake.with_item_asked(description, item_name(tracker.get_slot("procedure_item")))
        # "都快三个月了 我要投诉" right after a verified lookup: the ticket is about that case
        case = tracker.get_slot(CASE_SLOT) if previous_action(tracker) in CASE_ANSWERS else None
        about_case = isinstance(case, dict) and bool(case.get("text") and description and not place_in(description))
        if about_case:
            description = intake.with_case(description, case["text"])
        intent = intake.intent_come_back_to(messages) or intent_of(tracker)
        if description and replies.only_asks_for_human(description):  # "不想跟机器人说 给我转人工"
            description = replies.CALLBACK_DESCRIPTION
        text = description or ""
        emergency = emergency_in(text) if intent != "praise" else None  # thanks for a rescue is no alarm
        if emergency is not None:  # the safety instruction comes before any question
            # "我不会打电话": how to dial goes with it at once, not after the next message
            dispatcher.utter_message(text=emergency.advice + ("\n" + replies.HOW_TO_CALL if replies.cannot_call(text) else ""))
        elif replies.angry(text):
            dispatcher.utter_message(text=replies.ACKNOWLEDGE_ANGER)
        elif description:
            category = intake.category_for(description, intent if intent in intake.TICKET_INTENTS else None)
            dispatcher.utter_message(text=replies.opening(category, replies.department_for(description)))
        if intent != "request_human" and replies.wants_human(text):
            dispatcher.utter_message(text=replies.HUMAN_WITH_TICKET)
        out = {
            "ticket_description": description,
            "ticket_intent": intent if intent in intake.TICKET_INTENTS else None,
            "ticket_location": place_in(description),
            "ticket_phone": intake.phone_in(description),
            "ticket_name": intake.name_in(description),
            "ticket_confirm": None, "ticket_edit": None, "ticket_unresolved": None,
            "ticket_emergency": emergency.kind if emergency else None,
            "ticket_side": False, "ticket_followup": None,
        }
        for field, slot in (("phone", "ticket_phone"), ("name", "ticket_name")):
            if out[slot] is None and intake.refuses(text, field):
                out[slot] = intake.NONE_VALUE
        if about_case:  # the case says where; no place to ask for
            out["ticket_location"] = intake.NONE_VALUE
        return out

    @staticmethod
    def _volunteered(text: str, tracker: Tracker, asked: Optional[str]) -> Dict[Text, Any]:
        """Fields the citizen gives without being asked, or corrects ("我记错了，是4栋")."""
        out: Dict[Text, Any] = {}
        correcting = intake.is_correction(text)
        old_place = _value(tracker.get_slot("ticket_location"))
        place = corrected_place(old_place, text) if correcting else place_in(text)
        phone, name = intake.phone_in(text), intake.name_in(text)
        for slot, value in (("ticket_location", place), ("ticket_phone", phone), ("ticket_name", name)):
            # a value given later also replaces an earlier "不留/记不到"
            if value and slot != asked and (correcting or not _value(tracker.get_slot(slot))):
                out[slot] = value
        if "ticket_location" not in out and asked != "ticket_location":
            # a long story names places in passing ("送我到镇上医院"): it may say the place better, not add to it
            later = place_said_later(place, old_place, add=not _long_story(without_places(text)))
            whole = plausible_place_answer(text) if asked in CONTACT_QUESTIONS and division_in(text) else None
            if not later and whole and whole != place:
                # "大安镇 正街 信用社对面那一排" at the phone question: the whole message is the place, though
                # the parser found only its division
                later = place_said_later(whole, old_place) if old_place else whole
            if later:
                out["ticket_location"] = later
        description = tracker.get_slot("ticket_description")
        if description and intake.recategorizes(text) and text not in description:
            # "不是投诉 是建议 建议在…修个小公园": the correction and what it says join the description,
            # whose last named kind is the category (bot.tickets.classify.named_category)
            out["ticket_description"] = intake.told_more(description, text)
        for field, slot in (("phone", "ticket_phone"), ("name", "ticket_name")):
            if slot != asked and not tracker.get_slot(slot) and intake.refuses(text, field):
                out[slot] = intake.NONE_VALUE
            elif slot != asked and _value(tracker.get_slot(slot)) and intake.withdraws(text, field):
                out[slot] = intake.NONE_VALUE  # "算了名字还是莫写了": a name given earlier is taken back
        return out

    @staticmethod
    def _answers(text: str, asked: Optional[str]) -> bool:
        """The message gives (or declines) the field asked for."""
        if asked == "ticket_location":
            return bool(place_in(text))
        if asked == "ticket_phone":
            return bool(intake.phone_in(text)) or intake.refuses(text, "phone", asked=True)
        if asked == "ticket_name":
            return bool(intake.name_in(text)) or intake.refuses(text, "name", asked=True)
        return False

    @classmethod
    def _side_question(cls, text: str, asked: Optional[str], tracker: Tracker) -> bool:
        """A question on another topic asked while the form waits for an answer (never an answer
        that happens to contain a question word, such as an address)."""
        if intake.is_payload(text) or cls._answers(text, asked):
            return False
        if replies.side_answer(text, tracker.get_slot("ticket_description")):
            return True  # "会不会告诉老板是我反映的": about the intake itself, asked with or without "？"
        if not (intake.is_question(text) or intake.asks_about_processing(text)):  # "要好久才有人来"
            return False
        if asked == "ticket_description" and tells_problem(text):  # "水这几天放出来是黄的" is the answer
            return False
        if _tells_story(text) and not intake.is_question(_last_clause(text)):
            return False  # "…掉到没盖盖子的井里面摔的 井盖丢了好几天了 你们要赶紧派人…": the story goes on
        return not (asked == "ticket_confirm" and tracker.get_slot("ticket_edit") == CHOOSE)

    async def _answer_side(self, dispatcher: CollectingDispatcher, text: str, tracker: Tracker) -> bool:
        """Answers a side question; True when the answer says it is noted with the matter (SIDE_NOTED)."""
        noted = False
        about_intake = replies.side_answer(text, tracker.get_slot("ticket_description"))
        if intake.asks_about_processing(text):
            dispatcher.utter_message(text=replies.processing_time(_category(tracker),
                                                                  bool(tracker.get_slot("ticket_emergency"))))
        elif about_intake:
            dispatcher.utter_message(text=about_intake)
        else:
            try:
                # "要带些啥子去" asks about the item or FAQ entry talked about before the form started
                item, faq = tracker.get_slot("procedure_item"), tracker.get_slot("procedure_faq")
                reply = await asyncio.get_running_loop().run_in_executor(None, lambda: compose(text, item, context_faq=faq))
                # a guess at a catalog item is no answer to a question asked in the middle of intake
                answered = reply.kind not in ("suggest", "not_found", "choose") and (
                    reply.kind != "no_guide" or _names_part_of(text, item_name(reply.procedure_item)))
                # "要不要把他扶起来 我一个人扶不动" during an emergency: the safety instruction again answers it
                advice = _emergency_advice(tracker.get_slot("ticket_emergency"))
                noted = not answered and not advice
                dispatcher.utter_message(text=reply.text if answered else advice or replies.SIDE_NOTED)
            except Exception:
                logger.exception("side question inside the ticket form not answered")
                dispatcher.utter_message(text=replies.SIDE_NOT_ANSWERED)
        dispatcher.utter_message(text=replies.RESUME)
        return noted

    async def extract_ticket_location(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if not _answering(tracker, "ticket_location") or self._handled(tracker):
            return {}
        text = intake.clean(text_of(tracker))
        if intake.is_skip(text) or intake.place_unknown(text):
            return {"ticket_location": intake.NONE_VALUE}
        if intake.is_payload(text):
            return {"ticket_location": None}
        place = place_in(text) or plausible_place_answer(text)
        more = self._more_story(text, tracker) if place is None else None
        if more:  # "已经漏了一个月了 物业也不管": the story goes on; the place is asked again
            dispatcher.utter_message(text=replies.STORY_NOTED)
            return {"ticket_location": None, "ticket_description": more}
        if place is not None and _tells_story(text):
            # "龙安乡到大龙镇那条村道 烂得跟月球表面一样 摩托车都摔了": the place, and the story it tells
            more = self._more_story(text, tracker, at_summary=True)
            if more:
                return {"ticket_location": place[:intake.MAX_LOCATION_CHARS], "ticket_description": more}
        if place is None and replies.angry(text):  # "你们到底管不管！！！" is no address to correct
            dispatcher.utter_message(text=replies.ANGER_AT_QUESTION)
            return {"ticket_location": None}
        if place is None and (intake.phone_in(text) or intake.name_in(text)):
            # "那你帮我登记嘛 我姓周 电话136…": the contact details are taken (_volunteered); no failed
            # place answer, so the place is asked again rather than left out
            return {"ticket_location": None}
        if place is None and hinted(tracker, replies.LOCATION_HINT):  # missed twice: no third hint
            dispatcher.utter_message(text=replies.LOCATION_LEFT_OUT)
            return {"ticket_location": intake.NONE_VALUE}
        if place is None:  # a place must look like a place — never a question or a greeting
            dispatcher.utter_message(text=replies.LOCATION_HINT, buttons=[replies.SKIP_BUTTON])
            return {"ticket_location": None}
        advice = _emergency_advice(tracker.get_slot("ticket_emergency"))
        number = replies.emergency_number(advice)
        if number:  # "我在中桥街道 水井湾小区3栋" while someone lies hurt: the address goes to 120 first
            dispatcher.utter_message(text=replies.call_with_address(place, number))
        return {"ticket_location": place[:intake.MAX_LOCATION_CHARS]}

    @staticmethod
    def _more_story(text: str, tracker: Tracker, at_summary: bool = False) -> Optional[str]:
        """The description with this message added, when the message tells more of the problem
        instead of answering the question (at the summary, any statement that is no yes, no or
        change: "还有 里面关过人"); None otherwise."""
        description = tracker.get_slot("ticket_description")
        if not description or intake.is_question(text) and not _long_story(text) or not (at_summary or tells_problem(text)) \
                or intake.meaningful_length(text) < intake.MIN_DESCRIPTION_CHARS or text in description:
            return None
        return intake.told_more(description, text)

    @staticmethod
    def _corrects_place(text: str, tracker: Tracker) -> bool:
        """The message corrects the place taken before ("不对 是东门 不是西门") — _volunteered replaces it."""
        old = _value(tracker.get_slot("ticket_location"))  # already corrected by _volunteered, or not yet
        return bool(old) and intake.is_correction(text) and (corrects_place(old, text)
                                                             or corrected_place(old, text) not in (None, old))

    @classmethod
    def _told_instead(cls, text: str, tracker: Tracker) -> Optional[str]:
        """The description with this message added, when the message answers no contact question but
        says more of the matter or what the citizen wants ("希望把班车恢复起 一天跑两趟也要得")."""
        if re.search(r"\d{5,}", text) or intake.meaningful_length(text) < STATEMENT_MIN_CHARS:
            return None
        return cls._more_story(text, tracker, at_summary=True)

    async def extract_ticket_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if not _answering(tracker, "ticket_phone") or self._handled(tracker):
            return {}
        text = intake.clean(text_of(tracker))
        phone = intake.phone_in(text)
        if phone:
            return {"ticket_phone": phone}
        landline = intake.landline_in(text)
        if landline:  # "只有座机 0826-2123456": kept where the handler reads it, and said so
            dispatcher.utter_message(text=replies.LANDLINE_NOTED.format(number=landline))
            description = tracker.get_slot("ticket_description") or ""
            return {"ticket_phone": intake.NONE_VALUE,
                    "ticket_description": intake.told_more(description, replies.LANDLINE_IN_DESCRIPTION.format(number=landline))}
        if intake.refuses(text, "phone", asked=True):
            return {"ticket_phone": intake.NONE_VALUE}
        if self._corrects_place(text, tracker):  # "是东门 不是西门": the place corrected, nothing else said
            return {"ticket_phone": None}
        if place_in(text) or intake.name_in(text):  # "我是白果村4组的": a place or name given instead is noted
            # "我们村的村医小何…送我到镇上医院", "我这个月的养老金还莫到账 … 我是龙台镇的": a story that names a
            # place is more of the matter too
            rest = without_places(text)
            story = _long_story(rest) or says_something_is_wrong(rest) \
                and intake.meaningful_length(rest) >= STATEMENT_MIN_CHARS
            more = self._told_instead(text, tracker) if story else None
            if more:
                dispatcher.utter_message(text=replies.STORY_NOTED)
                return {"ticket_phone": None, "ticket_description": more}
            return {"ticket_phone": None}
        crisis = tracker.get_slot("ticket_emergency") == "self_harm"
        more = self._told_instead(text, tracker)
        if more and not crisis:  # "我就是要他赔 今年一季都白种了": what the citizen wants joins the matter
            dispatcher.utter_message(text=replies.STORY_NOTED)
            return {"ticket_phone": None, "ticket_description": more}
        if not re.search(r"\d", text):  # no digits at all: no format error, the question in plain words
            dispatcher.utter_message(text=replies.SELF_HARM_FOLLOW_UP if crisis
                                     else replies.plain_question("ticket_phone"))
            return {"ticket_phone": None, "ticket_description": more} if more else {"ticket_phone": None}
        return {"ticket_phone": text}

    async def extract_ticket_name(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if not _answering(tracker, "ticket_name") or self._handled(tracker):
            return {}
        text = intake.clean(text_of(tracker))
        if intake.refuses(text, "name", asked=True) or intake.name_indifferent(text):
            return {"ticket_name": intake.NONE_VALUE}
        if intake.is_payload(text):
            return {"ticket_name": None}
        if self._corrects_place(text, tracker):
            return {"ticket_name": None}
        name = intake.name_answer(text)
        more = self._told_instead(text, tracker) if name is None and not intake.phone_in(text) else None
        if more:  # "你们一定要给他们公司说一哈 这种好人要表扬": more of the matter, not a name
            dispatcher.utter_message(text=replies.STORY_NOTED)
            return {"ticket_name": None, "ticket_description": more}
        if name is None and not (place_in(text) or intake.phone_in(text)):  # a name must look like a name
            if hinted(tracker, replies.NAME_HINT):  # missed twice: go on without a name, never a third time
                dispatcher.utter_message(text=replies.NAME_LEFT_OUT)
                return {"ticket_name": intake.NONE_VALUE}
            dispatcher.utter_message(text=replies.NAME_HINT, buttons=[replies.DECLINE_BUTTON])
        return {"ticket_name": name}

    async def extract_ticket_confirm(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if not _answering(tracker, "ticket_confirm") or self._handled(tracker):
            return {}
        text, intent = text_of(tracker), intent_of(tracker)
        if intent == "goodbye":
            return {"ticket_confirm": CANCEL}
        if tracker.get_slot("ticket_edit") == CHOOSE:
            field = intake.edit_field(text, await self.required_slots([], dispatcher, tracker, domain))
            if field:  # ask that question again, then show the summary again
                return {field: None, "ticket_edit": None, "ticket_confirm": None}
        choice = intake.confirm_choice(text, intent)
        if choice == "edit" and intake.is_correction(text) and (intake.phone_in(text) or intake.name_in(text)
                                                                 or "ticket_location" in self._volunteered(text, tracker, "ticket_confirm")):
            # "电话说错了 是13547296516", "地址写错了 是5栋": the new value is taken (_volunteered) and the
            # summary shown again — no "要修改哪一项" for what the message already says
            return {"ticket_confirm": None, "ticket_edit": None}
        if choice == "edit":
            return {"ticket_confirm": None, "ticket_edit": CHOOSE}
        more = self._more_story(intake.clean(text), tracker, at_summary=True) if choice is None else None
        if more:  # "还有 里面关过人 物业说没钱修": added, and the summary is shown again
            dispatcher.utter_message(text=replies.STORY_NOTED)
            return {"ticket_confirm": None, "ticket_edit": None, "ticket_description": more}
        return {"ticket_confirm": choice, "ticket_edit": None}

    # -- validation ----------------------------------------------------------------------------
    def validate_ticket_description(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: Dict[Text, Any]) -> Dict[Text, Any]:
        text = intake.clean(value if isinstance(value, str) else "")
        if intake.meaningful_length(text) < 2:
            if value is not None:
                dispatcher.utter_message(text=replies.DESCRIPTION_TOO_SHORT)
            return {"ticket_description": None}
        return {"ticket_description": text[:intake.MAX_DESCRIPTION_CHARS]}

    def validate_ticket_phone(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if value is None:
            return {"ticket_phone": None}
        if value == intake.NONE_VALUE:  # anonymous: accepted, with what it means said once
            if not intake.phone_optional(_category(tracker)) and not intake.landline_in(text_of(tracker)):
                dispatcher.utter_message(text=replies.ANONYMOUS)
            return {"ticket_phone": intake.NONE_VALUE}
        if isinstance(value, str) and is_valid_mobile(value):
            return {"ticket_phone": normalize_phone(value)}
        dispatcher.utter_message(text=replies.PHONE_INVALID)
        return {"ticket_phone": None}

    def validate_ticket_name(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: Dict[Text, Any]) -> Dict[Text, Any]:
        if value is None or value == intake.NONE_VALUE:
            return {"ticket_name": value}
        if not isinstance(value, str) or len(value.strip()) > intake.MAX_NAME_CHARS:
            dispatcher.utter_message(text=replies.NAME_INVALID)
            return {"ticket_name": None}
        return {"ticket_name": value.strip()}


class ActionAskTicketLocation(Action):
    """Where the matter is; for praise, which unit the praised one works at."""

    def name(self) -> Text:
        return "action_ask_ticket_location"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        question = replies.location_question(_category(tracker))
        if question:
            dispatcher.utter_message(text=question, buttons=[replies.SKIP_BUTTON, replies.CANCEL_BUTTON])
        else:
            dispatcher.utter_message(response="utter_ask_ticket_location")
        return []


class ActionAskTicketPhone(Action):
    def name(self) -> Text:
        return "action_ask_ticket_phone"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        dispatcher.utter_message(text=replies.ask_phone(intake.phone_optional(_category(tracker))),
                                 buttons=[replies.DECLINE_BUTTON, replies.CANCEL_BUTTON])
        return []


class ActionAskTicketConfirm(Action):
    """The summary with 确认提交 / 修改 / 取消, or — after 修改 — which part to change."""

    def name(self) -> Text:
        return "action_ask_ticket_confirm"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        category = _category(tracker)
        ask_location = needs_location(category, tracker.get_slot("ticket_emergency"),
                                             tracker.get_slot("ticket_description"))
        if tracker.get_slot("ticket_edit") == CHOOSE:
            labels = [label for slot, label, _w in intake.EDIT_FIELDS if slot != "ticket_location" or ask_location]
            dispatcher.utter_message(text=replies.WHICH_TO_EDIT, buttons=replies.edit_buttons(labels))
            return []
        dispatcher.utter_message(
            text=intake.summary_text(tracker.get_slot("ticket_description") or "", tracker.get_slot("ticket_location"),
                                     tracker.get_slot("ticket_phone"), tracker.get_slot("ticket_name"),
                                     category, ask_location),
            buttons=[replies.CONFIRM_BUTTON, intake.PUBLISH_BUTTON, replies.EDIT_BUTTON, replies.DENY_BUTTON])
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
        asked = tracker.get_slot("ticket_confirm")
        if asked in (QUESTION, QUESTION_OFFER) and tracker.latest_action_name != "action_listen":
            events, interview = await respond(dispatcher, tracker, tracker.get_slot("ticket_followup"))
            if interview is not None:  # the materials question starts the situation interview
                return _reset() + events + [SlotSet("situation_answer", None), FollowupAction("situation_form")]
            if asked == QUESTION_OFFER:
                dispatcher.utter_message(text=replies.OFFER_TO_REGISTER, buttons=[replies.REGISTER_BUTTON])
            return _reset() + events
        if tracker.latest_action_name == "action_listen":  # a yes/no right after this action
            if tracker.get_slot("ticket_edit") != RETRY or not description:
                dispatcher.utter_message(response="utter_affirm_ack" if intent_of(tracker) == "affirm"
                                         else "utter_deny_ack")
                return []
            if intent_of(tracker) != "affirm":
                dispatcher.utter_message(text=replies.CANCELLED)
                return _reset()
        elif tracker.get_slot("ticket_confirm") not in ("yes", "public") or not description:
            if description:  # even on "再见": the matter told was not registered, and is said so
                dispatcher.utter_message(text=replies.CANCELLED)
            if intent_of(tracker) == "goodbye" or intake.says_goodbye(text_of(tracker)):
                dispatcher.utter_message(response="utter_goodbye")
            elif not description:
                dispatcher.utter_message(text=replies.CANCELLED)
            followup = tracker.get_slot("ticket_followup")
            if followup and (intake.is_question(followup) or names_a_service(followup)):
                # "算了，我先问问结婚登记": the question after the cancel is answered ("算了 说了也没得用
                # 不弄了" asks nothing)
                reply = await asyncio.get_running_loop().run_in_executor(None, lambda: compose(followup))
                dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
            return _reset()
        data = {
            "description": intake.with_terms_meant(description),  # "滴保（低保）": as the summary showed it
            "location": _value(tracker.get_slot("ticket_location")),
            "contact_phone": _value(tracker.get_slot("ticket_phone")),
            "contact_name": _value(tracker.get_slot("ticket_name")),
            "channel": (tracker.get_latest_input_channel() or "chat")[:32],
            "conversation_id": tracker.sender_id,
            "transcript": intake.transcript_from_events(tracker.events),
            "intent": tracker.get_slot("ticket_intent"),
            "publish_consent": tracker.get_slot("ticket_confirm") == "public",  # asked at the summary
        }
        # Whenever the matter is a danger (said first or later), the ticket is urgent and goes straight
        # to the department that acts on it; thanks for a rescue are not.
        emergency = emergency_in(description) if tracker.get_slot("ticket_intent") != "praise" else None
        if emergency is not None:
            data["urgent"] = True
            if emergency.routes or not await _router_sure(description, data["location"]):
                data["department"] = emergency.department
                # the handler sees the danger first ("线吊下来" is 电线断落); the router never reads it
                data["description"] = replies.with_emergency_label(data["description"], emergency.label)
        case = tracker.get_slot(CASE_SLOT)
        if emergency is None and isinstance(case, dict) and intake.carries_case(description, case.get("text")) \
                and await is_active_department(case.get("department")):
            data["department"] = case["department"]  # the case's own department (disclosure: the competent office)
        try:
            ticket = await create_ticket(data)
        except TicketError as exc:
            if not isinstance(exc, Unavailable):
                logger.warning("ticket submission refused: %s", mask_text(exc.message))
                dispatcher.utter_message(text=replies.REFUSED.format(reason=exc.message))
                return _reset()
            logger.error("ticket submission failed: database unavailable")
            return self._failed(dispatcher, tracker)
        except Exception:
            logger.exception("ticket submission failed")
            return self._failed(dispatcher, tracker)
        dispatcher.utter_message(text=intake.created_text(ticket))
        return _reset() + [SlotSet("last_ticket_no", ticket["ticket_no"])]

    @staticmethod
    def _failed(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict]:
        dispatcher.utter_message(text=replies.SUBMIT_FAILED, buttons=[replies.CONFIRM_BUTTON, replies.DENY_BUTTON])
        # the citizen's answer (with or without consent to publication) is kept for the retry
        return [SlotSet("ticket_confirm", tracker.get_slot("ticket_confirm") or "yes"), SlotSet("ticket_edit", RETRY)]


async def _router_sure(description: str, location: Optional[str] = None) -> bool:
    """Whether the router would dispatch the matter by itself (an injury keeps its cause's department,
    "路灯坏了好几个人摔了"; when the cause is unclear, the emergency's department takes it)."""
    from bot.tickets.routing import get_router, suggest_for
    from bot.tickets.service import AUTO_DISPATCH_MIN_SCORE

    try:
        ranked = await asyncio.get_running_loop().run_in_executor(
            None, lambda: suggest_for(get_router(), description, location, k=1))
    except Exception:
        logger.exception("routing for an emergency ticket failed")
        return False
    return bool(ranked) and ranked[0].score >= AUTO_DISPATCH_MIN_SCORE


class ActionTicketUnresolved(Action):
    """"没解决" after an answer: apologise and set ticket_unresolved, on which a rule starts the ticket
    form; a plain "no" is acknowledged."""

    def name(self) -> Text:
        return "action_ticket_unresolved"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        if intake.is_unresolved(text_of(tracker)) or intent_of(tracker) == "complain":
            await _rate_last_answer_down(tracker)
            dispatcher.utter_message(text=replies.UNRESOLVED)
            return [SlotSet("ticket_unresolved", True)]
        dispatcher.utter_message(response="utter_deny_ack")
        return [SlotSet("ticket_unresolved", False)]


async def _rate_last_answer_down(tracker: Tracker) -> None:
    """"没解决" (any channel, WeChat included) is a 👎 on the answer before it (bot.feedback): it
    joins the admins' review queue. Never costs the citizen the conversation."""
    from bot.feedback.service import record

    answer, answer_at, question, context = None, None, None, []
    for event in reversed(tracker.events[:-1] if tracker.events else []):
        if event.get("event") == "bot" and event.get("text") and answer is None:
            answer, answer_at = event["text"], str(event.get("timestamp") or "")
        elif event.get("event") == "user" and answer is not None:
            question = question or event.get("text")
            context.insert(0, {"from": "user", "text": event.get("text") or ""})
            if len(context) >= 3:
                break
    if not answer:
        return
    try:
        await record({"conversation_id": tracker.sender_id, "rating": "down", "answer": answer,
                      "answer_at": answer_at or None, "question": question,
                      "context": context, "channel": (tracker.get_latest_input_channel() or "chat")[:32]})
    except Exception as exc:  # a short test sender id, the database away: the chat goes on
        logger.warning("answer rating not recorded", extra={"error": type(exc).__name__})


class ActionUrgeTicket(Action):
    """"帮我催一下": an urge recorded on the ticket of this conversation (registered or verified here);
    without one, how to get there."""

    def name(self) -> Text:
        return "action_urge_ticket"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        case = tracker.get_slot(CASE_SLOT)
        if previous_action(tracker) in CASE_ANSWERS and isinstance(case, dict) and case.get("kind") == "application":
            # "超了这么久了 帮我催一下" right after the status of an application: that application is urged
            await urge_case(dispatcher, tracker, "application", case.get("number") or "")
            return []
        number = tracker.get_slot("last_ticket_no")
        if not number:
            dispatcher.utter_message(text=replies.URGE_NEEDS_NUMBER)
            return []
        try:
            ticket = await urge_ticket(number)
        except Exception:
            logger.exception("urge not recorded")
            dispatcher.utter_message(text=replies.URGE_FAILED)
            return []
        dispatcher.utter_message(text=replies.urged(ticket, number))
        return []
