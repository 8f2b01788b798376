"""The dispatch catalog (派单目录) — knowledge/dispatch_catalog.yml: each department's matter types
(事项类型: name, the phrases citizens use, example requests, notes) and the boundary rules between
departments (gas smell → 区住建局, not 区生态环境局 …). Format: the header of the file and
docs/tickets.md.

:func:`load_dispatch_catalog` validates the file and raises :class:`KnowledgeError` listing every
problem with its place (``dispatch_catalog.yml: departments[2].matters[0].keywords[3]: …``).
:meth:`DispatchCatalog.match` finds the matter types and boundary rules a request matches; routing
(bot.tickets.routing) uses it as a signal and as the reason it shows the dispatcher."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable, Optional

from bot.knowledge.loader import KnowledgeError, _Checker, _read_yaml, load_departments
from bot.nlu.normalize import normalize_text
from bot.settings import get_settings

FILE_NAME = "dispatch_catalog.yml"
MIN_PHRASE_CHARS = 2
_TOP_KEYS = {"version", "departments", "boundaries"}
_DEPARTMENT_KEYS = {"department", "matters", "note"}
_MATTER_KEYS = {"name", "keywords", "examples", "exclude", "note"}
_BOUNDARY_KEYS = {"name", "when", "unless", "prefer", "demote", "note"}


def fold(text: str | None) -> str:
    """The form phrases and requests are compared in: normalised (Traditional → Simplified,
    full-width → half-width) and lower-cased."""
    return normalize_text(text or "").lower()


@dataclass(frozen=True)
class Phrase:
    """A phrase as written (``工地+吵``) and its parts, all of which must occur in a request."""

    text: str
    parts: tuple[str, ...]

    @property
    def weight(self) -> int:
        return sum(len(p) for p in self.parts)

    def occurs_in(self, folded: str) -> bool:
        return all(p in folded for p in self.parts)


@dataclass(frozen=True)
class MatterType:
    department: str
    name: str
    keywords: tuple[Phrase, ...]
    examples: tuple[str, ...]
    exclude: tuple[Phrase, ...] = ()
    note: Optional[str] = None


@dataclass(frozen=True)
class Boundary:
    name: str
    when: tuple[Phrase, ...]
    unless: tuple[Phrase, ...] = ()
    prefer: Optional[str] = None
    demote: tuple[str, ...] = ()
    note: Optional[str] = None


@dataclass(frozen=True)
class MatterHit:
    matter: MatterType
    phrases: tuple[str, ...]  # as written in the catalog, longest first
    score: float  # characters of the matched phrases

    @property
    def department(self) -> str:
        return self.matter.department


@dataclass(frozen=True)
class BoundaryHit:
    boundary: Boundary
    phrases: tuple[str, ...]
    score: float


@dataclass(frozen=True)
class CatalogMatch:
    matters: tuple[MatterHit, ...]  # best first
    boundaries: tuple[BoundaryHit, ...]

    def department_scores(self) -> dict[str, float]:
        """Catalog evidence per department: its matched matter types plus the boundary rules that
        prefer it."""
        scores: dict[str, float] = {}
        for hit in self.matters:
            scores[hit.department] = scores.get(hit.department, 0.0) + hit.score
        for hit in self.boundaries:
            if hit.boundary.prefer:
                scores[hit.boundary.prefer] = scores.get(hit.boundary.prefer, 0.0) + hit.score
        return scores

    def demoted(self) -> dict[str, Boundary]:
        """Departments a triggered boundary rule demotes (→ the first such rule)."""
        out: dict[str, Boundary] = {}
        for hit in self.boundaries:
            for department in hit.boundary.demote:
                out.setdefault(department, hit.boundary)
        return out


@dataclass(frozen=True)
class DispatchCatalog:
    matters: tuple[MatterType, ...]
    boundaries: tuple[Boundary, ...]

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(m.department for m in self.matters))

    @cached_property
    def _single_words(self) -> frozenset[str]:
        return frozenset(p.parts[0] for m in self.matters for p in m.keywords if len(p.parts) == 1)

    def match(self, text: str | None) -> CatalogMatch:
        folded = fold(text)
        if not folded.strip():
            return CatalogMatch((), ())
        shadowed = _shadowed(folded, self._single_words)
        hits = []
        for matter in self.matters:
            if any(p.occurs_in(folded) for p in matter.exclude):
                continue
            found = [p for p in matter.keywords
                     if p.occurs_in(folded) and not (len(p.parts) == 1 and p.parts[0] in shadowed)]
            if found:
                found.sort(key=lambda p: -p.weight)
                hits.append(MatterHit(matter, tuple(p.text for p in found), float(sum(p.weight for p in found))))
        hits.sort(key=lambda h: -h.score)
        fired = []
        for boundary in self.boundaries:
            found = [p for p in boundary.when if p.occurs_in(folded)]
            if found and not any(p.occurs_in(folded) for p in boundary.unless):
                found.sort(key=lambda p: -p.weight)
                fired.append(BoundaryHit(boundary, tuple(p.text for p in found), float(max(p.weight for p in found))))
        return CatalogMatch(tuple(hits), tuple(fired))


def _shadowed(folded: str, words: set[str]) -> set[str]:
    """Words every occurrence of which lies inside a longer matched word (``燃气味`` shadows ``气味``):
    the longer phrase speaks for that stretch of the text."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for word in (w for w in words if w in folded):
        start = folded.find(word)
        while start >= 0:
            spans.setdefault(word, []).append((start, start + len(word)))
            start = folded.find(word, start + 1)
    out = set()
    for word, own in spans.items():
        longer = [s for other, ss in spans.items() if len(other) > len(word) for s in ss]
        if longer and all(any(a <= s and e <= b for a, b in longer) for s, e in own):
            out.add(word)
    return out


