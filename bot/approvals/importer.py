"""`python -m bot import approvals FILE.jsonl`: applications with their stage events.

One JSON object per line (see docs/approvals.md). Upsert by application_no; a changed row replaces
its events with the row's; all valid rows in one transaction. POST /api/approvals/applications
(bot.web.sync) pushes rows of the same format through import_application_objects."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy.orm import Session

from bot.imports import fields as f
from bot.imports.jsonl import (ImportResult, ParsedRow, RowError, decode_lines, import_objects, line_label,
                                 upsert_flat)
from bot.approvals.models import STAGES, STATUSES, Application, ApplicationEvent

NOTIFY_CHANNELS = ("wechat", "miniprogram", "socketio", "sms")


def parse_application(row: dict) -> ParsedRow:
    number = f.case_no(row, "application_no")
    values = {
        "item_name": f.text(row, "item_name", 200),
        "department": f.text(row, "department", 64),
        "applicant_name": f.text(row, "applicant_name", 64),
        "applicant_phone": f.phone(row, "applicant_phone"),
        "submitted_at": f.timestamp(row, "submitted_at"),
        "promised_working_days": f.integer(row, "promised_working_days", 1, 365),
        "legal_working_days": f.integer(row, "legal_working_days", 1, 365),
        "status": f.choice(row, "status", STATUSES),
    }
    # Optional (全程告知): only written when sent, so rows without them keep their content hash.
    if row.get("notify_channel") is not None:
        values["notify_channel"] = f.choice(row, "notify_channel", NOTIFY_CHANNELS)
        values["notify_to"] = f.text(row, "notify_to", 128, required=values["notify_channel"] != "sms")
    if values["promised_working_days"] > values["legal_working_days"]:
        raise ValueError("promised_working_days（承诺时限）不应超过 legal_working_days（法定时限）")
    raw_events = row.get("events")
    if raw_events is None:
        raw_events = []
    if not isinstance(raw_events, list):
        raise ValueError("字段 events 应为列表")
    events = []
    for i, event in enumerate(raw_events):
        where = f"events[{i}]."
        if not isinstance(event, dict):
            raise ValueError(f"events[{i}] 应为对象 {{stage, at, handler?, note?}}")
        stage = f.text(event, "stage", 16)
        if stage not in STAGES:
            raise ValueError(f"{where}stage 的值 {stage!r} 无效，应为 {'、'.join(STAGES)} 之一")
        at = f.timestamp(event, "at", where=where)
        if at < values["submitted_at"]:
            raise ValueError(f"{where}at 早于 submitted_at")
        events.append({"seq": i + 1, "stage": stage, "at": at,
                       "handler": f.text(event, "handler", 64, required=False),
                       "note": f.text(event, "note", 500, required=False)})
    digest = f.content_hash({"values": values, "events": events})
    return ParsedRow(line=0, key=number, values=values, content_hash=digest, children=events)


def _set_events(session: Session, app: Application, row: ParsedRow, is_new: bool) -> None:
    if not is_new:  # old events go first: (application_id, seq) is unique
        app.events.clear()
        session.flush()
    app.events.extend(ApplicationEvent(**e) for e in row.children)


def write_applications(session: Session, rows: list[ParsedRow], result: ImportResult) -> None:
    """Upsert valid rows (caller's transaction): a changed application's events are replaced."""
    upsert_flat(session, Application, "application_no", rows, result, children=_set_events)


def import_application_objects(items: Iterable[tuple[int, Any]], url: str | None = None,
                               errors: Sequence[RowError] = (), label: Callable[[int], str] = line_label
                               ) -> ImportResult:
    """Decoded rows as (position, value) → validated and upserted in one transaction; the file
    import and POST /api/approvals/applications both call this."""
    return import_objects("approvals", items, parse_application, "application_no", write_applications,
                          url, errors, label)


def import_approvals(path: Path | str, url: str | None = None) -> ImportResult:
    items, errors = decode_lines(path)
    return import_application_objects(items, url, errors)
