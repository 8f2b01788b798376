"""Replies to procedure questions (ask_procedure): which item, which aspect, what to say.

``compose(text, context_item, asked_item, asked_aspect)`` returns a :class:`Reply` — text, buttons
and the item now in context — so the Rasa action stays a thin adapter. Every answer names the item
and the department it comes from; a fact not published is said to be unknown, never invented."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.calendar import add_working_days, format_cn_date
from bot.knowledge.aspects import (ASPECT_ORDER, ASPECT_PHRASES, ASPECTS, DETECTION_ORDER, FIRST_ASPECTS, GENERAL_FAQ,
                                   YES_NO_ASPECT)
from bot.knowledge.models import Department, Guide, Material, TimeLimit
from bot.knowledge.search import Result, SearchIndex, get_index
from bot.knowledge.text import STAGES, clean, stages_in_name, stages_in_query
from bot.replies import HOTLINE, HOTLINE_NAME
from bot.settings import get_settings

ASK_WHICH_ITEM = "请问您想办理什么事项？例如“办身份证”“申领社保卡”“营业执照怎么办”。"
PORTAL = "四川政务服务网（天府通办）"
INTENT = "ask_procedure"
# The fallback's first stage when the message looks like a procedure question (actions/common.py)
FALLBACK_ITEMS = "我没有完全听明白。您是想问下面这些事项吗？都不是的话，可以换个说法告诉我。"
FALLBACK_NAMED = "我没有完全听明白。您是想问{names}吗？请点选，都不是的话，可以换个说法告诉我。"
NONE_OF_THESE = {"title": "都不是", "payload": "/out_of_scope"}
ANSWER_FAILED = f"抱歉，办事指南查询暂时出现问题。请稍后再试，或拨打{HOTLINE_NAME}咨询。"

def _canon(text: str) -> str:
    """One spelling of the question words, so that an aspect phrase matches however it is padded:
    "要拿些啥子单子" and "拿啥子", "需要哪些材料" and "需要什么材料" read alike."""
    text = re.sub(r"(些|点)(?=啥|什么|哪)", "", text)
    return text.replace("啥子", "啥").replace("什么", "啥").replace("哪些", "啥")


_ASPECT_PHRASES = tuple(sorted({_canon(p) for p in ASPECT_PHRASES}, key=len, reverse=True))
_CANON_ASPECTS = {key: tuple(_canon(p) for p in phrases) for key, (_, phrases) in ASPECTS.items()}
# "请问结婚登记需要什么材料。不对，我先问另一个：…可以在广安区登记吗": what is asked follows the correction.
_SELF_CORRECTION = re.compile(r"(不对|不是|算了|先不问这个|换个问题)[，,。.！!\s]*(我)?(先|再|还是)?(问|想问)(一下|下)?(另一个|别的|个别的)?[：:，,。\s]*")
# A yes/no question whether something will do: "只有购房合同 行不", "可以在广安区登记吗", "要体检不".
_YES_NO = re.compile(r"行不|行吗|可以不|要得不|得行不|能行不|(可以|能|能不能)[^，,。？?]{0,14}(吗|不|没得)[。？?！!]*$")
# "如何申请": how it is done, answered with the steps along with the overview.
# The citizen telling their own case: "我是自己交的社保", "我们家是农村户口".
_OWN_CASE = re.compile(r"(我|我们|我家|屋头)(是|家是|属于)")
_HOW = re.compile(r"(咋个|怎么|怎样|如何|咋么|咋)(申请|办理|弄|整|领|报|交|缴|取|转|认证|备案|参保)")  # not "咋办": what to do
# Words of a bare follow-up ("那要多久？") that name no item.
_FOLLOW_UP_FILLERS = ("那", "这个", "那个", "它", "请问", "还有", "呢", "吗", "啊", "呀", "要", "需要", "的", "是",
                      "我", "想", "问", "一下", "办", "办理", "怎么", "么", "什么", "多", "哪", "里", "去", "能",
                      "可以", "得", "了", "再", "还", "就", "在", "有", "没有", "用", "不", "个", "们",
                      # dialect particles and question words ("在哪里申请嘛", "要带些啥子"), and the verb
                      # every item shares
                      "嘛", "哦", "哈", "噻", "嘞", "咯", "撒", "些", "啥子", "啥", "咋个", "咋", "申请",
                      # papers in general name no item: "要些啥子证明", "要拿些啥子单子"
                      "证明", "单子", "东西", "行不", "行吗", "可以不", "没得",
                      # when the citizen is free is no item: "可以 online 办吗，我平时走不开"
                      "平时", "走不开", "没空", "没时间")
CLOSE_RATIO = 0.92      # the second candidate this close to the first: ask which one
MIN_CONFIDENCE = 0.2    # less of the question matched than this: suggest, do not answer ...
CLEAR_WINNER_RATIO = 1.5  # ... unless the first item scores this many times the second
FALLBACK_ITEM_CONFIDENCE = 0.3  # an item the fallback may offer as "您是想问…吗"
MAX_CHOICES = 3
GUESS_RATIO = 1.25      # a weak first match this far ahead of the second is named as the best guess
MAX_LIST = 8            # items listed in one answer before "等"
FOLLOW_UP_MAX_CHARS = 14  # an aspect question this short is about the item in context
NAMES_ITEM_CONFIDENCE = 0.5  # ... unless the catalog matches this much of it to another item


@dataclass
class Reply:
    text: str
    buttons: list[dict] = field(default_factory=list)
    procedure_item: str | None = None
    kind: str = "answer"  # answer | overview | choose | suggest | no_guide | faq | not_found
    aspect: str | None = None  # the aspect answered (kind "answer")
    specific: bool = False  # it quotes the guide's lines on what was asked (not only the aspect)
    faq_id: str | None = None  # the FAQ entry answering it (kind "faq"): the context of the next turn


def _asked_part(text: str | None) -> str:
    """The part of a message that asks: what follows the last self-correction, else all of it."""
    t = clean(text)
    last = None
    for last in _SELF_CORRECTION.finditer(t):
        pass
    return t[last.end():] if last is not None and t[last.end():].strip() else t


# "在哪里交材料": where, although it speaks of the materials
_WHERE_TO_HAND_IN = re.compile(r"(在|去|到)?哪(里|儿|个地方)?(交|递交|提交|送)|(交|送)到哪")


# "回来交了手工报销的材料 三个月了钱还没到 一般要好久", "材料都交了": papers already handed in are the story,
# not the question.
_HANDED_IN = re.compile(r"(交|递交|提交|送|报|带|拿|寄)(了|过|上去了?|进去了?)[^，,。.！!？?\s]{0,10}(材料|资料|单子)|"
                        r"(材料|资料|单子)(都|已经|早就)?(交|递|递交|提交|送)(了|过|齐了|完了)|"
                        # "营业执照拿到了 税务局那边还要去登记不": what was obtained is the story, no time question
                        r"(拿到|领到|拿到手)了(?!没|吗|不|嘛)")


# "办好了的话去哪里拿，要带啥子", "拿证要带啥": collecting what was applied for (领证 alone is getting married)
_PICKUP = re.compile(r"(办好|办完|办下来|办结|批下来|批了|做好|制好|出证|证出来|卡出来|好了)[^，,。？?]{0,8}(去|在|到)?哪(里|儿|点|个地方)?去?(拿|领|取)|"
                     r"(拿|取)(证|卡|本本|证件|执照)[^，,。？?]{0,6}带|领(卡|本本|证件|执照)[^，,。？?]{0,6}带|"
                     r"(去|在|到)哪(里|儿|点)?去?((拿|取)(证|卡|证件|执照|本本)|领(卡|证件|执照|本本))")


# Asked beside the materials, answered before the situation interview ("办护照 在哪 要啥")
BESIDE_MATERIALS = ("location", "time", "fees", "online")


def aspects_beside_materials(text: str | None) -> list[str]:
    """The other aspects a materials question also asks in its other clauses (_other_aspects)."""
    return [a for a in _other_aspects(text, "materials") if a in BESIDE_MATERIALS]


def detect_aspect(text: str | None) -> str | None:
    if _PICKUP.search(_canon(_asked_part(text).replace(" ", ""))):
        return "pickup"
    t = _canon(_HANDED_IN.sub("", _asked_part(text)).replace(" ", ""))
    t = t.replace("一起算", "一并算")  # "我老婆也有公积金 能一起算不": counted together, no 起算 (when a time limit starts)
    if _WHERE_TO_HAND_IN.search(t):
        return "location"
    for key, phrases in FIRST_ASPECTS.items():
        if any(_canon(p) in t for p in phrases):
            return key
    for key in DETECTION_ORDER:
        if any(p in t for p in _CANON_ASPECTS[key]):
            return key
    return YES_NO_ASPECT if _YES_NO.search(t) else None


def only_yes_no(text: str | None) -> bool:
    """A yes/no question no aspect phrase names ("医保呢 能一起交不"): it asks about what it says, which
    the guide's lines on it answer better than the whole list of conditions."""
    t = _canon(_asked_part(text).replace(" ", ""))
    return detect_aspect(text) == YES_NO_ASPECT and not _WHERE_TO_HAND_IN.search(t) \
        and not any(p in t for p in _CANON_ASPECTS[YES_NO_ASPECT]) \
        and not any(_canon(p) in t for phrases in FIRST_ASPECTS.values() for p in phrases)


