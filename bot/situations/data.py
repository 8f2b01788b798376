"""Loading and validating knowledge/situations/*.yml (format: docs/situations.md).

Every problem is reported with file and field (``situations/passport.yml: materials[2].when.stage:
选项 'renew2' 不在问题 stage 的选项中``), all at once, in one :class:`SituationError`; nothing
half-loaded is returned. ``_common.yml`` holds questions shared by many guides (代办), which a
guide's file takes in with ``- use: agent``."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.knowledge.loader import ID_RE, _Checker as _LoaderChecker, _read_yaml
from bot.nlu.normalize import to_simplified
from bot.settings import get_settings

FORMS = ("原件", "复印件", "原件及复印件", "电子版", "现场填写", "现场采集", "原件或电子证照")
COMMON_FILE = "_common.yml"
MAX_QUESTIONS = 6


class SituationError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("情形引导数据有误:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    words: tuple[str, ...] = ()
    affirm: bool = False  # a bare "是/对" answers this option
    deny: bool = False    # a bare "不是/没有" answers this option


@dataclass(frozen=True)
class Question:
    id: str
    ask: str
    options: tuple[Option, ...]
    when: dict[str, frozenset[str]] = field(default_factory=dict)

    def option(self, value: str | None) -> Option | None:
        return next((o for o in self.options if o.value == value), None)

    def to_json(self) -> dict:
        return {"id": self.id, "ask": self.ask, "when": {k: sorted(v) for k, v in self.when.items()},
                "options": [{"value": o.value, "label": o.label} for o in self.options]}


@dataclass(frozen=True)
class SituationMaterial:
    name: str
    form: str
    copies: int | str | None = None
    source: str | None = None      # where the applicant gets it (本人持有, 用人单位, 医院…)
    note: str | None = None
    uncertain: bool = False        # the local practice is not published: confirm at the window
    when: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Condition:
    text: str
    when: dict[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Situations:
    guide: str
    questions: tuple[Question, ...]
    materials: tuple[SituationMaterial, ...]
    conditions: tuple[Condition, ...] = ()
    sources: tuple[str, ...] = ()

    def question(self, qid: str) -> Question | None:
        return next((q for q in self.questions if q.id == qid), None)


class _Checker(_LoaderChecker):
    """The knowledge loader's checker, with Simplified text and the words and flags of options."""

    def text(self, data: dict, key: str, where: str, required: bool = False) -> str | None:
        value = super().text(data, key, where, required)
        return to_simplified(value) if value else value

    def words(self, data: dict, key: str, where: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
            self.fail(f"{where}.{key}", "应为非空文字列表")
            return ()
        return tuple(to_simplified(w.strip()).lower() for w in value)

    def flag(self, data: dict, key: str, where: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.fail(f"{where}.{key}", "应为 true 或 false")
            return False
        return value


def _value(raw: Any) -> str:
    """An option value as written; YAML reads a bare yes/no as a boolean, which means "yes"/"no"."""
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    return str(raw)


def _when(raw: Any, where: str, checker: _Checker) -> dict[str, frozenset[str]]:
    """``when: {question: value | [values]}`` (all clauses must hold); checked against the questions
    later, once they are all known."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        checker.fail(where, "应为映射 {问题id: 选项值或选项值列表}")
        return {}
    out = {}
    for qid, values in raw.items():
        if isinstance(values, (str, bool, int)):
            values = [values]
        if not isinstance(values, list) or not values:
            checker.fail(f"{where}.{qid}", "应为选项值或非空选项值列表")
            continue
        out[str(qid)] = frozenset(_value(v) for v in values)
    return out


def _options(raw: Any, where: str, checker: _Checker) -> tuple[Option, ...]:
    if not isinstance(raw, list) or len(raw) < 2:
        checker.fail(f"{where}.options", "至少两个选项")
        return ()
    out: list[Option] = []
    for i, entry in enumerate(raw):
        w = f"{where}.options[{i}]"
        if not isinstance(entry, dict):
            checker.fail(w, "应为映射 {value, label, words}")
            continue
        value = entry.get("value")
        value = _value(value) if isinstance(value, bool) else value
        label = checker.text(entry, "label", w, required=True)
        if not isinstance(value, str) or not ID_RE.match(value if len(value) > 1 else value + "_"):
            checker.fail(f"{w}.value", f"{value!r} 应为小写字母、数字、下划线组成的标识")
            continue
        if any(o.value == value for o in out):
            checker.fail(f"{w}.value", f"{value} 重复")
        if label:
            out.append(Option(value, label, checker.words(entry, "words", w),
                              checker.flag(entry, "affirm", w), checker.flag(entry, "deny", w)))
    if sum(o.affirm for o in out) > 1 or sum(o.deny for o in out) > 1:
        checker.fail(f"{where}.options", "affirm / deny 各最多标记一个选项")
    seen: dict[str, str] = {}
    for o in out:
        for word in o.words:
            if word in seen and seen[word] != o.value:
                checker.fail(f"{where}.options", f"说法 {word!r} 同时属于选项 {seen[word]} 和 {o.value}")
            seen[word] = o.value
    return tuple(out)


def _question(entry: dict, where: str, checker: _Checker) -> Question | None:
    qid = entry.get("id")
    if not isinstance(qid, str) or not ID_RE.match(qid):
        checker.fail(f"{where}.id", f"{qid!r} 应为小写字母、数字、下划线组成的标识")
        return None
    ask = checker.text(entry, "ask", where, required=True)
    options = _options(entry.get("options"), where, checker)
    if not ask or not options:
        return None
    return Question(qid, ask, options, _when(entry.get("when"), f"{where}.when", checker))


def _material(entry: Any, where: str, checker: _Checker) -> SituationMaterial | None:
    if not isinstance(entry, dict):
        checker.fail(where, "应为映射 {name, form, copies, source, note, uncertain, when}")
        return None
    name = checker.text(entry, "name", where, required=True)
    form = checker.text(entry, "form", where, required=True)
    if form and form not in FORMS:
        checker.fail(f"{where}.form", f"{form!r} 应为 {' / '.join(FORMS)} 之一")
    copies = entry.get("copies")
    if isinstance(copies, bool) or (copies is not None and not isinstance(copies, (int, str))) or (
            isinstance(copies, int) and copies < 1):
        checker.fail(f"{where}.copies", "应为正整数份数或文字")
        copies = None
    source = checker.text(entry, "source", where, required=True)
    uncertain = checker.flag(entry, "uncertain", where)
    note = checker.text(entry, "note", where)
    if uncertain and not note:
        checker.fail(f"{where}.note", "uncertain 的材料须在 note 中说明不确定之处")
    if not (name and form and source):
        return None
    return SituationMaterial(name, form, copies, source, note, uncertain,
                             _when(entry.get("when"), f"{where}.when", checker))


def _check_when(when: dict[str, frozenset[str]], questions: dict[str, Question], where: str,
                checker: _Checker) -> None:
    for qid, values in when.items():
        question = questions.get(qid)
        if question is None:
            checker.fail(f"{where}.{qid}", "没有这个问题")
            continue
        for v in sorted(values - {o.value for o in question.options}):
            checker.fail(f"{where}.{qid}", f"选项 {v!r} 不在问题 {qid} 的选项中")


def _common(root: Path, checker: _Checker) -> dict[str, tuple[Question, list[tuple[str, Any]]]]:
    path = root / COMMON_FILE
    if not path.exists():
        return {}
    raw = _read_yaml(path, checker, f"situations/{COMMON_FILE}")
    table = raw.get("questions") if isinstance(raw, dict) else None
    if not isinstance(table, dict):
        checker.fail(f"situations/{COMMON_FILE}", "应为映射 {questions: {名称: {question, materials}}}")
        return {}
    out = {}
    for name, entry in table.items():
        where = f"situations/{COMMON_FILE}: questions.{name}"
        if not isinstance(entry, dict) or not isinstance(entry.get("question"), dict):
            checker.fail(where, "应为映射 {question, materials}")
            continue
        question = _question(entry["question"], f"{where}.question", checker)
        materials = entry.get("materials") or []
        if question is not None:
            out[str(name)] = (question, [(f"{where}.materials[{i}]", m) for i, m in enumerate(materials)])
    return out


def _situations(raw: Any, rel: str, checker: _Checker, common: dict, guide_ids: set[str] | None) -> Situations | None:
    if not isinstance(raw, dict):
        checker.fail(rel, "应为映射 {guide, questions, materials, conditions, sources}")
        return None
    guide = raw.get("guide")
    expected = Path(rel).stem
    if guide != expected:
        checker.fail(f"{rel}.guide", f"应与文件名一致（{expected}），实际为 {guide!r}")
        return None
    if guide_ids is not None and guide not in guide_ids:
        checker.fail(f"{rel}.guide", f"没有编号为 {guide} 的办事指南（knowledge/guides/）")
    questions: list[Question] = []
    materials_raw: list[tuple[str, Any]] = []
    raw_questions = raw.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        checker.fail(f"{rel}.questions", "至少一个问题")
        raw_questions = []
    for i, entry in enumerate(raw_questions):
        where = f"{rel}.questions[{i}]"
        if isinstance(entry, dict) and "use" in entry:
            shared = common.get(str(entry["use"]))
            if shared is None:
                checker.fail(f"{where}.use", f"_common.yml 中没有共用问题 {entry['use']!r}")
                continue
            questions.append(shared[0])
            materials_raw.extend(shared[1])
            continue
        if not isinstance(entry, dict):
            checker.fail(where, "应为映射 {id, ask, options, when} 或 {use}")
            continue
        question = _question(entry, where, checker)
        if question is not None:
            questions.append(question)
    if len(questions) > MAX_QUESTIONS:
        checker.fail(f"{rel}.questions", f"问题不能超过 {MAX_QUESTIONS} 个（只问改变清单的问题）")
    by_id: dict[str, Question] = {}
    for i, q in enumerate(questions):
        if q.id in by_id:
            checker.fail(f"{rel}.questions[{i}].id", f"{q.id} 重复")
        for dep in q.when:
            if dep not in by_id:
                checker.fail(f"{rel}.questions[{i}].when.{dep}", "只能引用排在前面的问题")
        _check_when(q.when, by_id, f"{rel}.questions[{i}].when", checker)
        by_id[q.id] = q
    raw_materials = raw.get("materials")
    if not isinstance(raw_materials, list) or not raw_materials:
        checker.fail(f"{rel}.materials", "至少一项材料")
        raw_materials = []
    materials_raw = [(f"{rel}.materials[{i}]", m) for i, m in enumerate(raw_materials)] + materials_raw
    materials = []
    for where, entry in materials_raw:
        material = _material(entry, where, checker)
        if material is not None:
            _check_when(material.when, by_id, f"{where}.when", checker)
            materials.append(material)
    conditions = []
    for i, entry in enumerate(raw.get("conditions") or []):
        where = f"{rel}.conditions[{i}]"
        if isinstance(entry, str):
            entry = {"text": entry}
        if not isinstance(entry, dict):
            checker.fail(where, "应为文字或映射 {text, when}")
            continue
        text = checker.text(entry, "text", where, required=True)
        when = _when(entry.get("when"), f"{where}.when", checker)
        _check_when(when, by_id, f"{where}.when", checker)
        if text:
            conditions.append(Condition(text, when))
    sources = raw.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) and s.strip() for s in sources):
        checker.fail(f"{rel}.sources", "必填：公开来源列表（目录字段、法规名称）")
        sources = []
    result = Situations(guide, tuple(questions), tuple(materials), tuple(conditions), tuple(sources))
    # A question that selects nothing would be asked for no reason.
    for q in questions:
        if not any(q.id in m.when for m in materials) and not any(q.id in c.when for c in conditions) and \
                not any(q.id in other.when for other in questions):
            checker.fail(f"{rel}.questions.{q.id}", "没有任何材料、条件或问题取决于这个问题")
    return result


def load_situations(knowledge_dir: Path | str | None = None, guide_ids: set[str] | None = None) -> dict[str, Situations]:
    """guide id → :class:`Situations` for every file in knowledge/situations/ ({} without the folder);
    ``guide_ids`` (the loaded guides) checks that each file belongs to a guide."""
    root = (Path(knowledge_dir) if knowledge_dir else get_settings().knowledge_dir) / "situations"
    checker = _Checker()
    out: dict[str, Situations] = {}
    if root.is_dir():
        common = _common(root, checker)
        for path in sorted(root.glob("*.yml")):
            if path.name == COMMON_FILE:
                continue
            rel = f"situations/{path.name}"
            situations = _situations(_read_yaml(path, checker, rel), rel, checker, common, guide_ids)
            if situations is not None:
                out[situations.guide] = situations
    if checker.problems:
        raise SituationError(checker.problems)
    return out


@lru_cache(maxsize=4)
def _cached(knowledge_dir: str) -> dict[str, Situations]:
    from bot.knowledge.loader import load_knowledge
    return load_situations(knowledge_dir, set(load_knowledge(knowledge_dir).guides))


def get_situations() -> dict[str, Situations]:
    """The validated situations of the configured knowledge directory, loaded once per process."""
    return _cached(str(get_settings().knowledge_dir))


def reset_situations() -> None:
    """Forget the loaded situations (tests; a deployment restarts to load new data)."""
    _cached.cache_clear()
