"""Demo data: the project's copy of the catalog (knowledge/catalog/items.json) when the table is empty."""
from __future__ import annotations

from bot.knowledge.importer import catalog_row_count, import_catalog
from bot.seed import register


@register("catalog")
def seed_catalog(url: str | None = None) -> int:
    if catalog_row_count(url):
        return 0
    return import_catalog(None, url).added
