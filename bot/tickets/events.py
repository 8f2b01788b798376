"""Hot issues (热点问题) as events, and the evidence that ties a new ticket to one (一事多诉).

An **event** is one problem at one place within a time window: tickets whose problem type (the
dispatch catalog's matter types, bot.knowledge.dispatch, plus the words of the request) agree,
whose places agree (街道/镇/乡 from knowledge/gazetteer.yml and the 小区/村/路 below it, read by
bot.tickets.places), and each of which came within ``window_days`` of the event's latest ticket.
Parameters, the heat index and the filler words that never form a topic: knowledge/hot_issues.yml
(docs/tickets.md, "Hot issues").

Pure functions over :class:`Item` (a ticket's fields); bot.tickets.hot reads the database.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import yaml

from bot.knowledge.loader import KnowledgeError
from bot.settings import get_settings

FILE_NAME = "hot_issues.yml"


# --- parameters ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class HotParams:
    window_days: float = 7.0
    min_tickets: int = 2
    top_events: int = 10
    citizen_weight: float = 2.0
    urgent_weight: float = 1.0
    half_life_hours: float = 72.0
    alert_hours: float = 24.0
    alert_min_new: int = 3
    alert_min_citizens: int = 3
    alert_ratio: float = 3.0
    stopwords: frozenset = frozenset()

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_days)


def _number(raw: dict, key: str, where: str, problems: list, default, kind=float, low=0.0):
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and int(value) != value):
        problems.append(f"{where}.{key}: 应为{'整数' if kind is int else '数字'}")
        return default
    if value <= low:
        problems.append(f"{where}.{key}: 应大于 {low:g}")
        return default
    return kind(value)


def parse_params(raw, where: str = FILE_NAME) -> HotParams:
    """The parameters from the YAML mapping; raises KnowledgeError naming every problem."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        raise KnowledgeError([f"{where}: 顶层应为映射"])
    heat = raw.get("heat") or {}
    alert = raw.get("alert") or {}
    for name, value in (("heat", heat), ("alert", alert)):
        if not isinstance(value, dict):
            problems.append(f"{where}.{name}: 应为映射")
    heat = heat if isinstance(heat, dict) else {}
    alert = alert if isinstance(alert, dict) else {}
    stop = raw.get("stopwords") or []
    if not isinstance(stop, list) or not all(isinstance(w, str) and w.strip() for w in stop):
        problems.append(f"{where}.stopwords: 应为文字列表")
        stop = []
    d = HotParams()
    params = HotParams(
        window_days=_number(raw, "window_days", where, problems, d.window_days),
        min_tickets=_number(raw, "min_tickets", where, problems, d.min_tickets, int),
        top_events=_number(raw, "top_events", where, problems, d.top_events, int),
        citizen_weight=_number(heat, "citizen_weight", where + ".heat", problems, d.citizen_weight, low=-1e-9),
        urgent_weight=_number(heat, "urgent_weight", where + ".heat", problems, d.urgent_weight, low=-1e-9),
        half_life_hours=_number(heat, "half_life_hours", where + ".heat", problems, d.half_life_hours),
        alert_hours=_number(alert, "hours", where + ".alert", problems, d.alert_hours),
        alert_min_new=_number(alert, "min_new", where + ".alert", problems, d.alert_min_new, int),
        alert_min_citizens=_number(alert, "min_citizens", where + ".alert", problems, d.alert_min_citizens, int),
        alert_ratio=_number(alert, "ratio", where + ".alert", problems, d.alert_ratio),
        stopwords=frozenset(w.strip() for w in stop),
    )
    if problems:
        raise KnowledgeError(problems)
    return params


@lru_cache(maxsize=4)
def _params_at(path: str, mtime: float) -> HotParams:
    return parse_params(yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}, FILE_NAME)


def load_params() -> HotParams:
    """knowledge/hot_issues.yml (defaults when the file is absent)."""
    path = get_settings().knowledge_dir / FILE_NAME
    if not path.exists():
        return HotParams()
    return _params_at(str(path), path.stat().st_mtime)


