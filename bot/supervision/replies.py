"""Chinese answers to 退订 / 恢复通知 said in chat (actions/supervision.py)."""
from __future__ import annotations

from bot.privacy import mask_phone
from bot.replies import try_later

FAILED = try_later("暂时无法办理")
RESUBSCRIBE_HOW = "如需恢复，随时发送“恢复通知”即可（短信通知请发送“恢复通知”加申请时留的手机号）。"
STATUS_HOW = "退订后您仍可随时向我发送办件编号查询进度。"


def _covered(applications: list, phone) -> str:
    parts = []
    if applications:
        shown = "、".join(applications[:3]) + ("等" if len(applications) > 3 else "")
        parts.append(f"办件{shown}")
    if phone:
        parts.append(f"手机号{mask_phone(phone)}")
    return "和".join(parts)


def opted_out(applications: list, phone, changed: bool) -> str:
    if not applications and not phone:
        return ("没有找到与当前账号关联的办件通知。如果您是通过短信收到的办理进度通知，"
                "请发送“退订”加申请时留的手机号（例如：退订 138xxxxxxxx），我来为您退订；"
                "也可以拨打12345热线办理。")
    head = "好的，已为您退订" if changed else "您已经退订过了，"
    return (f"{head}{_covered(applications, phone)}的办理进度通知，今后不会再向您发送。"
            f"{STATUS_HOW}{RESUBSCRIBE_HOW}")


def opted_in(applications: list, phone, changed: bool) -> str:
    if not applications and not phone:
        return ("没有找到与当前账号关联的办件通知。如果您是通过短信接收通知的，请发送“恢复通知”"
                "加申请时留的手机号（例如：恢复通知 138xxxxxxxx）。")
    if not changed:
        return f"{_covered(applications, phone)}的办理进度通知一直是开启的，无需恢复。"
    return (f"好的，已为您恢复{_covered(applications, phone)}的办理进度通知，"
            "办件进入新环节时会通知您。如不想再收到，可随时发送“退订”。")
