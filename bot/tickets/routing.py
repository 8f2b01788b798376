"""Which department should handle a request: top-3 departments with scores.

Two signals, combined:
- a classifier (TF-IDF over character 1–3-grams + logistic regression) trained on the labelled
  requests in knowledge/routing/train.yml plus each department's keywords from
  knowledge/departments.yml (the knowledge base of responsibilities);
- keyword matching against knowledge/departments.yml ``keywords`` and ``aliases``: matched
  keywords (longer = stronger) give a department a share of the score.

score = (1 − KEYWORD_WEIGHT) · P(classifier) + KEYWORD_WEIGHT · keyword share, renormalised.
The held-out set knowledge/routing/test.yml is never used here (bench/routing.py measures it).
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import yaml

from bot.nlu.normalize import normalize_text
from bot.settings import get_settings

KEYWORD_WEIGHT = 0.35
_PAREN = re.compile(r"[（(].*?[)）]")


@dataclass(frozen=True)
class Example:
    text: str
    department: str


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
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, tuple[str, ...]] = {}
    for entry in data.get("departments") or []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        words = []
        for raw in list(entry.get("keywords") or []) + list(entry.get("aliases") or []):
            word = _PAREN.sub("", normalize_text(str(raw))).strip()
            if len(word) >= 2:
                words.append(word)
        out[str(entry["name"]).strip()] = tuple(dict.fromkeys(words))
    return out


class Router:
    def __init__(self, examples: list[Example], keywords: dict[str, tuple[str, ...]]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        self.keywords = keywords
        texts = [normalize_text(e.text) for e in examples]
        labels = [e.department for e in examples]
        known = set(labels)
        for department, words in keywords.items():  # responsibilities from the knowledge base
            if department in known:
                for word in words:
                    texts.append(word)
                    labels.append(department)
        self.model = None
        if len(set(labels)) >= 2:
            self.model = make_pipeline(
                TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True, min_df=1),
                LogisticRegression(C=20.0, max_iter=3000),
            )
            self.model.fit(texts, labels)
        self.departments = sorted(set(labels) | set(keywords))

    def keyword_scores(self, text: str) -> dict[str, float]:
        scores: dict[str, float] = {}
        for department, words in self.keywords.items():
            total = sum(len(w) for w in words if w in text)
            if total:
                scores[department] = float(total)
        return scores

    def route(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        text = normalize_text(text or "")
        if not text.strip():
            return []
        combined: dict[str, float] = {}
        kw = self.keyword_scores(text)
        kw_total = sum(kw.values())
        weight = KEYWORD_WEIGHT if kw_total else 0.0
        if self.model is not None:
            probs = self.model.predict_proba([text])[0]
            for department, p in zip(self.model.classes_, probs):
                combined[department] = (1 - weight) * float(p)
        elif not kw_total:
            return []
        else:
            weight = 1.0
        for department, value in kw.items():
            combined[department] = combined.get(department, 0.0) + weight * value / kw_total
        total = sum(combined.values()) or 1.0
        ranked = sorted(((d, s / total) for d, s in combined.items()), key=lambda x: -x[1])
        return ranked[:k]


_router: Optional[Router] = None
_lock = threading.Lock()


def build_router(knowledge_dir: Optional[Path] = None) -> Router:
    knowledge_dir = knowledge_dir or get_settings().knowledge_dir
    train = knowledge_dir / "routing" / "train.yml"
    examples = load_examples(train) if train.exists() else []
    return Router(examples, load_department_keywords(knowledge_dir / "departments.yml"))


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
