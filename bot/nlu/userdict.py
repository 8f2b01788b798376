"""The jieba user dictionary, generated from knowledge/: department names and aliases, guide names
and aliases, synonyms and domain terms. Written to var/jieba/userdict.txt before training."""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.knowledge.loader import load_departments
from bot.settings import get_settings

_WORD_OK = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]{2,16}$")


def _yaml(path: Path):
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def collect_terms(knowledge_dir: Path) -> dict[str, tuple[int, str]]:
    """word → (frequency, part of speech)."""
    terms: dict[str, tuple[int, str]] = {}

    def add(word, freq=1000, pos="n"):
        word = str(word or "").strip()
        if _WORD_OK.match(word) and word not in terms:
            terms[word] = (freq, pos)

    terms_file = knowledge_dir / "terms.txt"
    if terms_file.exists():
        for line in terms_file.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if not parts or parts[0].startswith("#"):
                continue
            freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 1000
            add(parts[0], freq, parts[2] if len(parts) > 2 else "n")
    for dept in load_departments(knowledge_dir / "departments.yml").values():
        add(dept.name, 2000, "nt")
        for alias in dept.aliases:
            add(alias, 1500, "nt")
    for guide_file in sorted((knowledge_dir / "guides").glob("*.yml")):
        guide = _yaml(guide_file) or {}
        add(guide.get("name"), 1500, "n")
        for alias in guide.get("aliases", []) or []:
            add(alias, 1200, "n")
    synonyms = (_yaml(knowledge_dir / "synonyms.yml") or {}).get("synonyms", {}) or {}
    for canonical, variants in synonyms.items():
        add(canonical, 1500, "n")
        for variant in variants or []:
            add(variant, 1000, "n")
    return terms


def write_userdict(out_dir: Path | None = None, knowledge_dir: Path | None = None) -> Path:
    settings = get_settings()
    out_dir = out_dir or settings.var_dir / "jieba"
    knowledge_dir = knowledge_dir or settings.knowledge_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    terms = collect_terms(knowledge_dir)
    path = out_dir / "userdict.txt"
    content = "".join(f"{w} {f} {p}\n" for w, (f, p) in sorted(terms.items()))
    if not path.exists() or path.read_text(encoding="utf-8") != content:
        path.write_text(content, encoding="utf-8")
    return path
