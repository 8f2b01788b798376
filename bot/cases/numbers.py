"""Case numbers in citizens' messages: normalisation, the numbering schemes of knowledge/case_numbers.yml,
candidates in free text and the phone digits that come with them.

A citizen may paste a number with spaces ("SP 2026 1113 001"), in full-width characters, in lower
case, with the phone digits before or after it, or give the whole phone number. Recognition is not
tied to any one scheme: a candidate is any run of letters, digits, "-" and spaces that normalises to
6–40 characters with at least 6 digits, or that matches a configured scheme. Which candidate is the
number is decided by the data (bot.cases.lookup) and, for numbers not in the data, by the schemes.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import yaml

from bot.identifiers import (CASE_BRACKETS, CASE_DASHES, CASE_DOC_WORDS, CASE_NO_CHARS, CASE_NO_MAX_CHARS,
                             CASE_OFFICE_MAX_CHARS, has_case_no_shape, is_valid_id_number, is_valid_mobile,
                             normalize_case_no)
from bot.settings import get_settings

logger = logging.getLogger(__name__)

KINDS = ("application", "disclosure", "ticket")
MAX_CHARS = CASE_NO_MAX_CHARS  # read by the importers
# Runs of what a number can be made of; CJK characters and punctuation end a run.
_RUN = re.compile(r"[A-Z0-9](?:[A-Z0-9\- ]*[A-Z0-9])?")
_DASHES = CASE_DASHES
_DATE = re.compile(r"^(?:19|20)\d{2}-\d{1,2}-\d{1,2}$|^(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86[ -]?)?(1[3-9]\d(?:[ -]?\d){8})(?!\d)")
_FOUR_DIGITS = re.compile(r"(?<![\dA-Z\-/.:])(\d{4})(?![\dA-Z\-/.:])")
# Counted things ("2026年", "12栋", "3000元") are not verification digits.
_COUNTED = re.compile(r"[年月日号元块万岁米个人户天次室栋楼层]")


@dataclass(frozen=True)
class Scheme:
    kind: str
    name: str
    label: str
    patterns: tuple
    example: str


class CaseNumberConfigError(ValueError):
    pass


def is_case_no_shape(number: str) -> bool:
    """6–40 letters, digits or dashes (after an office's 代字) with at least 6 digits, or a number of a
    configured scheme."""
    if not number or not CASE_NO_CHARS.fullmatch(number):
        return False
    return has_case_no_shape(number) or scheme_of(number) is not None


def _load(path: Path) -> tuple[Scheme, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = data.get("sources")
    if not isinstance(rows, list) or not rows:
        raise CaseNumberConfigError(f"{path}: 'sources' must be a non-empty list")
    schemes = []
    for i, row in enumerate(rows):
        where = f"{path}: sources[{i}]"
        if not isinstance(row, dict):
            raise CaseNumberConfigError(f"{where} must be a mapping")
        kind = row.get("kind")
        if kind not in KINDS:
            raise CaseNumberConfigError(f"{where}.kind must be one of {', '.join(KINDS)}, not {kind!r}")
        patterns = row.get("patterns") or []
        if not isinstance(patterns, list) or not patterns:
            raise CaseNumberConfigError(f"{where}.patterns must be a non-empty list")
        try:
            compiled = tuple(re.compile(str(p)) for p in patterns)
        except re.error as exc:
            raise CaseNumberConfigError(f"{where}.patterns: {exc}") from exc
        example = normalize_case_no(str(row.get("example") or ""))
        if not any(p.fullmatch(example) for p in compiled):
            raise CaseNumberConfigError(f"{where}.example {example!r} matches none of its patterns")
        for key in ("name", "label"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise CaseNumberConfigError(f"{where}.{key} is required")
        schemes.append(Scheme(kind, row["name"].strip(), row["label"].strip(), compiled, str(row["example"]).strip()))
    return tuple(schemes)


@lru_cache(maxsize=4)
def _schemes_at(path: str) -> tuple[Scheme, ...]:
    return _load(Path(path))


def schemes() -> tuple[Scheme, ...]:
    """The numbering schemes, validated (a broken file raises CaseNumberConfigError at start-up)."""
    return _schemes_at(str(get_settings().knowledge_dir / "case_numbers.yml"))


def scheme_of(number: str) -> Optional[Scheme]:
    for scheme in schemes():
        if any(p.fullmatch(number) for p in scheme.patterns):
            return scheme
    return None


def scheme_for_kind(kind: str) -> Scheme:
    for scheme in schemes():
        if scheme.kind == kind:
            return scheme
    raise CaseNumberConfigError(f"knowledge/case_numbers.yml has no source of kind {kind!r}")


def example_hint(kind: str) -> str:
    """'受理编号（例如 SP20261113001）' for prompts; the example comes from the configuration."""
    scheme = scheme_for_kind(kind)
    return f"{scheme.label}（例如 {scheme.example}）"


def _implausible(number: str) -> bool:
    """Shapes that are something else: a mobile number, an ID number, a date."""
    return is_valid_mobile(number) or is_valid_id_number(number) or bool(_DATE.match(number))


@dataclass(frozen=True)
class Candidate:
    number: str          # normalised
    start: int           # span in the normalised text
    end: int
    plausible: bool      # not a mobile/ID/date shape
    scheme: Optional[Scheme]


def _prepare(text: str) -> str:
    # NFKC keeps the length of ASCII-range text, so spans map back onto the normalised message;
    # a document number's brackets and words become spaces (same length) so its parts join in one run.
    norm = _DASHES.sub("-", unicodedata.normalize("NFKC", text or "").upper())
    norm = CASE_DOC_WORDS.sub(lambda m: " " * len(m.group()), norm)
    return CASE_BRACKETS.sub(" ", norm)


def candidates(text: str) -> list[Candidate]:
    """Every span of whole space-separated pieces of a run that could be a case number, longest
    first. "SP 2026 1113 001 7552" gives SP202611130017552, SP20261113001, … so the data can decide
    where the number ends and the phone digits begin."""
    norm = _prepare(text)
    out: list[Candidate] = []
    seen: set[str] = set()
    for run in _RUN.finditer(norm):
        pieces = [(m.start() + run.start(), m.end() + run.start(), m.group())
                  for m in re.finditer(r"[A-Z0-9-]+", run.group())]
        # "180 9001 3388" is a phone number: none of its parts is a plausible case number.
        whole_implausible = _implausible(normalize_case_no(run.group()))
        for i in range(len(pieces)):
            for j in range(len(pieces), i, -1):
                number = normalize_case_no("".join(p[2] for p in pieces[i:j]))
                if number in seen or not is_case_no_shape(number):
                    continue
                seen.add(number)
                plausible = not whole_implausible and not _implausible(number)
                out.append(Candidate(number, pieces[i][0], pieces[j - 1][1], plausible, scheme_of(number)))
    out.extend(_with_office(text, norm, out, seen))
    out.sort(key=lambda c: (-len(c.number), c.start))
    return out


# Chinese characters right before a document number's opening bracket: its issuing office's 代字.
_OFFICE_BEFORE_BRACKET = re.compile(r"([\u4e00-\u9fff]+)[(\[{〔【〖]")


def _with_office(text: str, norm: str, found: list[Candidate], seen: set[str]) -> list[Candidate]:
    """"广区审受〔2026〕第1187号": the number with each possible length of the 代字 before it (the words
    before it are the citizen's: "上面写的是广区审受"). Only the data can tell which is the number, so
    these are never plausible on their own (bot.cases.numbers.pick)."""
    raw = unicodedata.normalize("NFKC", text or "").upper()
    if len(raw) != len(norm):
        return []
    out = []
    for m in _OFFICE_BEFORE_BRACKET.finditer(raw):
        office = m.group(1)
        for c in [c for c in found if c.start in (m.end(), m.end() - 1)]:
            for k in range(1, min(CASE_OFFICE_MAX_CHARS, len(office)) + 1):
                number = office[-k:] + c.number
                if number not in seen and is_case_no_shape(number):
                    seen.add(number)
                    out.append(Candidate(number, m.start(1) + len(office) - k, c.end, False, None))
    return out


def pick(found: Iterable[Candidate], known: dict[str, str]) -> Optional[tuple[Candidate, Optional[str]]]:
    """The number a message is about, with its kind when the data holds it: a number in the data
    first (longest), else one of a configured scheme, else any plausible candidate."""
    found = list(found)
    for c in found:
        if c.number in known:
            return c, known[c.number]
    for c in found:
        if c.scheme is not None and c.plausible:
            return c, None
    for c in found:
        if c.plausible:
            return c, None
    return None


def digits_outside(text: str, span: Optional[tuple[int, int]] = None) -> Optional[str]:
    """The phone digits a citizen gave: the last four of a mobile number, or a lone group of four
    digits ("后四位是7552"), outside the case number's span. None when there are none or several."""
    norm = _prepare(text)
    if span:
        norm = norm[:span[0]] + " " * (span[1] - span[0]) + norm[span[1]:]
    mobiles = {re.sub(r"\D", "", m.group(1)) for m in _MOBILE_IN_TEXT.finditer(norm)}
    mobiles = {m for m in mobiles if len(m) == 11}
    if len(mobiles) == 1:
        return next(iter(mobiles))[-4:]
    if mobiles:
        return None
    groups = [m for m in _FOUR_DIGITS.finditer(norm) if not _COUNTED.match(norm[m.end():m.end() + 1])]
    values = {m.group(1) for m in groups}
    return values.pop() if len(values) == 1 else None