# --- what a ticket is about and where ------------------------------------------------------------
@dataclass(frozen=True)
class PlaceKey:
    division: str = ""   # 街道/镇/乡 of the gazetteer ("枣山街道")
    site: str = ""       # the 小区/村/路/市场… below it ("幸福小区"), units (栋/单元/号) left out

    @property
    def label(self) -> str:
        return (self.division + self.site) or ""

    def compatible(self, other: "PlaceKey") -> Optional[str]:
        """How the two places agree: "site" (same 小区/村/路), "division" (same 街道, no site on
        either side) or None (different, or nothing known)."""
        if self.division and other.division and self.division != other.division:
            return None
        if self.site and other.site:
            a, b = self.site, other.site
            same = a == b or (min(len(a), len(b)) >= 3 and (a in b or b in a))
            return "site" if same else None
        if self.division and other.division and not self.site and not other.site:
            return "division"
        return None


# Named sites below the 街道/镇, most specific kind first (a 小区 places a matter better than its road).
_SITE_KINDS = ("小区|花园|家园|公寓|大厦|社区|新村|村|市场|夜市|商场|广场|公园|医院|小学|中学|学校|幼儿园|车站",
               "大道|大街|路|街|巷")
_SITE_RES = [re.compile(r"([\u4e00-\u9fffA-Za-z0-9]{1,10}?(?:" + kinds + r"))") for kinds in _SITE_KINDS]
_LEAD = re.compile(r"^(?:我们|我家|我住|住在|我在|在|位于|这个|那个|就是|是|的|旁边|对面|门口|附近|那边|这边)+")
_PARTICLES = re.compile(r"[在的了到去从住]")
_UNIT_TAIL = re.compile(r"\d+(?:栋|幢|号楼|单元|组|号|楼|室).*$")
_BARE_SITE = re.compile(r"^(?:这个|那个|我们|我家|你们|某个?|一个|哪个)?(?:小区|社区|村|路|街|市场|广场|公园|学校|医院|夜市|商场)$")


def place_key(location: Optional[str], text: Optional[str]) -> PlaceKey:
    """The normalised place of a ticket: its location field, else the place its text names."""
    return _place_key((location or "")[:200], (text or "")[:1000])


@lru_cache(maxsize=20000)
def _place_key(location: str, text: str) -> PlaceKey:
    from bot.tickets.places import division_in, place_in

    phrase = None
    for source in (location, text):
        if source and source.strip():
            phrase = place_in(source) or None
            if phrase:
                break
    division = ""
    for source in (phrase, location, text):
        found = division_in(source or "")
        if found:
            division = found[0].name
            break
    if not phrase:
        return PlaceKey(division, "")
    rest = phrase
    if division:
        from bot.tickets.places import divisions

        short = next((d.short for d in divisions() if d.name == division), "")
        rest = rest.replace(division, " ")
        if short:  # "枣山那边的幸福小区": the 街道 said by its short name
            rest = re.sub(re.escape(short) + r"(?:街道|镇|乡|那边|这边|附近|场镇|街上)?的?", " ", rest)
    rest = _UNIT_TAIL.sub("", rest)
    site = ""
    for pattern in _SITE_RES:
        for m in pattern.finditer(rest):
            # "孩子在学校": what comes before a particle is no part of the name
            candidate = _LEAD.sub("", _PARTICLES.split(m.group(1))[-1])
            if len(candidate) >= 3 and not _BARE_SITE.match(candidate):
                site = candidate
                break
        if site:
            break
    return PlaceKey(division, site)


@dataclass(frozen=True)
class Problem:
    matters: tuple[str, ...]        # "区水务局/排水与城市内涝", best first (at most two)
    names: tuple[str, ...]          # matter names, same order
    phrases: tuple[str, ...]        # catalog phrases the text matched for the first matter
    grams: frozenset                # character bigrams of the text without filler words

    @property
    def matter(self) -> Optional[str]:
        return self.matters[0] if self.matters else None


_NON_CJK = re.compile(r"[^\u4e00-\u9fffA-Za-z]")


