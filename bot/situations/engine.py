"""The pre-check desk's logic: answers from the citizen's words, the next question worth asking,
and the applicant's own list. Pure functions over :mod:`bot.situations.data`; no I/O.

Answers are ``{question id: option value}``; :data:`UNKNOWN` marks a question the citizen could not
or would not answer (不知道 / 跳过). A material whose ``when`` depends on an unanswered or unknown
question is kept, *conditionally*: "如属于「首次申领」" — nothing needed is ever left out."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.nlu.normalize import to_simplified
from bot.situations.data import Condition, Question, SituationMaterial, Situations

UNKNOWN = "?"
UNKNOWN_LABEL = "不确定"

# Control words of the interview (whole message or inside it).
SKIP_WORDS = ("不知道", "不清楚", "不确定", "跳过", "不晓得", "不好说", "说不准", "搞不清", "没想好", "不了解",
              "晓不得", "不懂")
MAX_CANCEL_REST = 8  # characters after "算了" that still make a bare cancel ("算了 不问了 谢谢")
CANCEL_WORDS = ("算了", "不办了", "不用了", "退出", "取消", "不问了", "结束", "不要了", "先这样")
RESTART_WORDS = ("重新开始", "重新回答", "重来", "修改回答", "改一下回答", "重新选")
AFFIRM = ("是", "是的", "对", "对的", "嗯", "嗯嗯", "好", "有", "有的", "要", "需要", "是啊", "对啊", "没错")
DENY = ("不是", "不", "否", "没有", "没", "不对", "不要", "不需要", "无", "不用")
NEGATIONS = ("不是", "不", "没有", "没", "非", "无", "未")


def _norm(text: str | None) -> str:
    t = to_simplified(text or "").lower()
    return re.sub(r"[\s，。！？、,.!?；;：:~…\"'“”‘’（）()]+", "", t)


def _negated(text: str, start: int) -> bool:
    before = text[max(0, start - 2):start]
    return any(before.endswith(n) for n in NEGATIONS)


@dataclass
class Reading:
    """What one message said: answers found, and whether it skips, cancels or restarts."""

    answers: dict[str, str] = field(default_factory=dict)
    skip: bool = False
    cancel: bool = False
    restart: bool = False
    leave: bool = False  # cancelled to say something else: that message is no answer to the interview

    @property
    def empty(self) -> bool:
        return self.leave or not (self.answers or self.skip or self.cancel or self.restart)


def _option_in_text(question: Question, text: str) -> str | None:
    """The option of ``question`` the text names: exact label, else the option whose words occur
    (longest word wins; two options equally named is no answer)."""
    for option in question.options:
        if text in (_norm(option.label), option.value):
            return option.value
    best: dict[str, int] = {}
    for option in question.options:
        for word in option.words:
            for m in re.finditer(re.escape(word), text):
                if not _negated(text, m.start()):
                    best[option.value] = max(best.get(option.value, 0), len(word))
    if not best:
        return None
    top = max(best.values())
    winners = [v for v, n in best.items() if n == top]
    return winners[0] if len(winners) == 1 else None


def read(spec: Situations, text: str | None, asked: str | None = None) -> Reading:
    """Read a message: every question it answers (not only the one asked — "我是帮我妈补办的" answers
    two), and the interview controls. ``asked`` is the question just put, for bare 是/不是 and 不知道."""
    t = _norm(text)
    reading = Reading()
    if not t:
        return reading
    if any(w in t for w in RESTART_WORDS):
        reading.restart = True
    lead = next((w for w in CANCEL_WORDS[:4] if t.startswith(w)), None)
    if t in CANCEL_WORDS or lead:
        reading.cancel = True
        # "算了 其实我主要是想说…能不能有人来帮一下": leaving the list to say something else, which is
        # then read on its own (its words are no answers to the questions)
        reading.leave = bool(lead) and len(re.sub(r"[^\u4e00-\u9fff]", "", t[len(lead):])) > MAX_CANCEL_REST
        return reading
    for question in spec.questions:
        value = _option_in_text(question, t)
        if value is not None:
            reading.answers[question.id] = value
    current = spec.question(asked) if asked else None
    if current is not None and current.id not in reading.answers:
        if t in AFFIRM:
            value = next((o.value for o in current.options if o.affirm), None)
            if value:
                reading.answers[current.id] = value
        elif t in DENY:
            value = next((o.value for o in current.options if o.deny), None)
            if value:
                reading.answers[current.id] = value
        if current.id not in reading.answers and any(w in t for w in SKIP_WORDS):
            reading.skip = True
            reading.answers[current.id] = UNKNOWN
    elif any(w in t for w in SKIP_WORDS) and not reading.answers:
        reading.skip = True
    return reading


def merge(answers: dict[str, str], reading: Reading) -> dict[str, str]:
    """Answers after a message: a later answer corrects an earlier one ("不对，是补领")."""
    out = {} if reading.restart else dict(answers)
    out.update(reading.answers)
    return out


def clean_answers(spec: Situations, answers: dict | None) -> dict[str, str]:
    """Only known questions and values (answers come back from slots and URLs)."""
    out = {}
    for qid, value in (answers or {}).items():
        question = spec.question(str(qid))
        if question is not None and (value == UNKNOWN or question.option(str(value)) is not None):
            out[question.id] = str(value)
    return out


def _holds(when: dict[str, frozenset[str]], answers: dict[str, str]) -> bool | None:
    """True: every clause holds; False: one fails; None: one depends on an open or unknown answer."""
    maybe = False
    for qid, values in when.items():
        value = answers.get(qid)
        if value is None or value == UNKNOWN:
            maybe = True
        elif value not in values:
            return False
    return None if maybe else True


def _signature(spec: Situations, answers: dict[str, str]) -> tuple:
    return tuple((m.name, _holds(m.when, answers)) for m in spec.materials) + \
        tuple((c.text, _holds(c.when, answers)) for c in spec.conditions)


def applies(question: Question, answers: dict[str, str]) -> bool:
    return _holds(question.when, answers) is not False


def changes_list(spec: Situations, question: Question, answers: dict[str, str]) -> bool:
    """Whether the answer to ``question`` can still change the list (or which questions follow)."""
    variants = set()
    for option in question.options:
        trial = dict(answers, **{question.id: option.value})
        follow = tuple(q.id for q in spec.questions if q.id not in trial and applies(q, trial))
        variants.add((_signature(spec, trial), follow))
    return len(variants) > 1


def next_question(spec: Situations, answers: dict[str, str]) -> Question | None:
    """The first question not yet answered that applies and still changes the list."""
    for question in spec.questions:
        if question.id in answers or not applies(question, answers):
            continue
        if changes_list(spec, question, answers):
            return question
    return None


@dataclass(frozen=True)
class Item:
    material: SituationMaterial
    condition: str | None = None  # "如属于「首次申领」" when it depends on an open answer


@dataclass(frozen=True)
class Checklist:
    spec: Situations
    answers: dict[str, str]
    items: tuple[Item, ...]
    conditions: tuple[tuple[Condition, str | None], ...]
    open_questions: tuple[Question, ...]

    def answer_lines(self) -> list[tuple[str, str]]:
        """(question, answer label) for every question that applies, unknown ones too."""
        out = []
        for q in self.spec.questions:
            if not applies(q, self.answers) or q.id not in self.answers:
                continue
            value = self.answers[q.id]
            option = q.option(value)
            out.append((q.ask, option.label if option else UNKNOWN_LABEL))
        return out

    @property
    def uncertain(self) -> bool:
        return any(i.material.uncertain or i.condition for i in self.items)


def _condition_text(spec: Situations, when: dict[str, frozenset[str]], answers: dict[str, str]) -> str:
    parts = []
    for qid, values in when.items():
        if answers.get(qid) not in (None, UNKNOWN):
            continue
        question = spec.question(qid)
        labels = [o.label for o in question.options if o.value in values]
        parts.append("或".join(f"「{label}」" for label in labels))
    return "如属于" + "且".join(parts)


def checklist(spec: Situations, answers: dict[str, str]) -> Checklist:
    answers = clean_answers(spec, answers)
    items = []
    for m in spec.materials:
        holds = _holds(m.when, answers)
        if holds is True:
            items.append(Item(m))
        elif holds is None:
            items.append(Item(m, _condition_text(spec, m.when, answers)))
    conditions = []
    for c in spec.conditions:
        holds = _holds(c.when, answers)
        if holds is not False:
            conditions.append((c, None if holds else _condition_text(spec, c.when, answers)))
    open_questions = tuple(q for q in spec.questions
                           if applies(q, answers) and answers.get(q.id) in (None, UNKNOWN)
                           and changes_list(spec, q, {k: v for k, v in answers.items() if k != q.id}))
    # Unconditional items first, in file order; then those that depend on an open answer.
    items.sort(key=lambda i: i.condition is not None)
    return Checklist(spec, answers, tuple(items), tuple(conditions), open_questions)
