"""`python -m bot import disclosures|disclosure-requests|disclosure-appeals FILE.jsonl`: the
proactive-disclosure catalog, disclosure requests and the 行政复议/行政诉讼 cases about them. One JSON
object per line (docs/approvals.md, docs/disclosure.md); upsert by id / request_no / case_no; all
valid rows in one transaction. POST /api/disclosure/requests and /api/disclosure/appeals
(bot.web.sync) push rows in the same format through import_request_objects / import_appeal_objects."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import func, select

from bot.imports import fields as f
from bot.imports.jsonl import (ImportResult, ParsedRow, RowError, decode_lines, import_objects, line_label,
                                 upsert_flat)
from bot.db import sync_engine
from bot.disclosure.models import REQUEST_STATUSES, DisclosureAppeal, DisclosureEntry, DisclosureRequest
from bot.disclosure.template import (APPEAL_KINDS, APPEAL_RESULTS, DOC_TYPES, KIND_CODES, OUTCOME_REASONS)

ENTRY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def parse_entry(row: dict) -> ParsedRow:
    raw_id = row.get("id")
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        raw_id = str(raw_id)
    entry_id = f.text({"id": raw_id}, "id", 32)
    if not ENTRY_ID_RE.match(entry_id):
        raise ValueError(f"id {entry_id!r} 格式无效（1–32 位字母、数字、下划线或连字符）")
    values = {
        "title": f.text(row, "title", 300),
        "doc_no": f.text(row, "doc_no", 100, required=False),
        "department": f.text(row, "department", 64),
        "category": f.text(row, "category", 16),
        "published_at": f.day(row, "published_at"),
        "url": f.url(row, "url"),
        "summary": f.text(row, "summary", 2000, required=False),
        "doc_type": f.choice(row, "doc_type", DOC_TYPES, required=False),
        "repealed_at": f.day(row, "repealed_at", required=False),
    }
    if values["repealed_at"] is not None and values["repealed_at"] < values["published_at"]:
        raise ValueError("repealed_at 早于 published_at")
    return ParsedRow(line=0, key=entry_id, values=values, content_hash=_hash(values, ("doc_type", "repealed_at")))


def _hash(values: dict, added: tuple[str, ...]) -> str:
    """Content hash of a row; fields added later count only when set, so a row imported before
    they existed, imported again unchanged, is still `unchanged`."""
    return f.content_hash({k: v for k, v in values.items() if k not in added or v is not None})


REPORT_FIELDS = ("department", "applicant_kind", "outcome", "outcome_reason", "fee_notified_at", "fee_amount_cents",
                 "fee_paid_cents")
CLOSED = ("answered", "rejected")


def parse_request(row: dict) -> ParsedRow:
    number = f.case_no(row, "request_no")
    values = {
        "subject": f.text(row, "subject", 500),
        "applicant_phone": f.phone(row, "applicant_phone"),
        "received_at": f.timestamp(row, "received_at"),
        "extended": f.boolean(row, "extended", default=False),
        "status": f.choice(row, "status", REQUEST_STATUSES),
        "answered_at": f.timestamp(row, "answered_at", required=False),
    }
    if values["answered_at"] is not None and values["answered_at"] < values["received_at"]:
        raise ValueError("answered_at 早于 received_at")
    values.update(_report_fields(row, values))
    return ParsedRow(line=0, key=number, values=values, content_hash=_hash(values, REPORT_FIELDS))


def _report_fields(row: dict, base: dict) -> dict:
    """The fields the annual report counts (docs/disclosure.md), checked against each other and
    against the request's status."""
    values = {
        "department": f.text(row, "department", 64, required=False),
        "applicant_kind": f.choice(row, "applicant_kind", KIND_CODES, required=False),
        "outcome": f.choice(row, "outcome", tuple(OUTCOME_REASONS), required=False),
        "outcome_reason": f.text(row, "outcome_reason", 32, required=False),
        "fee_notified_at": f.timestamp(row, "fee_notified_at", required=False),
        "fee_amount": f.amount(row, "fee_amount"),
        "fee_paid": f.amount(row, "fee_paid"),
    }
    outcome, reason = values["outcome"], values["outcome_reason"]
    if outcome is None:
        if reason is not None:
            raise ValueError("有 outcome_reason 而没有 outcome")
    else:
        reasons = OUTCOME_REASONS[outcome]
        if reasons and reason not in reasons:
            raise ValueError(f"outcome {outcome} 的 outcome_reason 应为 {'|'.join(reasons)} 之一")
        if not reasons and reason is not None:
            raise ValueError(f"outcome {outcome} 没有 outcome_reason")
        if base["status"] not in CLOSED:
            raise ValueError(f"有办理结果 outcome 的申请，status 应为 answered 或 rejected（实际 {base['status']}）")
        if outcome in ("granted", "partial") and base["status"] != "answered":
            raise ValueError(f"outcome {outcome}（予以公开/部分公开）的申请，status 应为 answered")
        if base["answered_at"] is None:
            raise ValueError("有办理结果 outcome 的申请须有答复时间 answered_at")
    if values["fee_amount"] is None:
        if values["fee_paid"] is not None or values["fee_notified_at"] is not None:
            raise ValueError("有 fee_paid 或 fee_notified_at 而没有收费通知金额 fee_amount")
        if (outcome, reason) == ("other", "fee_unpaid"):
            raise ValueError("outcome_reason fee_unpaid（逾期未缴费）的申请须有收费通知金额 fee_amount")
    else:
        if values["fee_notified_at"] is None:
            raise ValueError("有 fee_amount 的申请须有收费通知时间 fee_notified_at")
        if values["fee_notified_at"] < base["received_at"]:
            raise ValueError("fee_notified_at 早于 received_at")
        if values["fee_paid"] is not None and values["fee_paid"] > values["fee_amount"]:
            raise ValueError("实收 fee_paid 大于通知金额 fee_amount")
    return {**{k: v for k, v in values.items() if k not in ("fee_amount", "fee_paid")},
            "fee_amount_cents": _cents(values["fee_amount"]), "fee_paid_cents": _cents(values["fee_paid"])}


