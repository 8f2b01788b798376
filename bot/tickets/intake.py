"""Chat intake of tickets: what the ticket form reuses from the conversation, which questions it
asks, how it reads the citizen's answers, and the Chinese texts of its summary and replies.

Pure functions (no database, no Rasa): actions/tickets.py translates between Rasa and these.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

from bot.calendar import format_cn_date, local_today, working_days_between
from bot.identifiers import COMMON_SURNAMES, COMPOUND_SURNAMES, is_valid_mobile, normalize_phone
from bot.nlu.readings import announces_matter
from bot.settings import get_settings
from bot.tickets.classify import classify

# Intents whose message starts the ticket form; the first five name the matter's category.
TICKET_INTENTS = ("complain", "report", "suggest", "seek_help", "praise", "request_human")
PHONE_OPTIONAL_CATEGORIES = ("建议", "表扬")
MIN_DESCRIPTION_CHARS = 6
MAX_DESCRIPTION_CHARS = 2000
MAX_LOCATION_CHARS = 200
MAX_NAME_CHARS = 20
TRANSCRIPT_MAX_MESSAGES = 60

NONE_VALUE = "无"  # a skipped optional answer (slot value; never shown as data)

_SKIP = re.compile(r"^(不留|跳过|不用留|不想留|不方便|不方便留|匿名|无|没有|不需要|不用|不用了|略|不填|不告诉你|保密|skip)[。.!！]*$",
                   re.IGNORECASE)
_CANCEL = re.compile(r"^(取消|算了|算了吧|不办了|不登记了|不反映了|不投诉了|不用了|不要了|撤销|退出|不弄了|取消登记|取消吧)[。.!！，,]*$")
_CANCEL_IN = re.compile(r"(取消登记|不登记了|不反映了|算了吧|算了|取消)")
_CONFIRM = re.compile(r"(确认|提交|确定|没问题|是的|对的|可以|好的|要得|对头|就这样)")
# A bare "好/对/行/嗯" is a yes only as a clause of its own: "要好久才有人来" says no yes.
_CONFIRM_WORD = re.compile(r"(好|对|行|嗯+|是)[啊呀吧哈嘛了的!！。.~～]*")
_EDIT = re.compile(r"(修改|更改|改一下|改下|有误|不对|错了|重填|改)")
# 外网公开反馈 (docs/publication.md): consent to publishing the anonymised question and answer,
# given at the summary; anything else (including no answer) is no.
_PUBLISH = re.compile(r"同意公开|可以公开|愿意公开|公开也行|公开也可以")
_NO_PUBLISH = re.compile(r"不同意公开|不要公开|不公开|别公开|不愿意公开")
PUBLISH_BUTTON = {"title": "确认提交并同意公开", "payload": "确认提交，同意公开答复"}
UNRESOLVED_MAX_CHARS = 16  # longer than this, a message with "没用" in it is a story, not a verdict
_UNRESOLVED = re.compile(r"(没解决|没有解决|未解决|不满意|没用|没帮助|没有帮助|答非所问|不是我要的|没看懂|看不懂|不管用|解决不了)")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86)?(1[3-9]\d{9})(?!\d)")
# 组, 栋 and 单元 are written in digits or in Chinese numerals ("四组"); a bare "三号" is a date.
_NUMBER = r"(?:\d+|[一二三四五六七八九十两百零]+)"
# Address-like phrases: a place name ending in a road, building or area word, or a house number.
_PLACE_WORD = (r"(?:(?<![线思网套门一二三四五六七八九十\d到得认错找走问带迷])路(?![灯费况线子口])|街道|大街|(?<![逛上])街|巷|胡同|大道|小区|楼盘|社区|花园|家园|公寓|大厦|广场|公园|"
               r"市场|商场|村(?![医民])|镇|乡|" + _NUMBER + r"(?:组|号楼|栋|幢|单元)|\d+号|\d+期|医院|学校|小学|中学|幼儿园|车站|加油站|"
               r"派出所|社保所|财政所|司法所|卫生所|卫生院|敬老院|养老院|大桥|[东西南北中]段|[一二三四五六七八九]段|"
               # landmarks people name a place by: 粮站/垃圾站/汽车站, 体育馆/图书馆, 镇政府, 文化中心, 工业园区…
               r"(?<!网)站(?![着起住在了岗队口])|(?<!饭)馆(?!子)|宿舍|政府|(?<![中重核])中心|工业园区|园区|工业园|(?<![过])桥头?(?![牌梁])|"
               r"邮局|银行|公厕|厕所|车库|场口|场镇|水库|河堤|河边|堰塘|祠堂|(?<![进县市省全主])城(?![管市里区乡])|大院|"
               # housing estates are named like "翰林华府二期", "锦绣苑", "御景湾", "滨江郡", "阳光山庄"
               r"华府|(?<![政市区省王])府(?![上里])|苑|郡|山庄|华庭|(?<![港海])湾(?![区])|[一二三四五六七八九十]期)")
# A shop or site named after a street ("建设路上的万家福超市") is part of the place; on its own
# ("楼下烧烤店") it is not an address.
_SHOP_WORD = (r"(?:厂房工地|厂房|超市|饭店|酒店|餐馆|餐厅|火锅店|烧烤店|茶楼|网吧|宾馆|工地|厂|码头|店|健身房|诊所|药房|门市|门面|商铺|"
              r"铺子|会所|KTV|歌厅|酒吧|洗车场|停车场|公司|写字楼|菜市场|房产中介|中介)")
# Characters that never occur in a place name here but end the words before one ("有根大树倒在路…",
# "井盖坏了"): a place phrase neither starts before them nor runs across them. Checked against the
# gazetteer's names by tests.
PLACE_BREAKS = "有是在倒坏垮堵漏了把被给说要想都也还又很太吗呢吧啊呀嘛哦咋啥着"
_PLACE_CHAR = r"(?:(?![" + PLACE_BREAKS + r"])[\u4e00-\u9fffA-Za-z0-9])"
_POSITION = (r"(?:门口|[东西南北]门|附近|旁边|对面|斜对面|交叉口|十字路口|路口|出站口|出口|入口|背后|后面|后头|后门|前门|前面|隔壁|"
             r"底下|下面|边上|侧边|转角|拐角)")
POSITION_WORD = re.compile(_POSITION)
_ADDRESS = re.compile(_PLACE_CHAR + r"{2,16}?" + _PLACE_WORD
                      + r"(?:" + _PLACE_CHAR + r"{0,8}?" + _PLACE_WORD + r")*"
                      + r"(?:[\u4e00-\u9fffA-Za-z0-9]{0,8}?" + _SHOP_WORD + r")?"
                      + _POSITION + "?")
EDIT_FIELDS = (
    ("ticket_description", "诉求内容", ("诉求", "内容", "描述", "问题")),
    ("ticket_location", "地点", ("地点", "地址", "位置", "地方")),
    ("ticket_phone", "联系电话", ("电话", "手机", "号码")),
    ("ticket_name", "姓名", ("姓名", "名字", "称呼")),
)


def clean(text: Optional[str]) -> str:
    return unicodedata.normalize("NFKC", text or "").strip()


def is_payload(text: Optional[str]) -> bool:
    return clean(text).startswith("/")


def meaningful_length(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum())


def is_unresolved(text: Optional[str]) -> bool:
    """"没解决" / "不满意": the citizen says the answer did not help."""
    return bool(_UNRESOLVED.search(clean(text)))


def reusable_description(text: Optional[str]) -> Optional[str]:
    """The message as the description, when it says more than a few characters about the matter."""
    text = clean(text)
    if not text or is_payload(text) or _CANCEL.match(text) or announces_matter(text):
        return None
    # "没用" alone says an answer did not help; "物业说了也没用" inside a story is part of the story
    if is_unresolved(text) and meaningful_length(text) <= UNRESOLVED_MAX_CHARS:
        return None
    if meaningful_length(text) < MIN_DESCRIPTION_CHARS:
        return None
    return text[:MAX_DESCRIPTION_CHARS]


# "那你帮我登记一下" / "要得，帮我记下来": asks to register what was said before, says nothing new.
_REGISTER_ME = re.compile(r"(那你|你)?(帮我|给我|帮忙)?(登记|记下来|记倒|记一下|记录一下|反映一下|反映上去|报上去)"
                          r"(一下|嘛|吧|哈|哦)?|要得|好的|好嘛|行吧|可以")
# Earlier messages that belong to the same story: a matter told before the form started, or one the
# bot did not understand (a reply to a status question or a procedure answer does not).
STORY_INTENTS = TICKET_INTENTS + ("nlu_fallback",)
STORY_MESSAGES = 4
# "我儿子在外地打工 屋头就我一个人 弄不来" after "养老金认证咋么弄": the citizen cannot do what they just asked
# about, so that question is the matter, whatever it was read as.
_CANNOT_MANAGE = re.compile(r"弄不来|搞不来|整不来|办不来|弄不到|搞不懂|弄不懂|不会弄|不会搞|不会办|不会用|用不来|操作不来")


@lru_cache(maxsize=2)
def _catalog_at(path: str, mtime: float):
    from bot.knowledge.dispatch import load_dispatch_catalog

    return load_dispatch_catalog(path)


def names_matter(text: str) -> bool:
    """Whether the text names a matter type of the dispatch catalog (低保, 耕地地力保护补贴, 噪音…)."""
    path = get_settings().knowledge_dir / "dispatch_catalog.yml"
    try:
        catalog = _catalog_at(str(path), path.stat().st_mtime)
    except Exception:  # a broken or missing catalog is reported where routing is built
        return False
    return bool(catalog and catalog.match(text).matters)


@lru_cache(maxsize=2)
def _typos_at(path: str, mtime: float) -> dict[str, str]:
    from bot.knowledge.loader import load_typos

    return load_typos(path)


def _typos() -> dict[str, str]:
    path = get_settings().knowledge_dir / "synonyms.yml"
    try:
        return _typos_at(str(path), path.stat().st_mtime)
    except Exception:  # a broken file is reported by the knowledge check; the words stay as typed
        return {}


TERM_MEANT = "（{term}）"


def with_terms_meant(description: Optional[str]) -> Optional[str]:
    """"我的滴保咋个突然就莫得了" → "我的滴保（低保）咋个突然就莫得了": the citizen's words kept, and the word
    meant written after a voice-input homophone (knowledge/synonyms.yml typos) that names a matter of
    the dispatch catalog, so that the handler reads it and a search for 低保 finds the ticket."""
    if not description:
        return description
    from bot.nlu.normalize import normalize_text

    norm = normalize_text(description)  # length-preserving: positions are the description's
    inserts: list[tuple[int, str]] = []
    for wrong, right in _typos().items():
        if not names_matter(right):
            continue
        note = TERM_MEANT.format(term=right)
        for m in re.finditer(re.escape(wrong), norm):
            if not norm.startswith(normalize_text(note), m.end()):  # written already
                inserts.append((m.end(), note))
    for at, note in sorted(inserts, reverse=True):
        description = description[:at] + note + description[at:]
    return description[:MAX_DESCRIPTION_CHARS]


def _names_what_follows_leaves_out(previous: str, parts: list[str]) -> bool:
    """"我去社区申请低保 那个工作人员说…这个合理不", then "她态度还凶得很 我要投诉她": the message that starts
    the form names no matter of its own, and the question asked just before does — whatever that
    question was answered with, it is what the complaint is about."""
    return bool(parts) and not any(names_matter(p) for p in parts) and names_matter(previous)


# "就是从龙台镇场口发车那趟": a message that says which one was meant goes on with the one before it,
# whatever that one was read as (the bus route told first was taken for a status question).
_REFERS_BACK = re.compile(r"^(就是|也就是|我说的是|我是说|说的是)")


def cancels_before(text: str) -> bool:
    """"算了算了 不登记了 麻烦得很": the citizen gave up registering (and may come back to it)."""
    return cancel_with_rest(text) is not None


def description_from_messages(messages: list[dict]) -> Optional[str]:
    """What the citizen already said: the message that started the form together with the story
    told just before it ("包工头欠我工钱…" then "工地在浓溪镇…"); for "那你帮我登记一下" or a button
    (the "记录我的问题" of the fallback), the story before it.
    ``messages``: user messages, oldest first, as {"text", "intent"}."""
    if not messages:
        return None
    parts: list[str] = []
    register_me = False  # the latest message only asked to register what came before
    cannot_manage = comes_back = False
    for i, message in enumerate(reversed(messages[-(STORY_MESSAGES + 4):])):
        text = message.get("text") or ""
        if is_payload(text):
            if i == 0:
                continue  # a button started the form: the story is before it
            break
        if i == 0:
            register_me = bool(_REGISTER_ME.search(text)) and not reusable_description(
                _REGISTER_ME.sub("", text).strip(" ，,。.!！"))
            cannot_manage = bool(_CANNOT_MANAGE.search(text))
            comes_back = bool(_GO_ON.search(text))  # "还是登记嘛…": back to the matter given up just before
        elif comes_back and cancels_before(text):
            continue  # "算了算了 不登记了…" then "还是登记嘛…": the change of mind is no part of the story
        elif message.get("intent") not in STORY_INTENTS and not (register_me and not parts) \
                and not (cannot_manage and i == 1) and not (i == 1 and _names_what_follows_leaves_out(text, parts)) \
                and not (i == 1 and parts and _REFERS_BACK.match(parts[0])):
            break
        found = reusable_description(_REGISTER_ME.sub("", text).strip(" ，,。.!！"))
        if found:
            parts.insert(0, reusable_description(text) or found)
        elif i > 0:
            break
        if len(parts) >= STORY_MESSAGES:
            break
    return "；".join(parts)[:MAX_DESCRIPTION_CHARS] or None


def intent_come_back_to(messages: list[dict]) -> Optional[str]:
    """"还是登记嘛 墙裂得越来越大了" right after "算了算了 不登记了": the citizen comes back to the matter told
    before giving up, and that message's reading (求助 for a leaking house) is the matter's, not the
    reading of the words said on coming back. None otherwise."""
    if len(messages) < 3 or not _GO_ON.search(messages[-1].get("text") or "") \
            or not cancels_before(messages[-2].get("text") or ""):
        return None
    intent = messages[-3].get("intent")
    return intent if intent in TICKET_INTENTS[:5] else None


_RECATEGORIZE = re.compile(r"(不是|不算|也不算)(投诉|举报|求助|建议|表扬|咨询).{0,6}(是|算|就是)(投诉|举报|求助|建议|表扬|咨询)"
                           r"|(改成|改为|换成|算成)(投诉|举报|求助|建议|表扬|咨询)")


def recategorizes(text: Optional[str]) -> bool:
    """"不是投诉 是建议", "改成表扬": the citizen changes the kind of the matter being registered."""
    return bool(_RECATEGORIZE.search(clean(text)))


def told_more(description: str, text: str) -> str:
    """The description with a later message of the citizen's added to it."""
    return f"{description}；{text}"[:MAX_DESCRIPTION_CHARS]


