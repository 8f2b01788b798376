"""`python -m bot import approvals FILE.jsonl`: applications with their stage events.

One JSON object per line (see docs/approvals.md). Upsert by application_no; a changed row replaces
its events with the row's; all valid rows in one transaction."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.approvals import fields as f
from bot.approvals.jsonl import ImportResult, ParsedRow, chunks, read_rows
from bot.approvals.models import STAGES, STATUSES, Application, ApplicationEvent
from bot.db import sync_engine
from bot.identifiers import is_valid_application_no


def normalize_application_no(value: str) -> str:
    return (value or "").strip().upper()


def parse_application(row: dict) -> ParsedRow:
    number = normalize_application_no(f.text(row, "application_no", 24))
    if not is_valid_application_no(number):
        raise ValueError(f"application_no {number!r} 格式无效（8–24 位字母、数字或连字符）")
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


def import_approvals(path: Path | str, url: str | None = None) -> ImportResult:
    rows, errors = read_rows(path, parse_application)
    result = ImportResult(kind="approvals", errors=errors)
    engine = sync_engine(url)
    try:
        with Session(engine, future=True) as session, session.begin():
            existing: dict[str, Application] = {}
            for part in chunks([r.key for r in rows]):
                query = select(Application).where(Application.application_no.in_(part))
                for app in session.execute(query).scalars():
                    existing[app.application_no] = app
            for row in rows:
                app = existing.get(row.key)
                if app is None:
                    app = Application(application_no=row.key, content_hash=row.content_hash, **row.values)
                    app.events = [ApplicationEvent(**e) for e in row.children]
                    session.add(app)
                    result.inserted += 1
                elif app.content_hash == row.content_hash:
                    result.unchanged += 1
                else:
                    for name, value in row.values.items():
                        setattr(app, name, value)
                    app.content_hash = row.content_hash
                    app.updated_at = func.now()
                    # Old events go first: (application_id, seq) is unique.
                    app.events.clear()
                    session.flush()
                    app.events.extend(ApplicationEvent(**e) for e in row.children)
                    result.updated += 1
    finally:
        engine.dispose()
    return result


def application_count(url: str | None = None) -> int:
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Application)).scalar_one()
    finally:
        engine.dispose()