def _other_aspects(text: str | None, first: str | None) -> list[str]:
    """The aspects asked in other clauses of the question besides ``first``, in order, once each."""
    if first is None:
        return []
    clauses = [c for c in re.split(r"[\s，,。.！!？?；;]+", _asked_part(text)) if c]
    if len(clauses) < 2:
        return []
    found = [a for a in (detect_aspect(c) for c in clauses) if a and a != first and a in ASPECT_ORDER]
    return list(dict.fromkeys(found))


def _other_aspect(text: str | None, first: str | None) -> str | None:
    """A second aspect asked in another clause of the question ("手机上咋个备案 要等好久": online, then time)."""
    found = _other_aspects(text, first)
    return found[0] if found else None


# "两个证办下来要好久" after 营业执照 and then 食品经营许可: the aspect of both items talked about.
# ("一共要带几样" is about one item: only the two are "both")
_BOTH = re.compile(r"(这|那)两(个|样|项|件)|两(个|样|项|件)(证|照|执照|许可|手续|事|都|一起|加起来)|两证")


def asks_about_both(text: str | None) -> bool:
    """The question asks about the two items talked about, not only the latest one."""
    return bool(_BOTH.search(clean(text).replace(" ", "")))


def asks_how(text: str | None) -> bool:
    """"低保咋个申请": the steps are wanted, not only which aspects there are."""
    return bool(_HOW.search(clean(text)))


def _named_part(text: str | None) -> str:
    """What a follow-up says besides aspect words and fillers ("营业执照多久能办好" → "营业执照好")."""
    t = _canon(clean(text).replace(" ", ""))
    for phrase in _ASPECT_PHRASES:
        t = t.replace(phrase, "")
    for filler in sorted(_FOLLOW_UP_FILLERS, key=len, reverse=True):
        t = t.replace(filler, "")
    return re.sub(r"[^\u4e00-\u9fffa-z0-9]", "", t)


def names_no_item(text: str | None) -> bool:
    """True when the message is a bare follow-up: nothing left once aspect words and fillers go."""
    return len(_named_part(text)) <= 1


def _payload(**entities) -> str:
    return f"/{INTENT}" + json.dumps({k: v for k, v in entities.items() if v}, ensure_ascii=False,
                                     separators=(",", ":"))


def aspect_buttons(item_id: str, exclude: str | None = None) -> list[dict]:
    return [{"title": ASPECTS[a][0], "payload": _payload(aspect=a, procedure_item=item_id)}
            for a in ASPECT_ORDER if a != exclude]


def _today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()


# --- formatting of one aspect -------------------------------------------------------------------
def _numbered(lines) -> str:
    lines = list(lines)
    shown = lines[:MAX_LIST]
    out = "\n".join(f"{i}. {line}" for i, line in enumerate(shown, 1))
    if len(lines) > MAX_LIST:
        out += f"\n……等共{len(lines)}项"
    return out


def _material(m: Material) -> str:
    parts = [m.name]
    detail = []
    if m.form:
        detail.append(m.form)
    if m.copies not in (None, ""):
        detail.append(f"{m.copies}份" if isinstance(m.copies, int) else str(m.copies))
    if detail:
        parts.append(f"（{'，'.join(detail)}）")
    if m.note:
        parts.append(f"：{m.note}")
    return "".join(parts)


def _time_limit(label: str, limit: TimeLimit) -> str:
    if not limit.known:
        return f"{label}：暂无公布" + (f"（{limit.note}）" if limit.note else "")
    if limit.working_days is None:
        return f"{label}：{limit.note}"
    days = "当场办结（即办）" if limit.working_days == 0 else f"{limit.working_days}个工作日"
    return f"{label}：{days}" + (f"（{limit.note}）" if limit.note else "")


def _unknown(what: str, dept: str) -> str:
    return f"暂无公布的{what}信息，请以{dept}窗口或{HOTLINE}热线答复为准。"


def _phone(guide: Guide, dept: Department | None) -> str | None:
    if guide.phone.known:
        return guide.phone.value
    if dept is not None and dept.phone.known:
        return dept.phone.value
    return None


# Words of a guide line that speak of delivery / of someone else applying or of a home visit.
_ABOUT = {"delivery": ("邮寄", "寄", "快递", "送达"),
          "pickup": ("领取", "取证", "发证", "领证", "邮寄", "送达", "寄送"),
          "proxy": ("代办", "代为", "委托", "本人须", "本人亲自", "亲自", "监护人", "上门", "到场", "代理人", "受托")}


_NO_TRIP = ("无需往返", "一站式", "不必到场", "无需到场", "不用跑", "无需跑", "跑一次", "不见面")


def _lines_about(guide: Guide, aspect: str) -> list[str]:
    words = _ABOUT[aspect]
    lines = [*guide.conditions, *guide.process, *(_material(m) for m in guide.materials),
             guide.location.value or "", guide.online.text or "", guide.fees.text or ""]
    # ("…可以由监护人代为申请领取" is about applying, not about collecting)
    return list(dict.fromkeys(line for line in lines if line and any(w in line.replace("申请领取", "") for w in words)))


def _follow_up_text(guide: Guide, aspect: str, general: str | None) -> str:
    """What this guide says about ``aspect`` (delivery, proxy), then the general rule (whole only when
    the guide says nothing of it)."""
    own = _lines_about(guide, aspect)
    parts = []
    if own:
        parts.append("本事项办事指南中的说明：\n" + _numbered(own))
        # the guide has said it: of the general rule only its opening sentence, not its list of items
        # (collecting it: what to bring is in the general rule, which the guide's lines do not say)
        general = general.split("。")[0] + "。" if general and aspect != "pickup" else general
    else:
        parts.append(f"本事项的办事指南没有写明，请办理前向{guide.department}窗口或{HOTLINE}热线确认。")
    if general:
        parts.append(f"一般规定：{general}")
    if aspect == "pickup" and guide.location.known:  # where it was applied for, where it is usually collected
        parts.insert(1, f"办理地点：{guide.location.value}")
    if aspect == "proxy" and not any("上门" in line for line in own):
        parts.append(f"行动不便的老人、重病或残疾人，可拨打{HOTLINE}或联系{guide.department}，问能否预约上门服务或绿色通道；"
                     "是否提供以当地公布为准。")
    return "\n".join(parts)


