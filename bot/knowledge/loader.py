"""Loading and validating knowledge/ (departments.yml, guides/*.yml, faq.yml, synonyms.yml,
aliases/*.yml).

Every problem found is reported with its file and field (``guides/id_card.yml: materials[2].name:
必填``) and all of them at once, in one :class:`KnowledgeError`; nothing half-loaded is returned."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.models import (
    Department, Fact, FaqEntry, Fees, Guide, Knowledge, Material, Online, Synonyms, TimeLimit,
)
from bot.nlu.normalize import to_simplified
from bot.settings import get_settings

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]{1,63}$")


class KnowledgeError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("知识库数据有误:\n" + "\n".join(f"  - {p}" for p in problems))


class _Checker:
    """Collects problems while converting raw YAML values; converters return a safe fallback."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def text(self, data: dict, key: str, where: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(f"{where}.{key}", "必填")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.fail(f"{where}.{key}", f"应为文字，实际为 {type(value).__name__}")
            return None
        return value.strip()

    def texts(self, data: dict, key: str, where: str, required: bool = False) -> tuple[str, ...]:
        """A list of strings (a single string is accepted as a list of one)."""
        value = data.get(key)
        if value is None or value == [] or value == "":
            if required:
                self.fail(f"{where}.{key}", "必填")
            return ()
        if isinstance(value, str):
            return (value.strip(),)
        if not isinstance(value, list):
            self.fail(f"{where}.{key}", f"应为文字列表，实际为 {type(value).__name__}")
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, (int, float)) and not isinstance(item, bool):
                item = str(item)
            if isinstance(item, dict) and len(item) == 1:
                # "- 第一步: 说明" written without quotes parses as a one-key mapping.
                (k, v), = item.items()
                item = f"{k}: {v}"
            if not isinstance(item, str) or not item.strip():
                self.fail(f"{where}.{key}[{i}]", "应为非空文字")
                continue
            out.append(item.strip())
        return tuple(out)

    def mapping(self, data: dict, key: str, where: str, required: bool = False) -> dict:
        value = data.get(key)
        if value is None:
            if required:
                self.fail(f"{where}.{key}", "必填")
            return {}
        if isinstance(value, str):
            return {"text": value, "value": value}
        if not isinstance(value, dict):
            self.fail(f"{where}.{key}", f"应为映射，实际为 {type(value).__name__}")
            return {}
        return value

    def boolean(self, data: dict, key: str, where: str) -> bool | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, bool):
            self.fail(f"{where}.{key}", "应为 true 或 false")
            return None
        return value

    def fact(self, raw: Any, where: str) -> Fact:
        """A value that may be unknown: "text", or {value, unknown, note}."""
        if raw is None:
            return Fact(None, True)
        if isinstance(raw, (str, int)) and not isinstance(raw, bool):
            return Fact(str(raw).strip() or None, not str(raw).strip())
        if not isinstance(raw, dict):
            self.fail(where, f"应为文字或映射，实际为 {type(raw).__name__}")
            return Fact(None, True)
        value = self.text(raw, "value", where) or self.text(raw, "text", where)
        unknown = self.boolean(raw, "unknown", where)
        note = self.text(raw, "note", where)
        if unknown is None:
            unknown = value is None
        if not unknown and value is None:
            self.fail(where, "未标记 unknown 时 value 必填")
        return Fact(value, bool(unknown), note)

    def time_limit(self, data: dict, key: str, where: str) -> TimeLimit:
        raw = data.get(key)
        where = f"{where}.{key}"
        if raw is None:
            return TimeLimit(None, None, True)
        if isinstance(raw, int) and not isinstance(raw, bool):
            raw = {"working_days": raw}
        if not isinstance(raw, dict):
            self.fail(where, "应为映射 {working_days, note, unknown}")
            return TimeLimit(None, None, True)
        days = raw.get("working_days")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 0):
            self.fail(f"{where}.working_days", f"应为非负整数（工作日），实际为 {days!r}")
            days = None
        note = self.text(raw, "note", where)
        unknown = self.boolean(raw, "unknown", where)
        if unknown is None:
            unknown = days is None and note is None
        if unknown and days is not None:
            self.fail(where, "标记为 unknown 却给出了 working_days")
        return TimeLimit(days, note, bool(unknown))