def _grams(text: str, stopwords: frozenset) -> frozenset:
    text = _NON_CJK.sub(" ", text)
    for word in sorted(stopwords, key=len, reverse=True):
        if len(word) >= 2:
            text = text.replace(word, " ")
    return frozenset(text[i:i + 2] for i in range(len(text) - 1) if " " not in text[i:i + 2])


@lru_cache(maxsize=4)
def _catalog_at(path: str, mtime: float):
    from bot.knowledge.dispatch import load_dispatch_catalog

    return load_dispatch_catalog(path)


def dispatch_catalog():
    """The dispatch catalog (None when the file is absent), reloaded when the file changes."""
    path = get_settings().knowledge_dir / "dispatch_catalog.yml"
    if not path.exists():
        return None
    return _catalog_at(str(path), path.stat().st_mtime)


@lru_cache(maxsize=20000)
def _problem_cached(text: str, stopwords: frozenset) -> Problem:
    from bot.knowledge.dispatch import fold

    catalog = dispatch_catalog()
    matters, names, phrases = [], [], ()
    if catalog is not None:
        hits = catalog.match(text).matters
        for i, hit in enumerate(hits[:2]):
            # a second matter type counts only when it is nearly as strong as the first
            if i and hit.score < 0.6 * hits[0].score:
                break
            matters.append(f"{hit.department}/{hit.matter.name}")
            names.append(hit.matter.name)
        if hits:
            phrases = hits[0].phrases
    return Problem(tuple(matters), tuple(names), tuple(phrases), _grams(fold(text), stopwords))


def problem_of(text: Optional[str], params: Optional[HotParams] = None) -> Problem:
    params = params or load_params()
    return _problem_cached((text or "")[:1000], params.stopwords)


def _place_free_grams(text: Optional[str], place: PlaceKey, params: HotParams) -> frozenset:
    """What the text says about the problem: a shared place name is no evidence of a shared problem."""
    return _place_free_grams_cached((text or "")[:1000], place, params.stopwords)


@lru_cache(maxsize=20000)
def _place_free_grams_cached(text: str, place: PlaceKey, stopwords: frozenset) -> frozenset:
    from bot.knowledge.dispatch import fold
    from bot.tickets.places import divisions

    text = fold(text)
    names = [place.site, place.division]
    if place.division:
        names += [d.short for d in divisions() if d.name == place.division]
    for name in sorted((n for n in names if n), key=len, reverse=True):
        text = text.replace(fold(name), " ")
    return _grams(text, stopwords)


def similarity(a: frozenset, b: frozenset) -> float:
    """Dice coefficient of two bigram sets."""
    if not a or not b:
        return 0.0
    return 2 * len(a & b) / (len(a) + len(b))


# --- items and events ----------------------------------------------------------------------------
@dataclass
class Item:
    """One ticket (or one assisted hotline call, ``kind == "call"``, with a negative id) as grouping sees it."""
    id: int
    ticket_no: str
    created_at: datetime
    text: str
    location: Optional[str] = None
    urgent: bool = False
    status: str = "pending_dispatch"
    department: Optional[str] = None
    citizen: Optional[str] = None           # phone or conversation: distinct citizens are counted by it
    lead_id: Optional[int] = None           # an active 一事多诉 link to this lead ticket
    apart_from: frozenset = frozenset()     # tickets an undone link keeps it apart from
    problem: Optional[Problem] = None
    place: Optional[PlaceKey] = None
    grams: frozenset = frozenset()          # bigrams of the text without filler words and without the place
    kind: str = "ticket"                    # or "call": a hotline call answered without a ticket (bot.tickets.calls)

    def analyse(self, params: HotParams) -> "Item":
        if self.problem is None:
            self.problem = problem_of(self.text, params)
        if self.place is None:
            self.place = place_key(self.location, self.text)
            self.grams = _place_free_grams(self.text, self.place, params)
        return self

    @property
    def at(self) -> datetime:
        return self.created_at if self.created_at.tzinfo else self.created_at.replace(tzinfo=timezone.utc)