# A matter about how an item was handled ("窗口跑了三趟 每次都说差东西"): the item asked about just before
# is part of it, and the handler needs its name.
_ABOUT_THE_SERVICE = re.compile(r"窗口|跑了.{0,3}趟|来回跑|跑了好几|材料|差东西|缺东西|不给办|办不了|办不成|退回|审批|"
                                r"工作人员|态度|不受理|不予受理|网上说|办事|"
                                # "屋头就我一个人 弄不来 … 喊社区的人来帮我弄一下": help to get it done
                                r"弄不来|搞不来|整不来|帮我(弄|办|整)|帮忙(弄|办)|上门|不会(用|耍|弄)手机")


def with_item_asked(description: Optional[str], item_name: Optional[str]) -> Optional[str]:
    """The description with the name of the item asked about before, when the matter is about its handling."""
    if not description or not item_name or item_name in description or not _ABOUT_THE_SERVICE.search(description):
        return description
    return f"{description}{ITEM_CONTEXT.format(item=item_name)}"[:MAX_DESCRIPTION_CHARS]


ITEM_CONTEXT = "（此前咨询的事项：{item}）"
CASE_CONTEXT = "（所涉办件：{case}）"


def with_case(description: str, case: str) -> str:
    """The description with the case verified just before (an application or a disclosure request)."""
    return f"{description}{CASE_CONTEXT.format(case=case)}"[:MAX_DESCRIPTION_CHARS]


