"""`python -m bot import disclosures|disclosure-requests FILE.jsonl`: the proactive-disclosure
catalog and disclosure requests. One JSON object per line (docs/approvals.md); upsert by id /
request_no; all valid rows in one transaction."""
from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.approvals import fields as f
from bot.approvals.jsonl import ImportResult, ParsedRow, read_rows, upsert_flat
from bot.db import sync_engine
from bot.disclosure.models import REQUEST_STATUSES, DisclosureEntry, DisclosureRequest

ENTRY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
REQUEST_NO_RE = re.compile(r"^[A-Z0-9-]{6,24}$")


def normalize_request_no(value: str) -> str:
    return (value or "").strip().upper()


def is_valid_request_no(value: str) -> bool:
    return bool(REQUEST_NO_RE.match(normalize_request_no(value)))


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
    number = normalize_request_no(f.text(row, "request_no", 24))
    if not REQUEST_NO_RE.match(number):
        raise ValueError(f"request_no {number!r} 格式无效（6–24 位字母、数字或连字符）")
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


def _import(path, url, kind, model, key_attr, parse) -> ImportResult:
    rows, errors = read_rows(path, parse)
    result = ImportResult(kind=kind, errors=errors)
    engine = sync_engine(url)
    try:
        with Session(engine, future=True) as session, session.begin():
            upsert_flat(session, model, key_attr, rows, result)
    finally:
        engine.dispose()
    return result


def import_disclosures(path: Path | str, url: str | None = None) -> ImportResult:
    return _import(path, url, "disclosures", DisclosureEntry, "id", parse_entry)


def import_disclosure_requests(path: Path | str, url: str | None = None) -> ImportResult:
    return _import(path, url, "disclosure-requests", DisclosureRequest, "request_no", parse_request)


def row_count(model, url: str | None = None) -> int:
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()
