"""Department phone numbers from knowledge/departments.yml (when present), for status answers.

Only what a status answer needs: name/aliases/full_name → phone. A missing file, an unknown
department or an unpublished phone gives the 12345 hotline."""
from __future__ import annotations

import logging
from functools import lru_cache

from bot.knowledge.loader import KnowledgeError, load_departments
from bot.replies import HOTLINE

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _phones() -> dict[str, str]:
    try:
        departments = load_departments()
    except KnowledgeError as exc:  # reported at start-up; a status answer then gives the hotline
        logger.warning("departments.yml unusable for phone numbers: %d problem(s)", len(exc.problems))
        return {}
    out: dict[str, str] = {}
    for dept in departments.values():
        if not dept.phone.known:
            continue
        for name in (dept.name, dept.full_name, *dept.aliases):
            if name:
                out.setdefault(name, dept.phone.value)
    return out


def department_phone(department: str) -> str:
    return _phones().get((department or "").strip(), HOTLINE)


def reload() -> None:
    _phones.cache_clear()