def carries_case(description: Optional[str], case: Optional[str]) -> bool:
    """with_case added this case to the description (compared as cleaned: the form cleans the text)."""
    return bool(description and case) and clean(CASE_CONTEXT.format(case=case))[:40] in clean(description)
_ITEM_CONTEXT = re.compile(r"[（(]此前咨询的事项[：:](?:[^（）()]|[（(][^（）()]*[）)])*[）)]?")


def without_item_context(text: str) -> str:
    """The citizen's own words, without the item asked about before that with_item_asked added."""
    return _ITEM_CONTEXT.sub("", text or "")


def category_for(description: Optional[str], intent: Optional[str]) -> str:
    """The category shown in the summary: the one the ticket will be created with (a danger → 求助)."""
    return classify(description or "", intent if intent in TICKET_INTENTS else None).category


_ADDRESS_LEAD = re.compile(r"^(?:我要|我想|想|要)?(?:投诉|举报|反映|求助|建议|表扬|报告)?(?:一下|一个)?(?:有人)?"
                           r"(?:就是|是在|是|在|住在|位于|我家在|我家|我住|我们|我们的)?")


# "我八十了 走不动路", "要绕路": walking, not a road's name
_NOT_A_ROAD = re.compile(r"(?:走|跑|爬|赶|绕|带|让|问|上|行)(?:不动|不了|不得|不起|不到|不来)?路$")


