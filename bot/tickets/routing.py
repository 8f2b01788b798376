"""Which department should handle a request: top-3 departments with scores and the reason for each.

Three signals, combined:
- a classifier (TF-IDF over character 1–3-grams + logistic regression) trained on the labelled
  requests in knowledge/routing/train.yml, the example requests of the dispatch catalog
  (knowledge/dispatch_catalog.yml) and each department's keywords from knowledge/departments.yml;
- keyword matching against knowledge/departments.yml ``keywords`` and ``aliases`` (longer = stronger);
- the dispatch catalog (bot.knowledge.dispatch): the matter types whose phrases occur (longer phrases
  count more and shadow the shorter ones inside them), and boundary rules that add to the department
  they prefer and demote the ones they name (a gas smell is 区住建局's, not 区生态环境局's).

score = w_c · P(classifier) + w_k · keyword share + w_d · catalog share (the weights of the signals
that fired, summing to 1), × DEMOTE for a department a boundary rule demotes, renormalised over all
departments — every score is in [0, 1] and the scores sum to at most 1.

Every suggestion carries a reason for the dispatcher: the catalog's matter type and the phrases that
matched (and the boundary rule that applied), else the department's keywords that matched, else the
nearest labelled requests of that department (相似历史工单).
The held-out set knowledge/routing/test.yml is never used here (bench/routing.py measures it).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

from bot.knowledge.dispatch import CatalogMatch, DispatchCatalog, load_dispatch_catalog
from bot.knowledge.loader import load_departments, load_typos
from bot.nlu.normalize import normalize_text
from bot.settings import get_settings

# Signal weights by which signals fired: (classifier, departments.yml keywords, dispatch catalog).
WEIGHTS = {
    (False, False): (1.0, 0.0, 0.0),
    (True, False): (0.65, 0.35, 0.0),
    (False, True): (0.55, 0.0, 0.45),
    (True, True): (0.45, 0.15, 0.40),
}
KEYWORD_WEIGHT = WEIGHTS[(True, False)][1]
DEMOTE = 0.25  # factor on the score of a department a triggered boundary rule demotes
SIMILAR = 2  # nearest labelled requests shown as the reason when the classifier decided
_SIMILAR_LABELS = (("past_ticket", "相似历史工单"), ("dispatch_catalog", "派单目录示例"))
_PAREN = re.compile(r"[（(].*?[)）]")


@dataclass(frozen=True)
class Example:
    text: str
    department: str


@dataclass(frozen=True)
class Suggestion:
    department: str
    score: float
    reason: dict = field(default_factory=dict)

    def as_json(self, digits: int = 4) -> dict:
        return {"department": self.department, "score": round(self.score, digits), "reason": self.reason}


def load_examples(path: Path) -> list[Example]:
    """``departments: [{department: NAME, texts: [...]}, ...]`` → examples; clear errors on bad data."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    groups = data.get("departments") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        raise ValueError(f"{path}: expected a list 'departments' of {{department, texts}}")
    out = []
    for i, group in enumerate(groups):
        if not isinstance(group, dict) or not isinstance(group.get("department"), str) \
                or not isinstance(group.get("texts"), list):
            raise ValueError(f"{path}: departments[{i}] needs 'department' (text) and 'texts' (list)")
        for text in group["texts"]:
            if isinstance(text, str) and text.strip():
                out.append(Example(text.strip(), group["department"].strip()))
    return out


def load_department_keywords(path: Path) -> dict[str, tuple[str, ...]]:
    """Each department's keywords and aliases (knowledge/departments.yml), normalised for matching."""
    out: dict[str, tuple[str, ...]] = {}
    for name, dept in load_departments(path).items():
        words = []
        for raw in dept.keywords + dept.aliases:
            word = _PAREN.sub("", normalize_text(raw)).strip()
            if len(word) >= 2:
                words.append(word)
        out[name] = tuple(dict.fromkeys(words))
    return out


@dataclass
class _Scored:
    ranked: list[tuple[str, float]]
    text: str
    keywords: dict[str, list[str]]
    catalog: CatalogMatch


