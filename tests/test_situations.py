"""Situational guides (bot.situations): the data in knowledge/situations/ and its validation, reading
answers from citizens' words, the questions worth asking, the applicant's own list, the chat turns."""
from pathlib import Path

import pytest

from bot.knowledge.loader import load_knowledge
from bot.situations import replies
from bot.situations.data import SituationError, load_situations
from bot.situations.engine import UNKNOWN, checklist, merge, next_question, read

ROOT = Path(__file__).resolve().parent.parent / "knowledge"


@pytest.fixture(scope="module")
def real():
    return load_situations(ROOT, set(load_knowledge(ROOT).guides))


def names(spec, answers):
    return [i.material.name for i in checklist(spec, answers).items]


# --- the data -----------------------------------------------------------------------------------
def test_real_data_loads_with_twenty_guides_and_every_question_can_matter(real):
    assert len(real) >= 20
    for spec in real.values():
        assert spec.sources and spec.materials
        first = next_question(spec, {})
        assert first is not None, f"{spec.guide}: nothing to ask"
        for m in spec.materials:
            assert m.source, f"{spec.guide}: {m.name} has no source"
            assert not m.uncertain or m.note


def test_every_path_of_answers_ends_soon_with_a_list_without_open_items(real):
    """Whatever the answers, the interview ends within four questions, and the list then depends on
    no open answer (a material's `when` on a question that is not asked would stay conditional)."""
    def walk(spec, answers, depth):
        q = next_question(spec, answers)
        if q is None:
            assert not [i.material.name for i in checklist(spec, answers).items if i.condition], (spec.guide, answers)
            return
        assert depth < 4, (spec.guide, answers)
        for option in q.options:
            walk(spec, dict(answers, **{q.id: option.value}), depth + 1)

    for spec in real.values():
        walk(spec, {}, 0)


SITUATION = """
guide: g1
questions:
  - id: stage
    ask: 首次还是补领？
    options:
      - {value: first, label: 首次, words: [首次]}
      - {value: lost, label: 补领, words: [补领]}
  - use: agent
materials:
  - {name: 身份证, form: 原件, copies: 1, source: 本人持有}
  - {name: 原证, form: 原件, source: 本人持有, when: {stage: lost}}
sources: [某条例]
"""

COMMON = """
questions:
  agent:
    question:
      id: agent
      ask: 本人还是代办？
      options:
        - {value: self, label: 本人, words: [本人]}
        - {value: agent, label: 代办, words: [代办]}
    materials:
      - {name: 代办人身份证, form: 原件, source: 代办人持有, when: {agent: agent}}
"""


def write(tmp_path, files: dict[str, str]) -> Path:
    (tmp_path / "situations").mkdir(exist_ok=True)
    for name, text in files.items():
        (tmp_path / "situations" / name).write_text(text, encoding="utf-8")
    return tmp_path


def test_a_valid_small_file_with_a_shared_question(tmp_path):
    spec = load_situations(write(tmp_path, {"g1.yml": SITUATION, "_common.yml": COMMON}), {"g1"})["g1"]
    assert [q.id for q in spec.questions] == ["stage", "agent"]
    assert names(spec, {"stage": "lost", "agent": "agent"}) == ["身份证", "原证", "代办人身份证"]


@pytest.mark.parametrize("change, message", [
    (("when: {stage: lost}", "when: {stage: lostt}"), "materials[1].when.stage: 选项 'lostt' 不在问题 stage 的选项中"),
    (("when: {stage: lost}", "when: {colour: red}"), "materials[1].when.colour: 没有这个问题"),
    (("form: 原件, copies: 1", "form: 原本, copies: 1"), "materials[0].form: '原本' 应为"),
    (("source: 本人持有}\n  - {name: 原证", "note: x}\n  - {name: 原证"), "materials[0].source: 必填"),
    (("sources: [某条例]", "sources: []"), "sources: 必填"),
    (("- use: agent", "- use: nobody"), "_common.yml 中没有共用问题 'nobody'"),
    (("guide: g1", "guide: g2"), "guide: 应与文件名一致（g1）"),
    (("words: [补领]", "words: [首次]"), "说法 '首次' 同时属于选项 first 和 lost"),
    (("source: 本人持有, when", "source: 本人持有, uncertain: true, when"), "uncertain 的材料须在 note 中说明"),
    (("copies: 1", "copies: 0"), "copies: 应为正整数份数或文字"),
])
def test_validation_names_file_and_field(tmp_path, change, message):
    old, new = change
    assert old in SITUATION
    write(tmp_path, {"g1.yml": SITUATION.replace(old, new, 1), "_common.yml": COMMON})
    with pytest.raises(SituationError) as err:
        load_situations(tmp_path, {"g1"})
    assert any(message in p for p in err.value.problems), err.value.problems