def address_in(text: Optional[str]) -> Optional[str]:
    """An address-like phrase in the text ("广福街道滨河路12号"), or None."""
    for m in _ADDRESS.finditer(clean(text)):
        phrase = _ADDRESS_LEAD.sub("", m.group(0))
        if meaningful_length(phrase) >= 3 and not _NOT_A_ROAD.search(phrase):
            return phrase[:MAX_LOCATION_CHARS]
    return None


def phone_optional(category: str) -> bool:
    return category in PHONE_OPTIONAL_CATEGORIES


def is_skip(text: Optional[str]) -> bool:
    return bool(_SKIP.match(clean(text)))


_PLACE_UNKNOWN = re.compile(r"不清楚|不知道|不确定|说不清|记不得")
_NAME_INDIFFERENT = re.compile(r"不知道|随便|无所谓")


def place_unknown(text: str) -> bool:
    """An answer to "where" that says the citizen cannot tell ("说不清")."""
    return bool(_PLACE_UNKNOWN.search(text))


def name_indifferent(text: str) -> bool:
    """An answer to "how to call you" that gives no name ("随便")."""
    return bool(_NAME_INDIFFERENT.search(text))


def is_cancel(text: Optional[str]) -> bool:
    text = clean(text)
    return bool(_CANCEL.match(text)) or (len(text) <= 8 and bool(_CANCEL_IN.search(text)))


# Voice input writes digits as characters: "幺三九 九零零三…" (幺 and 两 are said for 1 and 2).
_SPOKEN_DIGITS = str.maketrans("零〇一幺二两三四五六七八九", "0011223456789")
_SPOKEN_RUN = re.compile(r"[0-9零〇一幺二两三四五六七八九]{11,}")


def phone_in(text: Optional[str]) -> Optional[str]:
    """A valid mobile number written anywhere in the text (spaces and hyphens allowed; digits may be
    spoken characters, as voice input writes them)."""
    compact = re.sub(r"[\s\-－—()（）]", "", clean(text))
    compact = _SPOKEN_RUN.sub(lambda m: m.group(0).translate(_SPOKEN_DIGITS), compact)
    m = _MOBILE_IN_TEXT.search(compact)
    if m and is_valid_mobile(m.group(1)):
        return normalize_phone(m.group(1))
    return None


# A fixed line: area code (0 and 2–3 digits) and a 7–8 digit number ("0826-2123456", "0826 2123456").
_LANDLINE_IN_TEXT = re.compile(r"(?<!\d)(0\d{2,3})[-－—\s]?(\d{7,8})(?!\d)")


def landline_in(text: Optional[str]) -> Optional[str]:
    """A fixed-line number in the text ("我没得手机 只有座机 0826-2123456" → 0826-2123456), or None.
    Tickets take mobile numbers only (SMS, the last four digits); a landline goes into the description."""
    m = _LANDLINE_IN_TEXT.search(clean(text))
    return f"{m.group(1)}-{m.group(2)}" if m and not phone_in(text) else None


def name_from(text: Optional[str]) -> Optional[str]:
    text = clean(text)
    text = re.sub(r"^(我叫|我是|我姓|姓名[:：是为]?|名字[:：是叫]?|叫我|称呼我)", "", text).strip(" ，,。.")
    if not text or len(text) > MAX_NAME_CHARS:
        return None
    return text


def confirm_choice(text: Optional[str], intent: Optional[str]) -> Optional[str]:
    """"yes", "public" (yes, and the citizen agrees to publication), "edit", "cancel" or None (not
    understood) for the answer to the summary."""
    text = clean(text)
    if _NO_PUBLISH.search(text):
        return "yes"
    if _PUBLISH.search(text) and not _EDIT.search(text):
        return "public"
    if is_cancel(text) or intent == "deny" and not _EDIT.search(text):
        return "cancel"
    if _EDIT.search(text):
        return "edit"
    if intent == "affirm" or _CONFIRM.search(text) or any(_CONFIRM_WORD.fullmatch(c) for c in _CLAUSE.split(text) if c):
        return "yes"
    return None


