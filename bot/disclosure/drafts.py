"""Staff review of the annual report (docs/disclosure.md): what staff write into a year's report —
the parts 一、五、六 and the figures the system has no source for — kept per year and department,
and merged into the report (JSON, Word, HTML) every time it is drafted.

A save carries the ``version`` it was based on (0 for a new draft); a stale version is refused
(``DraftError`` conflict) so two reviewers never overwrite each other silently. Every save is an
entry of the audit trail (bot.audit: who, which parts changed, the figures).
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Optional

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.audit import trail
from bot.db import session_scope
from bot.disclosure.models import ReportDraft

TEXTS = {"overall": "一、总体情况", "problems": "五、存在的主要问题及改进情况", "other": "六、其他需要报告的事项"}
COUNT_FIGURES = ("punishment", "coercion")        # 行政处罚, 行政强制 本年处理决定数量
MONEY_FIGURES = ("admin_fees_wan_yuan",)          # 行政事业性收费 本年收费金额（万元）
MAX_TEXT = 20000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class DraftError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _bad(message: str) -> DraftError:
    return DraftError(400, "invalid_draft", message)


def clean(body: dict) -> tuple[dict, dict, int]:
    """A PUT body → (texts, figures, version it was based on); DraftError 400 for anything else."""
    texts = {}
    for key, label in TEXTS.items():
        value = body.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            texts[key] = None
            continue
        if not isinstance(value, str):
            raise _bad(f"{key}（{label}）应为文字")
        if len(value) > MAX_TEXT or _CONTROL.search(value):
            raise _bad(f"{key}（{label}）最多{MAX_TEXT}字，且不能含控制字符")
        texts[key] = value.strip().replace("\r\n", "\n")
    raw = body.get("figures")
    raw = {} if raw is None else raw
    if not isinstance(raw, dict) or set(raw) - set(COUNT_FIGURES + MONEY_FIGURES):
        raise _bad("figures 只能包含 " + "、".join(COUNT_FIGURES + MONEY_FIGURES))
    figures: dict[str, object] = {}
    for key in COUNT_FIGURES:
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10 ** 9):
            raise _bad(f"figures.{key} 应为 0 到 10亿 的整数")
        figures[key] = value
    for key in MONEY_FIGURES:
        figures[key] = _money(key, raw.get(key))
    version = body.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise _bad("version 应为所依据草稿的版本号（新草稿为 0）")
    return texts, figures, version


def _money(key: str, value) -> Optional[str]:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _bad(f"figures.{key} 应为金额（万元）")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _bad(f"figures.{key} 不是有效金额") from None
    if not amount.is_finite() or not 0 <= amount <= 10 ** 9 or amount != amount.quantize(Decimal("0.0001")):
        raise _bad(f"figures.{key} 应为 0 到 10亿 万元、最多四位小数")
    return str(amount.normalize()) if amount != amount.to_integral() else str(int(amount))


def _as_json(row: Optional[ReportDraft], year: int, department: Optional[str]) -> dict:
    if row is None:
        return {"year": year, "department": department, "texts": {k: None for k in TEXTS},
                "figures": {k: None for k in COUNT_FIGURES + MONEY_FIGURES}, "updated_by": None,
                "updated_at": None, "version": 0}
    return {"year": row.year, "department": row.department or None, "texts": dict(row.texts),
            "figures": dict(row.figures), "updated_by": row.updated_by,
            "updated_at": row.updated_at.isoformat() if row.updated_at else None, "version": row.version}


async def get_draft(year: int, department: Optional[str], url: Optional[str] = None) -> dict:
    async with session_scope(url) as session:
        row = (await session.execute(select(ReportDraft).where(
            ReportDraft.year == year, ReportDraft.department == (department or "")))).scalar_one_or_none()
        return _as_json(row, year, department)


async def save_draft(year: int, department: Optional[str], body: dict, username: str,
                     url: Optional[str] = None) -> dict:
    texts, figures, version = clean(body)
    now = datetime.now(timezone.utc)
    stale = DraftError(409, "conflict", "草稿已被他人修改，请刷新后再保存")
    try:
        async with session_scope(url) as session:
            row = (await session.execute(select(ReportDraft).where(
                ReportDraft.year == year, ReportDraft.department == (department or "")).with_for_update()
            )).scalar_one_or_none()
            if (row.version if row else 0) != version:
                raise stale
            if row is None:
                row = ReportDraft(year=year, department=department or "", version=0)
                session.add(row)
            changed = [k for k in TEXTS if (row.texts or {}).get(k) != texts[k]]
            row.texts, row.figures, row.updated_by, row.updated_at = texts, figures, username, now
            row.version = version + 1
            await session.flush()
            # who wrote what into the statutory report, in the hash-chained trail (same transaction)
            await trail.append(session, actor=username, action="disclosure_report_draft",
                               object_type="disclosure_report", object_id=f"{year}:{department or '全部部门'}",
                               data={"version": row.version, "texts_changed": changed, "figures": figures}, at=now)
            return _as_json(row, year, department)
    except IntegrityError:  # two first saves at the same moment: the loser retries on fresh data
        raise stale from None


def apply(report: dict, draft: dict) -> None:
    """Merge a draft into a report: staff texts replace the prompts, staff figures fill the blanks
    (the system's own figures are never overwritten)."""
    report["draft"] = {k: draft[k] for k in ("texts", "figures", "updated_by", "updated_at", "version")}
    for key, text in draft["texts"].items():
        if text:
            report["prompts"][key] = [line for line in text.split("\n") if line.strip()]
    filled = []
    for key, value in draft["figures"].items():
        if value is not None and report["active"].get(key) is None:
            report["active"][key] = value
            filled.append(key)
    if filled:
        report["sources"]["二.工作人员填写"] = (f"{'、'.join(filled)} 由 {draft['updated_by']} 于 "
                                         f"{(draft['updated_at'] or '')[:10]} 填写")