def test_a_question_that_selects_nothing_and_a_guide_that_does_not_exist(tmp_path):
    useless = SITUATION.replace("when: {stage: lost}", "note: 无")
    write(tmp_path, {"g1.yml": useless, "_common.yml": COMMON})
    with pytest.raises(SituationError) as err:
        load_situations(tmp_path, {"other"})
    text = "\n".join(err.value.problems)
    assert "questions.stage: 没有任何材料、条件或问题取决于这个问题" in text
    assert "没有编号为 g1 的办事指南" in text


def test_yaml_syntax_error_is_reported_with_its_line(tmp_path):
    write(tmp_path, {"g1.yml": "guide: g1\nquestions: [\n", "_common.yml": COMMON})
    with pytest.raises(SituationError, match=r"situations/g1.yml:\d+: YAML 语法错误"):
        load_situations(tmp_path, {"g1"})


# --- reading answers ----------------------------------------------------------------------------
def test_one_message_answers_several_questions(real):
    spec = real["residence-permit"]
    reading = read(spec, "我想帮我妈补办居住证")
    assert reading.answers == {"stage": "replace", "agent": "agent"}


def test_negation_and_ambiguity_are_no_answer(real):
    spec = real["residence-permit"]
    assert "agent" not in read(spec, "不是代办").answers
    assert "stage" not in read(spec, "首次还是签注我也说不好").answers  # two options named equally


def test_bare_yes_no_skip_and_cancel_depend_on_the_question_asked(real):
    spec = real["passport"]
    assert read(spec, "是", asked="official").answers == {"official": "yes"}
    assert read(spec, "不是", asked="official").answers == {"official": "no"}
    assert read(spec, "是").answers == {}
    skipped = read(spec, "不知道", asked="stage")
    assert skipped.skip and skipped.answers == {"stage": UNKNOWN}
    assert read(spec, "算了").cancel and read(spec, "算了，不办了").cancel
    assert not read(spec, "算了").leave
    # leaving to say something else: its words answer nothing, the message is read on its own
    left = read(spec, "算了 其实我主要是想说 我妈瘫在床上好几年了 我是帮她办的 能不能有人来帮一下")
    assert left.cancel and left.leave and left.empty and left.answers == {}


def test_a_later_answer_corrects_an_earlier_one(real):
    spec = real["residence-permit"]
    answers = merge({"stage": "first", "basis": "job"}, read(spec, "不对，是签注"))
    assert answers == {"stage": "endorse", "basis": "job"}
    assert merge(answers, read(spec, "重新开始")) == {}


# --- which questions, which list ----------------------------------------------------------------
def test_only_questions_that_change_the_list_are_asked(real):
    spec = real["residence-permit"]
    assert next_question(spec, {}).id == "stage"
    assert next_question(spec, {"stage": "first"}).id == "basis"
    # 签注 needs no basis: the next question is whether someone else goes
    assert next_question(spec, {"stage": "endorse"}).id == "agent"
    assert next_question(spec, {"stage": "endorse", "agent": "self"}) is None


def test_situations_select_the_materials(real):
    spec = real["residence-permit"]
    first_job = names(spec, {"stage": "first", "basis": "job", "agent": "self"})
    assert "劳动合同、用人单位出具的劳动关系证明或营业执照" in first_job
    assert "学校出具的就读证明" not in first_job and "代办人居民身份证" not in first_job
    endorse = names(spec, {"stage": "endorse", "agent": "agent"})
    assert "居住证" in endorse and "代办人居民身份证" in endorse
    assert "劳动合同、用人单位出具的劳动关系证明或营业执照" not in endorse
    birth = real["birth-registration"]
    assert "父母结婚证" not in names(birth, {"married": "unmarried", "follow": "mother"})
    assert "母亲的居民户口簿" in names(birth, {"married": "unmarried", "follow": "mother"})


