"""Chinese answers of the disclosure features: catalog hits, how to apply, a request's status."""
from __future__ import annotations

from bot.calendar import format_cn_date
from bot.disclosure.queries import EntryHit
from bot.disclosure.status import COMPETENT_OFFICE, RequestStatus
from bot.disclosure.template import outcome_label

# The guide in knowledge/guides/ that answers follow-up questions about applying.
GUIDE_ID = "government-information-disclosure"
HOW_TO_APPLY = (
    "申请政府信息公开（依申请公开）的方式：\n"
    "1. 渠道：登录广安区人民政府门户网站“政府信息公开—依申请公开”在线提交；或以信函、传真方式向区政府办公室"
    "（政府信息公开工作机构）提出；也可到区政务服务中心窗口当面填写《政府信息公开申请表》。\n"
    "2. 申请内容（《政府信息公开条例》第二十九条）：申请人的姓名或者名称、身份证明、联系方式；申请公开的政府信息的"
    "名称、文号或者便于行政机关查询的其他特征性描述；申请公开的政府信息的形式要求，包括获取信息的方式、途径。\n"
    "3. 答复期限（第三十三条）：能够当场答复的当场答复；不能当场答复的，自收到申请之日起20个工作日内答复；"
    "需要延长的，经负责人同意并告知申请人，延长期限最长不超过20个工作日。\n"
    "4. 费用（第四十二条）：行政机关依申请提供政府信息，一般不收取费用；申请数量、频次明显超过合理范围的，"
    "可以收取信息处理费。\n"
    "已提交申请的，告诉我申请编号和申请时预留手机号的后四位，可查询办理进度和法定答复期限。"
)
NO_HITS = ("没有在主动公开目录中找到相关信息。您可以换个关键词（如文件标题、文号、类别或年份）再试，"
           "或访问广安区人民政府门户网站“政府信息公开”专栏；如未主动公开，可以申请政府信息公开。")


def hits_message(hits: list[EntryHit]) -> str:
    if not hits:
        return NO_HITS
    lines = [f"为您找到以下主动公开信息（{len(hits)}条）："]
    for i, hit in enumerate(hits, start=1):
        doc = f"（{hit.doc_no}）" if hit.doc_no else ""
        lines.append(f"{i}. {hit.title}{doc}，{hit.department}，{format_cn_date(hit.published_at)}发布\n   {hit.url}")
    return "\n".join(lines)


def case_context(s: RequestStatus) -> dict:
    """The request in one line and the office a complaint about it goes to, for a ticket the
    applicant files right after the lookup."""
    f = s.facts
    late = "，已超过法定答复期限" if s.open and s.overdue else ""
    return {"text": f"依申请公开 {f.request_no}（{f.subject}），{format_cn_date(s.received_on)}收到，"
                    f"法定答复期限{format_cn_date(s.deadline)}，当前状态：{s.status_label}{late}",
            "department": COMPETENT_OFFICE}


def request_status_message(s: RequestStatus) -> str:
    f = s.facts
    days = "40个工作日，已依法延长20个工作日" if f.extended else "20个工作日"
    lines = [f"依申请公开 {f.request_no} 的办理情况：",
             f"申请内容：{f.subject}",
             f"收到申请日期：{format_cn_date(s.received_on)}",
             f"当前状态：{s.status_label}",
             f"法定答复期限：{format_cn_date(s.deadline)}（自收到申请之日起{days}）"]
    if s.answered_on:
        lines.append(f"答复日期：{format_cn_date(s.answered_on)}")
        result = outcome_label(f.outcome, f.outcome_reason) if not s.open else None
        if result:
            lines.append(f"办理结果：{result}（详见书面答复）")
    if s.open and s.overdue:
        lines.append("该申请已超过法定答复期限。您可以拨打12345反映，或依法向上一级行政机关投诉、申请行政复议。")
    return "\n".join(lines)