def _read_yaml(path: Path, checker: _Checker, rel: str):
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{rel}:{mark.line + 1}" if mark else rel
        checker.fail(where, f"YAML 语法错误（{getattr(exc, 'problem', exc)}）")
    except UnicodeDecodeError:
        checker.fail(rel, "不是 UTF-8 编码")
    return None


def _entries(raw, checker: _Checker, rel: str, key: str, shape: str) -> list[tuple[str, dict]]:
    """The mappings of the file's list ``key``, each with its place for messages (``faq.yml: faq[2]``);
    a missing file is no entries."""
    if raw is None:
        return []
    items = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(items, list):
        checker.fail(rel, f"应包含列表 {key}")
        return []
    out = []
    for i, entry in enumerate(items):
        where = f"{rel}: {key}[{i}]"
        if not isinstance(entry, dict):
            checker.fail(where, shape)
            continue
        out.append((where, entry))
    return out


def _departments(raw, checker: _Checker) -> dict[str, Department]:
    out: dict[str, Department] = {}
    for where, entry in _entries(raw, checker, "departments.yml", "departments", "应为映射"):
        name = checker.text(entry, "name", where, required=True)
        if not name:
            continue
        if name in out:
            checker.fail(f"{where}.name", f"部门 {name} 重复")
        phone_raw = entry.get("phone")
        out[name] = Department(
            name=name,
            aliases=checker.texts(entry, "aliases", where),
            full_name=checker.text(entry, "full_name", where),
            phone=checker.fact(phone_raw, f"{where}.phone"),
            address=checker.fact(entry.get("address"), f"{where}.address"),
            hours=checker.fact(entry.get("hours") or entry.get("office_hours"), f"{where}.hours"),
            keywords=checker.texts(entry, "keywords", where) or checker.texts(entry, "matters", where),
        )
    return out


def load_departments(path: Path | str | None = None) -> dict[str, Department]:
    """knowledge/departments.yml, validated: name → :class:`Department` in file order ({} when the
    file does not exist). Every reader of the file uses this; a bad entry raises KnowledgeError naming
    it (``departments.yml: departments[3].name: 必填``)."""
    return _load_one(path, "departments.yml", _departments, {})


def _load_one(path: Path | str | None, name: str, parse, missing):
    """One file of knowledge/ (``path`` or the knowledge directory's ``name``) parsed and validated by
    ``parse(raw, checker)``; ``missing`` when it does not exist, KnowledgeError on a problem."""
    path = Path(path) if path else get_settings().knowledge_dir / name
    if not path.exists():
        return missing
    checker = _Checker()
    parsed = parse(_read_yaml(path, checker, path.name), checker)
    if checker.problems:
        raise KnowledgeError(checker.problems)
    return parsed


def _materials(entry: dict, where: str, checker: _Checker) -> tuple[Material, ...]:
    raw = entry.get("materials")
    if raw is None:
        checker.fail(f"{where}.materials", "必填（没有材料时写 []）")
        return ()
    if not isinstance(raw, list):
        checker.fail(f"{where}.materials", "应为列表")
        return ()
    out = []
    for i, m in enumerate(raw):
        w = f"{where}.materials[{i}]"
        if isinstance(m, str):
            out.append(Material(m.strip()))
            continue
        if not isinstance(m, dict):
            checker.fail(w, "应为映射 {name, form, copies, note}")
            continue
        name = checker.text(m, "name", w, required=True)
        copies = m.get("copies")
        if copies is not None and not isinstance(copies, (int, str)) or isinstance(copies, bool):
            checker.fail(f"{w}.copies", "应为份数（整数）或文字")
            copies = None
        if isinstance(copies, int) and copies < 0:
            checker.fail(f"{w}.copies", "份数不能为负")
        if name:
            out.append(Material(name, checker.text(m, "form", w), copies, checker.text(m, "note", w)))
    return tuple(out)