def edit_field(text: Optional[str], fields: Iterable[str]) -> Optional[str]:
    text = clean(text)
    for slot, label, words in EDIT_FIELDS:
        if slot in fields and (label in text or any(w in text for w in words)):
            return slot
    return None


def shown(value: Optional[str]) -> str:
    return "未填写" if value in (None, "", NONE_VALUE) else value


def masked_phone_for_display(phone: Optional[str]) -> str:
    if phone in (None, "", NONE_VALUE):
        return "未留"
    return phone[:3] + "****" + phone[-4:]


def summary_text(description: str, location: Optional[str], phone: Optional[str], name: Optional[str],
                 category: str, ask_location: bool) -> str:
    lines = ["请核对您要登记的诉求：", f"类别：{category}", f"诉求内容：{with_terms_meant(description)}"]
    if ask_location or location not in (None, NONE_VALUE):
        lines.append(f"地点：{shown(location)}")
    lines.append(f"联系电话：{masked_phone_for_display(phone)}")
    lines.append(f"姓名：{shown(name)}")
    lines.append("信息无误请点击“确认提交”，需要更改请点“修改”，不再登记请点“取消”。")
    lines.append("如同意在隐去姓名、电话等个人信息后，将您的诉求和部门答复在政府网站公开，请点“确认提交并同意公开”；"
                 "不选则不公开。")
    return "\n".join(lines)


def local(iso_or_dt) -> datetime:
    tz = ZoneInfo(get_settings().timezone)
    value = datetime.fromisoformat(iso_or_dt) if isinstance(iso_or_dt, str) else iso_or_dt
    return value.astimezone(tz)


def _when(iso: str, urgent: bool) -> str:
    at = local(iso)
    return f"{format_cn_date(at)} {at:%H:%M}" if urgent else format_cn_date(at)


URGENT_ADVICE = ("如现场存在煤气（燃气）泄漏、火情、人员受伤等紧急危险，请立即撤离到安全地点并拨打119（火警、燃气泄漏抢险）、"
                 "110（报警）或120（急救），也可拨打12345热线。")


def created_text(ticket: dict) -> str:
    urgent = bool(ticket.get("urgent"))
    parts = [f"您的诉求已登记，工单编号：{ticket['ticket_no']}（类别：{ticket['category']}）。"]
    if ticket.get("department"):
        parts.append(f"已转交{ticket['department']}办理。")
    else:
        parts.append("12345热线工作人员将尽快分派给承办部门。")
    if urgent:
        parts.append(f"该诉求已标记为紧急，承办部门将在{_when(ticket['first_contact_by'], True)}前与您联系，"
                     f"{_when(ticket['resolve_by'], True)}前办结。")
        parts.append(URGENT_ADVICE)
    else:
        if ticket.get("contact_phone"):
            parts.append(f"工作人员将在{_when(ticket['first_contact_by'], False)}前与您联系，")
            parts.append(f"{_when(ticket['resolve_by'], False)}前答复办理结果。")
        else:
            parts.append(f"承办部门将在{_when(ticket['resolve_by'], False)}前办理答复。")
    if ticket.get("link"):  # 一事多诉: never the other ticket's number (number + digits verify a lookup)
        parts.append(LINKED)
    if ticket.get("contact_phone"):
        parts.append("您可以随时发送工单编号，并用手机号后4位查询办理进度。")
    else:
        parts.append("您没有留联系电话，请记下工单编号，可拨打12345热线查询办理进度。")
    return "".join(parts)


LINKED = "已有其他市民反映同一问题，将合并办理，办理结果会同时答复您。"


LIGHT_LABELS = {"green": "正常办理中", "yellow": "临近办理时限", "red": "已超过办理时限，已提醒承办部门加快办理"}


URGE_HINT = "如已超过应联系时间仍没人联系您，或者事情紧急，可以回复“催办”，催办会记录在工单上，承办部门会看到。"


def _left(iso: str, urgent: bool) -> str:
    """"（还有3个工作日）": what "多久能有结果" asks, beside the date (an urgent ticket counts hours)."""
    due = local(iso).date()
    today = local_today()
    if urgent or due < today:
        return ""
    days = working_days_between(today, due)
    return f"（还有{days}个工作日）" if days else "（今天到期）"


def status_text(ticket: dict, urge_hint: bool = True) -> str:
    """A ticket's status; an open one says how to urge it (urge_hint=False where the caller says so)."""
    lines = [f"工单 {ticket['ticket_no']}（{ticket['category']}）",
             f"当前状态：{ticket['status_label']}",
             f"承办部门：{ticket.get('department') or '待分派'}"]
    if ticket["status"] in ("resolved", "closed"):
        if ticket.get("resolved_at"):
            lines.append(f"办结日期：{format_cn_date(local(ticket['resolved_at']))}")
    else:
        urgent = bool(ticket.get("urgent"))
        if not ticket.get("first_contacted_at"):
            lines.append(f"应联系时间：{_when(ticket['first_contact_by'], urgent)}前")
        lines.append(f"应办结时间：{_when(ticket['resolve_by'], urgent)}前{_left(ticket['resolve_by'], urgent)}")
        lines.append(f"时限状态：{LIGHT_LABELS.get(ticket.get('light'), '正常办理中')}")
    if ticket.get("reply"):
        lines.append(f"最新答复：{ticket['reply']}")
    if ticket.get("link"):
        lines.append(LINKED)
    if urge_hint and ticket["status"] not in ("resolved", "closed"):
        lines.append(URGE_HINT)
    return "\n".join(lines)