def aspect_text(guide: Guide, aspect: str, dept: Department | None, today: date | None = None,
                faq: dict | None = None) -> str:
    """The text of one aspect; ``faq`` (knowledge.faq) gives the general rule of the follow-up aspects."""
    d = guide.department
    if aspect in GENERAL_FAQ:
        entry = (faq or {}).get(GENERAL_FAQ[aspect])
        return _follow_up_text(guide, aspect, entry.answer if entry is not None else None)
    if aspect == "materials":
        if not guide.materials:
            return _unknown("申请材料", d)
        return _numbered(_material(m) for m in guide.materials)
    if aspect == "conditions":
        return _numbered(guide.conditions) if guide.conditions else _unknown("办理条件", d)
    if aspect == "process":
        return _numbered(guide.process) if guide.process else _unknown("办理流程", d)
    if aspect == "time":
        lines = [_time_limit("法定时限", guide.legal_time_limit), _time_limit("承诺时限", guide.promised_time_limit)]
        promised = guide.promised_time_limit
        if promised.known and promised.working_days:
            done = add_working_days(today or _today(), promised.working_days)
            lines.append(f"如今天受理，按承诺时限预计{format_cn_date(done)}前办结（以实际受理日为准）。")
        if not guide.legal_time_limit.known and not promised.known:
            # "大概要好久才办得下来": no published figure, so whom to ask for the time, not a bare "暂无公布"
            phone = _phone(guide, dept)
            ask = f"{phone}（{d}）" if phone and phone != HOTLINE else f"{HOTLINE}热线"
            lines.append(f"具体办理时间以{d}受理时告知为准，办理前可拨打{ask}咨询。")
        return "\n".join(lines)
    if aspect == "amount":
        return _amount_text(guide, d)
    if aspect == "fees":
        if guide.fees.free is True and not guide.fees.text:
            return "不收费。"
        if not guide.fees.text:
            return _unknown("收费", d)
        return guide.fees.text + (f"（依据：{guide.fees.basis}）" if guide.fees.basis else "")
    if aspect == "location":
        lines = []
        if guide.location.known:
            lines.append(f"地点：{guide.location.value}")
        elif dept is not None and dept.address.known:
            lines.append(f"地点：{dept.name}，{dept.address.value}")
        else:
            lines.append(f"地点：暂无公布的具体地址，请以{d}窗口或{HOTLINE}热线答复为准")
        hours = guide.hours if guide.hours.known else (dept.hours if dept is not None else None)
        if hours is not None and hours.known:
            lines.append(f"时间：{hours.value}")
        else:
            note = hours.note if hours is not None and hours.note else "请以窗口公示为准"
            # "周六上班不": the usual practice and how to make sure, rather than a bare "unknown"
            lines.append(f"时间：暂无公布的办公时间，{note}；政务服务窗口通常在工作日（周一至周五，法定节假日除外）办公，"
                         f"周末是否办理请先拨打{HOTLINE}确认")
        phone = _phone(guide, dept)
        lines.append(f"咨询电话：{phone}" if phone else f"咨询电话：暂无公布，可拨打{HOTLINE}热线")
        return "\n".join(lines)
    if aspect == "online":
        text = "，".join(x for x in (guide.online.text, guide.online.url) if x) or _unknown("网上办理", d)
        # "要回南充那边跑一趟不": what the guide says of trips one need not make
        trips = [line for line in (*guide.conditions, *guide.process) if any(w in line for w in _NO_TRIP)]
        return text + ("\n" + _numbered(trips) if trips else "")
    raise ValueError(f"unknown aspect {aspect!r}")


# Words of a guide line that states an amount, a level or how often.
_AMOUNT_WORDS = ("元", "额度", "档次", "标准", "次", "最高", "比例", "金额")


def _amount_text(guide: Guide, dept: str) -> str:
    """How much is paid or granted and how often: the guide's fees text (which states both) and its
    condition and process lines that speak of amounts."""
    lines = [line for line in (*guide.conditions, *guide.process) if any(w in line for w in _AMOUNT_WORDS)]
    head = guide.fees.text if guide.fees.text and any(w in guide.fees.text for w in _AMOUNT_WORDS) else None
    if not head and not lines:
        return _unknown("金额标准", dept)
    return "\n".join(filter(None, [head, _numbered(lines) if lines else None]))


# --- whole replies ------------------------------------------------------------------------------
def _header(result: Result) -> str:
    return f"【{result.name}】（{result.department or '实施部门待确认'}）"


def answer_aspect(index: SearchIndex, result: Result, aspect: str) -> Reply:
    guide = result.guide
    dept = index.knowledge.department(guide.department)
    body = aspect_text(guide, aspect, dept, faq=index.knowledge.faq)
    text = f"{_header(result)}{ASPECTS[aspect][0]}：\n{body}"
    return Reply(text, aspect_buttons(result.id, exclude=aspect)[:4], result.id, "answer", aspect)


def overview(index: SearchIndex, result: Result, how: bool = False) -> Reply:
    guide = result.guide
    facts = []
    if guide.promised_time_limit.known and guide.promised_time_limit.working_days is not None:
        facts.append(f"承诺{guide.promised_time_limit.working_days}个工作日办结"
                     if guide.promised_time_limit.working_days else "即办")
    if guide.fees.free is True:
        facts.append("不收费")
    if guide.online.url:
        facts.append("可网上申请")
    summary = f"，{'，'.join(facts)}" if facts else ""
    steps = f"\n办理流程：\n{_numbered(guide.process)}\n" if how and guide.process else ""
    text = (f"【{result.name}】由{guide.department}办理{summary}。{steps}"
            f"请问您想了解哪方面？可以直接问“要带什么材料”“多久能办好”等。")
    return Reply(text, aspect_buttons(result.id), result.id, "overview")


def no_guide(index: SearchIndex, result: Result) -> Reply:
    dept = index.knowledge.department(result.department)
    phone = dept.phone.value if dept is not None and dept.phone.known else None
    contact = f"咨询电话 {phone}" if phone else f"可拨打{HOTLINE_NAME}咨询"
    text = (f"【{result.name}】由{result.department}办理。暂时没有该事项的详细办事指南，"
            f"所需材料、时限等请以窗口答复为准：{contact}。")
    if result.url:
        text += f"\n网上查看或申请：{PORTAL} {result.url}"
    return Reply(text, [], result.id, "no_guide")


def faq_reply(result: Result) -> Reply:
    entry = result.faq
    source = f"\n（信息来源：{entry.department}）" if entry.department else ""
    return Reply(f"{entry.answer}{source}", [], None, "faq", faq_id=result.id)


def choice_buttons(candidates: list[Result], aspect: str | None = None) -> list[dict]:
    return [{"title": f"{r.name}（{r.department}）" if r.department else r.name,
             "payload": _payload(procedure_item=r.id, aspect=aspect)} for r in candidates]


def named(candidates: list[Result]) -> str:
    """The candidates' names in the text itself: WeChat and screen readers read text, the elderly
    often do not see buttons as choices."""
    return "、".join(f"“{r.name}”" for r in candidates)


def choose(candidates: list[Result], aspect: str | None) -> Reply:
    return Reply(f"您问的可能是以下事项：{named(candidates)}，请选择一个：", choice_buttons(candidates, aspect), None,
                 "choose")


def suggest(candidates: list[Result], aspect: str | None) -> Reply:
    """Not sure: the best guess is named in the text (WeChat and the elderly read text, not buttons)
    and becomes the item in context, so "要交好多钱" next is about it rather than the previous item."""
    best = candidates[0] if candidates else None
    second = candidates[1].score if len(candidates) > 1 else 0.0
    clear = best is not None and (best.confidence >= FALLBACK_ITEM_CONFIDENCE or best.score >= GUESS_RATIO * second)
    if best is None or best.kind == "faq" or not clear:
        items = [r for r in candidates if r.kind != "faq"]
        text = (f"没有找到与您的问题完全对应的事项。您是不是想问{named(items) if items else '以下事项'}？请点选，"
                f"也可以换个说法告诉我，或拨打{HOTLINE_NAME}咨询。")
        return Reply(text, choice_buttons(candidates, aspect), None, "suggest")
    others = "，或者下面的其他事项" if len(candidates) > 1 else ""
    text = (f"您是不是想问“{best.name}”{others}？请点选，也可以换个说法告诉我，"
            f"或拨打{HOTLINE_NAME}咨询。")
    return Reply(text, choice_buttons(candidates, aspect), best.id, "suggest")