def _guide(raw, rel: str, checker: _Checker, departments: dict[str, Department]) -> Guide | None:
    if not isinstance(raw, dict):
        checker.fail(rel, "应为映射（一个办事指南）")
        return None
    where = rel
    gid = checker.text(raw, "id", where, required=True)
    name = checker.text(raw, "name", where, required=True)
    department = checker.text(raw, "department", where, required=True)
    if gid and not ID_RE.match(gid):
        checker.fail(f"{where}.id", f"{gid!r} 只能含小写字母、数字、下划线和连字符")
    if department and departments and not any(
        department == d.name or department in d.aliases or department == d.full_name for d in departments.values()
    ):
        checker.fail(f"{where}.department", f"{department!r} 不在 departments.yml 中")
    fees_raw = checker.mapping(raw, "fees", where)
    location_raw = raw.get("location")
    location, hours = Fact(None, True), Fact(None, True)
    if isinstance(location_raw, dict):
        location = Fact(checker.text(location_raw, "text", f"{where}.location")
                        or checker.text(location_raw, "value", f"{where}.location"),
                        bool(location_raw.get("unknown")), checker.text(location_raw, "note", f"{where}.location"))
        if location.value is None:
            location = Fact(None, True, location.note)
        hours = checker.fact(location_raw.get("hours"), f"{where}.location.hours")
    elif location_raw is not None:
        location = checker.fact(location_raw, f"{where}.location")
    online_raw = checker.mapping(raw, "online", where)
    online_url = online_raw.get("url") if isinstance(online_raw.get("url"), str) else None
    if online_url and not online_url.startswith(("http://", "https://")):
        checker.fail(f"{where}.online.url", "应为 http(s) 链接")
    guide = Guide(
        id=gid or "",
        name=name or "",
        department=department or "",
        catalog_names=checker.texts(raw, "catalog_names", where),
        aliases=checker.texts(raw, "aliases", where),
        conditions=checker.texts(raw, "conditions", where),
        materials=_materials(raw, where, checker),
        process=checker.texts(raw, "process", where),
        legal_time_limit=checker.time_limit(raw, "legal_time_limit", where),
        promised_time_limit=checker.time_limit(raw, "promised_time_limit", where),
        fees=Fees(checker.text(fees_raw, "text", f"{where}.fees"), checker.boolean(fees_raw, "free", f"{where}.fees"),
                  checker.text(fees_raw, "basis", f"{where}.fees")),
        location=location,
        hours=hours,
        phone=checker.fact(raw.get("phone"), f"{where}.phone"),
        online=Online(online_url, checker.text(online_raw, "text", f"{where}.online")),
        legal_basis=checker.texts(raw, "legal_basis", where),
        sources=checker.texts(raw, "sources", where),
        raw=raw,
    )
    return guide if gid and name and department else None


def _faq(raw, checker: _Checker) -> dict[str, FaqEntry]:
    out: dict[str, FaqEntry] = {}
    for where, entry in _entries(raw, checker, "faq.yml", "faq", "应为映射 {id, question, aliases, answer}"):
        fid = checker.text(entry, "id", where, required=True)
        question = checker.text(entry, "question", where, required=True)
        answer = checker.text(entry, "answer", where, required=True)
        if fid and fid in out:
            checker.fail(f"{where}.id", f"{fid} 重复")
        if fid and question and answer:
            out[fid] = FaqEntry(fid, question, answer, checker.texts(entry, "aliases", where),
                                checker.text(entry, "department", where))
    return out


def _synonyms(raw, checker: _Checker) -> Synonyms:
    rel = "synonyms.yml"
    if raw is None:
        return Synonyms()
    if not isinstance(raw, dict):
        checker.fail(rel, "应为映射 {synonyms, stopwords}")
        return Synonyms()
    table = raw.get("synonyms") or {}
    if not isinstance(table, dict):
        checker.fail(f"{rel}: synonyms", "应为映射 {规范词: [说法...]}")
        table = {}
    canonical: dict[str, tuple[str, ...]] = {}
    for key, variants in table.items():
        if not isinstance(key, str) or not key.strip():
            checker.fail(f"{rel}: synonyms", f"规范词 {key!r} 应为非空文字")
            continue
        if isinstance(variants, str):
            variants = [variants]
        if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
            checker.fail(f"{rel}: synonyms.{key}", "应为非空文字列表")
            continue
        canonical[to_simplified(key.strip())] = tuple(to_simplified(v.strip()) for v in variants)
    stopwords = raw.get("stopwords") or []
    if not isinstance(stopwords, list) or not all(isinstance(s, str) for s in stopwords):
        checker.fail(f"{rel}: stopwords", "应为文字列表")
        stopwords = []
    typos = raw.get("typos") or {}
    if not isinstance(typos, dict) or not all(isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip()
                                              for k, v in typos.items()):
        checker.fail(f"{rel}: typos", "应为映射 {错写: 正写}")
        typos = {}
    elsewhere = raw.get("elsewhere") or []
    if not isinstance(elsewhere, list) or not all(isinstance(s, str) and s.strip() for s in elsewhere):
        checker.fail(f"{rel}: elsewhere", "应为文字列表")
        elsewhere = []
    return Synonyms(canonical, tuple(s.strip() for s in stopwords if s.strip()),
                    {to_simplified(k.strip()): to_simplified(v.strip()) for k, v in typos.items()},
                    tuple(to_simplified(s.strip()) for s in elsewhere))


