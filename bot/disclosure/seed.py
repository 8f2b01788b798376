"""Demo disclosure catalog and requests for `make run`: knowledge/demo/disclosures.jsonl and
disclosure_requests.jsonl through the ordinary JSON-lines imports, only when their tables are empty."""
from __future__ import annotations

from bot.disclosure.importer import import_disclosure_requests, import_disclosures
from bot.disclosure.models import DisclosureEntry, DisclosureRequest
from bot.imports.demo import seed_parts
from bot.seed import register


@register("disclosure")
def seed_disclosure(url: str | None = None) -> int:
    return seed_parts((("disclosures.jsonl", DisclosureEntry, import_disclosures),
                       ("disclosure_requests.jsonl", DisclosureRequest, import_disclosure_requests)), url)
