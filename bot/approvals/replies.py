"""Chinese answers about an application's status (shown only after verification)."""
from __future__ import annotations

from bot.approvals.departments import department_phone
from bot.approvals.status import ApplicationStatus
from bot.calendar import format_cn_date
from bot.replies import HOTLINE, HOTLINE_NAME


def case_context(s: ApplicationStatus) -> dict:
    """The case in one line and its department, for a ticket the applicant files right after the
    lookup ("都超期了 我要投诉")."""
    f = s.facts
    late = "，已超过承诺时限" if s.overdue else ""
    return {"text": f"办件 {f.application_no}（{f.item_name}，{f.department}），当前环节：{s.current_stage}{late}",
            "department": f.department, "kind": "application", "number": f.application_no, "item": f.item_name}


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
    lines.append(f"如有疑问，请联系{f.department}：{phone}" if phone != HOTLINE
                 else f"如有疑问，请拨打{HOTLINE_NAME}转{f.department}。")
    return "\n".join(lines)