def transcript_from_events(events: list[dict]) -> list[dict]:
    """User and bot texts of the current session, oldest first (kept in the ticket only)."""
    start = 0
    for i, event in enumerate(events):
        if event.get("event") == "session_started":
            start = i
    out = []
    for event in events[start:]:
        kind = event.get("event")
        if kind in ("user", "bot") and event.get("text"):
            item = {"role": kind, "text": str(event["text"])[:MAX_DESCRIPTION_CHARS]}
            if event.get("timestamp"):
                item["at"] = datetime.fromtimestamp(float(event["timestamp"]), ZoneInfo("UTC")).isoformat()
            out.append(item)
    return out[-TRANSCRIPT_MAX_MESSAGES:]


def user_messages(events: list[dict]) -> list[dict]:
    """{"text", "intent"} of every user message of the tracker, oldest first."""
    return [{"text": e.get("text") or "", "intent": ((e.get("parse_data") or {}).get("intent") or {}).get("name")}
            for e in events if e.get("event") == "user"]


# ---- reading the whole message: refusals, names, corrections, side questions -------------------

_REFUSAL = re.compile(r"(不想|不愿意?|不方便|不能|不要|不用|没必要|不必|不敢|不|莫|别)(留|给|说|告诉|透露|提供|登记|写)"
                      r"|(不用|不要|免)(名字|姓名|称呼|电话|号码)|匿名|保密|不留")
# A bare "不用了" answers an optional question; it cancels only the description or the summary.
_BARE_NO = re.compile(r"^(不用了?|不要了?|不需要|不必了?|没得|没有)[。.!！]*$")
_PHONE_WORDS = ("电话", "手机", "号码", "联系方式")
_NAME_WORDS = ("名字", "姓名", "名", "称呼", "姓")
_PLACE_WORDS = ("地址", "地点", "位置", "住址")
_HONORIFIC = r"(?:大爷|大妈|大娘|阿姨|师傅|老师|先生|女士|小姐|大姐|大哥|婆婆|爷爷|奶奶|嬢嬢|孃孃|老汉|大叔|叔叔|老头|老太婆)"
_NAME_IN_TEXT = (
    re.compile(r"姓名[:：是为]?\s*([\u4e00-\u9fff]{2,4})"),
    # "我姓李 李德明": the surname, then the whole name
    re.compile(r"(?:^|[，,。.!！?？\s]|我|本人|免贵|俺)姓([\u4e00-\u9fff])[，,。\s]*(?:叫)?(\1[\u4e00-\u9fff]{1,2})(?=$|[，,。.!！\s]|电话|手机)"),
    re.compile(r"(?:^|[，,。.!！?？\s]|我|本人|免贵|俺)姓(" + COMPOUND_SURNAMES + r")"),
    re.compile(r"(?:^|[，,。.!！?？\s]|我|本人|免贵|俺)姓([\u4e00-\u9fff])(?![名啥什])"),
    re.compile(r"(?:我叫|我的名字是|名字叫)([\u4e00-\u9fff]{2,3})(?=[，,。.!！\s]|$|电话|手机)"),
    re.compile(r"叫我([\u4e00-\u9fff]{1,3}?)(?:就行|就好|就可以|吧|$)"),   # as they want to be called
    re.compile(r"(?:我是|我|本人)([\u4e00-\u9fff])" + _HONORIFIC),
    re.compile(r"^([\u4e00-\u9fff])" + _HONORIFIC),
    # "我是老陈", "老陈": how older people name themselves (not 老师/老板/老公/老汉儿…)
    re.compile(r"(?:我是|我|本人|^)老(?![师板公婆人家头汉子乡表大二三四幺])([\u4e00-\u9fff])(?:$|[，,。.!！~\s]|嘛|哈|哦)"),
    # "我是陈晓梅 电话…": a common surname and one or two characters, then a pause or the phone
    re.compile(r"(?:^|[，,。.!！\s])(?:我是|我叫)([" + COMMON_SURNAMES + r"][\u4e00-\u9fff]{1,2})(?<![镇乡村街区路市县组栋号])(?=[，,。.!！\s]|$|电话|手机)"),
    # "我是龙台镇桂花村2组的李国富", "我是…阳光丽景2栋的业主刘建华": where they live (and as whom), then the name
    re.compile(r"(?:^|[，,。.!！\s]|嘛|哈)(?:我是|我就是|本人是)[^，,。\s]{2,24}?(?:组|村|社区|小区|栋|单元|号|镇|乡|街道|街|路|院)的"
               r"(?:业主|住户|居民|租户|村民|商户|店主)?([" + COMMON_SURNAMES + r"][\u4e00-\u9fff]{1,2})(?<![镇乡村街区路市县组栋号])"
               r"(?<!医生)(?<!老师)(?<!师傅)(?<!护士)(?<!主任)(?<!书记)(?<!村长)(?<!组长)(?=[，,。.!！\s]|$|电话|手机)"),
)
_NOT_NAME = re.compile(r"[不没啥么吗呢嘛哦啊好是的了和在有我你他她它这那去来要想问个老]|谢谢|你好|喂")
_CORRECTION = re.compile(r"(记错|写错|说错|打错|弄错|搞错|错了|不对|更正|改成|改为|应该是|不是.{0,12}是)")
_QUESTION = re.compile(r"[?？]|吗|呢$|么$|怎么|怎样|咋|如何|多久|多长时间|几点|几天|哪里|哪儿|哪个|啥子|什么|"
                       r"能不能|可不可以|是不是|有没有|要不要|会不会|收费不|要钱不|上班不|[能可行]不$|"
                       # dialect endings: "晚上打得通不", "办好了没", "有补贴没得"
                       r"[\u4e00-\u9fff]{2}不$|[了过]没$|没得$|"
                       # "法律不是说可以赔十倍嘛": a rhetorical question still asks
                       r"不是说.{1,20}[嘛吗]$")
