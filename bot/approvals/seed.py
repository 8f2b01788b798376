"""Demo applications for `make run`: knowledge/demo/approvals.jsonl through the ordinary JSON-lines
import, only when the table is empty (bot.imports.demo generates the file)."""
from __future__ import annotations

from bot.approvals.importer import import_approvals
from bot.approvals.models import Application
from bot.imports.demo import seed_parts
from bot.seed import register


@register("approvals")
def seed_approvals(url: str | None = None) -> int:
    return seed_parts((("approvals.jsonl", Application, import_approvals),), url)
