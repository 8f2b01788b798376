"""Reading the tracker the same way in every form: the latest intent and text, and whether the
latest user message is one the form has not read yet."""
from __future__ import annotations

from typing import Optional

from rasa_sdk import Tracker


def intent_of(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def text_of(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def fresh_message(tracker: Tracker, form: str) -> bool:
    """The form runs right after a user message (activation or an answer to its question), not when
    coming back after another action. Rasa calls the validation action on a copy of the tracker that
    ends with the form's own ActionExecuted."""
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "bot" or (kind == "action" and event.get("name") not in (
                form, "action_listen", "action_extract_slots")):
            return False
    return False


def hinted(tracker: Tracker, hint: str) -> bool:
    """Whether the bot's hint was among its replies to the citizen's previous message (a second miss
    must not get the same hint again)."""
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                return False
        elif users == 1 and event.get("event") == "bot" and event.get("text") == hint:
            return True
    return False


def previous_action(tracker: Tracker) -> Optional[str]:
    """The bot's last action before the latest user message."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            if seen_user:
                return None
            seen_user = True
        elif seen_user and event.get("event") == "action" and event.get("name") not in (
                "action_listen", "action_extract_slots", "action_session_start"):
            return event.get("name")
    return None