def not_found() -> Reply:
    return Reply(f"抱歉，没有找到相关的办事事项。请换个说法告诉我想办什么事（例如“办身份证要带什么材料”），"
                 f"或拨打{HOTLINE_NAME}咨询。", [], None, "not_found")


def answer_result(index: SearchIndex, result: Result, aspect: str | None, how: bool = False) -> Reply:
    return _answer_result(index, result, aspect, how)


def _answer_result(index: SearchIndex, result: Result, aspect: str | None, how: bool = False) -> Reply:
    if result.kind == "faq":
        return faq_reply(result)
    if result.guide is None:
        return no_guide(index, result)
    if aspect:
        return answer_aspect(index, result, aspect)
    return overview(index, result, how)


def close_candidates(results: list[Result]) -> list[Result]:
    """The top results too close to tell apart (more than one means: ask which)."""
    if not results:
        return []
    top = results[0].score
    return [r for r in results[:MAX_CHOICES] if r.score >= CLOSE_RATIO * top and r.kind != "faq"]


def compose(text: str | None, context_item: str | None = None, asked_item: str | None = None,
            asked_aspect: str | None = None, index: SearchIndex | None = None,
            context_faq: str | None = None) -> Reply:
    """The reply to one ask_procedure turn.

    text: the citizen's words ('' for a button payload); context_item: the item of the previous
    turns (slot procedure_item); asked_item / asked_aspect: chosen this turn by a button;
    context_faq: the FAQ entry answered last (slot procedure_faq)."""
    index = index or get_index()
    aspect = asked_aspect if asked_aspect in ASPECTS else detect_aspect(text)
    faq = index.get(context_faq)
    if faq is not None and faq.kind == "faq" and not asked_item and clean(text):
        told = faq_follow_up(text, faq, aspect, index)
        if told is not None:
            return told
    how = aspect is None and asks_how(text)

    also = _other_aspect(text, aspect) if asked_aspect is None else None
    if aspect == "pickup" and also == "materials":
        also = None  # "去哪里拿，要带啥子": what to bring to collect it, which the pickup answer says

    def answer_result(index_, result_, aspect_):  # noqa: ANN001 - the steps go with a how-question
        reply = _answer_result(index_, result_, aspect_, how)
        if also and aspect_ == aspect and reply.kind == "answer" and reply.aspect == aspect_ and result_.guide is not None:
            # "手机上咋个备案 要等好久": both asked, both answered
            dept = index_.knowledge.department(result_.guide.department)
            body = aspect_text(result_.guide, also, dept, faq=index_.knowledge.faq)
            reply.text += f"\n{ASPECTS[also][0]}：\n{body}"
        return reply
    if asked_item:
        result = index.get(asked_item)
        return answer_result(index, result, aspect) if result else not_found()
    has_words = bool(clean(text))
    context = index.get(context_item)
    if context is not None:
        # "他的护口要不要去销了" after 养老金: a mistyped word would name nothing and leave the question on
        # the item in context, so the voice-input homophones are put right before reading the follow-up
        text = _typos_fixed(text, index)
    if context is not None and (not has_words or names_no_item(text)):
        return answer_result(index, context, aspect)
    if context is not None:
        related = _related_to_context(text, context, index.search(text, k=MAX_CHOICES + 2))
        # a catalog item must be named by two words of its name: "他户口在重庆" after 结婚登记 does not
        # name 户口登记项目内容变更更正证明 by 户口 and a shared 登记
        if related is not None and (related.kind == "guide" or _names_item(text, related)):  # "办了有啥子补贴没得" after 残疾人证: the 残疾人 补贴, not 高龄津贴
            return answer_result(index, related, aspect)
    # A short aspect question ("能领好久", "多久到账") stays on the item in context unless it names
    # another item (a confident catalog match); an FAQ match does not take it away.
    short_follow_up = aspect is not None and len(clean(text).replace(" ", "")) <= FOLLOW_UP_MAX_CHARS
    if context is not None and short_follow_up:
        found = index.search(text, k=3)
        sure = _sure_faq(text, found)
        if sure is not None:  # "健康证在哪里办 要好多钱" after 小作坊备案: the FAQ on 健康证 says it
            return faq_reply(sure)
        # an item named in so few words shares a character of its name with them: "嘛" sounds like
        # the 麻 of 麻醉药品 (the search's homophones), which names nothing
        said = set(_named_part(text))
        named = [r for r in found if r.kind != "faq" and r.confidence >= NAMES_ITEM_CONFIDENCE
                 and said & set(r.name) and (r.kind == "guide" or _names_item(text, r))]
        if not named and _names_another(found, context):  # "请的两个帮工 健康证在哪里办" after 食品经营许可
            named = found[:1]
        if not named:  # "营业执照多久能办好" after 身份证: scores split over several 营业执照 items
            other = _named_by_name(text, context, index)
            if other is not None:
                return answer_result(index, other, aspect)
        if not named or named[0].id == context.id:
            lines = _mentioned_lines(context.guide, text) if context.guide is not None and only_yes_no(text) else []
            if lines:  # "医保呢 能一起交不" after 灵活就业养老保险: its line on 医保, not all its conditions again
                told = _with_lines(overview(index, context), context, lines, None)
                told.aspect = aspect if told.kind == "answer" else None
                return told
            return answer_result(index, context, aspect)
    if context is not None and context.guide is not None and aspect in _WAYS_ASPECTS \
            and not _names_other_item(text, context, index):
        # "我儿子在外地打工 屋头就我一个人 弄不来" after 资格认证: who else can do it, told with a story whose
        # words (外地, 打工) match other items by chance
        return answer_result(index, context, aspect)
    if context is not None and aspect is None and _OWN_CASE.match(clean(text)) \
            and len(clean(text).replace(" ", "")) <= FOLLOW_UP_MAX_CHARS + 6:
        # "我是自己交的社保 没得单位的" after 退休: the citizen's case, asking what applies to it
        found = index.search(text, k=3)
        if not (_names_another(found, context) and (found[0].kind == "guide" or _names_item(text, found[0]))):
            # "我是退休职工" after 身份证: a guide ranked near the top named by the words the case adds
            new = _bigrams(_named_part(text)) - _bigrams(context.name) - _GENERIC_BIGRAMS
            case = _sole_best([(len(new & _bigrams(r.name)), r) for r in found if r.kind == "guide" and r.id != context.id])[1]
            return answer_result(index, case or context, None if case else "conditions")
    if context is not None and context.guide is not None:
        # "体检在哪里做 随便哪个医院都可以不" after 驾驶证换证: the guide in context speaks of 体检, and
        # no other item is named by more than a word of its name — the question is about this guide
        lines = [] if _NEW_TOPIC.match(clean(text)) else _mentioned_lines(context.guide, text)
        if lines and not _names_other_item(text, context, index):
            return _with_lines(answer_result(index, context, aspect), context, lines, aspect)
    general = _general_rule(index, aspect) if context is None else None
    if not has_words:
        return Reply(ASK_WHICH_ITEM, [], None, "not_found")
    if context is None and names_no_item(text):  # all aspect words: an FAQ may still say exactly this
        found = index.search(text, k=1)
        if found and found[0].kind == "faq" and found[0].confidence >= MIN_CONFIDENCE:
            return faq_reply(found[0])
        return general or Reply(ASK_WHICH_ITEM, [], None, "not_found")
    results = _beside_own_story(text, index.search(text, k=MAX_CHOICES + 2), index)
    if general is not None and (not results or results[0].confidence < MIN_CONFIDENCE and not _clear_winner(results)):
        return general  # "证件办好了能寄到家吗" names no item: the general rule, not "which item?"
    if not results:
        return answer_result(index, context, aspect) if context is not None else not_found()
    if results[0].confidence < MIN_CONFIDENCE and not _clear_winner(results):
        results = _without_the_place(text, results, index)
    if results[0].confidence < MIN_CONFIDENCE and not _clear_winner(results):
        results = _without_voice_typos(text, results, index)
    if results[0].confidence < MIN_CONFIDENCE and not _clear_winner(results):
        results = _by_clause(text, results, index)
    if results[0].confidence < MIN_CONFIDENCE and not _clear_winner(results) and not _from_clause(results) \
            and not _clear_faq(results):
        if context is not None and aspect is not None:
            # "卖家在浙江打工回不来 可以委托别人来办不" about the item talked about: nothing else is named
            return answer_result(index, context, aspect)
        return suggest([r for r in results if r.kind != "faq"][:MAX_CHOICES] or results[:1], aspect)
    moved_on = _moved_on_from(text, context, results)
    if moved_on is not None:
        return answer_result(index, moved_on, aspect)
    rival = _close_faq(results)
    if rival is not None:  # "个体户每个月要交好多税 月营业额也就两三万": the FAQ on its taxes, not 个体户 设立's fees
        return faq_reply(rival)
    close = close_candidates(results)
    if len(close) > 1:
        shared, named = _named_in_question(text, close)
        if named is None:
            # "医生说可以办残疾证 请问咋个办": one candidate is called by what the question says, word for word
            named = _called_in_question(text, close, index)
        if named is None:
            # "驾驶证搞掉了 咋个补": of 驾驶证换证（…补证） and 驾驶证公证, the one offering the stage asked for
            named = _offering_asked_stage(text, close)
        if named is None and shared > 0:
            # the question names what they have in common ("资格认证"): the matter talked about decides
            named = _nearest_to_context(close, context)
        if named is None:
            return choose(close, aspect)
        reply = answer_result(index, named, aspect)
        return reply if how else _with_situation(text, reply, named)
    reply = answer_result(index, results[0], aspect)
    return reply if how else _with_situation(text, reply, results[0])  # "咋个领": the steps answer it


