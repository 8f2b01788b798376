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
from bot.tickets.emergency import emergency_in, happens_at
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
    no_wrongdoer: tuple = ()  # matters that are nobody's wrongdoing (流浪狗, 马蜂窝): never a report
    wrongdoing: tuple = ()  # unlawful acts against the public (无证行医, 赌博): a complaint of one is a report


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
    no_wrongdoer = tuple(str(w) for w in data.get("no_wrongdoer") or ())
    wrongdoing = tuple(str(w) for w in data.get("wrongdoing") or ())
    return Rules(intents, tuple(categories), tuple(urgent), no_wrongdoer, wrongdoing)


def rules() -> Rules:
    return _rules(str(get_settings().knowledge_dir / "routing" / "classify.yml"))


def urgent_reason(text: str) -> Optional[str]:
    text = normalize_text(text or "")
    for pattern in rules().urgent:
        for m in pattern.finditer(text):
            if happens_at(text, m.start()):  # "万一着火" fears a fire, it reports none
                return m.group(0)
    return None


_EXPLICIT = re.compile(r"举报|投诉|表扬|建议|求助")


_NEGATED = re.compile(r"(不是|不算|也不算|不要|不想)$")
# "楼上住户天天打12345投诉我们噪音", "我被举报了": the citizen is the one complained about, so the word
# names what others did, not the kind of the citizen's own request.
# "我要投诉我们小区物业" is the citizen's own complaint about "our 小区's 物业".
_AGAINST_ME = re.compile(r"(被|遭|挨)(人|别人|邻居|住户)?.{0,3}(投诉|举报)"
                         r"|(?<!我要)(?<!我想)(?<!我来)(?<!我就)(?<!我)(投诉|举报|告)了?(我们家|我们店|我家|我们|我|咱们)"
                         r"(?![\u4e00-\u9fff]{0,2}(小区|村|社区|单位|公司|物业|学校|医院|楼|街|镇|乡|这|那|的|老板|领导|家长|老师))")
# "我想问清楚到底几点可以施工": what the one complained about asks is a question
_ASKS = re.compile(r"想问|问一下|问下|问清楚|请问|搞清楚|弄清楚|几点|多久|啥时候|什么时候|可不可以|能不能|[?？吗]")


def against_citizen(text: str) -> bool:
    """Whether the message tells that others complained about or reported the citizen."""
    return bool(_AGAINST_ME.search(normalize_text(text or "")))


def named_category(text: str) -> Optional[str]:
    """The category the citizen names, the last one said and not denied: "我要投诉…" then "不是投诉
    是建议" names 建议; "邻居投诉我们" names none (it is what the neighbours did)."""
    text = normalize_text(text or "")
    against = [m.span() for m in _AGAINST_ME.finditer(text)]
    named = [m.group(0) for m in _EXPLICIT.finditer(text)
             if not _NEGATED.search(text[max(0, m.start() - 3):m.start()]) and m.group(0) in CATEGORIES
             and not any(a <= m.start() < b for a, b in against)]
    return named[-1] if named else None


def _names(r: Rules, category: str, text: str) -> bool:
    """Whether the text holds one of the keywords of ``category``."""
    return any(any(w in text for w in words) for c, words in r.categories if c == category)


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
    if against_citizen(text):
        # the one complained about asks what the rules are ("被投诉了 到底几点到几点可以施工"); the word
        # 投诉 in the story does not make the request a complaint
        if _ASKS.search(text):
            return DEFAULT_CATEGORY
        if intent in ("complain", "report"):
            intent = None
    if intent and intent in r.intents:
        category = r.intents[intent]
        if category == "举报" and not _names(r, "举报", text) and any(w in text for w in r.no_wrongdoer):
            # a stray dog or a wasp nest is nobody's wrongdoing: no report, whatever the classifier read
            category = "投诉" if _names(r, "投诉", text) else "求助"
        elif category == "举报" and not _names(r, "举报", text) and not any(w in text for w in r.wrongdoing) \
                and _ASKS.search(text) and not tells_problem(text):
            # "耕地地力保护补贴今年发了没有哦？": a question that tells no problem and names nobody's wrongdoing
            # reports nothing, whatever the classifier read
            category = "投诉" if _names(r, "投诉", text) else DEFAULT_CATEGORY
        elif category == "举报" and not _names(r, "举报", text) and _names(r, "投诉", text):
            # "楼下垃圾站天天臭得很 没人清": a nuisance named with no word of an unlawful act is a complaint
            category = "投诉"
        if category == "投诉" and any(w in text for w in r.wrongdoing):
            return "举报"  # "村里有人无证行医 给人打吊针": unlawful acts against the public are reported
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
