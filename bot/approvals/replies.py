"""Chinese answers about an application's status (shown only after verification)."""
from __future__ import annotations

from bot.approvals.departments import department_phone
from bot.approvals.status import ApplicationStatus
from bot.calendar import format_cn_date

NEUTRAL = ("未能核验到与该编号和手机号后四位相符的办件。请核对受理编号（见受理通知书或短信）和申请时预留手机号的"
           "后四位后再试；如需帮助，请拨打12345政务服务便民热线。")
BAD_CODE = "请输入申请时预留手机号码的后4位数字，例如“1234”。"


def locked_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return (f"该编号的身份核验失败次数过多，为保护申请人信息，已暂停查询（约{minutes}分钟后可再试）。"
            "如需帮助，请携带身份证件到政务服务大厅窗口，或拨打12345政务服务便民热线。")


def status_message(s: ApplicationStatus) -> str:
    f = s.facts
    phone = department_phone(f.department)
    lines = [f"办件 {f.application_no} 的办理情况：",
             f"事项：{f.item_name}",
             f"承办部门：{f.department}"]
    stage = f"当前环节：{s.current_stage}（自{format_cn_date(s.stage_since)}起）"
    if s.paused:
        stage += "，正在等待补正材料，补正期间暂停计时"
    lines.append(stage)
    used = f"已用时：{s.working_days_used}个工作日（承诺时限{f.promised_working_days}个工作日"
    if s.paused_working_days:
        used += f"，补正期间{s.paused_working_days}个工作日不计入"
    lines.append(used + "）")
    if s.finished:
        lines.append(f"办理结果：{s.status_label}，于{format_cn_date(s.finished_on)}办结")
        lines.append("是否超期：" + ("超出承诺时限办结" if s.overdue else "在承诺时限内办结"))
    else:
        lines.append(f"承诺办结日期：{format_cn_date(s.promised_date)}"
                     + ("（如继续补正，将相应顺延）" if s.paused else ""))
        if s.overdue:
            lines.append(f"是否超期：已超期（超出承诺时限{s.working_days_used - f.promised_working_days}个工作日）")
        else:
            lines.append("是否超期：未超期")
    lines.append(f"如有疑问，请联系{f.department}：{phone}" if phone != "12345"
                 else f"如有疑问，请拨打12345政务服务便民热线转{f.department}。")
    return "\n".join(lines)
