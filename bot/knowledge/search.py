"""The retrieval index over the catalog, the guides and the FAQ, built once per process.

Each result (a guide merged with its catalog items, a catalog item without a guide, or a FAQ
entry) is indexed through several *surfaces* — its name, each alias, each merged catalog name
and the items' colloquial names (knowledge/aliases/), each FAQ phrasing — plus its department and
catalog group as low-weight context. A query is
scored with BM25 (k1, b below) against every surface through an inverted index of precomputed
term scores; a result scores as its best surface. Tokens are jieba words (domain dictionary from
knowledge/) and character bigrams, after Traditional→Simplified, filler removal, synonym
expansion and one-character typo repair (see bot.knowledge.text)."""
from __future__ import annotations

import math
import re
import threading
from collections import Counter, OrderedDict, defaultdict
from dataclasses import dataclass, field

import numpy as np

from bot.knowledge.aspects import ASPECT_PHRASES
from bot.knowledge.catalog import CatalogItem, read_catalog
from bot.knowledge.loader import load_knowledge
from bot.knowledge.models import FaqEntry, Guide, Knowledge
from bot.knowledge.text import CHAR, Analyzer, clean, is_primary, stages_in_name, stages_in_query
from bot.settings import get_settings

K1 = 1.2
B = 0.6
CONTEXT_WEIGHT = 0.3   # department and catalog group, relative to the name
GUIDE_PRIOR = 0.10     # guides are the most asked items: a slight lift on equal evidence
COVERAGE_WEIGHT = 0.5  # share of a surface's score that depends on how much of it the query covers
QUERY_COVERAGE_WEIGHT = 0.3  # share of a surface's score that depends on how much of the question it matches
DEPARTMENT_PRIOR = 0.05  # lift for results of a department the question names or cues (departments.yml)
STAGE_PENALTY = 0.85   # a later stage (注销, 补办 …) the question does not mention
STAGE_MISSING_PENALTY = 0.9  # a stage the question asks for (丢了 → 补办) that the result does not offer
MAX_QUERY_CHARS = 200
STORY_FAQ_MARGIN = 2.0  # ... where a FAQ must match this many times the best item's share to count in full
STORY_FAQ_COVERAGE = 0.8  # ... and must have one of its phrasings said this completely
STORY_MIN_CHARS = 20  # ... in a question this long (a short one matching little is no story: "政务中心下午好久关门哦")
STORY_CONFIDENCE = 0.2  # no item or guide matches this share of the question (the answer's MIN_CONFIDENCE): a story
_HAN = re.compile(r"[\u4e00-\u9fff]")
SCORE_CACHE_SIZE = 256  # questions whose scores are remembered (one answer searches the same words often)


@dataclass
class Result:
    id: str
    kind: str  # "guide" | "item" | "faq"
    name: str
    department: str | None
    url: str | None
    guide: Guide | None = None
    faq: FaqEntry | None = None
    items: tuple[CatalogItem, ...] = ()
    score: float = 0.0
    confidence: float = 0.0  # share of the question matched (0..1)

    @property
    def has_guide(self) -> bool:
        return self.guide is not None

    def to_json(self) -> dict:
        return {"id": self.id, "kind": self.kind, "name": self.name, "department": self.department,
                "score": round(float(self.score), 3), "has_guide": self.has_guide, "url": self.url}

    def matches(self, label: str) -> bool:
        """True when this result answers an evaluation label (id, name or merged catalog name)."""
        return label in (self.id, self.name) or any(label == i.name for i in self.items) \
            or (self.guide is not None and label in self.guide.catalog_names)


@dataclass
class _Doc:
    result: Result
    surfaces: list[str] = field(default_factory=list)
    context: list[str] = field(default_factory=list)


