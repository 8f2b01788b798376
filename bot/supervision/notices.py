"""全程告知: the text the applicant receives when their application reaches a stage, and who
receives it (the channel they use, else SMS to the applicant's phone). Pure functions."""
from __future__ import annotations

import hashlib
from typing import Optional

from bot.approvals.status import ApplicationStatus, StageEvent
from bot.calendar import format_cn_date
from bot.imports.fields import as_utc, local_date
from bot.supervision.policy import SupervisionPolicy

CHAT_CHANNELS = ("wechat", "miniprogram", "socketio")


def dedupe_key(event: StageEvent) -> str:
    """One notice per stage; 补正 can happen more than once, so its key carries the moment."""
    if event.stage == "补正":
        return f"stage:补正@{as_utc(event.at).strftime('%Y%m%dT%H%M%S')}"
    return f"stage:{event.stage}"


def recipient(notify_channel: Optional[str], notify_to: Optional[str], phone: str) -> tuple[str, str]:
    """(channel, address): the applicant's chat channel when the source system gave one, else SMS."""
    if notify_channel in CHAT_CHANNELS and notify_to:
        return notify_channel, notify_to
    return "sms", phone


def recipient_hash(address: str) -> str:
    return hashlib.sha256(address.strip().encode("utf-8")).hexdigest()


def stage_text(event: StageEvent, status: ApplicationStatus, policy: SupervisionPolicy, total_limit: int) -> str:
    f = status.facts
    head = f"您申请的“{f.item_name}”（办件编号{f.application_no}）"
    day = format_cn_date(local_date(event.at))
    promised = format_cn_date(status.promised_date)
    stage = event.stage
    if stage == "受理":
        body = (f"已于{day}受理，由{f.department}办理，承诺{total_limit}个工作日内办结，预计{promised}前办结。"
                "下一步：部门审查您的材料。")
    elif stage == "补正":
        missing = event.note or "请联系受理窗口了解需补正的材料"
        body = (f"需要补正材料（{day}）：{missing}。补正期间不计入办理时限，材料补齐后继续办理。"
                f"请尽快向{f.department}提交。")
    elif stage in ("承办", "审核"):
        body = f"已于{day}进入{stage}环节，正在办理中，预计{promised}前办结。"
    elif stage in ("批准", "办结"):
        body = f"已于{day}{'批准' if stage == '批准' else '办结'}。{policy.notices.collect}"
    elif stage == "不予受理":
        reason = event.note or "详见不予受理决定书"
        body = f"于{day}决定不予受理，原因：{reason}。如有疑问，可咨询{f.department}或拨打12345热线。"
    else:
        body = f"已于{day}进入{stage}环节。"
    return head + body + policy.notices.footer


NEXT_STEP = {"受理": "部门审查材料", "补正": "请补正材料", "承办": "正在办理", "审核": "正在审核",
             "批准": "请领取办理结果", "办结": "请领取办理结果", "不予受理": "可咨询受理部门"}


def stage_fields(event: StageEvent, status: ApplicationStatus, total_limit: int) -> dict:
    """The notice's values for a WeChat template (keys: policy.NOTICE_FIELDS); stored with the
    notice so a template can be filled at any later try."""
    f = status.facts
    next_step = NEXT_STEP.get(event.stage, "正在办理")
    if event.stage == "补正" and event.note:
        next_step = f"请补正：{event.note}"
    elif event.stage == "不予受理" and event.note:
        next_step = f"原因：{event.note}"
    return {"application_no": f.application_no, "item": f.item_name, "stage": event.stage,
            "date": format_cn_date(local_date(event.at)), "next": next_step, "department": f.department,
            "promised": format_cn_date(status.promised_date) if status.promised_date else ""}


# WeChat's length limits per template key type (subscription-message rules; template messages
# accept more, these keep both readable). Longer values are cut with "…".
_LIMITS = (("character_string", 32), ("phrase", 5), ("thing", 20), ("name", 10))


def template_data(keys: dict, fields: dict) -> dict:
    """``{key: {"value": ...}}`` for a template whose data keys are ``keys`` (key → field name)."""
    data = {}
    for key, name in keys.items():
        value = str(fields.get(name) or "")
        limit = next((n for prefix, n in _LIMITS if key.startswith(prefix)), 200)
        if len(value) > limit:
            value = value[:limit - 1] + "…"
        data[key] = {"value": value}
    return data
