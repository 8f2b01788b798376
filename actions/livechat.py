"""Live chat hand-off (docs/console.md).

action_request_human: in the live-chat service hours, puts the conversation in the agents' queue
(bot.livechat) and tells the citizen an agent is coming; outside them, says when agents are there
and offers 12345 and leaving a message.
The agents' replies reach the citizen from the web service, by bot.delivery (bot.livechat.service).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.livechat import service

logger = logging.getLogger(__name__)

CONNECTING = "正在为您转接人工客服，请稍候。您可以先把要咨询或反映的问题发给我，客服接入后会直接看到。"
CLOSED = ("现在不是人工客服在线时间（{hours}）。您可以继续向我咨询，或拨打12345政务服务便民热线（24小时）；"
          "也可以说“我要反映问题”留言，工作人员会尽快联系您。")
OUT_OF_HOURS = "人工客服的在线时间是{hours}，现在不在这个时间内；12345政务服务便民热线24小时有人接听。"
NO_LIVE_CHAT = "在线人工客服暂未开通；12345政务服务便民热线24小时有人接听。"
BUSY = "抱歉，人工客服暂时无法接入，请稍后再试，或拨打12345政务服务便民热线。"


class ActionCheckAgents(Action):
    """Sets agent_available: in the live-chat hours a request for a human goes to the agents'
    queue (action_request_human); outside them it becomes a ticket (ticket_form). Rules branch on it."""

    def name(self) -> Text:
        return "action_check_agents"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        available = service.in_service()
        if not available:  # when people are back, before the call-back ticket is offered
            hours = service.hours_text()
            dispatcher.utter_message(text=NO_LIVE_CHAT if hours == "暂未开通" else OUT_OF_HOURS.format(hours=hours))
        return [SlotSet("agent_available", available)]


class ActionRequestHuman(Action):
    def name(self) -> Text:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        if not service.in_service():
            dispatcher.utter_message(text=CLOSED.format(hours=service.hours_text()))
            return []
        texts = [e.get("text") for e in tracker.events if e.get("event") == "user" and e.get("text")]
        last = next((t for t in reversed(texts) if not t.startswith("/")), None)
        try:
            await service.request_handoff(tracker.sender_id, tracker.get_latest_input_channel(), last)
        except Exception:
            logger.exception("live chat hand-off not recorded")
            dispatcher.utter_message(text=BUSY)
            return []
        dispatcher.utter_message(text=CONNECTING)
        return []
