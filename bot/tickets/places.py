"""Places in citizens' messages: the district's 街道/镇/乡 from knowledge/gazetteer.yml and address-like
phrases (…路…号, …小区…栋, …村…组) from bot.tickets.intake.address_in.

Why not an address library: cpca and jionlp resolve province → city → county, which every message
here shares (广安市广安区); what tells a dispatcher where to go is the 街道/镇 and the 小区/村/门牌
below it, which the gazetteer and the place-word grammar read directly, with no model download."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from bot.nlu.normalize import normalize_text
from bot.nlu.readings import tells_problem
from bot.settings import get_settings


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    short: str


@lru_cache(maxsize=4)
def _divisions_at(path: str) -> tuple[Division, ...]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    out = []
    for i, row in enumerate(data.get("divisions") or []):
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) and row[k] for k in ("code", "name", "short")):
            raise ValueError(f"{path}: divisions[{i}] needs code, name and short")
        out.append(Division(row["code"], row["name"], row["short"]))
    if not out:
        raise ValueError(f"{path}: no divisions")
    return tuple(out)


def divisions() -> tuple[Division, ...]:
    return _divisions_at(str(get_settings().knowledge_dir / "gazetteer.yml"))


def division_in(text: str) -> Optional[tuple[Division, int]]:
    """The first division named in the text (full name, or the short name followed by a suffix or
    "那边/这边/附近/场镇") and where it starts."""
    best = None
    for d in divisions():
        for pattern in (re.escape(d.name), re.escape(d.short) + r"(?=街道|镇|乡|那边|这边|附近|场镇|街上)"):
            m = re.search(pattern, text)
            if m and (best is None or m.start() < best[1]):
                best = (d, m.start())
    return best


_BARE_PLACE_WORD = re.compile(r"(?:这个|那个|我们|我家|附近的?)?(?:小区|社区|街道|村|镇|乡|路|街|市场|广场|公园|学校|医院|"
                              r"卫生院|超市|菜市场|政府|中心|宿舍|桥|站|公厕|厕所|城|大院)+")  # "社区医院" names no place either
_REQUEST_WORDS = re.compile(r".*(?:你们|他们|喊|叫|通知|帮我|帮忙|能不能|可不可以|能否|派人)(?:到|去|来)?")
# "上个礼拜社区的小李…": a time said before a place is no part of it
_TIME_WORDS = re.compile(r".*(?:(?:上|这|下)个?(?:礼拜|星期|周|月)[一二三四五六日天]?|昨天|前天|今天|明天|去年|前年|今年|"
                         r"早上|晚上|上午|下午|半夜|凌晨)")
# A unit on its own ("8栋1102", "3组", "2单元101") continues the address before it.
_UNIT = re.compile(r"(?:\d+(?:栋|幢|号楼|单元|组|号)|[一二三四五六七八九十两]+(?:栋|幢|单元|组))(?:\d+(?:单元|室|号)?)*")


def _phrases(text: str) -> list[tuple[int, int]]:
    """Spans of the address-like phrases in the text, the lead words ("我住在") left out."""
    from bot.tickets.intake import _ADDRESS, _ADDRESS_LEAD, _NOT_A_ROAD, meaningful_length

    spans = []
    for m in _ADDRESS.finditer(text):
        lead = _ADDRESS_LEAD.match(m.group(0))
        start = m.start() + (lead.end() if lead else 0)
        # "那你们喊社区的人来…", "能不能通知社区": words addressed to us are no part of a place name
        cut = _REQUEST_WORDS.match(text[start:m.end()])
        if cut:
            start += cut.end()
        when = _TIME_WORDS.match(text[start:m.end()])
        if when:
            start += when.end()
        phrase = text[start:m.end()]
        # "我要投诉小区物业…": a place word alone names no place
        if meaningful_length(phrase) >= 2 and not _BARE_PLACE_WORD.fullmatch(phrase) and not _NOT_A_ROAD.search(phrase):
            spans.append((start, m.end()))
    for m in _UNIT.finditer(text):
        inside = next((i for i, (a, b) in enumerate(spans) if a <= m.start() < b), None)
        if inside is None:
            spans.append((m.start(), m.end()))
        elif m.end() > spans[inside][1]:  # "3栋1单元1802": the room number goes on from the unit
            spans[inside] = (spans[inside][0], m.end())
    spans = [(_named_before_unit(text, a) if _UNIT.match(text, a) else a, b) for a, b in spans
             if not _counter_number(text, a, b)]
    spans = [(a, _name_after_division(text, a, b)) for a, b in spans]
    # "北辰街道九龙街 老码头火锅店", "人民路上 康福大药房": a shop named right after a place is part of it;
    # "穿石镇到大龙镇那条路 观音岩那个弯道": so is a landmark named right after it by "…那里/那个弯道"
    for pattern, reach in ((_shop_after_place(), 3), (_landmark_after_place(), 2)):
        for m in pattern.finditer(text):
            if any(b <= m.start() <= b + reach for _, b in spans) and not any(a <= m.start() < b for a, b in spans) \
                    and not _NOT_A_NAME.match(m.group(0)) and not division_in(m.group(0)):  # "浓洄那边" is no landmark
                spans.append((m.start(), m.end()))
    return sorted(spans)


# "窗口是12号", "12号窗口", "3号柜台": the number of a counter inside a place, not a house number
_COUNTER_BEFORE = re.compile(r"(?:窗口|柜台)(?:号码|编号)?(?:是|在|号)?\s*$")
_COUNTER_AFTER = re.compile(r"\s*(?:窗口|柜台|号窗)")


def _counter_number(text: str, start: int, end: int) -> bool:
    """Whether the span is only the number of a service window or counter."""
    return bool(re.fullmatch(r"\d+号?", text[start:end])) and bool(
        _COUNTER_BEFORE.search(text, 0, start) or _COUNTER_AFTER.match(text, end))


# "小区是北辰街道阳光丽景，那条狗…": an estate the gazetteer does not know, named right after its 街道/镇 and
# ending its clause, though no place word ends it. Words of doing ("北辰街道上班") and of the people and
# things of an estate ("…安置小区物业") name no place.
_DOING = re.compile(r"上班|工作|打工|开店|做生意|住|办|买|卖|吃|喝|耍|玩|走|跑|看|等|坐|找|收|交|拿|送|修|做|搞|弄|租|"
                    r"排队|停车|上车|下车|出来|回来|过来|那|这|哪|物业|业主|居民|住户|保安|门卫|电梯|垃圾")


# "新修的安置小区幸福里，": an estate said by what it is, then by its name
_UNNAMED_ESTATE = re.compile(r"(?:安置|拆迁|还房|新|老|的|那个|这个|我们)(?:小区|安置房|安置点)$")


def _name_after_division(text: str, start: int, end: int) -> int:
    """Where a phrase that ends with a division (or with an estate not yet named) ends once the name
    said right after it is added."""
    found = division_in(text[start:end])
    if not _UNNAMED_ESTATE.search(text, start, end):
        if not found or _without_division(text[start:end], found[0]).strip():
            return end  # no division, or the phrase names more than the division
    from bot.tickets.intake import PLACE_BREAKS

    m = re.match(r"([\u4e00-\u9fffA-Za-z0-9]{3,8})(?=$|[\s，,。！!；;])", text[end:])
    if not m:
        return end
    name = m.group(1)
    if set(name) & set(PLACE_BREAKS) or _NOT_A_NAME.match(name) or _DOING.search(name) or \
            plausible_place_answer(name) != name:
        return end
    return end + m.end()


# "我住在滨江一号 3栋1单元1802": a name right before a unit is the estate the unit is in, though no place
# word ends it (…一号, …丽景, …名门).
_NOT_A_NAME = re.compile(r"^(?:我们?|我家|他们?|她|你们?|楼上|楼下|隔壁|对面|旁边|就|这|那)|[人们的家娃]$|老年|年轻")


def _named_before_unit(text: str, start: int) -> int:
    """Where a unit's place starts: at the estate name said right before it, else at the unit."""
    m = _name_before().search(text, 0, start)
    if not m:
        return start
    name = m.group(0).strip()
    if _NOT_A_NAME.match(name) or plausible_place_answer(name) != name:
        return start
    return m.start()