def _cents(yuan):
    return None if yuan is None else int(yuan * 100)


def parse_appeal(row: dict) -> ParsedRow:
    case = f.text(row, "case_no", 64)
    values = {
        "kind": f.choice(row, "kind", tuple(k for k, _ in APPEAL_KINDS)),
        "request_no": f.case_no(row, "request_no") if row.get("request_no") not in (None, "") else None,
        "department": f.text(row, "department", 64, required=False),
        "filed_at": f.day(row, "filed_at"),
        "result": f.choice(row, "result", tuple(r for r, _ in APPEAL_RESULTS), required=False),
        "concluded_at": f.day(row, "concluded_at", required=False),
    }
    if (values["result"] is None) != (values["concluded_at"] is None):
        raise ValueError("result 与 concluded_at 须同时给出（尚未审结则都不填）")
    if values["concluded_at"] is not None and values["concluded_at"] < values["filed_at"]:
        raise ValueError("concluded_at 早于 filed_at")
    return ParsedRow(line=0, key=case, values=values, content_hash=f.content_hash(values))


def _writer(model, key_attr: str):
    return lambda session, rows, result: upsert_flat(session, model, key_attr, rows, result)


def import_disclosures(path: Path | str, url: str | None = None) -> ImportResult:
    items, errors = decode_lines(path)
    return import_objects("disclosures", items, parse_entry, "id", _writer(DisclosureEntry, "id"), url, errors)


def import_request_objects(items: Iterable[tuple[int, Any]], url: str | None = None,
                           errors: Sequence[RowError] = (), label: Callable[[int], str] = line_label) -> ImportResult:
    """Decoded rows as (position, value) → validated and upserted in one transaction; the file
    import and POST /api/disclosure/requests both call this."""
    return import_objects("disclosure-requests", items, parse_request, "request_no",
                          _writer(DisclosureRequest, "request_no"), url, errors, label)


def import_disclosure_requests(path: Path | str, url: str | None = None) -> ImportResult:
    items, errors = decode_lines(path)
    return import_request_objects(items, url, errors)


def import_appeal_objects(items: Iterable[tuple[int, Any]], url: str | None = None,
                          errors: Sequence[RowError] = (), label: Callable[[int], str] = line_label) -> ImportResult:
    """行政复议/行政诉讼 cases, from a file or POST /api/disclosure/appeals."""
    return import_objects("disclosure-appeals", items, parse_appeal, "case_no",
                          _writer(DisclosureAppeal, "case_no"), url, errors, label)


def import_disclosure_appeals(path: Path | str, url: str | None = None) -> ImportResult:
    items, errors = decode_lines(path)
    return import_appeal_objects(items, url, errors)