class Router:
    def __init__(self, examples: list[Example], keywords: dict[str, tuple[str, ...]],
                 catalog: Optional[DispatchCatalog] = None, typos: Optional[dict[str, str]] = None) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        self.keywords = keywords
        self.catalog = catalog
        # voice-input homophones put right before matching ("滴保" is 低保): knowledge/synonyms.yml typos
        self.typos = {normalize_text(k): normalize_text(v) for k, v in (typos or {}).items()}
        # Labelled requests: the reason shown when the classifier decides (相似历史工单 / 目录示例).
        self.examples = list(examples) + [Example(text, m.department) for m in (catalog.matters if catalog else ())
                                          for text in m.examples]
        self._from_catalog = [False] * len(examples) + [True] * (len(self.examples) - len(examples))
        texts = [normalize_text(e.text) for e in self.examples]
        labels = [e.department for e in self.examples]
        known = set(labels)
        for department, words in keywords.items():  # responsibilities from the knowledge base
            if department in known:
                for word in words:
                    texts.append(word)
                    labels.append(department)
        self.model = None
        self._example_vectors = None
        if len(set(labels)) >= 2:
            self.model = make_pipeline(
                TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1),
                LogisticRegression(C=20.0, solver="saga", max_iter=3000),
            )
            self.model.fit(texts, labels)
            self._example_vectors = self.model[0].transform(texts[:len(self.examples)])
        self.departments = sorted(set(labels) | set(keywords) | set(catalog.departments if catalog else ()))

    def keyword_scores(self, text: str) -> dict[str, float]:
        return {d: float(sum(len(w) for w in words)) for d, words in self._keyword_hits(text).items()}

    def _keyword_hits(self, text: str) -> dict[str, list[str]]:
        hits: dict[str, list[str]] = {}
        for department, words in self.keywords.items():
            found = [w for w in words if w in text]
            if found:
                hits[department] = sorted(found, key=len, reverse=True)
        return hits

    def _score(self, text: str) -> Optional[_Scored]:
        from bot.tickets.intake import without_item_context  # places → intake → classify: import late
        from bot.tickets.places import without_landmarks

        own = without_item_context(text or "")
        if own != (text or "") and self._names_matter(own):
            # "…她态度还凶得很 我要投诉她（此前咨询的事项：政府信息公开申请）" after a question about 低保: the
            # item the bot thought was asked about does not outweigh what the citizen says the matter is
            text = own
        text = self.put_right(without_landmarks(normalize_text(text or "")))
        if not text.strip():
            return None
        keyword_hits = self._keyword_hits(text)
        kw = {d: float(sum(len(w) for w in words)) for d, words in keyword_hits.items()}
        match = self.catalog.match(text) if self.catalog else CatalogMatch((), ())
        cat = match.department_scores()
        if self.model is None and not kw and not cat:
            return None
        w_model, w_kw, w_cat = WEIGHTS[(bool(kw), bool(cat))]
        if self.model is None:  # no training data: the matching signals alone
            share = w_kw + w_cat
            w_model, w_kw, w_cat = 0.0, w_kw / share, w_cat / share
        combined: dict[str, float] = {}
        if self.model is not None:
            for department, p in zip(self.model.classes_, self.model.predict_proba([text])[0]):
                combined[department] = w_model * float(p)
        for signal, weight in ((kw, w_kw), (cat, w_cat)):
            total = sum(signal.values())
            for department, value in signal.items():
                combined[department] = combined.get(department, 0.0) + weight * value / total
        for department in match.demoted():
            if department in combined:
                combined[department] *= DEMOTE
        total = sum(combined.values()) or 1.0
        ranked = sorted(((d, s / total) for d, s in combined.items() if s > 0), key=lambda x: -x[1])
        return _Scored(ranked, text, keyword_hits, match)

    def put_right(self, text: str) -> str:
        """The (normalised) text with the known voice-input homophones replaced by the words meant."""
        for wrong, right in self.typos.items():
            if wrong in text:
                text = text.replace(wrong, right)
        return text

    def _names_matter(self, text: str) -> bool:
        """Whether the text names a matter of the catalog or a department's keyword."""
        norm = normalize_text(text)
        return bool(self._keyword_hits(norm)) or bool(self.catalog and self.catalog.match(norm).matters)

    def route(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        scored = self._score(text)
        return scored.ranked[:k] if scored else []

    def suggest(self, text: str, k: int = 3) -> list[Suggestion]:
        """The top ``k`` departments, each with the reason the dispatcher sees."""
        scored = self._score(text)
        if scored is None:
            return []
        return [Suggestion(d, s, self._reason(scored, d)) for d, s in scored.ranked[:k]]

    def _reason(self, scored: _Scored, department: str) -> dict:
        reason: dict = {}
        hits = [h for h in scored.catalog.matters if h.department == department]
        preferring = [b for b in scored.catalog.boundaries if b.boundary.prefer == department]
        if hits or preferring:
            reason["source"] = "catalog"
            if hits:
                reason.update(matter=hits[0].matter.name, phrases=list(hits[0].phrases))
                text = f"派单目录「{hits[0].matter.name}」：{'、'.join(hits[0].phrases)}"
            else:
                text = f"派单目录边界「{preferring[0].boundary.name}」：{'、'.join(preferring[0].phrases)}"
            if preferring:
                b = preferring[0].boundary
                reason["boundary"] = {"name": b.name, "note": b.note}
                if hits:
                    text += f"（边界：{b.name}）"
        elif department in scored.keywords:
            words = scored.keywords[department][:4]
            reason.update(source="keywords", phrases=words)
            text = f"部门职责关键词：{'、'.join(words)}"
        else:
            similar = self._similar(scored.text, department)
            reason.update(source="classifier", similar=similar)
            text = "；".join(f"{label}：" + "、".join(f"「{s['text']}」" for s in similar if s["source"] == source)
                            for source, label in _SIMILAR_LABELS if any(s["source"] == source for s in similar))
            text = text or "分类模型判断（无相近的已标注诉求）"
        demoted_by = scored.catalog.demoted().get(department)
        if demoted_by is not None:
            reason["demoted_by"] = demoted_by.name
            text += f"；按边界「{demoted_by.name}」降权"
        reason["text"] = text
        return reason

    def _similar(self, text: str, department: str) -> list[dict]:
        """The labelled requests of ``department`` nearest to ``text`` (cosine over the classifier's
        TF-IDF), past requests (routing/train.yml) before the catalog's examples on ties."""
        if self._example_vectors is None:
            return []
        sims = (self._example_vectors @ self.model[0].transform([text]).T).toarray().ravel()
        order = sorted((i for i, e in enumerate(self.examples) if e.department == department and sims[i] > 0),
                       key=lambda i: (-sims[i], self._from_catalog[i]))
        return [{"text": self.examples[i].text, "similarity": round(float(sims[i]), 3),
                 "source": "dispatch_catalog" if self._from_catalog[i] else "past_ticket"} for i in order[:SIMILAR]]


# The village part of a place, up to its first 村 and the 组 right after it ("协兴镇青杠村，3组",
# "协兴镇牌坊村3组公路边上"); "村医", "村委会" and "村民" name no village.
_VILLAGE = re.compile(r"^[^村]*?村(?![医民委])(?:[，,\s]*(?:\d+|[一二三四五六七八九十]+)组)?")


def routed_text(description: Optional[str], location: Optional[str] = None) -> str:
    """What a ticket is routed on: its description, and the village its place names when the description
    does not say it already. A village tells a rural matter from a town's: garbage nobody collects "在协兴镇
    青杠村3组" is rural living environment (区农业农村局), in a 小区 city sanitation (区综合执法局) — the
    catalog's "村+垃圾" reads it only when the village is in the text routed. The rest of a place is left
    out: its landmarks and shops ("从加油站到镇政府", "好运手机店") would read as matters of their own."""
    description = description or ""
    village = _VILLAGE.match(normalize_text(location or ""))
    if not village or village.group(0) in normalize_text(description):
        return description
    return f"{description}（地点：{village.group(0)}）"


def suggest_for(router: "Router", description: Optional[str], location: Optional[str] = None,
                k: int = 3) -> list[Suggestion]:
    """The suggestions for a ticket: on its description with the village of its place (routed_text) when
    that makes the router surer, else on the description alone — the village tells a rural matter from a
    town's, but its words must not water down a matter the description already names ("邻居的狗…")."""
    plain = router.suggest(description or "", k=k)
    text = routed_text(description, location)
    if text == (description or ""):
        return plain
    placed = router.suggest(text, k=k)
    return placed if placed and (not plain or placed[0].score >= plain[0].score) else plain


_router: Optional[Router] = None
_lock = threading.Lock()


def build_router(knowledge_dir: Optional[Path] = None) -> Router:
    knowledge_dir = knowledge_dir or get_settings().knowledge_dir
    train = knowledge_dir / "routing" / "train.yml"
    examples = load_examples(train) if train.exists() else []
    catalog = load_dispatch_catalog(knowledge_dir / "dispatch_catalog.yml")
    return Router(examples, load_department_keywords(knowledge_dir / "departments.yml"), catalog,
                  load_typos(knowledge_dir / "synonyms.yml"))


def get_router() -> Router:
    global _router
    with _lock:
        if _router is None:
            _router = build_router()
        return _router


def reset_router() -> None:
    global _router
    with _lock:
        _router = None