def _name_beside_division(text: str, found) -> Optional[str]:
    """"阳光丽景 枣山街道的 停水两天了": a name said first and then its 街道/镇 is the estate, though no
    place word ends it. Only at the start of a clause, and only when the division ends the phrase."""
    if not found:
        return None
    division, at = found
    after = text[at:]
    said = next((w for w in (division.name, division.short + "街道", division.short + "镇", division.short + "乡",
                             division.short) if after.startswith(w)), division.name)
    if not re.match(r"(?:的|那边|这边)?(?:$|[\s，,。!！])", after[len(said):]):
        return None  # (a name said right after the division: _name_after_division)
    m = re.search(r"(?:^|[\s，,。!！；;])([\u4e00-\u9fff]{2,8})\s*$", text[:at])
    if not m:
        return None
    name = m.group(1)
    return name if _plain_name(name) else None


def _plain_name(name: str) -> bool:
    """A few characters that can be an estate's name: no story, no place break, no "这边"."""
    from bot.tickets.intake import PLACE_BREAKS

    return not (set(name) & set(PLACE_BREAKS) or _NOT_A_NAME.match(name) or plausible_place_answer(name) != name)


@lru_cache(maxsize=1)
def _name_before() -> re.Pattern:
    from bot.tickets.intake import _PLACE_CHAR

    return re.compile(_PLACE_CHAR + r"{2,8}\s?$")