# Aspects about getting the item in context done another way (someone else, by post, collecting it):
# a follow-up asking them is about that item unless it names another.
_WAYS_ASPECTS = ("proxy", "delivery", "pickup")


def _with_situation(text: str | None, reply: Reply, result: Result) -> Reply:
    """A first question told as a situation ("驾照过期一年多了咋办") gets the guide's lines on it (超过有效期1年
    以上…注销) instead of the bare overview, which would answer nothing of what was told; asked how
    ("没单位了 自己接着交 咋个交"), the steps too."""
    if reply.kind != "overview" or result.guide is None:
        return reply
    lines = _mentioned_lines(result.guide, text)
    if not lines:
        return reply
    told = _with_lines(reply, result, lines, None)
    if asks_how(text) and result.guide.process:
        shown = [line for line in lines if line not in result.guide.process]
        about = f"\n本事项办事指南中的相关说明：\n{_numbered(shown)}" if shown else ""
        told.text = f"{_header(result)}\n办理流程：\n{_numbered(result.guide.process)}{about}"
    return told


# Bigrams of a question that name no matter of its own: the place every item is in, and the words
# of any follow-up ("一年", "现在").
_GENERIC_BIGRAMS = frozenset({"广安", "安区", "一年", "现在", "以前", "之前", "这个", "那个", "时候", "知道", "晓得",
                              "是不", "不是", "可以", "能不", "会不", "不会", "要不", "还要", "还能", "一下", "的话",
                              "我们", "他们", "你们", "自己", "两个", "一个", "几个", "好多", "多少", "必须", "还是",
                              "需要", "不用", "直接", "就在", "能在", "在哪", "哪里", "里办", "或者", "要是",
                              "如果", "然后", "但是", "就是", "还有", "每年",
                              # qualifiers of any time or amount question ("最迟好久交" names no FAQ on 最迟)
                              "最迟", "最晚", "最快", "最多", "最少", "最长", "最短"})
MAX_MENTIONED_LINES = 3
# A follow-up that opens another matter: "还有明年的医保钱咋个交" after 手工报销 is not about 报销.
_NEW_TOPIC = re.compile(r"^(还有|另外|再问|顺便问|顺便说|对了|还想问|还要问|我还想)")
# The words of a transaction's stage (注销, 变更, 到期, 延续 …): said of any item, they name none.
_STAGE_WORDS = (*(w for names, cues in STAGES.values() for w in (*names, *cues)), "到期", "过期", "期满")


def _guide_lines(guide: Guide) -> list[str]:
    return [*guide.conditions, *(_material(m) for m in guide.materials), *guide.process,
            guide.legal_time_limit.note or "", guide.promised_time_limit.note or "", guide.fees.text or "",
            guide.location.value or "", guide.online.text or ""]


COMMON_SHARE = 0.35  # a bigram in more of the guides than this is a word of any guide (必须, 身份), no topic


_COMMON: frozenset[str] | None = None


def _common_bigrams() -> frozenset[str]:
    global _COMMON
    if _COMMON is None:
        guides = list(get_index().knowledge.guides.values())
        counts: dict[str, int] = {}
        for g in guides:
            for bg in set().union(*(_bigrams(line) for line in _guide_lines(g) if line)):
                counts[bg] = counts.get(bg, 0) + 1
        _COMMON = frozenset(bg for bg, n in counts.items() if n > COMMON_SHARE * len(guides))
    return _COMMON


# Stages told in everyday words that the guides write otherwise (丢了/搞掉了 → 遗失, 补领; 不干了 → 注销); the
# cues of the others (换, 转, 查) are too common to stand for their stage's words.
_TOLD_STAGES = frozenset({"reissue", "cancel"})


def _said(text: str | None, index: SearchIndex) -> str:
    """What a follow-up says, with the canonical words of its synonyms: "在成都换" asks about 异地,
    "户口本" about 户口簿."""
    said = _named_part(text) + "，" + "，".join(index.analyzer.expansions(clean(text)))
    if any(place in clean(text) for place in index.knowledge.synonyms.elsewhere):
        said += "，异地，外地"
    return said


def _mentioned_lines(guide: Guide, text: str | None) -> list[str]:
    """The lines of a guide that speak of what a follow-up asks ("婚检是不是必须要做" → its line on
    婚前医学检查, "房东不愿意去备案" → its line on 租赁合同备案): lines sharing a word (a bigram, not
    a generic one) of the question's own words, most shared first."""
    said = _said(text, get_index())
    # "驾驶证搞掉了" asks about the lines on 遗失/补领, "店不开了" those on 注销: the guides' words of the stage
    for stage in stages_in_query(clean(text)) & _TOLD_STAGES:
        said += "，" + "，".join(STAGES[stage][0])
    asked = _bigrams(said) - _GENERIC_BIGRAMS - _bigrams(guide.name) - _common_bigrams()
    if not asked:
        return []
    scored = [(len(asked & _bigrams(line)), i, line) for i, line in enumerate(_guide_lines(guide)) if line]
    best = sorted((t for t in scored if t[0] > 0), key=lambda t: (-t[0], t[1]))
    return list(dict.fromkeys(line for _, _, line in best))[:MAX_MENTIONED_LINES]


# What marks an FAQ sentence as answering an aspect asked of it ("审批下来要好久" → "15日内"): a figure, not
# a word ("按工作日办公" in the entry on holidays says no time limit).
_FAQ_ASPECT_FIGURES = {"time": re.compile(r"\d+个?(工作日|日|天|月)"),
                       "fees": re.compile(r"\d+(\.\d+)?元|免费|不收费"),
                       "amount": re.compile(r"\d+(\.\d+)?(元|%)|额度|上限"),
                       # "要带些啥子去" after the FAQ on vaccination: "每次接种都带上预防接种证"
                       "materials": re.compile(r"带上|带好|带齐|带着|携带|(要|需|须|请)带|材料")}


def _faq_sentences(entry) -> list[str]:  # noqa: ANN001 - a FaqEntry
    return [s.strip() for s in re.split(r"(?<=[。？！])", entry.answer) if s.strip()]


# What a guide says and a FAQ entry does not: asked after a FAQ answer, with words of a guide's name,
# the guide answers it.
_GUIDE_ASPECTS = ("materials", "location", "process", "online", "proxy", "delivery")


