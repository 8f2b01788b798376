"""Dialogue vocabulary shared by actions and consoles: Chinese labels of the intents, and the
fallback's "did you mean" question built from them."""
from __future__ import annotations

INTENT_LABELS = {
    "greet": "打招呼",
    "goodbye": "再见",
    "thank": "致谢",
    "affirm": "确认",
    "deny": "否定",
    "bot_challenge": "询问机器人身份",
    "ask_procedure": "办事指南咨询",
    "query_application_status": "办件进度查询",
    "query_disclosure": "政务公开信息查询",
    "apply_disclosure": "依申请公开",
    "query_ticket_status": "诉求工单进度查询",
    "complain": "投诉",
    "report": "举报",
    "suggest": "建议",
    "seek_help": "求助",
    "praise": "表扬",
    "request_human": "转人工服务",
    "urge_ticket": "催办",
    "unsubscribe_notices": "退订办件进度通知",
    "resubscribe_notices": "恢复办件进度通知",
    "out_of_scope": "其他问题",
    "inform": "提供信息",
}


def intent_label(intent: str | None) -> str:
    return INTENT_LABELS.get(intent or "", "其他问题")


def affirmation(intent: str) -> tuple[str, list[dict]]:
    """The first stage of the two-stage fallback for a guessed intent: "您是想……吗？" with 是的/不是."""
    return (f"您是想{intent_label(intent)}吗？",
            [{"title": "是的", "payload": f"/{intent}"}, {"title": "不是", "payload": "/out_of_scope"}])
