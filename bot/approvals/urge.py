"""催办 of an application, asked for by its verified applicant ("都超过时间了 帮我催一下"): a ticket
to the application's own department that says which case, since when and how late it is, with the
applicant's registered phone as its contact. The ticket then runs its course like any other (time
limits, notices, 电子监察), so the urge is tracked rather than only noted."""
from __future__ import annotations

from typing import Optional

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot.approvals.models import Application
from bot.approvals.queries import facts_of
from bot.approvals.status import compute_status
from bot.calendar import format_cn_date, local_today
from bot.db import session_scope
from bot.imports.fields import local_date
from bot.tickets.service import create_ticket, is_active_department


def urge_description(status) -> str:
    facts = status.facts
    late = (f"已超过承诺时限（{facts.promised_working_days}个工作日）" if status.overdue
            else f"承诺时限{facts.promised_working_days}个工作日，承诺办结日期{format_cn_date(status.promised_date)}")
    return (f"申请人催办：办件 {facts.application_no}（{facts.item_name}），"
            f"{format_cn_date(local_date(facts.submitted_at))}提交，当前环节：{status.current_stage}，"
            f"已用时{status.working_days_used}个工作日，{late}，请{facts.department}加快办理并答复申请人。")


async def urge_application(application_no: str, conversation_id: Optional[str] = None,
                           channel: str = "chat", url: Optional[str] = None) -> Optional[dict]:
    """The 催办 ticket of an application whose applicant has been verified, or None when there is
    nothing to urge (unknown or finished)."""
    async with session_scope(url) as session:
        app = (await session.execute(select(Application).options(selectinload(Application.events))
                                     .where(Application.application_no == application_no))).scalars().first()
        if app is None:
            return None
        status = compute_status(facts_of(app), local_today())
        phone, name = app.applicant_phone, app.applicant_name
    if status.finished:
        return None
    data = {"description": urge_description(status), "category": "投诉" if status.overdue else "求助",
            "contact_phone": phone, "contact_name": name, "conversation_id": conversation_id, "channel": channel}
    # the approval system's department name, when it is also one tickets go to; else routing decides
    if await is_active_department(status.facts.department, url=url):
        data["department"] = status.facts.department
    return await create_ticket(data, url=url, link=False)