# A landmark said by its name and "那里", "那个弯道": the name is 2–6 characters of a place name
_LANDMARK_THERE = r"(?:那个|这个)(?:弯道|急弯|弯|坡|陡坡|路口|岔路口|垭口|桥|地方|位置|路段)|那里|那儿|那点|那边|这里|这儿|附近|一带"


@lru_cache(maxsize=1)
def _landmark_after_place() -> re.Pattern:
    from bot.tickets.intake import _PLACE_CHAR

    return re.compile(r"(?<=[\s，,])" + r"(?:(?![那这])" + _PLACE_CHAR + r"){2,6}?(?:" + _LANDMARK_THERE + ")")


@lru_cache(maxsize=1)
def _shop_after_place() -> re.Pattern:
    from bot.tickets.intake import _PLACE_CHAR, _SHOP_WORD

    return re.compile(r"(?<=[\s，,上里边的])" + _PLACE_CHAR + r"{1,8}" + _SHOP_WORD)


# A sentence-final particle ends a clause as a full stop does ("就在体育馆背后嘛 你们不晓得…").
_CLAUSE_END = re.compile(r"[。！？!?；;]|[嘛啊呀吧呢哦噻哈咯啦](?![\u4e00-\u9fff])|[嘛噻咯啦]")
# Words that lead into the next phrase and say nothing ("北门夜市，就在我们幸福里小区") do not count in the gap.
_GAP_FILLER = re.compile(r"[，,\s]|就在|就是|在|我们|我家|的")
MAX_GAP = 6  # characters between two phrases of one address ("北辰街道 康乐小区", "滨河路上那家…")


