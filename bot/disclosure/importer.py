"""`python -m bot import disclosures|disclosure-requests FILE.jsonl`: the proactive-disclosure
catalog and disclosure requests. One JSON object per line (docs/approvals.md); upsert by id /
request_no; all valid rows in one transaction. POST /api/disclosure/requests (bot.web.sync) pushes
requests in the same format through import_request_objects."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import func, select

from bot.imports import fields as f
from bot.imports.jsonl import (ImportResult, ParsedRow, RowError, decode_lines, import_objects, line_label,
                                 upsert_flat)
from bot.db import sync_engine
from bot.disclosure.models import REQUEST_STATUSES, DisclosureEntry, DisclosureRequest

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
    }
    return ParsedRow(line=0, key=entry_id, values=values, content_hash=f.content_hash(values))


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
    return ParsedRow(line=0, key=number, values=values, content_hash=f.content_hash(values))


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