def faq_follow_up(text: str | None, faq: Result, aspect: str | None, index: SearchIndex | None = None) -> Reply | None:
    """A follow-up on the FAQ entry answered last ("我之前在成都交了三年 前面那几年算不算", "审批下来要好久"
    after the FAQ on 公积金贷款): its sentences on what is asked, unless the question names another item
    or entry by its own words; None when none of its sentences speaks of it."""
    index = index or get_index()
    fixed = _typos_fixed(text, index)
    found = index.search(fixed, k=3)
    own = _bigrams(_named_part(fixed)) - _GENERIC_BIGRAMS - _common_bigrams()
    if found and found[0].id != faq.id and found[0].confidence >= MIN_CONFIDENCE:
        other = found[0]
        surfaces = [other.name, *(other.faq.aliases if other.kind == "faq" else [])]
        if own & _bigrams("，".join(surfaces)) - _bigrams(faq.name):
            return None  # "那医保呢" after the FAQ on 公积金: another matter
        if other.kind == "guide" and aspect in _GUIDE_ASPECTS and own & _bigrams(other.name):
            return None  # "办退休要带啥子去" after the FAQ on retirement age: the guide's materials
    # "个体户每个月要交好多税 月营业额也就两三万" after the FAQ on 个体户 tax registration: another entry ranked
    # near the top (behind the guide its 个体户 names) says it in the question's own words
    if len(fixed.replace(" ", "")) > FOLLOW_UP_MAX_CHARS and any(
           r.kind == "faq" and r.id != faq.id and r.confidence >= FALLBACK_ITEM_CONFIDENCE and found.index(r) > 0
           and (found[0].kind != "faq" or found[0].id == faq.id)
           and own & _bigrams("，".join([r.name, *r.faq.aliases])) - _bigrams(faq.name) - _bigrams("，".join(faq.faq.aliases))
           for r in found):
        return None
    said = _said(fixed, index)
    sentences = _faq_sentences(faq.faq)
    # the entry's topic (公积金 in most of its sentences) says which entry, not which of its sentences
    counts = Counter(bg for sentence in sentences for bg in _bigrams(sentence))
    topic = {bg for bg, n in counts.items() if n > len(sentences) / 2}
    asked = _bigrams(said) - _GENERIC_BIGRAMS - _common_bigrams() - topic
    short = len(fixed.replace(" ", "")) <= FOLLOW_UP_MAX_CHARS
    # "中间要坐车出去耍 能先开个临时的不": the story before it aside, the question itself is a short follow-up
    clauses = [c for c in re.split(r"[\s，,。.！!？?；;]+", fixed) if c]
    question = _bigrams(clauses[-1]) if clauses and len(clauses[-1]) <= FOLLOW_UP_MAX_CHARS else set()
    scored = [(len(asked & _bigrams(s)), len(asked & question & _bigrams(s)), i, s) for i, s in enumerate(sentences)]
    # a long message sharing one word with it may well be about something else, unless its question says it
    chosen = [s for n, q, i, s in sorted((t for t in scored if t[0] >= 2 or t[0] >= 1 and (short or t[1] >= 1)),
                                         key=lambda t: (-t[0], t[2]))][:MAX_MENTIONED_LINES]
    if aspect in _FAQ_ASPECT_FIGURES and (short or not chosen):
        chosen += [s for s in sentences if _FAQ_ASPECT_FIGURES[aspect].search(s) and s not in chosen][:2]
    if not chosen:
        if found and found[0].id == faq.id and found[0].confidence >= MIN_CONFIDENCE:
            return faq_reply(found[0])  # "那我咋个晓得号码嘛 到哪里找" after it: the same question again
        return None
    chosen.sort(key=sentences.index)
    return Reply("".join(chosen), [], None, "faq", specific=True, faq_id=faq.id)


def _sure_faq(text: str | None, found: list[Result]) -> Result | None:
    """The FAQ entry the search ranks first, sure of it, and named by the question's own words (not
    only by its aspect words: "周六上班不" names no FAQ, "健康证在哪里办" names the one on 健康证)."""
    if not found or found[0].kind != "faq" or found[0].confidence < SURE_FAQ:
        return None
    entry = found[0].faq
    own = _bigrams(_named_part(text)) - _GENERIC_BIGRAMS
    return found[0] if own & _bigrams("，".join([entry.question, *entry.aliases])) else None


def _stage_bigrams() -> set[str]:
    return set().union(*(_bigrams(w) for w in _STAGE_WORDS))


def _names_other_item(text: str | None, context: Result, index: SearchIndex) -> bool:
    """The question names another item: three words of its name are said ("每年还要做啥子资格认证"
    after 退休), or a guide the search ranks near the top is named by a word the item in context does
    not have ("办了残疾证能不能吃低保" after 残疾人证), or the search is sure of another item named by
    two words of its name (a guide: one), or a FAQ entry answers it best ("行政复议找哪个")."""
    found = index.search(text, k=3)
    if not found:
        return False
    said = _bigrams(clean(text)) - _stage_bigrams()
    new = said - _bigrams(context.name)
    others = [r for r in found if r.id != context.id]
    # (words the item in context has too name both: "以前交的城乡居民那几年" after 城乡居民养老保险 does not
    # name 城乡居民医保)
    if any(r.kind != "faq" and len(new & _bigrams(r.name)) >= 3 for r in others):
        return True
    # "执照下来以后发票咋个领" after 公司设立: 发票, which the guide never mentions, names the item ranked
    # near the top
    places = set().union(*(_bigrams(p) for p in index.knowledge.synonyms.elsewhere))  # "成都" names no item
    # (words, not any two characters side by side: "医院评残" has no 院评 naming 医院评审)
    written = "，".join([*(line for line in _guide_lines(context.guide) if line), context.name])
    unknown = {w for w in index.analyzer.words(_named_part(text)) if len(w) >= 2 and w not in written
               and not _bigrams(w) <= _stage_bigrams() | _GENERIC_BIGRAMS | places}
    if any(r.kind != "faq" and any(w in r.name for w in unknown) for r in others):
        return True
    if found[0].kind == "faq":
        return True
    if any(r.kind == "guide" and r.confidence >= FALLBACK_ITEM_CONFIDENCE and new & _bigrams(r.name) for r in others):
        return True
    top = found[0]
    if top.id == context.id:
        return False
    # the stage a name carries names no matter: "延续要提前好久" after 小作坊备案 is not 危险废物经营许可到期延续
    # the canonical words of its synonyms name it too: "没单位了 自己接着交" → 灵活就业人员
    own = _named_part(text) + "，" + "，".join(index.analyzer.expansions(clean(text)))
    shared = _bigrams(own) & _bigrams(top.name) - _stage_bigrams()
    return (top.confidence >= NAMES_ITEM_CONFIDENCE or _clear_winner(found)) \
        and len(shared) >= (1 if top.kind == "guide" else 2)


def _with_lines(reply: Reply, context: Result, lines: list[str], aspect: str | None) -> Reply:
    """The answer on the item in context with the guide's lines about what was asked: alone when no
    aspect was asked (the overview would not answer), after the aspect's answer otherwise."""
    shown = [line for line in lines if line not in reply.text]
    if not shown:
        return reply
    about = "本事项办事指南中的相关说明：\n" + _numbered(shown)
    if aspect is None or reply.kind != "answer":
        return Reply(f"{_header(context)}\n{about}", aspect_buttons(context.id)[:4], context.id, "answer", None, True)
    return Reply(f"{reply.text}\n{about}", reply.buttons, reply.procedure_item, reply.kind, reply.aspect, True)


# A message told in several clauses ("我和男朋友下周想去扯结婚证 要带啥子材料 赶时间说简单点"): its story
# and its manners dilute the clause that names the item.
_CLAUSES = re.compile(r"[\s，,。.！!？?；;、]+")
CLAUSE_CONFIDENCE = 0.25  # the share of its clause a clause's item must match
CLAUSE_MIN_SCORE = 15.0   # ... and how strongly (a name or alias said, not one common word)


