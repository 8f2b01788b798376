"""`python -m bot import catalog PATH`: the catalog JSON into the catalog_items table.

Idempotent: a row whose content is unchanged is left alone, a changed one is updated, a new one
inserted, all in one transaction (a failure leaves the table as it was). Malformed rows are
reported by position and skipped; the others are loaded."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert, select, update

from bot.db import sync_engine
from bot.knowledge.catalog import RowError, read_catalog
from bot.knowledge.tables import CatalogItemRow


@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    total_in_table: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def summary(self) -> str:
        lines = [
            f"目录导入: 文件 {self.rows} 条，新增 {self.added}，更新 {self.updated}，未变 {self.unchanged}，"
            f"错误 {len(self.errors)}；表中现有 {self.total_in_table} 条",
        ]
        if not self.changed:
            lines.append("无变化（已是最新）")
        lines += [f"  跳过 {error}" for error in self.errors]
        return "\n".join(lines)


def import_catalog(path: Path | str | None = None, url: str | None = None) -> ImportResult:
    items, errors = read_catalog(path)
    result = ImportResult(rows=len(items) + len(errors), errors=errors)
    engine = sync_engine(url)
    try:
        with engine.begin() as conn:
            existing = {
                row.id: row.content_hash
                for row in conn.execute(select(CatalogItemRow.id, CatalogItemRow.content_hash))
            }
            new_rows = []
            for item in items:
                known = existing.get(item.id)
                values = {"department": item.department, "group": item.group, "name": item.name,
                          "url": item.url, "content_hash": item.content_hash}
                if known is None:
                    new_rows.append({"id": item.id, **values})
                elif known != item.content_hash:
                    conn.execute(update(CatalogItemRow).where(CatalogItemRow.id == item.id)
                                 .values(**values, updated_at=func.now()))
                    result.updated += 1
                else:
                    result.unchanged += 1
            if new_rows:
                conn.execute(insert(CatalogItemRow), new_rows)
            result.added = len(new_rows)
            result.total_in_table = conn.execute(select(func.count()).select_from(CatalogItemRow)).scalar_one()
    finally:
        engine.dispose()
    return result


def catalog_row_count(url: str | None = None) -> int:
    engine = sync_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(CatalogItemRow)).scalar_one()
    finally:
        engine.dispose()
