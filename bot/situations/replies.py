"""The chat side of the pre-check desk: one :class:`Turn` per message, so the Rasa actions stay thin.

The interview state is a small dict ``{"guide", "answers", "asked"}`` (kept in the slot
``situation_state``). Every question can be answered by a button or in words, skipped ("不知道",
"跳过"), corrected at any later turn ("不对，是补领") and left ("算了")."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from bot.situations.data import Question, Situations, get_situations
from bot.situations.engine import UNKNOWN, checklist, clean_answers, merge, next_question, read
from bot.situations.sheet import material_line, sheet_url

INTRO = "为了一次性告诉您需要准备的全部材料，请回答几个问题（不清楚可以回答“不知道”，随时可以说“算了”退出）。"
SKIP_BUTTON = {"title": "不知道/跳过", "payload": "不知道"}
QUIT_BUTTON = {"title": "退出", "payload": "算了"}
CANCELLED = "好的，不再询问。需要时说“{name}要带什么材料”，我再帮您列清单。"
NOT_UNDERSTOOD = "抱歉，没能从您的回答里找到对应的选项。请点选下面的按钮，或者回答“不知道”跳过。"
MAX_LIST = 20
UNNAMED_GUIDE = "该事项"   # the guide's name when it is no longer in the knowledge base


@dataclass
class Turn:
    text: str
    buttons: list[dict] = field(default_factory=list)
    state: dict | None = None
    done: bool = False       # the list was given (or the interview left): the form ends
    cancelled: bool = False


def spec_for(guide_id: str | None) -> Situations | None:
    return get_situations().get(guide_id or "")


def dump_state(state: dict | None) -> str | None:
    return json.dumps(state, ensure_ascii=False, separators=(",", ":")) if state else None


def load_state(raw) -> dict | None:
    try:
        state = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    if not isinstance(state, dict) or spec_for(state.get("guide")) is None:
        return None
    return state


def question_buttons(question: Question) -> list[dict]:
    return [{"title": o.label, "payload": o.label} for o in question.options] + [SKIP_BUTTON, QUIT_BUTTON]


def prompt(state: dict, name: str | None = None) -> Turn | None:
    """The next question of the interview, with the intro before the first one and a hint after an
    answer that named no option; None when nothing is left to ask."""
    spec = spec_for(state.get("guide"))
    if spec is None:
        return None
    answers = clean_answers(spec, state.get("answers"))
    question = next_question(spec, answers)
    if question is None:
        return None
    prefix = NOT_UNDERSTOOD + "\n" if state.get("retry") else ""
    if not state.get("asked") and not state.get("retry"):
        prefix = (f"【{name}】" if name else "") + _common_items(spec, answers) + INTRO + "\n"
    new = {"guide": spec.guide, "answers": answers, "asked": question.id}
    return Turn(f"{prefix}{question.ask}", question_buttons(question), new)


def _common_items(spec: Situations, answers: dict[str, str]) -> str:
    """Before the first question: what every applicant needs whatever the answers."""
    items = [i.material.name for i in checklist(spec, answers).items if not i.condition]
    if not items:
        return ""
    # what the answers may add, named at once: a citizen who leaves the interview still knows them
    maybe = checklist(spec, {q.id: answers.get(q.id, UNKNOWN) for q in spec.questions}).items
    others = list(dict.fromkeys(i.material.name for i in maybe if i.condition and i.material.name not in items))
    more = f"（视情形可能还需要：{'、'.join(others)}）" if others else ""
    return "所有情形都需要：" + "；".join(f"{n}. {name}" for n, name in enumerate(items, 1)) + f"。\n其余材料因情形而异{more}。"


def render_list(spec: Situations, name: str, answers: dict[str, str]) -> str:
    result = checklist(spec, answers)
    chosen = [a for _, a in result.answer_lines()]
    lines = [f"【{name}】您的材料清单" + (f"（{' · '.join(chosen)}）" if chosen else "") + "："]
    for n, item in enumerate(result.items[:MAX_LIST], 1):
        m = item.material
        line = f"{n}. {m.name}：" + material_line({"form": m.form, "copies": m.copies, "source": m.source})
        extras = [x for x in (item.condition and item.condition + "时需要", m.note) if x]
        if m.uncertain:
            extras.append("以窗口告知为准")
        if extras:
            line += f"（{'；'.join(extras)}）"
        lines.append(line)
    conditions = [(cond + "：" if cond else "") + c.text for c, cond in result.conditions]
    if conditions:
        lines.append("注意：" + "；".join(conditions))
    lines.append(f"一次性告知单（可打印、可转发）：{sheet_url(spec.guide, result.answers)}")
    lines.append(f"材料备好后可拍照上传预检，提前发现缺少或有问题的材料：{sheet_url(spec.guide, result.answers, page='precheck')}")
    lines.append("以上为准备材料的参考，最终以受理窗口审核为准。回答有误可以直接说“不对，是……”更正。")
    return "\n".join(lines)


def _finish(spec: Situations, state: dict, name: str) -> Turn:
    state = {"guide": spec.guide, "answers": state.get("answers") or {}, "asked": None}
    return Turn(render_list(spec, name, state["answers"]), [], state, done=True)


def start(guide_id: str, name: str, text: str | None, earlier: tuple[str, ...] = ()) -> Turn | None:
    """The first turn for a materials question about a guide with situations: what the message — and
    the ``earlier`` messages about the same item, oldest first — already say is taken (a later one
    corrects an earlier one); then either the list at once (nothing left to ask, ``done``) or a state
    whose questions :func:`prompt` puts. None: the guide has no situations."""
    spec = spec_for(guide_id)
    if spec is None:
        return None
    answers: dict[str, str] = {}
    for words in (*earlier, text):
        reading = read(spec, words)
        if not reading.cancel:
            answers = merge(answers, reading)
    state = {"guide": guide_id, "answers": answers, "asked": None}
    if next_question(spec, state["answers"]) is None:
        return _finish(spec, state, name)
    return Turn("", [], state)


def answer(state: dict, name: str, text: str | None) -> Turn:
    """One answer inside the interview: the list once nothing is left to ask (``done``), a cancel,
    or the state for the next :func:`prompt` (``retry`` when the message named no option)."""
    spec = spec_for(state.get("guide"))
    if spec is None:
        return Turn("抱歉，材料清单暂时无法生成，请稍后再试或拨打12345热线咨询。", done=True, cancelled=True)
    reading = read(spec, text, state.get("asked"))
    if reading.cancel:
        return Turn(CANCELLED.format(name=name), [], None, done=True, cancelled=True)
    answers = clean_answers(spec, merge(state.get("answers") or {}, reading))
    state = {"guide": spec.guide, "answers": answers, "asked": state.get("asked"), "retry": reading.empty}
    if next_question(spec, answers) is None:
        return _finish(spec, state, name)
    return Turn("", [], state)


def is_answer(state: dict, text: str | None) -> bool:
    """Whether the message answers, skips, corrects or leaves the interview (else it is something
    else — "那要多久？" — and is handled as such)."""
    spec = spec_for(state.get("guide"))
    return spec is not None and not read(spec, text, state.get("asked")).empty


_QUESTION = re.compile(r"[?？]|[吗呢不嘛没][。！!～~]*$|没得|好多|多少|多久|好久|哪|啥|什么|咋|怎么|几")


def asks_other_aspect(text: str | None) -> bool:
    """"过户的时候契税这些是好多 个税要交不" inside the materials interview: a question about another
    aspect of the item (its words may also read as an answer, "过户" as the cause), to be answered
    and the interview left."""
    from bot.knowledge.answer import detect_aspect

    aspect = detect_aspect(text)
    return aspect is not None and aspect != "materials" and bool(_QUESTION.search((text or "").strip()))


def corrects(state: dict | None, text: str | None) -> bool:
    """After the list: does this message change an answer ("不对，我是代办的")?"""
    spec = spec_for((state or {}).get("guide"))
    if spec is None:
        return False
    reading = read(spec, text)
    old = state.get("answers") or {}
    return bool(reading.answers) and any(old.get(k) != v for k, v in reading.answers.items() if v != UNKNOWN)


def offer(guide_id: str, text: str | None) -> dict | None:
    """For the hotline console: the guide's questions with the answers the caller's words already
    give, and the 告知单 link for them (the agent completes the answers and sends the link)."""
    spec = spec_for(guide_id)
    if spec is None:
        return None
    answers = {k: v for k, v in merge({}, read(spec, text)).items() if v != UNKNOWN}
    return {"guide": spec.guide, "answers": answers, "questions": [q.to_json() for q in spec.questions],
            "url": sheet_url(spec.guide, answers)}


def sms_text(name: str, url: str) -> str:
    return f"【广安区政务服务】您咨询的“{name}”一次性告知单（所需材料、地点、时限）：{url} 最终以受理窗口审核为准。"