def test_an_unknown_answer_keeps_every_possible_item_conditionally(real):
    spec = real["residence-permit"]
    result = checklist(spec, {"stage": "first", "basis": UNKNOWN, "agent": "self"})
    conditional = {i.material.name: i.condition for i in result.items if i.condition}
    assert conditional == {"劳动合同、用人单位出具的劳动关系证明或营业执照": "如属于「合法稳定就业」",
                           "学校出具的就读证明": "如属于「连续就读」"}
    assert [q.id for q in result.open_questions] == ["basis"]
    assert ("您在广安区申领居住证的依据是哪一种？", "不确定") in result.answer_lines()
    # unconditional items come first
    assert [bool(i.condition) for i in result.items] == sorted(bool(i.condition) for i in result.items)


# --- chat turns ---------------------------------------------------------------------------------
def test_start_skips_what_the_message_said_and_lists_when_nothing_is_left(real, monkeypatch):
    monkeypatch.setattr(replies, "get_situations", lambda: real)
    turn = replies.start("residence-permit", "居住证申领", "帮我妈办居住证签注要带什么")
    assert turn.done and "【居住证申领】您的材料清单（年度签注 · 委托他人代办）" in turn.text
    assert "/checklist/residence-permit?agent=agent&stage=endorse" in turn.text
    assert "拍照上传预检" in turn.text and "/precheck/residence-permit?agent=agent&stage=endorse" in turn.text
    assert "以受理窗口审核为准" in turn.text

    turn = replies.start("residence-permit", "居住证申领", "办居住证要带什么材料")
    assert not turn.done and turn.state["answers"] == {}
    first = replies.prompt(turn.state, "居住证申领")
    assert first.text.startswith("【居住证申领】所有情形都需要：1. 本人居民身份证或其他有效身份证明")
    assert "首次申领居住证、年度签注" in first.text
    assert [b["payload"] for b in first.buttons] == ["首次申领", "年度签注", "补领或换领", "不知道", "算了"]


def test_answers_skip_retry_and_cancel_through_turns(real, monkeypatch):
    monkeypatch.setattr(replies, "get_situations", lambda: real)
    state = replies.prompt({"guide": "residence-permit", "answers": {}, "asked": None}).state
    assert state["asked"] == "stage"
    turn = replies.answer(state, "居住证申领", "第一次办")
    assert not turn.done and turn.state["answers"] == {"stage": "first"}
    state = replies.prompt(turn.state).state
    assert state["asked"] == "basis"
    turn = replies.answer(state, "居住证申领", "嗯嗯")  # no option named: asked again, with a hint
    assert not turn.done and replies.prompt(turn.state).text.startswith(replies.NOT_UNDERSTOOD)
    turn = replies.answer(replies.prompt(turn.state).state, "居住证申领", "不知道")
    assert turn.state["answers"] == {"stage": "first", "basis": UNKNOWN}
    turn = replies.answer(replies.prompt(turn.state).state, "居住证申领", "我自己去")
    assert turn.done and "如属于「合法稳定就业」时需要" in turn.text
    cancelled = replies.answer(state, "居住证申领", "算了")
    assert cancelled.done and cancelled.cancelled and cancelled.state is None
    assert replies.corrects(turn.state, "不对，我是帮我爸代办的")
    assert not replies.corrects(turn.state, "我自己去")


def test_a_question_about_another_aspect_leaves_the_interview_and_the_intro_names_what_may_be_added():
    from bot.situations import replies

    # "过户" also reads as the cause: the fee question is still a question, not an answer
    assert replies.asks_other_aspect("过户的时候契税这些是好多 个税要交不")
    assert not replies.asks_other_aspect("不对，我是代办的") and not replies.asks_other_aspect("有抵押")
    first = replies.prompt({"guide": "medical-reimbursement", "answers": {}}, "医疗费用报销")
    assert "视情形可能还需要" in first.text and "出院记录" in first.text
