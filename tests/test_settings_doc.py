"""docs/settings.md lists every environment variable bot/settings.py reads, with its default: the
two cannot drift apart."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import bot.settings as settings_module

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PY = ROOT / "bot" / "settings.py"
DOC = ROOT / "docs" / "settings.md"
READERS = {"_env", "_env_int", "_env_bool"}


def _code_variables() -> dict[str, object]:
    """NAME → default for every ``_env*("NAME", default)`` call in bot/settings.py; the default is
    the literal or the sub-settings' dataclass field it names; ``...`` when computed or when two
    reads of the variable disagree (DATABASE_URL also decides the tracker store)."""
    out: dict[str, object] = {}
    for node in ast.walk(ast.parse(SETTINGS_PY.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in READERS
                and isinstance(node.args[0], ast.Constant)):
            continue  # (the readers themselves pass a variable name on)
        name = node.args[0].value
        default: object = ""
        if len(node.args) > 1:
            arg = node.args[1]
            if isinstance(arg, ast.Constant):
                default = arg.value
            elif isinstance(arg, ast.Attribute) and isinstance(arg.value, ast.Name):
                default = getattr(getattr(settings_module, arg.value.id), arg.attr)
            else:
                default = ...
        out[name] = default if out.get(name, default) == default else ...
    return out


def _doc_variables() -> dict[str, str]:
    """NAME → default cell of the first table (application settings) of docs/settings.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Application settings", 1)[1].split("\n## ", 1)[0]
    out: dict[str, str] = {}
    for line in section.splitlines():
        m = re.match(r"\|\s*`([A-Z][A-Z0-9_]+)`\s*\|([^|]*)\|", line)
        if m:
            assert m.group(1) not in out, f"{m.group(1)} listed twice in docs/settings.md"
            out[m.group(1)] = m.group(2).strip()
    return out


def _shown(value: object) -> str:
    if value == "":
        return "unset"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def test_every_variable_of_settings_py_is_documented_and_nothing_else():
    code, doc = _code_variables(), _doc_variables()
    assert len(code) > 30
    assert sorted(set(code) - set(doc)) == [], "read in bot/settings.py but missing from docs/settings.md"
    assert sorted(set(doc) - set(code)) == [], "in docs/settings.md but not read by bot/settings.py"


def test_documented_defaults_match_the_code():
    code, doc = _code_variables(), _doc_variables()
    wrong = {}
    for name, default in code.items():
        if default is ...:
            continue
        cell = doc[name]
        m = re.match(r"`([^`]*)`", cell)
        shown = m.group(1) if m else cell.split(" ")[0]
        if shown != _shown(default):
            wrong[name] = (cell, _shown(default))
    assert wrong == {}


def test_readme_links_the_settings_page():
    assert "docs/settings.md" in (ROOT / "README.md").read_text(encoding="utf-8")