def load_typos(path: Path | str | None = None) -> dict[str, str]:
    """The homophones of knowledge/synonyms.yml ``typos`` (错写 → 正写, Simplified), validated like the
    whole file ({} when it does not exist): routing and ticket intake read "滴保" as 低保 with them."""
    synonyms = _load_one(path, "synonyms.yml", _synonyms, None)
    return dict(synonyms.typos) if synonyms else {}


MAX_ITEM_ALIAS_CHARS = 40


def _item_aliases(root: Path, checker: _Checker) -> dict[str, tuple[str, ...]]:
    """aliases/*.yml: ``items: {exact catalog item name: [colloquial name, ...]}``; an item named in
    several files gets the union."""
    merged: dict[str, dict[str, None]] = {}
    for path in sorted((root / "aliases").glob("*.yml")):
        rel = f"aliases/{path.name}"
        raw = _read_yaml(path, checker, rel)
        table = raw.get("items") if isinstance(raw, dict) else None
        if not isinstance(table, dict):
            checker.fail(rel, "应为映射 {items: {事项名称: [俗称...]}}")
            continue
        for name, aliases in table.items():
            where = f"{rel}: items.{name}"
            if not isinstance(name, str) or not name.strip():
                checker.fail(f"{rel}: items", f"事项名称 {name!r} 应为非空文字")
                continue
            if not isinstance(aliases, list) or not aliases or not all(
                    isinstance(a, str) and a.strip() and len(a) <= MAX_ITEM_ALIAS_CHARS for a in aliases):
                checker.fail(where, f"应为非空文字列表（每个不超过{MAX_ITEM_ALIAS_CHARS}字）")
                continue
            bucket = merged.setdefault(" ".join(name.split()), {})
            bucket.update(dict.fromkeys(to_simplified(a.strip()) for a in aliases))
    return {name: tuple(aliases) for name, aliases in merged.items()}


def load_knowledge(knowledge_dir: Path | str | None = None) -> Knowledge:
    """Everything under knowledge/ validated; raises KnowledgeError listing every problem."""
    root = Path(knowledge_dir) if knowledge_dir else get_settings().knowledge_dir
    checker = _Checker()

    def read(name: str):
        path = root / name
        return _read_yaml(path, checker, name) if path.exists() else None

    departments = _departments(read("departments.yml"), checker)
    guides: dict[str, Guide] = {}
    catalog_owner: dict[str, set[str]] = {}
    for path in sorted((root / "guides").glob("*.yml")):
        rel = f"guides/{path.name}"
        raw = _read_yaml(path, checker, rel)
        guide = _guide(raw, rel, checker, departments)
        if guide is None:
            continue
        if guide.id in guides:
            checker.fail(f"{rel}.id", f"{guide.id} 与另一个指南重复")
            continue
        # One catalog item may be detailed by several guides (婚姻登记: marriage and divorce).
        for cname in guide.catalog_names:
            if cname in catalog_owner.get(guide.id, ()):
                checker.fail(f"{rel}.catalog_names", f"{cname!r} 重复")
            catalog_owner.setdefault(guide.id, set()).add(cname)
        guides[guide.id] = guide
    faq = _faq(read("faq.yml"), checker)
    synonyms = _synonyms(read("synonyms.yml"), checker)
    item_aliases = _item_aliases(root, checker)
    if checker.problems:
        raise KnowledgeError(checker.problems)
    return Knowledge(departments, guides, faq, synonyms, item_aliases)


def check_catalog_names(knowledge: Knowledge, catalog_names: set[str]) -> list[str]:
    """Guides' catalog_names and aliases/*.yml item names that are not in the catalog (reported,
    not fatal)."""
    return [f"guides/{g.id}: catalog_names {n!r} 不在目录中"
            for g in knowledge.guides.values() for n in g.catalog_names if n not in catalog_names] + \
        [f"aliases: 事项 {n!r} 不在目录中" for n in knowledge.item_aliases if n not in catalog_names]