def _by_clause(text: str, results: list[Result], index: SearchIndex) -> list[Result]:
    """An unsure match searched again clause by clause: the clause whose item scores highest, when
    that match is sure of its clause, names the item (aspect-only clauses and FAQ matches aside)."""
    fixed = clean(text)
    for wrong, right in index.knowledge.synonyms.typos.items():  # "养老金的人证" is 认证
        fixed = fixed.replace(wrong, right)
    clauses = [c for c in _CLAUSES.split(fixed) if c and not names_no_item(c)]
    if len(clauses) < 2:
        return results
    best: list[Result] = []
    best_at = faq_at = -1
    faq: Result | None = None
    for at, clause in enumerate(clauses):
        every = index.search(clause, k=MAX_CHOICES + 2)
        found = [r for r in every if r.kind != "faq"]
        if found and (not best or found[0].score > best[0].score):
            best, best_at = found, at
        # a clause a FAQ entry surely answers ("那个回执单搞掉了"): what is asked, when it follows the story
        if every and every[0].kind == "faq" and every[0].confidence >= SURE_FAQ and every[0].score >= CLAUSE_MIN_SCORE \
                and (faq is None or every[0].score > faq.score):
            faq, faq_at = every[0], at
    sure_item = bool(best) and best[0].confidence >= CLAUSE_CONFIDENCE and best[0].score >= CLAUSE_MIN_SCORE
    if faq is not None and (not sure_item or faq_at > best_at):
        return [_ClauseResult.mark(faq)]
    if not sure_item:
        return results
    return [_ClauseResult.mark(r) for r in best]


# A clause in which the citizen says who they are ("我自己开理发店的", "我是跑货车的"): the story of the
# question, not the item asked, when another clause asks about one ("没得单位 能买社保不").
_OWN_STORY = re.compile(r"^(我|我们|我家|俺)(自己|是|家是|们是)?[\u4e00-\u9fff]{1,10}的$")


def _beside_own_story(text: str | None, results: list[Result], index: SearchIndex) -> list[Result]:
    """The search again without the clause telling who the citizen is, kept when the rest of the
    question names an item surely (a clear winner) other than the one the story's words matched."""
    clauses = [c for c in _CLAUSES.split(clean(text)) if c]
    story = [c for c in clauses if _OWN_STORY.match(c)]
    if not story or len(story) == len(clauses):
        return results
    rest = " ".join(c for c in clauses if c not in story)
    if names_no_item(rest):
        return results
    again = index.search(rest, k=MAX_CHOICES + 2)
    if not again or again[0].kind == "faq" or again[0].confidence < MIN_CONFIDENCE or not _clear_winner(again):
        return results
    return results if results and results[0].id == again[0].id else again


class _ClauseResult(Result):
    """A result found by one clause of the question (sure of that clause, not of the whole)."""

    @classmethod
    def mark(cls, result: Result) -> "_ClauseResult":
        return cls(**{f: getattr(result, f) for f in result.__dataclass_fields__})


def _from_clause(results: list[Result]) -> bool:
    return bool(results) and isinstance(results[0], _ClauseResult)


def _general_rule(index: SearchIndex, aspect: str | None) -> Reply | None:
    """The FAQ answer of a follow-up aspect (delivery, proxy) asked about no item in particular."""
    entry = index.knowledge.faq.get(GENERAL_FAQ[aspect]) if aspect in GENERAL_FAQ else None
    return Reply(entry.answer, [], None, "faq") if entry is not None else None


def _without_the_place(text: str, results: list[Result], index: SearchIndex) -> list[Result]:
    """An unsure match searched again without the places in the question ("身份证在菜市场搞掉了"): the
    place's words match unrelated items and dilute the item's. Kept only when it is then sure."""
    from bot.tickets.places import without_places  # place reading lives with ticket intake

    stripped = without_places(clean(text))
    if stripped == clean(text) or not stripped.strip():
        return results
    again = index.search(stripped, k=MAX_CHOICES + 2)
    sure = bool(again) and (again[0].confidence >= MIN_CONFIDENCE or _clear_winner(again))
    return again if sure else results


def _typos_fixed(text: str | None, index: SearchIndex) -> str:
    """The text with the voice-input homophones of knowledge/synonyms.yml (typos) put right."""
    fixed = clean(text)
    for wrong, right in index.knowledge.synonyms.typos.items():
        fixed = fixed.replace(wrong, right)
    return fixed


def _without_voice_typos(text: str, results: list[Result], index: SearchIndex) -> list[Result]:
    """The search again with the voice-input homophones of knowledge/synonyms.yml (typos) put right
    ("养老金的人证" is 认证), kept only when it is then sure."""
    fixed = _typos_fixed(text, index)
    if fixed == clean(text):
        return results
    again = index.search(fixed, k=MAX_CHOICES + 2)
    sure = bool(again) and (again[0].confidence >= MIN_CONFIDENCE or _clear_winner(again))
    return again if sure else results


def _names_another(found: list[Result], context: Result) -> bool:
    """A short follow-up that still names another item: it alone matches a fair share of the words,
    far ahead of the rest."""
    return bool(found) and found[0].kind != "faq" and found[0].id != context.id \
        and found[0].confidence >= FALLBACK_ITEM_CONFIDENCE and _clear_winner(found)


def _named_by_name(text: str | None, context: Result, index: SearchIndex) -> Result | None:
    """The item a short follow-up names by (part of) its name when that shares nothing with the name
    of the item in context: "营业执照多久能办好" after 身份证 asks about 营业执照, "屋头娃儿的要多久"
    (no item's name) and "老人的那个" (too short to name one) stay on the item in context."""
    rest = _named_part(text)
    asked = _bigrams(rest)
    if len(asked) < 2 or asked & _bigrams(context.name):
        return None
    items = [r for r in index.search(rest, k=5) if r.kind != "faq"]
    # "要回南充那边跑一趟不": a place in a long item name ("…委托成都、德阳…南充…实施") names no item
    if not items or items[0].id == context.id or items[0].confidence < NAMES_ITEM_CONFIDENCE \
            or not asked & _bigrams(items[0].name) or items[0].kind != "guide" and not _names_item(text, items[0]):
        return None
    return items[0]


def _names_item(text: str | None, item: Result) -> bool:
    """A catalog item without a guide is named by two words of its name at least: "当天能拿到户口本不"
    after 出生登记 does not name 户口登记项目内容变更更正证明 by its 户口, nor "到期了 延续要提前好久" a
    …到期延续 item by the words of its stage."""
    return len(_bigrams(_named_part(text)) & _bigrams(item.name) - _stage_bigrams()) >= 2


# Words of the transaction itself, in any item's name (申领, 申请, 办理, 核发 …).
_PROCEDURE_BIGRAMS = frozenset({"申领", "申请", "办理", "新办", "设立", "核发", "首次", "初次", "签发", "新增", "配发"})


def _related_to_context(text: str | None, context: Result, results: list[Result]) -> Result | None:
    """The item a follow-up asks about when it is one of the matter talked about: its name shares words
    with the item in context and with what the question adds ("能先开个临时的不" after 居民身份证 is
    临时居民身份证, "办了有啥子补贴没得" after 残疾人证 the 残疾人 两项补贴) — and no other item the
    search ranks above it names more of those words."""
    new = _bigrams(_named_part(text)) - _bigrams(context.name)
    if not new or not results:
        return None
    # the verbs of any item (申领, 申请) make no matter common: 遗属待遇…申领 and 基本养老金申领 are two
    known = _bigrams(context.name) - _PROCEDURE_BIGRAMS
    related = [(len(new & _bigrams(r.name)), r) for r in results
               if r.kind != "faq" and r.id != context.id and known & _bigrams(r.name)]
    best, found = _sole_best(related)
    if found is None:
        return None
    ahead = results[:results.index(found)]
    if any(len(new & _bigrams(r.name)) > best for r in ahead if r.id != context.id):
        return None
    return found


def _clear_winner(results: list[Result]) -> bool:
    """A long story around a short question ("想在万盛开个小面馆，营业执照咋个办") matches little of its
    words, but when one item scores far above the rest it is the one meant."""
    if results[0].kind == "faq":
        return False
    second = results[1].score if len(results) > 1 else 0.0
    return results[0].score >= CLEAR_WINNER_RATIO * second


CLEAR_FAQ_CONFIDENCE = 0.15  # a FAQ entry far ahead of every item answers a story matching this much of it