@dataclass
class Evidence:
    score: float
    matter: Optional[str]
    matter_name: Optional[str]
    phrases: tuple
    place: str
    place_match: str
    similarity: float
    hours_apart: float

    def as_json(self, lead_no: Optional[str] = None) -> dict:
        parts = []
        if self.matter_name:
            parts.append(f"同一事项「{self.matter_name}」" + (f"（{'、'.join(self.phrases[:3])}）" if self.phrases else ""))
        if self.place:
            parts.append(f"同一地点「{self.place}」" if self.place_match == "site" else f"同一街道「{self.place}」")
        parts.append(f"相隔{_hours_text(self.hours_apart)}")
        parts.append(f"文字相似度{self.similarity:.2f}")
        out = {"matter": self.matter, "matter_name": self.matter_name, "phrases": list(self.phrases),
               "place": self.place, "place_match": self.place_match, "similarity": round(self.similarity, 3),
               "hours_apart": round(self.hours_apart, 1), "score": round(self.score, 3),
               "text": "，".join(parts)}
        if lead_no:
            out["lead"] = lead_no
            out["text"] = f"与工单{lead_no}：" + out["text"]
        return out


def _hours_text(hours: float) -> str:
    if hours < 1:
        return "不到1小时"
    if hours < 48:
        return f"{int(round(hours))}小时"
    return f"{int(round(hours / 24))}天"


# Thresholds of the text similarity (bigram Dice) by what else agrees.
SIM_SAME_MATTER_DIVISION = 0.25   # same matter type, only the 街道 known on both sides
SIM_SAME_MATTER_NO_PLACE = 0.45   # same matter type, no place on one side
SIM_MATTER_AND_NONE = 0.40        # one side without a matter type, same site
SIM_NO_MATTER_SITE = 0.30         # neither has a matter type, same site
SIM_NO_MATTER_NO_PLACE = 0.65     # neither has a matter type nor a place


def pair_evidence(a: Item, b: Item) -> Optional[Evidence]:
    """Why ``b`` is about the same event as ``a`` (None when it is not). Both analysed."""
    pa, pb = a.problem, b.problem
    place_match = a.place.compatible(b.place)
    # a matter type both share that is first on at least one side
    matter = next((m for m in pa.matters if m in pb.matters and m in (pa.matter, pb.matter)), None)
    if pa.matter and pb.matter:
        if matter is None:
            return None
        if place_match == "site":
            need = 0.0
        elif place_match == "division":
            need = SIM_SAME_MATTER_DIVISION
        elif a.place.label and b.place.label:
            return None
        else:
            need = SIM_SAME_MATTER_NO_PLACE
    elif pa.matter or pb.matter:
        if place_match != "site":
            return None
        need, matter = SIM_MATTER_AND_NONE, pa.matter or pb.matter
    elif place_match == "site":
        need = SIM_NO_MATTER_SITE
    elif not a.place.label and not b.place.label:
        need = SIM_NO_MATTER_NO_PLACE
    else:
        return None
    sim = similarity(a.grams, b.grams)
    if sim < need:
        return None
    return _evidence(a, b, matter, place_match, sim)


def _evidence(a: Item, b: Item, matter: Optional[str], place_match: Optional[str], sim: float) -> Evidence:
    pa, pb = a.problem, b.problem
    score = sim + (1.0 if matter else 0.0) + {"site": 1.0, "division": 0.3}.get(place_match, 0.0)
    name = matter.split("/", 1)[1] if matter else None
    place = a.place if len(a.place.label) >= len(b.place.label) else b.place
    merged = list(dict.fromkeys(p for p in (pb.phrases if pb.matter == matter else ()) + (
        pa.phrases if pa.matter == matter else ())))
    # a phrase inside a longer matched one says nothing more ("下水道" in "下水道堵")
    phrases = tuple(p for p in merged if not any(p != q and p in q for q in merged))
    hours = abs((b.at - a.at).total_seconds()) / 3600
    return Evidence(score, matter, name, phrases, place.label if place_match else "", place_match or "none",
                    sim, hours)


MAX_COMPARED = 12  # members a new ticket is compared with: the lead and the latest ones


