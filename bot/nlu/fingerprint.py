"""A fingerprint of everything the trained model depends on, so `make` retrains only on change."""
from __future__ import annotations

import hashlib
from pathlib import Path

from bot.settings import get_settings

# knowledge/ feeds the model only through the jieba user dictionary (bot.nlu.userdict).
MODEL_INPUTS = ["config.yml", "domain.yml", "data", "bot/nlu", "bot/rasa_server/components.py", "knowledge/departments.yml",
                "knowledge/guides", "knowledge/synonyms.yml", "knowledge/terms.txt"]
EXCLUDED_DIRS = {"test", "dev", "__pycache__"}  # evaluation sets are not model inputs


def model_fingerprint(root: Path | None = None) -> str:
    root = root or get_settings().project_root
    digest = hashlib.sha256()
    for entry in MODEL_INPUTS:
        path = root / entry
        if not path.exists():
            continue
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in files:
            rel = file.relative_to(root)
            if EXCLUDED_DIRS.intersection(rel.parts) or file.suffix == ".pyc":
                continue
            digest.update(str(rel).encode())
            digest.update(b"\0")
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]
