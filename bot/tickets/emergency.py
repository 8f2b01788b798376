"""Life-safety emergencies in a citizen's message (knowledge/emergencies.yml): the kind, its safety
instruction (the first reply), and the department the urgent ticket goes to."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from bot.nlu.normalize import normalize_text
from bot.settings import get_settings


@dataclass(frozen=True)
class Emergency:
    kind: str
    patterns: tuple
    advice: str
    department: str
    takes_over: bool = True
    routes: bool = True  # the ticket goes to `department` (false: the router decides)
    unless: tuple = ()  # patterns that show the matter is something else (a self-harm word in a joke…)
    # pattern index → patterns that void that one pattern only: "管子爆了" is a flood unless the
    # message tells an outage ("…一滴水都没得"), while "屋头淹了" stays a flood whatever else is said
    pattern_unless: tuple = ()
    label: str = ""  # the kind in a few words, for the handler ("燃气泄漏")

    def matches(self, norm: str) -> bool:
        """Whether the normalised message describes this emergency."""
        if any(p.search(norm) for p in self.unless):
            return False
        return any(happened(p, norm) and not any(u.search(norm) for u in self._unless_of(i))
                   for i, p in enumerate(self.patterns))

    def _unless_of(self, index: int) -> tuple:
        return self.pattern_unless[index] if index < len(self.pattern_unless) else ()


class EmergencyConfigError(ValueError):
    pass


def _load(path: Path) -> tuple[Emergency, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = data.get("emergencies")
    if not isinstance(rows, list) or not rows:
        raise EmergencyConfigError(f"{path}: 'emergencies' must be a non-empty list")
    out = []
    for i, row in enumerate(rows):
        where = f"{path}: emergencies[{i}]"
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) and row[k].strip()
                                                for k in ("kind", "advice", "department")):
            raise EmergencyConfigError(f"{where} needs kind, advice and department")
        patterns, pattern_unless = [], []
        for j, item in enumerate(row.get("patterns") or []):
            # a pattern is a regular expression, or {pattern: …, unless: [...]} when some messages void it
            pattern, voids = (item.get("pattern"), item.get("unless") or []) if isinstance(item, dict) else (item, [])
            if not isinstance(pattern, str) or not isinstance(voids, list):
                raise EmergencyConfigError(f"{where}.patterns[{j}] needs a pattern (and unless as a list)")
            patterns.append(_compiled(pattern, f"{where}.patterns[{j}]"))
            pattern_unless.append(tuple(_compiled(str(u), f"{where}.patterns[{j}].unless") for u in voids))
        if not patterns:
            raise EmergencyConfigError(f"{where}.patterns must be a non-empty list")
        unless = tuple(_compiled(str(p), f"{where}.unless") for p in row.get("unless") or [])
        out.append(Emergency(row["kind"], tuple(patterns), row["advice"].strip(), row["department"].strip(),
                             bool(row.get("takes_over", True)), bool(row.get("routes", True)), unless,
                             tuple(pattern_unless), str(row.get("label") or "").strip()))
    return tuple(out)


def _compiled(pattern: str, where: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise EmergencyConfigError(f"{where}: {exc}") from exc


@lru_cache(maxsize=4)
def _emergencies_at(path: str) -> tuple[Emergency, ...]:
    return _load(Path(path))


def emergencies() -> tuple[Emergency, ...]:
    return _emergencies_at(str(get_settings().knowledge_dir / "emergencies.yml"))


def emergency_in(text: Optional[str]) -> Optional[Emergency]:
    """The first emergency kind (file order) the message describes, or None."""
    norm = normalize_text(text or "", 2000)
    for emergency in emergencies():
        if emergency.matches(norm):
            return emergency
    return None


# "差点摔倒", "险些被车撞": a danger that did not happen is a complaint about its cause, not an alarm;
# nor is one feared ("消防通道堵死了 万一着火车都进不来", "堆那么多纸箱 容易起火") — "怕是气漏了" (it is
# probably gas) is no fear of what may come.
_NEAR_MISS = re.compile(r"(差点|差一点|差点儿|险些|差些|几乎|万一|要是|如果|假如|假若|一旦|若是|以免|防止|容易|"
                        r"怕|担心)(?:把|被|会|要|给|将){0,2}$")  # "怕把楼压垮了": the fear of what may come


def happens_at(text: str, start: int) -> bool:
    """Whether what is said from ``start`` on is told as happening, not as a near miss or a fear."""
    return not _NEAR_MISS.search(text[max(0, start - 4):start])


def happened(pattern: re.Pattern, text: str) -> bool:
    return any(happens_at(text, m.start()) for m in pattern.finditer(text))