@dataclass
class Event:
    items: list = field(default_factory=list)
    links: dict = field(default_factory=dict)  # ticket id → Evidence of how it joined
    ids: set = field(default_factory=set)
    firsts: set = field(default_factory=set)   # the first matter type of each member
    apart: set = field(default_factory=set)    # tickets an undone link keeps away from a member
    last_at: Optional[datetime] = None

    def add(self, item: Item) -> None:
        self.items.append(item)
        self.ids.add(item.id)
        self.firsts.update(item.problem.matters[:1])
        self.apart |= item.apart_from
        self.last_at = item.at if self.last_at is None or item.at > self.last_at else self.last_at

    @property
    def lead(self) -> Item:
        return self.items[0]

    @property
    def first_at(self) -> datetime:
        return min(i.at for i in self.items)

    def citizens(self) -> int:
        return len({i.citizen or f"ticket:{i.id}" for i in self.items})

    def matter(self) -> Optional[str]:
        counts = Counter(i.problem.matter for i in self.items if i.problem.matter)
        return counts.most_common(1)[0][0] if counts else None

    def place(self) -> PlaceKey:
        sites = Counter(i.place.site for i in self.items if i.place.site)
        divisions = Counter(i.place.division for i in self.items if i.place.division)
        return PlaceKey(divisions.most_common(1)[0][0] if divisions else "",
                        sites.most_common(1)[0][0] if sites else "")

    def best_match(self, item: Item, window: timedelta) -> Optional[tuple[Item, Evidence]]:
        """The member ``item`` agrees with best (None when none does, or it is kept apart)."""
        if item.at - self.last_at > window or item.apart_from & self.ids or item.id in self.apart:
            return None
        if item.problem.matters and self.firsts and not self.firsts & set(item.problem.matters) and not any(
                item.problem.matter in i.problem.matters for i in self.items):
            # single-link through a member without a matter type must not join two different problems
            return None
        members = self.items if len(self.items) <= MAX_COMPARED else [self.items[0]] + self.items[1 - MAX_COMPARED:]
        best = None
        for member in members:
            ev = pair_evidence(member, item)
            if ev is not None and (best is None or ev.score > best[1].score):
                best = (member, ev)
        return best


def group(items: Iterable[Item], params: Optional[HotParams] = None) -> list[Event]:
    """Tickets grouped into events, oldest first. A ticket joins the event it agrees with best
    whose latest ticket is at most ``window_days`` older; an active link puts it with its lead
    whatever the text says, an undone link keeps the two apart."""
    params = params or load_params()
    ordered = sorted((i.analyse(params) for i in items), key=lambda i: (i.at, i.id))
    events: list[Event] = []
    event_of: dict[int, Event] = {}
    index = _Buckets()
    for item in ordered:
        target = event_of.get(item.lead_id) if item.lead_id else None
        evidence = None
        if target is None:
            best = None
            for event in index.candidates(item):
                found = event.best_match(item, params.window)
                if found and (best is None or found[1].score > best[1].score):
                    best = (event, found[1])
            if best:
                target, evidence = best
        if target is None:
            target = Event()
            events.append(target)
        elif evidence is None:  # joined by a link: still show how it agrees with its lead
            evidence = pair_evidence(target.lead, item)
        target.add(item)
        index.add(target, item)
        if evidence is not None:
            target.links[item.id] = evidence
        event_of[item.id] = target
    return events


class _Buckets:
    """Events by the matter types, sites and 街道 of their tickets: a ticket is compared only with
    the events it could agree with (pair_evidence needs a shared matter type, or a shared place,
    or — both without a matter type — near-identical words)."""

    def __init__(self) -> None:
        self.by_matter: dict[str, list] = {}
        self.by_place: dict[str, list] = {}
        self.without_matter: list = []

    def add(self, event: Event, item: Item) -> None:
        for m in item.problem.matters:
            _append_once(self.by_matter.setdefault(m, []), event)
        if item.place.site:
            _append_once(self.by_place.setdefault(item.place.site, []), event)
        if not item.problem.matters:
            _append_once(self.without_matter, event)

    def candidates(self, item: Item) -> list[Event]:
        found: dict[int, Event] = {}
        for m in item.problem.matters:
            found.update((id(e), e) for e in self.by_matter.get(m, ()))
        if item.place.site:  # a member without a matter type at the same site
            found.update((id(e), e) for e in self.by_place.get(item.place.site, ()))
        if not item.problem.matters and not item.place.label:
            found.update((id(e), e) for e in self.without_matter)
        return list(found.values())