def _phrases(checker: _Checker, data: dict, key: str, where: str, required: bool) -> tuple[Phrase, ...]:
    out = []
    for i, raw in enumerate(checker.texts(data, key, where, required)):
        parts = tuple(fold(p).strip() for p in raw.split("+"))
        if any(not p for p in parts) or sum(len(p) for p in parts) < MIN_PHRASE_CHARS:
            checker.fail(f"{where}.{key}[{i}]", f"{raw!r} 应至少 {MIN_PHRASE_CHARS} 个字（“甲+乙”的每一部分都不能为空）")
            continue
        out.append(Phrase(raw, parts))
    return tuple(dict.fromkeys(out))


def _unknown_keys(checker: _Checker, data: dict, allowed: set[str], where: str) -> None:
    for key in sorted(set(data) - allowed, key=str):
        checker.fail(f"{where}.{key}", f"未知字段（可用：{', '.join(sorted(allowed))}）")


def _department(checker: _Checker, data: dict, key: str, where: str, known: Optional[set[str]]) -> Optional[str]:
    name = checker.text(data, key, where, required=True)
    if name and known is not None and name not in known:
        checker.fail(f"{where}.{key}", f"{name!r} 不在 departments.yml 中")
        return None
    return name


def _mappings(checker: _Checker, items: list, where: str, allowed: set[str], shape: str):
    """(place, item) for each item of a list that is a mapping; other items and unknown keys are
    reported."""
    for i, item in enumerate(items):
        place = f"{where}[{i}]"
        if not isinstance(item, dict):
            checker.fail(place, f"应为映射 {shape}")
            continue
        _unknown_keys(checker, item, allowed, place)
        yield place, item


def _once(checker: _Checker, seen: set[str], value: Optional[str], place: str, message: str) -> None:
    if value in seen:
        checker.fail(place, f"{value} {message}")
    seen.add(value or "")