_PROCESS_QUESTION = re.compile(r"(多久|几天|多长时间|什么时候|啥时候|好久).{0,8}(处理|回复|答复|联系|有人|解决|办好|来)|"
                               # "你们能不能帮我们把钱要回来 要好久嘛": asked inside the form, about this matter
                               r"(要|得|需要)(多久|好久|多长时间)[嘛吗呢啊哦哈]?[?？]?$")
_NO_VALUE = re.compile(r"^(不知道|没有|没得|莫得)|记不到|记不得|不记得|忘了|忘记了|不晓得|没有手机|没得手机|莫得手机|没有电话")
# "你说啥子 我听不懂", "为啥子还要名字": the citizen did not understand the question or asks why it is asked.
_CONFUSED = re.compile(r"听不懂|没听懂|没听明白|不明白|搞不懂|啥意思|什么意思|说的啥|说啥子|你说啥|"
                       r"(为啥子?|为什么|干啥|干嘛|凭啥).{0,4}(要|留|问|填)")
_CANCEL_ANYWHERE = re.compile(r"算了算了|算了吧|不登记了|先不登记|先不反映|不反映了|以后再说|等哈再说|等会再说|"
                              r"改天再说|下次再说|回头再说")
# "想了一下还是要投诉…", "我还是想反映一下": the change of mind names the kind of matter instead of the registering
_GO_ON = re.compile(r"记倒|记下|记一下|记着|帮我登记|给我登记|你登记|继续登记|帮我记|你记|给我记|继续|还是留|还是给|"
                    r"还是(?:要|想|得)?(?:登记|投诉|举报|反映|求助)")
_CANCEL_LEAD = re.compile(r"^(算了算了|算了吧|算了|不登记了|不反映了|不投诉了|取消登记|取消)[，,。.!！\s]*")


def refuses(text: Optional[str], field: str, asked: bool = False) -> bool:
    """The citizen declines to give ``field`` ("phone", "name" or "location"): "我不想留电话", "名字就不留了",
    "匿名". When the question was just asked, a bare refusal ("不方便") is enough."""
    text = clean(text)
    # "就在体育馆背后嘛 你们不晓得体育馆啊": a "不晓得" inside a message that gives a place declines nothing
    if asked and (is_skip(text) or _BARE_NO.match(text) or (_NO_VALUE.search(text) and not address_in(text)
                                                             and _no_value_is_the_answer(text, field))):
        return True
    if not _REFUSAL.search(text):
        return False
    if "匿名" in text or "保密" in text:
        return True
    if field == "phone" and phone_in(text):  # "我电话13808261127 不留名字" declines the name only
        return False
    words = {"phone": _PHONE_WORDS, "name": _NAME_WORDS, "location": _PLACE_WORDS}[field]
    # the refusal and the field's word in one clause: "电话13…，名字就不留了" declines no phone
    return any(_REFUSAL.search(c) and any(w in c for w in words) for c in _CLAUSE.split(text)) \
        or (asked and len(text) <= 10)


NO_VALUE_ANSWER_MAX_CHARS = 12


def _no_value_is_the_answer(text: str, field: str) -> bool:
    """"不知道", "记不到了", "我没得手机": the answer is that there is none. In a longer message the "不晓得"
    must stand with the field's word ("电话我记不到了"): "村上会计说他不晓得 你帮我查一哈嘛" and "车牌好像是
    川X 0621几 记不到了 是个姓张的师傅" tell more of the matter and decline nothing."""
    if meaningful_length(text) <= NO_VALUE_ANSWER_MAX_CHARS:
        return True
    words = {"phone": _PHONE_WORDS, "name": _NAME_WORDS, "location": _PLACE_WORDS}[field]
    return any(_NO_VALUE.search(c) and any(w in c for w in words) and not _SOMEONE_ELSES.search(c)
               for c in _CLAUSE.split(text))


# "燃气公司电话我不晓得": someone else's number or name, not the citizen's own
_SOMEONE_ELSES = re.compile(r"(公司|物业|老板|他|她|他们|单位|部门|社区|村上|派出所|医院|燃气|热线|你们|店|商家|厂)的?"
                            r"(电话|号码|手机|名字|姓名)")


# "社保窗口的一个小姑娘 姓周", "那个师傅，姓李": a surname said right after someone else is described is theirs.
_THIRD_PERSON = re.compile(r"(小姑娘|姑娘|小伙子?|工作人员|师傅|医生|护士|老师|民警|警察|辅警|司机|干部|书记|主任|经理|"
                           r"老板|包工头|网格员|同志|女的|男的|女娃子?|男娃子?|小妹|小哥|大姐|大哥|那个人|这个人|他|她)"
                           r"[^，,。.!！?？\s]{0,3}[，,。.!！?？\s]*$")


