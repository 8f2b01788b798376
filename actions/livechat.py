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

from bot.livechat import replies, service

logger = logging.getLogger(__name__)


class ActionCheckAgents(Action):
    """Sets agent_available: in the live-chat hours a request for a human goes to the agents'
    queue (action_request_human); outside them it becomes a ticket (ticket_form). Rules branch on it."""

    def name(self) -> Text:
        return "action_check_agents"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        available = service.in_service()
        if not available:  # when people are back, before the call-back ticket is offered
            dispatcher.utter_message(text=replies.closed(service.hours_text()))
        return [SlotSet("agent_available", available)]


class ActionRequestHuman(Action):
    def name(self) -> Text:
        return "action_request_human"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        if not service.in_service():
            dispatcher.utter_message(text=replies.CLOSED.format(hours=service.hours_text()))
            return []
        texts = [e.get("text") for e in tracker.events if e.get("event") == "user" and e.get("text")]
        last = next((t for t in reversed(texts) if not t.startswith("/")), None)
        try:
            await service.request_handoff(tracker.sender_id, tracker.get_latest_input_channel(), last)
        except Exception:
            logger.exception("live chat hand-off not recorded")
            dispatcher.utter_message(text=replies.BUSY)
            return []
        dispatcher.utter_message(text=replies.CONNECTING)
        return []