class SearchIndex:
    def __init__(self, knowledge: Knowledge, catalog: list[CatalogItem], terms=()) -> None:
        self.knowledge = knowledge
        self.catalog = catalog
        self.analyzer = Analyzer(terms, knowledge.synonyms.stopwords, knowledge.synonyms.canonical, ASPECT_PHRASES)
        docs = self._documents(knowledge, catalog)
        self.results: list[Result] = [d.result for d in docs]
        self.by_id: dict[str, Result] = {r.id: r for r in self.results}
        self._score_cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._score_lock = threading.Lock()
        self._build(docs)

    # --- building --------------------------------------------------------------------------------
    def _dept_context(self, name: str | None) -> list[str]:
        if not name:
            return []
        dept = self.knowledge.department(name)
        out = [name]
        if dept:
            out += list(dept.aliases) + ([dept.full_name] if dept.full_name else [])
        return out

    def _documents(self, knowledge: Knowledge, catalog: list[CatalogItem]) -> list[_Doc]:
        by_name: dict[str, list[CatalogItem]] = defaultdict(list)
        for item in catalog:
            by_name[item.name].append(item)
        merged: set[str] = set()
        docs: list[_Doc] = []
        for guide in knowledge.guides.values():
            items = tuple(i for n in guide.catalog_names for i in by_name.get(n, ()))
            merged.update(i.id for i in items)
            url = guide.online.url or (items[0].url if items else None)
            doc = _Doc(Result(guide.id, "guide", guide.name, guide.department, url, guide=guide, items=items))
            doc.surfaces = [guide.name, *guide.aliases, *guide.catalog_names,
                            *(a for n in guide.catalog_names for a in knowledge.item_aliases.get(n, ()))]
            doc.context = self._dept_context(guide.department) + [i.group for i in items if i.group]
            docs.append(doc)
        for item in catalog:
            if item.id in merged:
                continue
            doc = _Doc(Result(item.id, "item", item.name, item.department, item.url, items=(item,)))
            doc.surfaces = [item.name, *knowledge.item_aliases.get(item.name, ())]
            doc.context = self._dept_context(item.department) + ([item.group] if item.group else [])
            docs.append(doc)
        for entry in knowledge.faq.values():
            doc = _Doc(Result(entry.id, "faq", entry.question, entry.department, None, faq=entry))
            doc.surfaces = [entry.question, *entry.aliases]
            doc.context = self._dept_context(entry.department)
            docs.append(doc)
        return docs

    def _build(self, docs: list[_Doc]) -> None:
        analyzer = self.analyzer
        surface_tf: list[Counter] = []
        own_tokens: list[set[str]] = []
        owner: list[int] = []
        df: Counter = Counter()
        all_bigrams: set[str] = set()
        for r, doc in enumerate(docs):
            context: Counter = Counter()
            for text in dict.fromkeys(doc.context):
                for tok in analyzer.document_tokens(text):
                    context[tok] += CONTEXT_WEIGHT
            seen: set[str] = set(context)
            for text in dict.fromkeys(s for s in doc.surfaces if s):
                tf: Counter = Counter(analyzer.document_tokens(text))
                for tok in tf:
                    if tok.startswith("b:"):
                        all_bigrams.add(tok[2:])
                own_tokens.append(set(tf))
                tf.update(context)
                seen.update(tf)
                surface_tf.append(tf)
                owner.append(r)
            df.update(seen)
        analyzer.learn_vocabulary(all_bigrams)
        n_docs = len(docs)
        lengths = np.array([sum(tf.values()) for tf in surface_tf], dtype=float)
        avgdl = float(lengths.mean()) if len(lengths) else 1.0
        postings: dict[str, list[tuple[int, float, float]]] = defaultdict(list)
        self._idf: dict[str, float] = {}
        self._idf_unknown = math.log(1 + (n_docs + 0.5) / 0.5)
        self_scores = np.zeros(len(surface_tf))
        for s, tf in enumerate(surface_tf):
            norm = K1 * (1 - B + B * lengths[s] / avgdl)
            for tok, freq in tf.items():
                idf = self._idf.setdefault(tok, math.log(1 + (n_docs - df[tok] + 0.5) / (df[tok] + 0.5)))
                value = idf * freq * (K1 + 1) / (freq + norm)
                own = tok in own_tokens[s] and not tok.startswith(CHAR)
                # (surface, score, score when the token is the surface's own word or bigram)
                postings[tok].append((s, value, value if own else 0.0))
                if own:
                    self_scores[s] += value
        # What a query matching the whole surface (its own words and bigrams) would score.
        self._self_scores = np.maximum(self_scores, 1e-9)
        self._postings = {tok: (np.array([p[0] for p in plist], dtype=np.int32),
                                np.array([p[1] for p in plist], dtype=np.float64),
                                np.array([p[2] for p in plist], dtype=np.float64))
                          for tok, plist in postings.items()}
        self._owner = np.array(owner, dtype=np.int32)
        self._faq_surface = np.array([self.results[o].kind == "faq" for o in owner], dtype=bool)
        self._n_surfaces = len(surface_tf)
        # Surfaces of one result are contiguous: the result's score is the max over its slice.
        self._starts = np.flatnonzero(np.r_[True, self._owner[1:] != self._owner[:-1]]) if owner else np.array([], int)
        self._prior = np.array([1 + GUIDE_PRIOR if r.kind == "guide" else 1.0 for r in self.results])
        # Later stages of a transaction per result, and the results carrying each stage.
        self._stage_members: dict[str, np.ndarray] = {}
        for i, r in enumerate(self.results):
            for stage in (stages_in_name(r.name) if r.kind != "faq" else ()):
                self._stage_members.setdefault(stage, []).append(i)
        self._stage_members = {k: np.array(v, dtype=np.int32) for k, v in self._stage_members.items()}
        self._is_item_or_guide = np.array([r.kind != "faq" for r in self.results])
        self._primary = np.array([is_primary(r.name) for r in self.results])
        # Department cues (departments.yml keywords and aliases, e.g. 养老金 → 区人社局): results of a
        # department the question points to get a slight lift.
        self._dept_cues: list[tuple[str, np.ndarray]] = []
        members_of: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(self.results):
            dept = self.knowledge.department(r.department) if r.department else None
            if dept is not None and r.kind != "faq":
                members_of[dept.name].append(i)
        for dept in self.knowledge.departments.values():
            if not members_of.get(dept.name):
                continue
            members = np.array(members_of[dept.name], dtype=np.int32)
            for cue in {clean(c).replace(" ", "") for c in (*dept.keywords, *dept.aliases, dept.name)}:
                if len(cue) >= 2:
                    self._dept_cues.append((cue, members))

    # --- querying --------------------------------------------------------------------------------
    def score_all(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Score of every result, and its confidence: the share of the question's words and bigrams
        (weighted by rarity) that its best surface matches."""
        if not self._n_surfaces:
            return np.zeros(0), np.zeros(0)
        scores = np.zeros(self._n_surfaces)
        evidence = np.zeros(self._n_surfaces)  # words and bigrams only: single characters never suffice
        covered = np.zeros(self._n_surfaces)  # evidence from the surface's own words (not its context)
        matched = np.zeros(self._n_surfaces)
        asked = np.zeros(self._n_surfaces)
        known = np.zeros(self._n_surfaces)  # the question's words and bigrams the index knows
        query = query[:MAX_QUERY_CHARS]
        # Items and guides are matched on the question minus its aspect phrases (材料, 几点); FAQ
        # entries on the whole question, since there the aspect is the content (几点上班).
        for tokens, mask in ((self.analyzer.query_tokens(query), ~self._faq_surface),
                             (self.analyzer.query_tokens(query, soften=False), self._faq_surface)):
            if not mask.any():
                continue
            part_scores = np.zeros(self._n_surfaces)
            part_evidence = np.zeros(self._n_surfaces)
            part_matched = np.zeros(self._n_surfaces)
            part_covered = np.zeros(self._n_surfaces)
            total = total_known = 0.0
            for tok, weight in tokens.items():
                if not tok.startswith(CHAR):
                    total += weight * self._idf.get(tok, self._idf_unknown)
                    total_known += weight * self._idf.get(tok, 0.0)
                posting = self._postings.get(tok)
                if posting is not None:
                    part_scores[posting[0]] += weight * posting[1]
                    if not tok.startswith(CHAR):
                        part_evidence[posting[0]] += weight * posting[1]
                        part_covered[posting[0]] += weight * posting[2]
                        part_matched[posting[0]] += weight * self._idf[tok]
            scores[mask] = part_scores[mask]
            evidence[mask] = part_evidence[mask]
            covered[mask] = part_covered[mask]
            matched[mask] = part_matched[mask]
            asked[mask] = total
            known[mask] = total_known
        scores[evidence <= 0] = 0.0
        # A surface matched as a whole (an alias said word for word) beats one matched in part.
        # Only the surface's own words count: its department and group are context, not its content.
        coverage = np.minimum(covered / self._self_scores, 1.0)
        scores *= (1 - COVERAGE_WEIGHT) + COVERAGE_WEIGHT * coverage
        # A surface matching more of what the question says (weighted by rarity) beats one matching
        # a single word of it very well.
        share = np.divide(matched, known, out=np.zeros_like(matched), where=known > 0)
        scores *= (1 - QUERY_COVERAGE_WEIGHT) + QUERY_COVERAGE_WEIGHT * np.minimum(share, 1.0)
        per_result = np.maximum.reduceat(scores, self._starts) * self._prior
        said = np.maximum.reduceat(coverage, self._starts)  # the most of any one surface the question says
        confidence = np.maximum.reduceat(np.divide(matched, asked, out=np.zeros_like(matched), where=asked > 0),
                                         self._starts)
        # A FAQ entry answers a general question: it must cover most of the question to win
        # ("开公司要多少钱" is about a company, not about fees in general) — most of what any result
        # covers: in a long story ("宝宝两个月了…说要去打疫苗…应该去哪里打啊") every result matches
        # little, and a FAQ one of whose phrasings the story says word for word ("打疫苗…去哪里打"), matching
        # twice the share the best item matches, is not scaled below that item.
        matched_items = self._is_item_or_guide & (per_result > 0)
        best_item = float(confidence[matched_items].max()) if matched_items.any() else 0.0
        scale = confidence
        story = len(_HAN.findall(query)) >= STORY_MIN_CHARS and 0 < best_item < STORY_CONFIDENCE
        if story:  # only a FAQ phrasing said (nearly) word for word in the story
            relative = np.minimum(confidence / (STORY_FAQ_MARGIN * best_item), 1.0)
            scale = np.where(said >= STORY_FAQ_COVERAGE, np.maximum(confidence, relative), confidence)
        per_result = np.where(self._is_item_or_guide, per_result, per_result * scale)
        asked = stages_in_query(query[:MAX_QUERY_CHARS])
        penalty = np.ones(len(per_result))
        # a name offering the stage asked for ("机动车驾驶证换证（期满换证、补证）" for "驾驶证搞掉了") covers
        # that case too, like a primary transaction: its other stages are no sign of another matter
        offers_asked = self._primary.copy()
        for stage in asked:
            offers_asked[self._stage_members.get(stage, np.array([], dtype=np.int32))] = True
        for stage, members in self._stage_members.items():
            if stage not in asked:
                penalty[members] = np.where(offers_asked[members], penalty[members], STAGE_PENALTY)
        for stage in asked:  # a stage asked for: results that do not offer it are less likely
            missing = np.ones(len(per_result), dtype=bool)
            missing[self._stage_members.get(stage, np.array([], dtype=np.int32))] = False
            penalty[missing & self._is_item_or_guide] *= STAGE_MISSING_PENALTY
        if DEPARTMENT_PRIOR and self._dept_cues:
            compact = clean(query[:MAX_QUERY_CHARS]).replace(" ", "")
            lifted = np.zeros(len(per_result), dtype=bool)
            for cue, members in self._dept_cues:
                if cue in compact:
                    lifted[members] = True
            penalty[lifted] *= 1 + DEPARTMENT_PRIOR
        return per_result * penalty, np.minimum(confidence, 1.0)

    def _scored(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """score_all, remembered for the last few questions: one answer searches the same words
        several times (the item in context, another item named, the homophones)."""
        with self._score_lock:  # answers are composed in executor threads
            found = self._score_cache.get(query)
            if found is not None:
                self._score_cache.move_to_end(query)
                return found
        found = self.score_all(query)
        with self._score_lock:
            self._score_cache[query] = found
            if len(self._score_cache) > SCORE_CACHE_SIZE:
                self._score_cache.popitem(last=False)
        return found

    def search(self, query: str, k: int = 5, kinds: set[str] | None = None) -> list[Result]:
        if not clean(query):
            return []
        per_result, confidence = self._scored(query)
        order = np.argsort(-per_result, kind="stable")
        out: list[Result] = []
        for idx in order:
            score = float(per_result[idx])
            if score <= 0 or len(out) >= k:
                break
            base = self.results[idx]
            if kinds and base.kind not in kinds:
                continue
            out.append(Result(**{**base.__dict__, "score": score, "confidence": float(confidence[idx])}))
        return out

    def get(self, result_id: str | None) -> Result | None:
        return self.by_id.get(result_id or "")


_lock = threading.Lock()
_index: SearchIndex | None = None


def build_index(knowledge_dir=None) -> SearchIndex:
    from bot.nlu.userdict import collect_terms

    settings = get_settings()
    root = knowledge_dir or settings.knowledge_dir
    knowledge = load_knowledge(root)
    catalog, _errors = read_catalog(root / "catalog" / "items.json")
    return SearchIndex(knowledge, catalog, collect_terms(root).keys())


def get_index() -> SearchIndex:
    """The process-wide index, built on first use from the knowledge files."""
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = build_index()
    return _index


def reset_index() -> None:
    global _index
    with _lock:
        _index = None