_CLAUSE = re.compile(r"[，,。.!！?？；;\s]+")


def withdraws(text: Optional[str], field: str) -> bool:
    """The citizen takes back ``field`` ("phone" or "name") given before: "算了名字还是莫写了 电话可以留 180…"
    withdraws the name and not the phone — the refusal and the field's word are in one clause, and the
    message gives no new value for it."""
    text = clean(text)
    if (phone_in(text) if field == "phone" else name_in(text)):
        return False
    words = {"phone": _PHONE_WORDS, "name": _NAME_WORDS}[field]
    return any(_REFUSAL.search(part) and any(w in part for w in words) for part in _CLAUSE.split(text))


def name_in(text: Optional[str]) -> Optional[str]:
    """The citizen's own name or surname in a message: "我姓陈" → 陈, "王大爷" → 王, "我叫李明" → 李明.
    "包工头姓张" and "窗口的一个小姑娘 姓周" are someone else's, in Traditional characters too ("一位工作人員，
    姓蔣的小伙子"): the words are read in Simplified, and the name kept in Simplified too, as the places
    are ("姓黃" → 黄: the ticket goes to mainland departments whose records are in Simplified)."""
    from bot.nlu.normalize import to_simplified

    text = to_simplified(clean(text))
    for pattern in _NAME_IN_TEXT:
        for m in pattern.finditer(text):
            if _NOT_NAME.search(m.group(1)):
                break
            said = text[m.start():m.start(1)]
            if "姓" in said and not said.startswith(("我", "本人", "免贵", "俺")) \
                    and _THIRD_PERSON.search(text[max(0, m.start() - 16):m.start() + 1]):
                continue
            return text[m.start(m.lastindex):m.end(m.lastindex)]  # the whole name when the pattern has it
    return None


def name_answer(text: Optional[str]) -> Optional[str]:
    """A name given in answer to "怎么称呼您": a name phrase, or a bare 1–4 character name."""
    bare = clean(text).strip(" ，,。.!！~")
    if 1 <= len(bare) <= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", bare) and not _NOT_NAME.search(bare) \
            and "姓" not in bare:
        return bare  # "李师傅", "王建国": as the citizen wants to be called
    said = name_in(text)
    if said:
        return said
    # "退休教师老唐": who they are, then how they are called
    m = _CALLED_OLD.search(bare)
    return m.group(1) if m else None


_CALLED_OLD = re.compile(r"老(?![师板公婆人家头汉子乡表大二三四幺])([" + COMMON_SURNAMES + r"])$")


def is_correction(text: Optional[str]) -> bool:
    return bool(_CORRECTION.search(clean(text)))


def is_confused(text: Optional[str]) -> bool:
    return bool(_CONFUSED.search(clean(text)))


def is_question(text: Optional[str]) -> bool:
    return bool(_QUESTION.search(clean(text)))


# "要不要给她灌肥皂水", "我自己骑摩托车拉她去要得不": asking what to do now, inside an emergency
_WHAT_TO_DO = re.compile(r"要不要|能不能|可不可以|可以不|行不行|要得不|得行不|[咋怎]个?办|该[咋怎]|应该|敢不敢|[能该]不能|"
                         r"[咋怎](么|个)(弄|搞|做)")
# "救护车已经在路上了", "我打了120了": the call is made; the advice is not said again
_CALLED_ALREADY = re.compile(r"(已经|刚才?|才)?(打|拨|报|喊)(了|过)?.{0,3}(120|119|110|急救|报警|警)(了|过)|"
                             r"(救护车|消防车?|警察|民警|120|119|110).{0,6}(来了|到了|在路上|马上到|快到了)")


_ACKNOWLEDGES = re.compile(r"^(好的?|嗯+|哦+|要得|晓得了?|知道了?|明白了?|收到|谢谢|感谢|多谢|麻烦)(你|您|你们)?")


def acknowledges(text: Optional[str]) -> bool:
    """"好的 晓得了 谢谢你们": the message takes in what was said; it tells nothing new."""
    return bool(_ACKNOWLEDGES.match(clean(text)))


def asks_what_to_do(text: Optional[str]) -> bool:
    return bool(_WHAT_TO_DO.search(clean(text)))


def has_called_for_help(text: Optional[str]) -> bool:
    return bool(_CALLED_ALREADY.search(clean(text)))


def asks_about_processing(text: Optional[str]) -> bool:
    """"你们这个多久有人处理?" — a question about the ticket's own time limits."""
    return bool(_PROCESS_QUESTION.search(clean(text)))


_BYE = re.compile(r"再见|拜拜|拜了|bye|不聊了|挂了")


def says_goodbye(text: Optional[str]) -> bool:
    """"算了不说了 再见": leaving, whatever else the message could be read as."""
    return bool(_BYE.search(clean(text).lower()))


def cancel_with_rest(text: Optional[str]) -> Optional[str]:
    """"算了，我先问问结婚登记" → "我先问问结婚登记" (the form is cancelled and the rest answered);
    "" for a bare cancel; None when the message does not start by cancelling."""
    text = clean(text)
    if is_cancel(text):
        return ""
    # "算了 那你记倒嘛，是在井河镇…", "算了 还是留一个 138…": giving up on something else, or changing one's mind
    if _GO_ON.search(text) or phone_in(text):
        return None
    m = _CANCEL_LEAD.match(text)
    if m and m.end() < len(text):
        return text[m.end():]
    return "" if _CANCEL_ANYWHERE.search(text) else None