def _matters(checker: _Checker, raw, known: Optional[set[str]]) -> list[MatterType]:
    items = raw.get("departments") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        checker.fail("departments", "必填：部门列表 [{department, matters}]")
        return []
    out: list[MatterType] = []
    departments: set[str] = set()
    for where, entry in _mappings(checker, items, "departments", _DEPARTMENT_KEYS, "{department, matters}"):
        department = _department(checker, entry, "department", where, known)
        _once(checker, departments, department, f"{where}.department", "重复（每个部门只写一项）")
        matters = entry.get("matters")
        if not isinstance(matters, list) or not matters:
            checker.fail(f"{where}.matters", "必填：事项类型列表")
            continue
        names: set[str] = set()
        for mwhere, m in _mappings(checker, matters, f"{where}.matters", _MATTER_KEYS, "{name, keywords, examples}"):
            name = checker.text(m, "name", mwhere, required=True)
            _once(checker, names, name, f"{mwhere}.name", "在本部门重复")
            keywords = _phrases(checker, m, "keywords", mwhere, required=True)
            examples = checker.texts(m, "examples", mwhere, required=True)
            exclude = _phrases(checker, m, "exclude", mwhere, required=False)
            note = checker.text(m, "note", mwhere)
            if department and name and keywords:
                out.append(MatterType(department, name, keywords, examples, exclude, note))
    return out


def _boundaries(checker: _Checker, raw, known: Optional[set[str]]) -> list[Boundary]:
    items = raw.get("boundaries") if isinstance(raw, dict) else None
    if items is None:
        return []
    if not isinstance(items, list):
        checker.fail("boundaries", "应为边界规则列表")
        return []
    out = []
    for where, b in _mappings(checker, items, "boundaries", _BOUNDARY_KEYS, "{name, when, prefer, demote}"):
        name = checker.text(b, "name", where, required=True)
        when = _phrases(checker, b, "when", where, required=True)
        unless = _phrases(checker, b, "unless", where, required=False)
        prefer = _department(checker, b, "prefer", where, known) if b.get("prefer") is not None else None
        demote = []
        for j, d in enumerate(checker.texts(b, "demote", where)):
            if known is not None and d not in known:
                checker.fail(f"{where}.demote[{j}]", f"{d!r} 不在 departments.yml 中")
            elif d == prefer:
                checker.fail(f"{where}.demote[{j}]", f"{d} 同时是 prefer")
            else:
                demote.append(d)
        if b.get("prefer") is None and not b.get("demote"):
            checker.fail(where, "prefer 与 demote 至少写一项")
        if name and when:
            out.append(Boundary(name, when, unless, prefer, tuple(demote), checker.text(b, "note", where)))
    return out


def parse_dispatch_catalog(raw, departments: Optional[Iterable[str]] = None, where: str = FILE_NAME) -> DispatchCatalog:
    """The catalog from parsed YAML; ``departments`` (names) checks every department reference."""
    checker = _Checker()
    known = set(departments) if departments is not None else None
    if not isinstance(raw, dict):
        checker.fail("(文件)", "应为映射 {version, departments, boundaries}")
    else:
        _unknown_keys(checker, raw, _TOP_KEYS, "(文件)")
        version = raw.get("version", 1)
        if version != 1:
            checker.fail("version", f"不支持的版本 {version!r}（应为 1）")
    matters = _matters(checker, raw, known)
    boundaries = _boundaries(checker, raw, known)
    if checker.problems:
        raise KnowledgeError([f"{where}: {p}" for p in checker.problems])
    return DispatchCatalog(tuple(matters), tuple(boundaries))


def load_dispatch_catalog(path: Path | str | None = None,
                          departments: Optional[Iterable[str]] = None) -> Optional[DispatchCatalog]:
    """knowledge/dispatch_catalog.yml validated (None when the file does not exist). Department names
    are checked against ``departments`` or, when not given, the departments.yml next to the file."""
    path = Path(path) if path else get_settings().knowledge_dir / FILE_NAME
    if not path.exists():
        return None
    checker = _Checker()
    raw = _read_yaml(path, checker, path.name)
    if checker.problems:
        raise KnowledgeError(checker.problems)
    if departments is None and (path.parent / "departments.yml").exists():
        departments = set(load_departments(path.parent / "departments.yml"))
    return parse_dispatch_catalog(raw, departments, where=path.name)
