"""Bot messages rendered as plain text for text-only channels (WeChat): buttons become numbered
lines, and a user answering with a number is mapped back to that button's payload."""
from __future__ import annotations

import re
from typing import Iterable, Optional

from bot.rasa_server.channels.replies import IMAGE_LINE, MENU_HINT

_NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.。、]?\s*$")


def render_messages(messages: Iterable[dict]) -> tuple[str, list[str]]:
    """(text, payloads): the messages joined into one text, buttons as ``1. 标题`` lines, and
    the payloads of those buttons in order (what a number typed next stands for)."""
    parts: list[str] = []
    payloads: list[str] = []
    for message in messages:
        lines: list[str] = []
        text = (message.get("text") or "").strip()
        if text:
            lines.append(text)
        if message.get("image"):
            lines.append(IMAGE_LINE.format(url=message['image']))
        attachment = message.get("attachment")
        if isinstance(attachment, str) and attachment:
            lines.append(attachment)
        buttons = message.get("buttons") or message.get("quick_replies") or []
        numbered: list[str] = []
        links: list[str] = []
        for button in buttons:
            if not isinstance(button, dict):
                continue
            title = str(button.get("title") or "").strip()
            payload = str(button.get("payload") or button.get("url") or title).strip()
            if not title:
                continue
            if button.get("type") == "web_url" or payload.startswith(("http://", "https://")):
                links.append(f"{title}：{payload}")
                continue
            payloads.append(payload)
            numbered.append(f"{len(payloads)}. {title}")
        if numbered:
            lines.append(MENU_HINT)
            lines.extend(numbered)
        lines.extend(links)
        if lines:
            parts.append("\n".join(lines))
    return "\n\n".join(parts), payloads


def resolve_choice(text: str, payloads: Optional[list[str]]) -> Optional[str]:
    """The payload a typed number stands for, or None if ``text`` is not a valid choice."""
    if not payloads:
        return None
    match = _NUMBER.match(text or "")
    if not match:
        return None
    index = int(match.group(1))
    if 1 <= index <= len(payloads):
        return payloads[index - 1]
    return None
