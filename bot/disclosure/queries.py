"""Async reads of the disclosure catalog and requests (bound parameters only)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, or_, select, true

from bot.cases.lockout import Lockout
from bot.calendar import local_today
from bot.cases.numbers import normalize_case_no
from bot.cases.verify import NOT_VERIFIED, OK, Verified, verify_case
from bot.db import session_scope
from bot.disclosure.models import CATEGORIES, DisclosureEntry, DisclosureRequest
from bot.disclosure.status import RequestFacts, RequestStatus, compute_request_status

MAX_RESULTS = 5

_YEAR_RE = re.compile(r"(?<!\d)(20\d{2})(?:年|年度)?(?!\d)")
# Words that carry no search meaning in questions about disclosure.
_STOP = ("请问", "帮我", "我想", "想要", "想看", "查一下", "查询", "查看", "查找", "哪里", "在哪", "在哪里", "怎么",
         "如何", "有没有", "有吗", "公开", "信息", "政府", "广安区", "区里", "区政府", "最新", "最近", "文件",
         "的", "了", "吗", "呢", "看", "找", "查", "能", "一下", "是", "有", "在", "哪", "个", "些", "和", "与")
_CATEGORY_HINTS = {
    "预算": "财政预决算", "决算": "财政预决算", "三公": "财政预决算", "财政": "财政预决算",
    "统计": "统计信息", "公报": "统计信息", "规划": "规划计划", "计划": "规划计划",
    "招标": "招标采购", "采购": "招标采购", "中标": "招标采购", "任免": "人事信息", "招聘": "人事信息",
    "人事": "人事信息", "处罚": "行政处罚", "许可": "行政许可", "年报": "年度报告", "年度报告": "年度报告",
    "职能": "机构职能", "机构": "机构职能", "政策": "政策文件", "通知": "政策文件", "意见": "政策文件",
    "办法": "政策文件", "动态": "工作动态", "会议": "工作动态",
}


@dataclass(frozen=True)
class EntryHit:
    title: str
    doc_no: str | None
    department: str
    category: str
    published_at: date
    url: str


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[str, ...]
    year: int | None
    category: str | None


def parse_query(text: str) -> SearchQuery:
    """Year, category and the remaining search terms of a free-text question."""
    text = (text or "").strip()
    year = None
    m = _YEAR_RE.search(text)
    if m:
        year = int(m.group(1))
        text = text[:m.start()] + " " + text[m.end():]
    category = next((c for c in CATEGORIES if c in text), None)
    if category is None:
        category = next((c for hint, c in _CATEGORY_HINTS.items() if hint in text), None)
    for word in sorted(_STOP, key=len, reverse=True):
        text = text.replace(word, " ")
    terms = tuple(t for t in re.split(r"[\s，。？?！!、,.；;：:“”\"'（）()《》]+", text) if len(t) >= 2)
    return SearchQuery(terms[:6], year, category)


def _term_filter(term: str):
    pattern = f"%{term}%"
    return or_(DisclosureEntry.title.like(pattern), DisclosureEntry.doc_no.like(pattern),
               DisclosureEntry.department.like(pattern), DisclosureEntry.category.like(pattern),
               DisclosureEntry.summary.like(pattern))


def _sub_terms(term: str) -> list[str]:
    """A long Chinese phrase rarely matches verbatim: also try its 2-character pieces."""
    if len(term) <= 3:
        return [term]
    return [term[i:i + 2] for i in range(0, len(term) - 1)]


async def search_catalog(text: str, url: str | None = None, limit: int = MAX_RESULTS) -> list[EntryHit]:
    query = parse_query(text)
    filters = []
    if query.year is not None:
        # "2025年预算" is the budget for 2025 (published early that year or late the year before):
        # the year in the title counts as much as the publication year.
        filters.append(or_(
            DisclosureEntry.title.like(f"%{query.year}%"),
            and_(DisclosureEntry.published_at >= date(query.year, 1, 1),
                 DisclosureEntry.published_at < date(query.year + 1, 1, 1)),
        ))
    base = select(DisclosureEntry)
    order = (DisclosureEntry.published_at.desc(), DisclosureEntry.id)
    async with session_scope(url) as session:
        candidates = []
        # Most specific first: every term verbatim (+category), then the category alone, then pieces.
        attempts = []
        if query.terms:
            attempts.append(and_(*[_term_filter(t) for t in query.terms]))
        if query.category:
            attempts.append(DisclosureEntry.category == query.category)
        if query.terms:
            pieces = [p for t in query.terms for p in _sub_terms(t)]
            attempts.append(or_(*[_term_filter(p) for p in pieces]))
        if not attempts and query.year is not None:
            attempts.append(true())
        for condition in attempts:
            stmt = base.where(and_(condition, *filters)) if filters else base.where(condition)
            rows = (await session.execute(stmt.order_by(*order).limit(50))).scalars().all()
            if rows:
                candidates = rows
                break
        if query.terms and len(candidates) > 1:
            pieces = [p for t in query.terms for p in _sub_terms(t)]

            def score(row):
                hay = " ".join(filter(None, [row.title, row.doc_no, row.department, row.category, row.summary]))
                return sum(1 for p in pieces if p in hay)

            candidates = sorted(candidates, key=lambda r: (-score(r), -r.published_at.toordinal()))
        return [EntryHit(r.title, r.doc_no, r.department, r.category, r.published_at, r.url)
                for r in candidates[:limit]]


async def fetch_request(request_no: str, url: str | None = None) -> tuple[str, RequestFacts] | None:
    query = select(DisclosureRequest).where(DisclosureRequest.request_no == normalize_case_no(request_no))
    async with session_scope(url) as session:
        row = (await session.execute(query)).scalars().first()
        if row is None:
            return None
        return row.applicant_phone, RequestFacts(row.request_no, row.subject, row.received_at, row.extended,
                                                 row.status, row.answered_at, row.outcome, row.outcome_reason)


async def status_of_verified(request_no: str, url: str | None = None,
                             today: date | None = None) -> RequestStatus | None:
    """The status of a request whose requester bot.cases.verify has already verified."""
    found = await fetch_request(request_no, url)
    return None if found is None else compute_request_status(found[1], today or local_today())


async def request_status(request_no: str, digits: str, url: str | None = None,
                         lockout: Lockout | None = None, today: date | None = None) -> Verified:
    outcome = await verify_case(request_no, digits, url, lockout)
    if outcome.kind != OK:
        return outcome
    status = await status_of_verified(outcome.record.number, url, today)
    return Verified(OK, record=status) if status is not None else Verified(NOT_VERIFIED)
