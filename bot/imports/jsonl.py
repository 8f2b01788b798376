"""Idempotent JSON-lines imports: one object per line, validated row by row, upserted by key.

Invalid rows are reported by position and skipped; the valid rest is written in one transaction,
so a failure leaves the tables as they were. A row whose content hash is unchanged is not touched.
Rows pushed through the web API (bot.web.sync) go through the same validation and write, with
their index in the batch as position instead of a line number.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence


@dataclass(frozen=True)
class RowError:
    """An invalid row: its position (the line of a file, or the index in a pushed batch), the
    message and, when the row has one, its key."""

    line: int
    message: str
    key: Optional[str] = None

    def __str__(self) -> str:
        return f"第{self.line}行: {self.message}"


@dataclass
class ParsedRow:
    """A valid row: its unique key, the column values and the hash of its whole content."""

    line: int
    key: str
    values: dict[str, Any]
    content_hash: str
    children: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ImportResult:
    kind: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def invalid(self) -> int:
        return len(self.errors)

    def counts(self) -> dict[str, int]:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
                "invalid": self.invalid}

    def summary(self) -> str:
        lines = [f"{self.kind}: inserted={self.inserted} updated={self.updated} "
                 f"unchanged={self.unchanged} invalid={self.invalid}"]
        lines += [f"  跳过 {error}" for error in self.errors]
        return "\n".join(lines)


def decode_lines(path: Path | str) -> tuple[list[tuple[int, Any]], list[RowError]]:
    """The decoded JSON value of every non-blank line of a JSON-lines file, as (line number, value),
    and the lines that are not UTF-8 or not JSON. Validation is parse_objects' job."""
    data = Path(path).read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    items: list[tuple[int, Any]] = []
    errors: list[RowError] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(RowError(number, "不是 UTF-8 编码"))
            continue
        try:
            items.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, f"不是有效的 JSON（{exc.msg}，第{exc.colno}列）"))
    return items, errors


def line_label(position: int) -> str:
    return f"第{position}行"


def parse_objects(items: Iterable[tuple[int, Any]], parse: Callable[[dict], ParsedRow], key_field: str,
                  label: Callable[[int], str] = line_label) -> tuple[list[ParsedRow], list[RowError]]:
    """Validate decoded rows, given as (position, value). ``parse`` gets an object and raises
    ValueError with a message for an invalid one. A key seen at an earlier position makes a later
    row invalid (the batch is ambiguous there); ``label`` names a position in that message."""
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for position, obj in items:
        if not isinstance(obj, dict):
            errors.append(RowError(position, f"应为 JSON 对象，实际为 {type(obj).__name__}"))
            continue
        try:
            row = parse(obj)
        except ValueError as exc:
            raw_key = obj.get(key_field)
            errors.append(RowError(position, str(exc), raw_key.strip()[:64] if isinstance(raw_key, str) else None))
            continue
        row.line = position
        if row.key in seen:
            errors.append(RowError(position, f"{row.key} 与{label(seen[row.key])}重复", row.key))
            continue
        seen[row.key] = position
        rows.append(row)
    return rows, errors


def import_objects(kind: str, items: Iterable[tuple[int, Any]], parse: Callable[[dict], ParsedRow], key_field: str,
                   write: Callable[[Any, list[ParsedRow], ImportResult], None], url: Optional[str] = None,
                   errors: Sequence[RowError] = (), label: Callable[[int], str] = line_label) -> ImportResult:
    """Validate decoded rows (parse_objects) and hand the valid ones to ``write(session, rows,
    result)`` in one transaction of a synchronous session. ``errors`` are earlier ones (undecodable
    lines) to report with the rest. The file imports and the push API (bot.web.sync) both end here."""
    from sqlalchemy.orm import Session

    from bot.db import sync_engine

    rows, invalid = parse_objects(items, parse, key_field, label)
    result = ImportResult(kind=kind, errors=sorted([*errors, *invalid], key=lambda e: e.line))
    engine = sync_engine(url)
    try:
        with Session(engine, future=True) as session, session.begin():
            write(session, rows, result)
    finally:
        engine.dispose()
    return result


def chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def upsert_flat(session, model, key_attr: str, rows: list[ParsedRow], result: ImportResult,
                children: Optional[Callable[[Any, Any, ParsedRow, bool], None]] = None) -> None:
    """Insert new rows, update changed ones, leave unchanged ones alone (sync ORM session, caller's
    transaction). ``children(session, obj, row, is_new)``, when given, sets a new or changed row's
    child rows (an application's events) from ``row.children``."""
    from sqlalchemy import func, select

    key_column = getattr(model, key_attr)
    existing = {}
    for part in chunks([r.key for r in rows]):
        for obj in session.execute(select(model).where(key_column.in_(part))).scalars():
            existing[getattr(obj, key_attr)] = obj
    for row in rows:
        obj = existing.get(row.key)
        if obj is None:
            obj = model(**{key_attr: row.key}, **row.values, content_hash=row.content_hash)
            session.add(obj)
            if children is not None:
                children(session, obj, row, True)
            result.inserted += 1
        elif obj.content_hash == row.content_hash:
            result.unchanged += 1
        else:
            for name, value in row.values.items():
                setattr(obj, name, value)
            obj.content_hash = row.content_hash
            obj.updated_at = func.now()
            if children is not None:
                children(session, obj, row, False)
            result.updated += 1


def row_count(model, url: str | None = None) -> int:
    """Rows of a table (the demo seeder fills only empty tables)."""
    from sqlalchemy import func, select

    from bot.db import sync_engine

    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()