def _append_once(bucket: list, event: Event) -> None:
    if not bucket or bucket[-1] is not event:
        if event not in bucket[-8:]:
            bucket.append(event)


# --- heat, titles, alerts ------------------------------------------------------------------------
def span_days(event: Event) -> int:
    """Calendar days (Asia/Shanghai) the event covers, first and last included."""
    from bot.tickets.sla import local_tz

    tz = local_tz()
    return (event.last_at.astimezone(tz).date() - event.first_at.astimezone(tz).date()).days + 1


def heat(event: Event, now: datetime, params: HotParams) -> float:
    n = len(event.items)
    citizens = event.citizens()
    urgent_share = sum(1 for i in event.items if i.urgent) / n
    age_hours = max(0.0, (now - event.last_at).total_seconds() / 3600)
    recency = 0.5 ** (age_hours / params.half_life_hours)
    span = (event.last_at - event.first_at).total_seconds() / 86400
    value = ((n + params.citizen_weight * (citizens - 1)) * (1 + params.urgent_weight * urgent_share)
             * recency * (1 + 1 / (1 + span)))
    return round(value, 2)


_WORD_SPLIT = re.compile(r"[^\u4e00-\u9fff]+")


def topic_words(event: Event, params: HotParams) -> list[str]:
    """Words most members say (for an event no matter type names): never a filler word, a place
    word or part of the event's place."""
    import jieba

    place = event.place()
    counts: Counter = Counter()
    for item in event.items:
        words = set()
        for chunk in _WORD_SPLIT.split(item.text or ""):
            for w in jieba.lcut(chunk):
                if (len(w) >= 2 and w not in params.stopwords and not _BARE_SITE.match(w)
                        and w not in place.label and not any(w in s for s in params.stopwords if len(s) > len(w))):
                    words.add(w)
        counts.update(words)
    need = max(2, math.ceil(0.6 * len(event.items)))
    return [w for w, c in counts.most_common(6) if c >= need][:2]


def problem_label(event: Event, params: HotParams) -> str:
    matter = event.matter()
    if matter:
        phrases: Counter = Counter()
        for item in event.items:
            if item.problem.matter == matter:
                phrases.update(item.problem.phrases)
        top = []
        for phrase, _ in phrases.most_common():
            words = phrase.replace("+", "")
            if words in params.stopwords or any(words in t or t in words for t in top):
                continue
            top.append(words)
            if len(top) == 2:
                break
        return "、".join(top) if top else matter.split("/", 1)[1]
    words = topic_words(event, params)
    return "、".join(words) if words else "同类诉求"


def title(event: Event, params: HotParams) -> str:
    from bot.privacy import mask

    place = event.place().label or "地点未明"
    calls = sum(1 for i in event.items if i.kind == "call")
    counts = [f"{len(event.items) - calls}件"] if calls < len(event.items) else []
    counts += [f"{calls}通来电"] if calls else []  # calls answered without a ticket (bot.tickets.calls)
    return mask(f"{place} {problem_label(event, params)} — {' '.join(counts)} {event.citizens()}人 {span_days(event)}天")


def growth(event: Event, now: datetime, params: HotParams) -> dict:
    """New tickets and citizens in the last ``alert.hours`` and whether that is unusually fast."""
    since = now - timedelta(hours=params.alert_hours)
    recent = [i for i in event.items if i.at >= since]
    before = [i for i in event.items if i.at < since]
    citizens = len({i.citizen or f"ticket:{i.id}" for i in recent})
    if before:
        days_before = max(1.0, (since - min(i.at for i in before)).total_seconds() / 86400)
        daily = len(before) / days_before
    else:
        daily = 0.0
    fast = (len(recent) >= params.alert_min_new and citizens >= params.alert_min_citizens
            and len(recent) >= params.alert_ratio * max(daily, 1.0 / params.alert_ratio) * (params.alert_hours / 24))
    return {"new": len(recent), "new_citizens": citizens, "daily_before": round(daily, 2), "alert": bool(fast)}
