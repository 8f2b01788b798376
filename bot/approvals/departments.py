"""Department phone numbers from knowledge/departments.yml (when present), for status answers.

Only what a status answer needs: name/aliases/full_name → phone. A missing file, an unknown
department or an unpublished phone gives the 12345 hotline."""
from __future__ import annotations

import logging
from functools import lru_cache

import yaml

from bot.settings import get_settings

logger = logging.getLogger(__name__)
HOTLINE = "12345"


def _phone_of(raw) -> str | None:
    if isinstance(raw, (str, int)) and not isinstance(raw, bool):
        return str(raw).strip() or None
    if isinstance(raw, dict) and not raw.get("unknown"):
        value = raw.get("value") or raw.get("text")
        return str(value).strip() if value else None
    return None


@lru_cache(maxsize=1)
def _phones() -> dict[str, str]:
    path = get_settings().knowledge_dir / "departments.yml"
    if not path.exists():
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        logger.warning("departments.yml unreadable for phone numbers: %s", type(exc).__name__)
        return {}
    entries = data.get("departments") if isinstance(data, dict) else None
    out: dict[str, str] = {}
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        phone = _phone_of(entry.get("phone"))
        if not phone:
            continue
        aliases = entry.get("aliases") or []
        names = [entry.get("name"), entry.get("full_name"), *(aliases if isinstance(aliases, list) else [aliases])]
        for name in names:
            if isinstance(name, str) and name.strip():
                out.setdefault(name.strip(), phone)
    return out


def department_phone(department: str) -> str:
    return _phones().get((department or "").strip(), HOTLINE)


def reload() -> None:
    _phones.cache_clear()
