"""Idempotent JSON-lines imports: one object per line, validated row by row, upserted by key.

Invalid rows are reported by line number and skipped; the valid rest is written in one transaction,
so a failure leaves the tables as they were. A row whose content hash is unchanged is not touched.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

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


def read_rows(path: Path | str, parse: Callable[[dict], ParsedRow]) -> tuple[list[ParsedRow], list[RowError]]:
    """Parse every non-blank line of a JSON-lines file. ``parse`` gets the decoded object and raises
    ValueError with a message for an invalid one. A key seen on an earlier line makes a later row
    invalid (the file is ambiguous there)."""
    data = Path(path).read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    rows: list[ParsedRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            errors.append(RowError(number, "不是 UTF-8 编码"))
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(RowError(number, f"不是有效的 JSON（{exc.msg}，第{exc.colno}列）"))
            continue
        if not isinstance(obj, dict):
            errors.append(RowError(number, f"应为 JSON 对象，实际为 {type(obj).__name__}"))
            continue
        try:
            row = parse(obj)
        except ValueError as exc:
            errors.append(RowError(number, str(exc)))
            continue
        row.line = number
        if row.key in seen:
            errors.append(RowError(number, f"{row.key} 与第{seen[row.key]}行重复"))
            continue
        seen[row.key] = number
        rows.append(row)
    return rows, errors


def chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def upsert_flat(session, model, key_attr: str, rows: list[ParsedRow], result: ImportResult) -> None:
    """Insert new rows, update changed ones, leave unchanged ones alone (sync ORM session, caller's
    transaction)."""
    from sqlalchemy import func, select

    key_column = getattr(model, key_attr)
    existing = {}
    for part in chunks([r.key for r in rows]):
        for obj in session.execute(select(model).where(key_column.in_(part))).scalars():
            existing[getattr(obj, key_attr)] = obj
    for row in rows:
        obj = existing.get(row.key)
        if obj is None:
            session.add(model(**{key_attr: row.key}, **row.values, content_hash=row.content_hash))
            result.inserted += 1
        elif obj.content_hash == row.content_hash:
            result.unchanged += 1
        else:
            for name, value in row.values.items():
                setattr(obj, name, value)
            obj.content_hash = row.content_hash
            obj.updated_at = func.now()
            result.updated += 1
