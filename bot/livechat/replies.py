"""Chinese lines of the live-chat hand-off said in chat (actions/livechat.py)."""
from __future__ import annotations

from bot.replies import HOTLINE_NAME, try_later

HOURS_ALWAYS = "全天"          # hours_text() when there are no service hours
HOURS_NEVER = "暂未开通"       # hours_text() when live chat is switched off
HOURS = "工作日 {start}–{end}"

CONNECTING = "正在为您转接人工客服，请稍候。您可以先把要咨询或反映的问题发给我，客服接入后会直接看到。"
CLOSED = (f"现在不是人工客服在线时间（{{hours}}）。您可以继续向我咨询，或拨打{HOTLINE_NAME}（24小时）；"
          "也可以说“我要反映问题”留言，工作人员会尽快联系您。")
OUT_OF_HOURS = f"人工客服的在线时间是{{hours}}，现在不在这个时间内；{HOTLINE_NAME}24小时有人接听。"
NO_LIVE_CHAT = f"在线人工客服暂未开通；{HOTLINE_NAME}24小时有人接听。"
BUSY = try_later("人工客服暂时无法接入")
AGENT_PREFIX = "【人工客服】"   # before each agent's message, so the citizen knows a person wrote it


def closed(hours: str) -> str:
    """Said when a request for a human comes outside the hours (before the call-back ticket)."""
    return NO_LIVE_CHAT if hours == HOURS_NEVER else OUT_OF_HOURS.format(hours=hours)