def _clusters(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Phrases that continue each other in one clause, merged ("北辰街道 康乐小区 5栋")."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out:
            gap = text[out[-1][1]:start]
            if len(_GAP_FILLER.sub("", gap)) <= MAX_GAP and not _CLAUSE_END.search(gap):
                out[-1] = (out[-1][0], end)
                continue
        out.append((start, end))
    return out


def _specificity(phrase: str) -> int:
    """How precisely a phrase places the matter: a division, named places, numbers (栋, 号, 组)."""
    from bot.tickets.intake import _PLACE_WORD

    return (3 if division_in(phrase) else 0) + len(re.findall(_PLACE_WORD, phrase)) + len(re.findall(r"\d+", phrase))


def place_in(text: Optional[str]) -> Optional[str]:
    """The place a message names: the most specific run of address phrases ("我们小区门口的烧烤店…，在北辰
    街道万盛小区" → 北辰街道万盛小区), starting at its division, with the division put in front when it is
    named elsewhere in the message; else the division alone."""
    from bot.tickets.intake import MAX_LOCATION_CHARS, clean

    text = clean(normalize_text(text))  # a place is kept in Simplified characters, as the gazetteer has it
    phrases = _phrases(text)
    gone = _destinations(text, phrases)
    # "我在广安站出站口排队…我说去龙安乡": where the citizen was going is not where the matter is
    found = division_in(_masked(text, gone))
    clusters = _clusters(text, [p for p in phrases if p not in gone])
    beside = _name_beside_division(text, found)
    if beside and all(_run_specificity(text[a:b], found) == 0 for a, b in clusters):
        return (found[0].name + beside)[:MAX_LOCATION_CHARS]  # "阳光丽景 枣山街道的" → 枣山街道阳光丽景
    if not clusters:
        return found[0].name if found else None
    # The run the citizen says the matter is at ("店在万盛中学后门斜对面"), else the most specific run; the
    # earlier one on a tie (citizens usually say where first). The division is put in front of whichever
    # run wins, so a run that is only the division counts for nothing
    # ("投诉御景湾小区的物业 中桥街道那个" → 中桥街道御景湾小区).
    start, end = _said_to_be_at(text, clusters) or max(
        clusters, key=lambda c: (_run_specificity(text[c[0]:c[1]], found), -c[0]))
    phrase = text[start:end].strip(" ，,") + _sign_after(text, end) + _passed_after(text, end, phrases)
    inside = division_in(phrase)
    if inside and _names_place_only_before(phrase, inside):
        # "御景湾小区的物业 中桥街道那个": the division said after the place goes in front of it
        offset = start + text[start:end].index(phrase)
        head = [text[a:b] for a, b in _phrases(text) if offset <= a and b <= offset + inside[1]]
        phrase = inside[0].name + "".join(head)
    elif inside:
        phrase = phrase[inside[1]:]
    elif found and found[0].name not in phrase:
        phrase = found[0].name + phrase
    return phrase[:MAX_LOCATION_CHARS]


# "我在广安站出站口…", "我说去龙安乡": a place someone is at, and a place someone goes to
_AT = re.compile(r"(?<![现正实存所])在$")  # "现在只到镇上" says when, not where
_GOING_TO = re.compile(r"(?:去|到)$")


def _destinations(text: str, phrases: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The phrases said as where someone goes ("去龙安乡", "到龙安乡"), when another phrase is said as where
    the citizen is ("在广安站出站口"); none otherwise (a place gone to is often where the matter is: "我到
    政务服务中心办事…")."""
    def going(a: int) -> bool:
        return bool(_GOING_TO.search(text, 0, a) or text[a:a + 1] in "去到")

    if not any(_AT.search(text, 0, a) and not going(a) for a, _ in phrases):
        return []
    return [(a, b) for a, b in phrases if going(a)]


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans blanked out, the positions of the rest unchanged."""
    for a, b in spans:
        text = text[:a] + " " * (b - a) + text[b:]
    return text


# "我住在万盛街道…。店在万盛中学后门斜对面": where the citizen lives is said in passing; the words "店在/地址在…"
# say where the matter is.
_SAYS_WHERE = re.compile(r"(?:店|铺子|门面|摊子|摊摊|工地|厂子?|地址|位置|地点|那家|那个地方)(?:就|也|是)?(?:在|开在|位于)")
# "（后门）斜对面，招牌叫「好又多便利店」": the rest of the position and the shop's name, said right after its place
_SIGN = re.compile(r"^([\u4e00-\u9fff]{0,4}?)[，,\s]*(?:招牌|店名|店的名字|名字)上?(?:叫|是|写的|写起)[:：]?\s*"
                   r"[「『“\"\'《]?([\u4e00-\u9fffA-Za-z0-9]{2,12})")


_LIVES_AT = re.compile(r"我(?:们)?(?:家)?(?:就)?(?:住|屋头在|家在)")


def _said_to_be_at(text: str, clusters: list[tuple[int, int]]) -> Optional[tuple[int, int]]:
    """The run (or the part of it) that follows "店在", "地址在"… — the place the citizen says the matter
    is at, when they also say where they live (else the most specific run decides, as before)."""
    if not _LIVES_AT.search(text):
        return None
    for m in _SAYS_WHERE.finditer(text):
        for a, b in clusters:
            if a <= m.end() < b or m.end() <= a <= m.end() + 1:
                return max(a, m.end()), b
    return None


PASSED_REACH = 12  # characters from a road to the landmark passed on it ("…那条路上有个大坑 过了加油站…")


def _passed_after(text: str, end: int, phrases: list[tuple[int, int]]) -> str:
    """"，过了中石化加油站大概两百米" when the road that ends at ``end`` is followed, in the same sentence,
    by a landmark passed on it and the distance from it: where along the road the matter is."""
    if not re.search(r"路|道|公路", text[max(0, end - 3):end]):
        return ""
    for a, b in phrases:
        passed = re.search(r"(?:过了|经过|离|距离)$", text[max(0, a - 2):a])
        if a < end or a - end > PASSED_REACH or not passed or re.search(r"[。！？!?；;]", text[end:a]):
            continue
        distance = _DISTANCE.match(text, b)
        return "，" + text[a - len(passed.group(0)):distance.end() if distance else b]
    return ""


def _sign_after(text: str, end: int) -> str:
    """"斜对面 好又多便利店" when the shop's name is said right after the place that ends at ``end``."""
    m = _SIGN.match(text[end:])
    return m.group(1) + " " + m.group(2) if m else ""


def _names_place_only_before(phrase: str, inside) -> bool:
    """Whether the phrase names its place before the division and nothing after it."""
    from bot.tickets.intake import _PLACE_WORD

    tail = phrase[inside[1] + len(inside[0].name):]
    return inside[1] > 0 and not re.search(_PLACE_WORD, tail) and bool(re.search(_PLACE_WORD, phrase[:inside[1]]))


def _run_specificity(phrase: str, found) -> int:
    """A run's specificity; nothing for a run that is only the message's division."""
    if found and not phrase.replace(found[0].name, "", 1).strip(" ，,的那个这边"):
        return 0
    return _specificity(phrase)


def _cut(text: str, spans) -> str:
    """The text without the (start, end) spans, given in order."""
    out, last = [], 0
    for start, end in spans:
        out.append(text[last:start])
        last = end
    out.append(text[last:])
    return "".join(out)


# A stretch of road named by its ends or by what it passes ("从加油站到二小那一段", "靠近加油站那一段"):
# everything up to the stretch word only says where.
_STRETCH = re.compile(r"(?:那|这)?一?段|之间")
_NEAR = re.compile(r"靠近|挨着|紧挨|临近|挨到|从")
# "靠近加油站那里有好几个大坑": a phrase that starts by saying "near" only says where, as far as the
# place word after it ("那里", "附近")
_BESIDE = re.compile(r"靠近|挨着|紧挨|临近|挨到")
_THERE = re.compile(r"那里|那儿|那边|附近|一带")
# "过了中石化加油站大概两百米有个大坑": a place passed or measured from only says where, with the distance
_PASSED = re.compile(r"(?:过了|经过|离|距离)$")
_DISTANCE = re.compile(r"(?:大概|大约|差不多|左右)?[\d一二两三四五六七八九十百几]+(?:米|公里|里路?)(?:左右|的样子)?")


def without_landmarks(text: str) -> str:
    """The text with the places that only say where removed: a place phrase up to its last position
    word ("体育馆背后", "学校门口", "医院旁边的") or stretch word ("从加油站到二小那一段", "靠近加油站那一段"),
    so that the landmark does not decide who handles the matter ("体育馆背后那条路有根树倒了" is about a
    road, not sport; "靠近加油站那一段路面烂了" about a road, not the petrol station)."""
    from bot.tickets.intake import POSITION_WORD

    spans = []
    for start, end in _phrases(text):
        ends = [m.end() for m in POSITION_WORD.finditer(text, start, end)]
        if _NEAR.search(text, start, end):
            ends += [m.end() for m in _STRETCH.finditer(text, start, end)]
        beside = _BESIDE.match(text, start) or (not ends and _BESIDE.search(text, start, end))
        if beside:  # "靠近加油站那里…", "那里挨到实验学校": the landmark only says where
            there = _THERE.match(text, end)
            ends.append(there.end() if there else end)
        if _PASSED.search(text, max(0, start - 2), start):
            distance = _DISTANCE.match(text, end)
            ends.append(distance.end() if distance else end)
        if ends:
            spans.append((start, max(ends)))
    return _cut(text, spans)


@lru_cache(maxsize=1)
def _at_place() -> re.Pattern:
    from bot.tickets.intake import _PLACE_WORD, _POSITION, _SHOP_WORD

    return re.compile(r"在[\u4e00-\u9fff]{0,4}?(?:" + _PLACE_WORD + "|" + _SHOP_WORD + ")" + _POSITION + "?")


def without_places(text: str) -> str:
    """The text with every place phrase and 街道/镇 name removed ("身份证在菜市场搞掉了" → "身份证搞掉了"):
    where something happened says nothing about which service is asked."""
    rest = _at_place().sub("", _cut(text, _phrases(text)))  # "在菜市场": a bare place word after 在 too
    for d in divisions():
        rest = rest.replace(d.name, "")
    return rest


def place_said_later(new: Optional[str], old: Optional[str], add: bool = True) -> Optional[str]:
    """The place once a later message names ``new`` after ``old`` was taken, or None to keep ``old``:
    the division put in front ("学府名城小区", then "广福街道"), the more specific one ("这条街" →
    "井河镇老街农贸市场外面"), the division continued ("东岳乡" → "东岳乡石龙村3组"), or the same 街道 with
    something added ("…垃圾站，卫生院隔壁"; not when ``add`` is false)."""
    if heads_place(new, old):
        return new + old
    if more_specific(new, old):
        return new
    if continues_place(new, old):
        return old + new
    return adds_to_place(new, old) if add else None


def heads_place(new: Optional[str], old: Optional[str]) -> bool:
    """Whether a place said next is the division of the one said before ("学府名城小区", then "在广福街道")."""
    if not new or not old or division_in(old):
        return False
    found = division_in(new)
    return bool(found) and not _without_division(new, found[0]).strip()


def more_specific(new: Optional[str], old: Optional[str]) -> bool:
    """Whether a place said later says more than the one already taken ("这条街" → "井河镇老街")."""
    return bool(new) and (not old or _specificity(new) > _specificity(old))


def continues_place(new: Optional[str], old: Optional[str]) -> bool:
    """Whether a place said next goes on from a division said before ("东岳乡", then "石龙村3组")."""
    if not new or not old or division_in(new):
        return False
    found = division_in(old)
    if not found or new in old:
        return False
    return not _without_division(old, found[0]).strip()  # the place so far is the division alone


def _without_division(place: str, division: Division) -> str:
    for said in (division.name, division.short + "街道", division.short + "镇", division.short + "乡", division.short):
        place = place.replace(said, "", 1) if said in place else place
    return place


def adds_to_place(new: Optional[str], old: Optional[str]) -> Optional[str]:
    """The place taken so far with what a later message adds to it in the same 街道/镇 ("彭家乡场镇上的垃圾站",
    then "就在彭家乡卫生院隔壁" → "彭家乡场镇上的垃圾站，卫生院隔壁"), or None when it adds nothing or is
    elsewhere."""
    from bot.tickets.intake import MAX_LOCATION_CHARS

    if not new or not old or new in old or old in new:
        return None
    new_division, old_division = division_in(new), division_in(old)
    if new_division and (not old_division or new_division[0] != old_division[0]):
        return None
    added = (_without_division(new, new_division[0]) if new_division else new).strip(" ，,")
    if not added or added in old or _specificity(added) < 1:
        return None
    return f"{old}，{added}"[:MAX_LOCATION_CHARS]


def corrected_place(old: Optional[str], text: str) -> Optional[str]:
    """The place after a correction ("不是3栋 是4栋2单元"): the corrected part replaced inside the
    place already taken, so the 街道 and 小区 said before are kept."""
    from bot.tickets.intake import clean

    text = clean(text)
    swapped = _swap(old, text)
    if swapped:  # "不是3栋 是4栋", "是东门 不是西门": the corrected part replaced where it was said
        return swapped[:_max_chars()]
    said = _CORRECTION_CUE.search(text)
    if said and plausible_place_answer(said.group(1)) and "不是" not in said.group(1):  # "地址写错了，是万盛街道阳光水岸": the whole of it
        whole = said.group(1).strip(" ，,。")
        if old and not division_in(whole) and division_in(old):
            whole = division_in(old)[0].name + whole
        return whole[:_max_chars()]
    fixed = _unit_corrected(old, text)
    if fixed:  # "说错了 是2单元 3单元是我姐家": that unit replaced, the 小区 kept
        return fixed[:_max_chars()]
    new = place_in(text)
    if not new or not old:
        return new
    if division_in(new):
        return new
    if not _UNIT.fullmatch(new) and division_in(old):  # "是凯旋城小区" after "枣山街道御景湾小区"
        return division_in(old)[0].name + new
    if _specificity(new) >= _specificity(old):
        return new
    unit = _UNIT.search(new)
    head = _UNIT.split(old, maxsplit=1)[0] if _UNIT.search(old) else old
    return head + (new[unit.start():] if unit else new)


# "不是5栋 是7栋" / "是7栋不是5栋" / "是东门 不是西门": (wrong, right) in either order.
_SWAPS = (re.compile(r"不是\s*(?P<wrong>[^，,。\s是]+?)\s*[，,]?\s*(?:是|而是|应该是)\s*(?P<right>[^，,。\s不]+)"),
          re.compile(r"(?:是|应该是)\s*(?P<right>[^，,。\s是不]+?)\s*[，,]?\s*(?:不是|而不是)\s*(?P<wrong>[^，,。\s]+)"))


def _swaps(text: str) -> list[tuple[str, str]]:
    """(wrong, right) of every "不是X 是Y" / "是Y 不是X" in the text."""
    return [(m.group("wrong"), m.group("right")) for pattern in _SWAPS for m in pattern.finditer(text)]


def _swap(old: Optional[str], text: str) -> Optional[str]:
    """The place with the part the citizen corrects replaced, when that part is in it."""
    if not old:
        return None
    for wrong, right in _swaps(text):
        if wrong in old and right not in old:
            return old.replace(wrong, right, 1)
    return None


# "说错了 是2单元", "记错了，应该是7栋": the right unit follows the admission of the mistake
_SAID_WRONG = re.compile(r"(?:说错了?|记错了?|搞错了?|写错了?|打错了?|弄错了?|不对)[，,。\s]*(?:应该|其实)?是\s*([^\s，,。是]+)")
_UNIT_KIND = re.compile(r"(栋|幢|号楼|单元|组|室|号)$")
_NUMERAL = r"(?:\d+|[一二三四五六七八九十两]+)"


def _unit_corrected(old: Optional[str], text: str) -> Optional[str]:
    """The place with one unit replaced ("5栋3单元" → "5栋2单元"), when the message admits a mistake and
    gives a unit of a kind the place has."""
    said = _SAID_WRONG.search(text)
    if not old or not said or not _UNIT.fullmatch(said.group(1)):
        return None
    right = said.group(1)
    kind = _UNIT_KIND.search(right)
    if not kind:
        return None
    found = re.search(_NUMERAL + re.escape(kind.group(1)), old)
    if not found or found.group() == right:
        return None
    return old[:found.start()] + right + old[found.end():]


def corrects_place(old: Optional[str], text: str) -> bool:
    """Whether the message corrects a part of the place (before or after the correction was applied)."""
    from bot.tickets.intake import clean

    text = clean(text)
    return bool(old) and any(wrong in old or right in old for wrong, right in _swaps(text))


_CORRECTION_CUE = re.compile(r"(?:地址|地点|位置|地方)[^，,。是]{0,6}[，,]?\s*(?:应该是|而是|改成|改为|是在|是|在)\s*(.+)$")
# At the location question an answer without a place word ("区政务服务中心", "阳光水岸") is still the
# place, unless it is something else: a question, a refusal, a request to us, a greeting, a yes/no.
_NOT_A_PLACE = re.compile(r"你们|能不能|可不可以|帮我|帮忙|喊|通知|不知道|不清楚|不晓得|不想|不留|算了|取消|谢谢|"
                          r"我要|我想|投诉|举报|反映|人工|机器人|电话|手机|号码|姓|名字|了|穿|戴|岁|个子|他|她|"
                          r"^(好|好的|对|对的|是的|嗯+|行|可以|没有|不是|要得|晓得了|你好|您好|喂)[。！!]?$")
_PLACE_LEAD = re.compile(r"^(?:就?在|是在|是|地址是|地点是|位置在)")


def _max_chars() -> int:
    from bot.tickets.intake import MAX_LOCATION_CHARS

    return MAX_LOCATION_CHARS


def plausible_place_answer(text: Optional[str]) -> Optional[str]:
    """The answer to "问题发生在哪里" as the citizen put it, when it can be a place though no place word
    marks it ("区政务服务中心"); None when it is a question, refusal, request or small talk."""
    from bot.tickets.intake import clean, is_confused, is_question

    t = _PLACE_LEAD.sub("", clean(normalize_text(text)).strip(" ，,。！!"))
    chars = re.sub(r"[^\u4e00-\u9fffA-Za-z0-9]", "", t)
    if len(re.findall(r"[\u4e00-\u9fff]", t)) < 2 or not 2 <= len(chars) <= 24 or tells_problem(t) or _NOT_A_PLACE.search(t) or is_question(t) or is_confused(t):
        return None
    return t[:_max_chars()]


# ---- whether a matter needs a place --------------------------------------------------------

PLACE_CATEGORIES = ("投诉", "举报", "求助")  # the matter is usually about a place


def needs_location(category: str, emergency: Optional[str] = None, description: Optional[str] = None) -> bool:
    """Someone threatening self-harm is not asked where "the problem" is; a suggestion is asked where
    when it is about a place ("小区门口那几步台阶…能不能修个坡坡"); praise is asked which unit when it names
    the praised one's unit by a bare word only ("表扬社区的小王": which 社区?)."""
    if emergency == "self_harm":
        return False
    if category == "表扬":
        return praised_unit_unnamed(description)
    from bot.tickets.intake import clean

    return category in PLACE_CATEGORIES or category == "建议" and bool(_PLACE_HINT.search(clean(description)))


_PLACE_HINT = re.compile(r"小区|门口|路口|路段|街上|村里|我们村|这条路|那条路|桥|台阶|楼道|广场|公园|车站|站台|学校门口|红绿灯|斑马线")
# The units whose staff are praised, as citizens name them without saying which one.
_BARE_UNIT = re.compile(r"(社区|村上|村里|村委会?|居委会|派出所|卫生院|敬老院|养老院|窗口|街道办|镇政府|乡政府|镇上|乡上)"
                        r"(的|里的|上的|头的)")


def praised_unit_unnamed(description: Optional[str]) -> bool:
    """Whether praise names the praised one's unit only by a bare word ("社区的小王") and no place in the
    message says which one — the dispatcher could not pass the thanks on."""
    from bot.tickets.intake import clean

    text = clean(description)
    return bool(_BARE_UNIT.search(text)) and place_in(text) is None
