"""The 政府信息公开工作年度报告 of one year, drafted from the system's own records (docs/disclosure.md).

``build_report(year, department)`` reads the disclosure requests, the appeals, the catalog, the
approvals, tickets, live-chat hand-offs and Rasa's conversation store, and returns the figures of
every statutory table (bot.disclosure.template) with their cross-checks, the prompts for the
parts staff write, the warnings about incomplete data and the source of every figure. A figure the
system has no source for is None (shown blank, to be filled in by staff); a figure it has a source
for is a number, 0 when there is nothing to count — a year without data is a valid, zero-filled
report. Personal data (phones, names) never enters the report.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from pathlib import Path
from typing import Optional

from sqlalchemy import and_, func, not_, or_, select

from bot.approvals.models import Application, ApplicationEvent
from bot.db import session_scope, sync_engine
from bot.disclosure import drafts, template as t
from bot.disclosure.models import DisclosureAppeal, DisclosureEntry, DisclosureRequest
from bot.disclosure.status import RequestFacts, compute_request_status
from bot.imports.fields import local_date, local_tz
from bot.livechat.models import Handoff
from bot.settings import get_settings
from bot.tickets.models import Ticket

logger = logging.getLogger(__name__)

# What makes a conversation or a ticket a consultation about government information disclosure.
DISCLOSURE_INTENTS = ("query_disclosure", "apply_disclosure")
DISCLOSURE_WORDS = ("信息公开", "依申请公开", "政务公开", "公开申请")
CONSULTATION = "咨询"  # the ticket category of a question (a complaint about disclosure is not a consultation)
CLOSED = ("answered", "rejected")
# Approval stages that are the decision on an application (行政许可 本年处理决定数量).
DECISION_STAGES = ("批准", "办结", "不予受理")
# The alias in knowledge/departments.yml that names the body answering disclosure for the district
# (its report also counts the assistant's consultations, which belong to no other department).
OFFICE_ALIAS = "政府信息公开"

SOURCES = {
    "二.规章/行政规范性文件": "主动公开目录 disclosure_catalog：doc_type 为规章/行政规范性文件的条目；制发按 published_at，"
                           "废止按 repealed_at，现行有效为年末已发布且未废止",
    "二.行政许可": "办件库 approval_applications：本年作出决定（批准、办结、不予受理环节）的办件数",
    "二.行政处罚/行政强制/行政事业性收费": "系统无此数据，由工作人员填写",
    "三": "依申请公开 disclosure_requests：本年新收按 received_at，办理结果按 outcome/outcome_reason 与 answered_at，"
          "申请人类型按 applicant_kind",
    "四": "行政复议、行政诉讼 disclosure_appeals：按 kind、filed_at、result、concluded_at",
    "六.信息处理费": "disclosure_requests 的 fee_notified_at、fee_amount、fee_paid",
    "六.咨询": "智能助手：对话记录（Rasa events）中询问政务公开的会话；人工：转人工会话 livechat_handoffs 与内容涉及"
              "信息公开的咨询类工单 tickets",
}


@dataclass(frozen=True)
class Body:
    """The administrative body a report is for: its short name (filter on the data) and full name;
    ``known``: found in knowledge/departments.yml."""
    department: Optional[str]
    name: str
    is_office: bool
    known: bool = True


def resolve_body(department: Optional[str]) -> Body:
    """A department name or alias from knowledge/departments.yml → its canonical name and full name;
    None → every department together. An unknown name is kept as written."""
    from bot.knowledge.loader import KnowledgeError, load_departments

    try:
        departments = load_departments()
    except KnowledgeError:
        departments = {}
    office = next((d.name for d in departments.values() if OFFICE_ALIAS in d.aliases), None)
    if not department:
        return Body(None, "全部部门（汇总）", True)
    for d in departments.values():
        if department in (d.name, d.full_name, *d.aliases):
            return Body(d.name, d.full_name or d.name, d.name == office)
    return Body(department, department, False, known=False)


def _bounds(year: int) -> tuple[datetime, datetime]:
    tz = local_tz()
    lo = datetime.combine(date(year, 1, 1), time(0), tzinfo=tz).astimezone(timezone.utc)
    hi = datetime.combine(date(year + 1, 1, 1), time(0), tzinfo=tz).astimezone(timezone.utc)
    return lo, hi


def _money(cents: int) -> str:
    return f"{Decimal(cents) / 100:.2f}"


async def _requests(session, body: Body, year: int, warnings: list[str]):
    lo, hi = _bounds(year)
    finished_before = and_(DisclosureRequest.status.in_(CLOSED), DisclosureRequest.answered_at.is_not(None),
                           DisclosureRequest.answered_at < lo)  # NULL-safe: a closed row without a date stays
    query = select(DisclosureRequest).where(DisclosureRequest.received_at < hi, not_(finished_before))
    if body.department:
        query = query.where(DisclosureRequest.department == body.department)
    rows = (await session.execute(query.order_by(DisclosureRequest.received_at))).scalars().all()
    facts, no_kind, no_outcome, no_date, overdue = [], [], [], [], []
    start = date(year, 1, 1)
    for r in rows:
        received_on = local_date(r.received_at)
        closed = r.status in CLOSED
        decided_on = local_date(r.answered_at) if closed and r.answered_at is not None else None
        if closed and decided_on is None:
            decided_on = received_on
            no_date.append(r.request_no)
        if decided_on is not None and decided_on < start:
            continue
        if r.applicant_kind is None:
            no_kind.append(r.request_no)
        if closed and r.outcome is None and decided_on.year == year:
            no_outcome.append(r.request_no)
        facts.append(t.RequestFact(r.request_no, received_on, decided_on, r.applicant_kind, r.outcome,
                                   r.outcome_reason))
        status = compute_request_status(RequestFacts(r.request_no, r.subject, r.received_at, r.extended, r.status,
                                                     r.answered_at), date(year, 12, 31))
        if status.overdue and (decided_on is None or decided_on.year == year):
            overdue.append(r.request_no)
    if no_kind:
        warnings.append(f"{len(no_kind)}件申请未登记申请人类型（applicant_kind），暂计入“自然人”：{'、'.join(no_kind[:20])}")
    if no_outcome:
        warnings.append(f"{len(no_outcome)}件已办结申请未登记办理结果（outcome），暂计入“（六）其他处理 3.其他”："
                        f"{'、'.join(no_outcome[:20])}")
    if no_date:
        warnings.append(f"{len(no_date)}件已办结申请没有答复时间（answered_at），按收到日期计：{'、'.join(no_date[:20])}")
    return facts, rows, overdue


def _fees(rows, year: int) -> dict:
    notices = notified = paid = 0
    for r in rows:
        if r.fee_amount_cents is None or r.fee_notified_at is None or local_date(r.fee_notified_at).year != year:
            continue
        notices += 1
        notified += r.fee_amount_cents
        paid += r.fee_paid_cents or 0
    return {"notices": notices, "notified_yuan": _money(notified), "collected_yuan": _money(paid)}


async def _appeals(session, body: Body, year: int) -> dict:
    query = select(DisclosureAppeal).where(DisclosureAppeal.filed_at <= date(year, 12, 31))
    if body.department:
        query = query.where(DisclosureAppeal.department == body.department)
    rows = (await session.execute(query)).scalars().all()
    return t.table4([t.AppealFact(a.case_no, a.kind, a.filed_at, a.result, a.concluded_at) for a in rows], year)


async def _documents(session, body: Body, year: int, warnings: list[str]) -> tuple[dict, dict]:
    end = date(year, 12, 31)
    query = select(DisclosureEntry.category, DisclosureEntry.doc_type, DisclosureEntry.published_at,
                   DisclosureEntry.repealed_at).where(DisclosureEntry.published_at <= end)
    if body.department:
        query = query.where(DisclosureEntry.department == body.department)
    rows = (await session.execute(query)).all()
    docs = {kind: {"made": 0, "repealed": 0, "in_force": 0} for kind in t.DOC_TYPES}
    published: dict[str, int] = {}
    for category, doc_type, published_at, repealed_at in rows:
        if published_at.year == year:
            published[category] = published.get(category, 0) + 1
        if doc_type not in docs:
            continue
        docs[doc_type]["made"] += published_at.year == year
        docs[doc_type]["repealed"] += repealed_at is not None and repealed_at.year == year
        docs[doc_type]["in_force"] += repealed_at is None or repealed_at > end
    typed = (await session.execute(select(DisclosureEntry.id).where(DisclosureEntry.doc_type.is_not(None))
                                   .limit(1))).first()
    if typed is None:
        warnings.append("主动公开目录中没有标注文件类型（doc_type）的条目：规章、行政规范性文件的件数请核对后填写")
    return docs, dict(sorted(published.items(), key=lambda kv: -kv[1]))


async def _licensing(session, body: Body, year: int) -> int:
    lo, hi = _bounds(year)
    decided = (select(ApplicationEvent.application_id)
               .where(ApplicationEvent.stage.in_(DECISION_STAGES))
               .group_by(ApplicationEvent.application_id)
               .having(and_(func.max(ApplicationEvent.at) >= lo, func.max(ApplicationEvent.at) < hi)))
    query = select(Application.id).where(Application.status.in_(("approved", "rejected")),
                                         Application.id.in_(decided))
    if body.department:
        query = query.where(Application.department == body.department)
    return (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()


async def _staff_consultations(session, body: Body, year: int) -> tuple[int, list]:
    lo, hi = _bounds(year)
    words = or_(*[Ticket.description.like(f"%{w}%") for w in DISCLOSURE_WORDS])
    query = select(Ticket.id).where(Ticket.created_at >= lo, Ticket.created_at < hi, Ticket.category == CONSULTATION,
                                    words)
    if body.department:
        query = query.where(Ticket.department == body.department)
    tickets = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    handoffs = []
    if body.is_office:
        handoffs = (await session.execute(
            select(Handoff.conversation_id, Handoff.requested_at, Handoff.last_text, Handoff.agent)
            .where(Handoff.requested_at >= lo, Handoff.requested_at < hi))).all()
    return tickets, handoffs


def _assistant_days(year: int, tracker_url: Optional[str]) -> Optional[set]:
    """(conversation, local day) of every conversation of the year in which someone asked the
    assistant about disclosure; None when the conversation store cannot be read."""
    from sqlalchemy import bindparam, inspect, text

    from sqlalchemy.engine import make_url

    lo, hi = _bounds(year)
    url = tracker_url or get_settings().tracker_url
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and not (parsed.database and Path(parsed.database).is_file()):
            return None  # no conversations stored yet (reading must not create the file)
        engine = sync_engine(url)
    except Exception as exc:
        logger.warning("conversation store unusable for the report", extra={"cause": type(exc).__name__})
        return None
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("events"):
                return None
            stmt = text("SELECT sender_id, timestamp FROM events WHERE type_name = 'user' "
                        "AND intent_name IN :intents AND timestamp >= :lo AND timestamp < :hi"
                        ).bindparams(bindparam("intents", expanding=True))
            rows = conn.execute(stmt, {"intents": list(DISCLOSURE_INTENTS), "lo": lo.timestamp(),
                                       "hi": hi.timestamp()}).all()
    except Exception as exc:
        logger.warning("conversation store unreadable for the report", extra={"cause": type(exc).__name__})
        return None
    finally:
        engine.dispose()
    tz = local_tz()
    return {(sender, datetime.fromtimestamp(float(ts), tz).date()) for sender, ts in rows}


def _consultations(assistant: Optional[set], tickets: int, handoffs: list, body: Body) -> dict:
    """Consultations about disclosure: a conversation on a day is one consultation; it was handled
    by staff when it was handed over to a human that day, else by the assistant. Hand-offs from
    conversations the store does not show as about disclosure count when their last message is."""
    handed = set()
    other_handoffs = 0
    for conversation_id, requested_at, last_text, _agent in handoffs:
        key = (conversation_id, local_date(requested_at))
        if assistant is not None and key in assistant:
            handed.add(key)
        elif last_text and any(w in last_text for w in DISCLOSURE_WORDS):
            other_handoffs += 1
    if not body.is_office:
        return {"assistant": None, "staff": tickets, "staff_chat": None, "staff_tickets": tickets}
    by_assistant = None if assistant is None else len(assistant) - len(handed)
    chat = len(handed) + other_handoffs
    return {"assistant": by_assistant, "staff": chat + tickets, "staff_chat": chat, "staff_tickets": tickets}


def _prompts(year: int, body: Body, table3: dict, published: dict, overdue: list, fees: dict,
             consultations: dict, appeals: dict) -> dict:
    """Sentences with the figures, for the parts staff write (一, 五, 六)."""
    total_published = sum(published.values())
    kinds = "、".join(f"{k}{v}条" for k, v in list(published.items())[:6]) or "无"
    row = lambda key: table3[key][t.TOTAL]  # noqa: E731
    appeal_total = sum(appeals[k][t.TOTAL] for k, _ in t.APPEAL_KINDS)
    overall = [
        f"（一）主动公开。{year}年，{body.name}通过政府信息公开平台主动公开政府信息{total_published}条，其中{kinds}。",
        f"（二）依申请公开。全年新收政府信息公开申请{row(t.NEW)}件，上年结转{row(t.CARRIED_IN)}件，"
        f"本年办结{row(t.TOTAL)}件，结转下年度继续办理{row(t.CARRIED_OUT)}件。",
        "（三）政府信息管理。（请工作人员填写）",
        "（四）平台建设。（请工作人员填写）",
        f"（五）监督保障。因政府信息公开被申请行政复议、提起行政诉讼共{appeal_total}件。（请工作人员补充）",
    ]
    problems = [f"本年答复超过法定期限或至年末仍超期未答复的申请{len(overdue)}件"
                + (f"（{'、'.join(overdue[:10])}）" if overdue else "") + "。（请工作人员分析原因并写明改进措施）"]
    if consultations["assistant"] is not None:
        assistant = f"{consultations['assistant']}人次"
    else:
        assistant = "—（无对话记录）" if body.is_office else "—（计入政府信息公开工作机构的报告）"
    other = [
        f"依据《政府信息公开信息处理费管理办法》收取信息处理费的情况：本年发出收费通知{fees['notices']}件，"
        f"通知金额合计{fees['notified_yuan']}元，实际收取{fees['collected_yuan']}元。",
        f"政府信息公开咨询：智能助手解答{assistant}，工作人员解答{consultations['staff']}人次"
        f"（转人工会话{consultations['staff_chat'] if consultations['staff_chat'] is not None else '—'}人次，"
        f"工单{consultations['staff_tickets']}件）。",
        "本年度政务公开工作要点落实情况、人大代表建议和政协提案办理结果公开情况、年度工作创新情况等：（请工作人员填写）",
    ]
    return {"overall": overall, "problems": problems, "other": other}


async def build_report(year: int, department: Optional[str] = None, url: Optional[str] = None,
                       tracker_url: Optional[str] = None) -> dict:
    if not 2000 <= year <= 2100:
        raise ValueError("year 应为 2000–2100 之间的年份")
    body = resolve_body(department)
    warnings: list[str] = []
    if not body.known:
        warnings.append(f"部门“{body.department}”不在部门目录（knowledge/departments.yml）中：请核对名称，"
                        "数据按这一名称筛选")
    async with session_scope(url) as session:
        facts, rows, overdue = await _requests(session, body, year, warnings)
        documents, published = await _documents(session, body, year, warnings)
        licensing = await _licensing(session, body, year)
        appeals = await _appeals(session, body, year)
        tickets, handoffs = await _staff_consultations(session, body, year)
    assistant = await asyncio.to_thread(_assistant_days, year, tracker_url) if body.is_office else None
    if body.is_office and assistant is None:
        warnings.append("对话记录库不可用：智能助手解答的咨询人次空缺，请核对后填写")
    table3 = t.table3(facts, year)
    fees = _fees(rows, year)
    consultations = _consultations(assistant, tickets, handoffs, body)
    problems = t.check_table3(table3) + t.check_table4(appeals)
    report = {
        "year": year,
        "department": body.department,
        "body": body.name,
        "title": f"{body.name}{year}年政府信息公开工作年度报告",
        "template": t.TEMPLATE,
        "period": {"from": f"{year}-01-01", "to": f"{year}-12-31"},
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "active": {
            "documents": documents,
            "licensing": licensing,
            "punishment": None,
            "coercion": None,
            "admin_fees_wan_yuan": None,
            "published": published,
        },
        "requests": {
            "columns": [{"key": k, "label": label} for k, label in t.APPLICANT_KINDS] + [{"key": t.TOTAL, "label": "总计"}],
            "rows": [{"key": key, "label": label, "group": _group(key), "values": table3[key]}
                     for key, label in t.TABLE3_ROWS],
        },
        "appeals": {k: appeals[k] for k, _ in t.APPEAL_KINDS},
        "fees": fees,
        "consultations": consultations,
        "prompts": _prompts(year, body, table3, published, overdue, fees, consultations, appeals),
        "checks": {"ok": not problems, "problems": problems},
        "warnings": warnings,
        "sources": dict(SOURCES),
    }
    drafts.apply(report, await drafts.get_draft(year, body.department, url))
    return report


def _group(key: str) -> Optional[str]:
    outcome = key.split(".")[0]
    return next((label for code, label, reasons in t.OUTCOMES if code == outcome and reasons), None)


def table3_of(report: dict) -> dict[str, dict[str, int]]:
    """Table 三 back from a report's JSON (row key → column → count), e.g. to check it again."""
    return {row["key"]: dict(row["values"]) for row in report["requests"]["rows"]}
