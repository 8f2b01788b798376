"""退订 / 恢复通知 of the stage notices (全程告知) said in chat: thin adapters over
bot.supervision.service (docs/supervision.md)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.supervision import replies, service

logger = logging.getLogger(__name__)


def _phone(tracker: Tracker):
    return next(iter(tracker.get_latest_entity_values("phone")), None)


class _NoticeChoice:
    """Runs ``service.<change>(sender, phone typed)`` and answers with ``replies.<reply>`` (a mixin:
    not an Action itself, so the action server does not register it)."""
    action_name, change, reply = "", "", ""

    def name(self) -> Text:
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict]:
        try:
            done = await getattr(service, self.change)(tracker.sender_id, _phone(tracker))
        except Exception:
            logger.exception("%s in chat failed", self.change)
            dispatcher.utter_message(text=replies.FAILED)
            return []
        dispatcher.utter_message(text=getattr(replies, self.reply)(done.applications, done.phone, done.changed))
        return []


class ActionOptOutNotices(_NoticeChoice, Action):
    action_name, change, reply = "action_opt_out_notices", "opt_out_chat", "opted_out"


class ActionResubscribeNotices(_NoticeChoice, Action):
    action_name, change, reply = "action_resubscribe_notices", "opt_in_chat", "opted_in"
