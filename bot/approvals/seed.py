"""Demo data for `make run`: knowledge/demo/*.jsonl imported through the ordinary JSON-lines imports,
each only when its table is empty."""
from __future__ import annotations

import logging

from bot.approvals.demo import demo_dir
from bot.approvals.importer import import_approvals
from bot.approvals.models import Application
from bot.disclosure.importer import import_disclosure_requests, import_disclosures, row_count
from bot.disclosure.models import DisclosureEntry, DisclosureRequest
from bot.seed import register

logger = logging.getLogger(__name__)

_PARTS = (
    ("approvals.jsonl", Application, import_approvals),
    ("disclosures.jsonl", DisclosureEntry, import_disclosures),
    ("disclosure_requests.jsonl", DisclosureRequest, import_disclosure_requests),
)


@register("approvals")
def seed_approvals(url: str | None = None) -> int:
    added = 0
    for name, model, importer in _PARTS:
        path = demo_dir() / name
        if not path.exists() or row_count(model, url):
            continue
        result = importer(path, url)
        for error in result.errors:
            logger.warning("demo data %s: %s", name, error)
        added += result.inserted
    return added