def _clear_faq(results: list[Result]) -> bool:
    """A story around its question ("我上个月刚办完退休 养老金核下来比同事少了六七百 不晓得咋算的") matches
    little of its words; a FAQ entry scoring far above every item (its score already scaled by its
    share of the question) is what is asked."""
    if results[0].kind != "faq" or results[0].confidence < CLEAR_FAQ_CONFIDENCE:
        return False
    items = [r.score for r in results[1:] if r.kind != "faq"]
    return results[0].score >= CLEAR_WINNER_RATIO * (items[0] if items else 0.0)


def _close_faq(results: list[Result]) -> Result | None:
    """A FAQ entry scoring as high as the first item although its score is scaled by its share of the
    question, and matching more of the question than that item: the entry says what is asked, the item
    only names its subject."""
    if not results or results[0].kind == "faq":
        return None
    top = results[0]
    return next((r for r in results[1:MAX_CHOICES] if r.kind == "faq" and r.score >= CLOSE_RATIO * top.score
                 and r.confidence >= MIN_CONFIDENCE and r.confidence > top.confidence), None)


def _bigrams(text: str) -> set[str]:
    """The character bigrams of each run of Chinese characters (none across a comma or a space)."""
    return {run[i:i + 2] for run in re.findall(r"[\u4e00-\u9fff]+", text) for i in range(len(run) - 1)}


def _sole_best(scored: list[tuple[float, Result]]) -> tuple[float, Result | None]:
    """The best score of (score, candidate) pairs, and the candidate when it alone has it and it is > 0."""
    if not scored:
        return 0, None
    best = max(n for n, _ in scored)
    winners = [r for n, r in scored if n == best]
    return best, winners[0] if best > 0 and len(winners) == 1 else None


def _named_in_question(text: str | None, close: list[Result]) -> tuple[int, Result | None]:
    """Of candidates too close to tell apart by score, the one whose name the question uses
    ("领结婚证…" names 结婚登记, not 离婚登记) or None when that does not decide; with the most name
    words any candidate shares with the question."""
    asked = _bigrams(clean(text))
    return _sole_best([(len(asked & _bigrams(r.name)), r) for r in close])


CALLED_MIN_CHARS = 3  # a name or alias this long said word for word calls the item by name


def _called_in_question(text: str | None, close: list[Result], index: SearchIndex) -> Result | None:
    """Of candidates too close to tell apart, the one called by the longest of their names and aliases
    that the question says word for word ("办残疾证" is an alias of 残疾人证办理; 孤独症 in the same story
    matched 残疾儿童康复训练申请 by its words only), or None when none or two are called so."""
    said = clean(text).replace(" ", "")
    aliases = index.knowledge.item_aliases

    def longest(result: Result) -> int:
        names = [result.name, *(i.name for i in result.items)]
        if result.guide is not None:
            names += [*result.guide.aliases, *result.guide.catalog_names]
        names += [a for n in list(names) for a in aliases.get(n, ())]
        return max((len(n) for n in (clean(x).replace(" ", "") for x in names)
                    if len(n) >= CALLED_MIN_CHARS and n in said), default=0)

    return _sole_best([(longest(r), r) for r in close])[1]


MOVED_ON_RATIO = 0.5  # the other item's score against the item in context, to take the question to it


def _moved_on_from(text: str | None, context: Result | None, results: list[Result]) -> Result | None:
    """"办了残疾证能不能吃低保嘛" after 残疾证: the item in context ranks first because the question
    names it as background, but the question's new words name another item; that one is asked."""
    if context is None or not results or results[0].id != context.id:
        return None
    new_words = _bigrams(clean(text)) - _bigrams(context.name)
    floor = MOVED_ON_RATIO * results[0].score
    return _sole_best([(len(new_words & _bigrams(r.name)), r) for r in results[1:MAX_CHOICES + 1]
                       if r.kind != "faq" and r.score >= floor])[1]


def _offering_asked_stage(text: str | None, close: list[Result]) -> Result | None:
    """Of candidates too close to tell apart, the only one whose name offers the stage the question asks
    for (丢了/搞掉了 → 补证, 不干了 → 注销), or None."""
    asked = stages_in_query(clean(text))
    if not asked:
        return None
    offering = [r for r in close if stages_in_name(r.name) & asked]
    return offering[0] if len(offering) == 1 else None


def _nearest_to_context(close: list[Result], context: Result | None) -> Result | None:
    """Of candidates too close to tell apart, the one of the same matter as the item already talked
    about (after 企业职工退休, "每年还要做资格认证" means the pension one) — or, when that item is one of
    the two, the other one — or None when none stands out."""
    if context is None:
        return None
    others = [r for r in close if r.id != context.id]
    if len(others) == 1 and len(close) == 2:
        return others[0]  # "办了残疾证能不能吃低保": the item talked about is the background, the other is asked
    known = _bigrams(context.name)
    return _sole_best([(len(known & _bigrams(r.name)) / (len(known | _bigrams(r.name)) or 1), r) for r in close])[1]


SURE_FAQ = 0.6  # a FAQ entry matching this much of a message the NLU found out of scope answers it


def follow_up_reply(text: str | None, context_item: str | None, index: SearchIndex | None = None,
                    context_faq: str | None = None) -> Reply | None:
    """The answer to a message the NLU found out of scope when it is a follow-up after all: about the
    item in context ("一年能贷好多" after 学生资助, "一年可以提几次" after 公积金提取 — answered on that
    item, not taken to another) or a question a FAQ entry answers surely ("行政复议找哪个"); else None."""
    if not clean(text) or str(text).startswith("/"):
        return None
    index = index or get_index()
    faq = index.get(context_faq)
    if faq is not None and faq.kind == "faq":
        told = faq_follow_up(text, faq, detect_aspect(text), index)
        if told is not None:
            return told
    context = index.get(context_item)
    if context is not None and context.guide is not None:
        reply = compose(text, context.id, index=index)
        if reply.kind == "answer" and reply.procedure_item == context.id:
            return reply
    found = index.search(text, k=MAX_CHOICES)
    if found and found[0].kind == "faq" and found[0].confidence >= SURE_FAQ:
        return faq_reply(found[0])
    return None


CASE_ITEM_CONFIDENCE = 0.9  # a case's item name must be matched this completely to name a guide or item


def item_of_case(name: str | None, index: SearchIndex | None = None) -> str | None:
    """The guide (or catalog item) an application's item name stands for ("残疾人证换领" → 残疾人证办理), when
    the search is sure of it: after a status answer, "办好了去哪里拿" is about that item."""
    if not clean(name):
        return None
    found = [r for r in (index or get_index()).search(name, k=MAX_CHOICES) if r.kind != "faq"]
    if not found or found[0].confidence < CASE_ITEM_CONFIDENCE or not _clear_winner(found):
        return None
    return found[0].id


def item_name(item_id: str | None, index: SearchIndex | None = None) -> str | None:
    """The name of a guide or catalog item by its id (the slot procedure_item), None when unknown."""
    if not item_id:
        return None
    result = (index or get_index()).get(item_id)
    return result.name if result is not None else None


def plausible_items(text: str | None, index: SearchIndex | None = None) -> list[Result]:
    """Catalog items a message not understood may be about (for the fallback's "您是想问…吗"):
    the top retrieved guides and items that match a fair share of its words."""
    if len(set(re.sub(r"[^\u4e00-\u9fff]", "", clean(text)))) < 4:  # "啊吧啊吧" is no question
        return []
    index = index or get_index()
    # "我自己开理发店的 没得单位 能买社保不": the clause telling who asks names no item
    return [r for r in _beside_own_story(text, index.search(text, k=MAX_CHOICES + 2), index)
            if r.kind != "faq" and r.confidence >= FALLBACK_ITEM_CONFIDENCE][:MAX_CHOICES]


def fallback_items_text(items: list[Result]) -> str:
    """The fallback's offer with the items named in the text (WeChat and screen readers read text)."""
    return FALLBACK_NAMED.format(names=named(items)) if items else FALLBACK_ITEMS
