"""Category (咨询 求助 投诉 举报 建议 表扬) and urgency of a citizen's request, from the NLU intent
and keywords in knowledge/routing/classify.yml."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from bot.nlu.normalize import normalize_text
from bot.nlu.readings import is_praise, tells_problem
from bot.settings import get_settings
from bot.tickets.emergency import emergency_in
from bot.tickets.sla import CATEGORIES

DEFAULT_CATEGORY = "咨询"
_SOFT_CATEGORIES = ("咨询", "求助", "建议")
_WRONG_CATEGORIES = ("举报", "投诉")


@dataclass(frozen=True)
class Classification:
    category: str
    urgent: bool
    urgent_reason: Optional[str] = None


@dataclass(frozen=True)
class Rules:
    intents: dict
    categories: tuple  # ((category, (keyword, ...)), ...)
    urgent: tuple      # compiled patterns


@lru_cache(maxsize=2)
def _rules(path: str) -> Rules:
    p = Path(path)
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    intents = {str(k): str(v) for k, v in (data.get("intents") or {}).items()}
    for intent, category in intents.items():
        if category not in CATEGORIES:
            raise ValueError(f"{p}: intents.{intent}: unknown category {category!r}")
    categories = []
    for category, words in (data.get("categories") or {}).items():
        if category not in CATEGORIES:
            raise ValueError(f"{p}: categories: unknown category {category!r}")
        categories.append((category, tuple(str(w) for w in words or ())))
    urgent = []
    for i, pattern in enumerate(data.get("urgent") or []):
        try:
            urgent.append(re.compile(str(pattern)))
        except re.error as exc:
            raise ValueError(f"{p}: urgent[{i}] is not a valid regular expression: {exc}") from exc
    return Rules(intents, tuple(categories), tuple(urgent))


def rules() -> Rules:
    return _rules(str(get_settings().knowledge_dir / "routing" / "classify.yml"))


def urgent_reason(text: str) -> Optional[str]:
    text = normalize_text(text or "")
    for pattern in rules().urgent:
        m = pattern.search(text)
        if m:
            return m.group(0)
    return None


_EXPLICIT = re.compile(r"举报|投诉|表扬|建议|求助")


_NEGATED = re.compile(r"(不是|不算|也不算|不要|不想)$")


def named_category(text: str) -> Optional[str]:
    """The category the citizen names, the last one said and not denied: "我要投诉…" then "不是投诉
    是建议" names 建议."""
    text = normalize_text(text or "")
    named = [m.group(0) for m in _EXPLICIT.finditer(text)
             if not _NEGATED.search(text[max(0, m.start() - 3):m.start()]) and m.group(0) in CATEGORIES]
    return named[-1] if named else None


def category_of(text: str, intent: Optional[str] = None) -> str:
    """The category the citizen names ("举报！…"), else the intent's, else by keywords. A "praise"
    reading of a message without a word of thanks is not trusted."""
    r = rules()
    text = normalize_text(text or "")
    named = named_category(text)
    if named:
        return named
    if intent == "praise" and not is_praise(text):
        intent = None
    if intent and intent in r.intents:
        category = r.intents[intent]
        # "卖菜的把路都占完了", "护工打老人": a wrong done by someone is a complaint or report, whatever
        # the classifier thought of the wording
        if category in _SOFT_CATEGORIES:
            for wrong, words in r.categories:
                if wrong in _WRONG_CATEGORIES and any(w in text for w in words):
                    return wrong
        if category in ("咨询", "求助"):  # "能不能多开两趟车" asks for a change: a suggestion
            for suggestion, words in r.categories:
                if suggestion == "建议" and any(w in text for w in words):
                    return suggestion
        return category
    for category, words in r.categories:
        if any(w in text for w in words):
            return category
    # a problem told for registration ("自来水放出来是黄的") asks for help, it is no mere question
    return "求助" if tells_problem(text) else DEFAULT_CATEGORY


def classify(text: str, intent: Optional[str] = None) -> Classification:
    return _classified(str(get_settings().knowledge_dir), text, intent)


@lru_cache(maxsize=1024)  # the ticket form classifies the same description at every step
def _classified(_knowledge_dir: str, text: str, intent: Optional[str]) -> Classification:
    emergency = emergency_in(text) if intent != "praise" else None
    reason = urgent_reason(text) or (emergency.kind if emergency else None)
    category = category_of(text, intent)
    named = named_category(text)
    if not named and (emergency is not None or reason is not None and category in (DEFAULT_CATEGORY, "建议")):
        category = "求助"  # a danger is a call for help, not a question, suggestion or report of someone
    return Classification(category, reason is not None, reason)
