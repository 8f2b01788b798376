"""Masking of personal data (ID numbers, phone numbers, names) before it reaches a log, an export or
an unverified reader."""
from __future__ import annotations

import re

from bot.identifiers import COMPOUND_SURNAMES, SURNAMES

# Longest patterns first: an ID number contains runs that look like phone numbers.
_ID_IN_TEXT = re.compile(r"(?<![0-9])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
# Phone numbers as people write them: 13912345678, 139-1234-5678, 139 1234 5678; 028-12345678,
# 0826 2345678, 010-8888-6666, (028)85551234 (a separator kept where it was).
_MOBILE_IN_TEXT = re.compile(r"(?<![0-9])(1[3-9]\d)([-\s]?)\d{4}([-\s]?)(\d{4})(?![0-9])")
_LANDLINE_IN_TEXT = re.compile(r"(?<![0-9])([(（]?0\d{2,3}[)）]?[-\s]?)\d{3,4}([-\s]?)(\d{4})(?![0-9])")
# "我叫张三", "姓名：李四", "联系人王五" — the name that follows such a marker.
_NAME_AFTER_MARKER = re.compile(
    r"(我叫|我是|姓名[:：是为]?\s*|联系人[:：是为]?\s*|申请人[:：是为]?\s*)"
    r"([\u4e00-\u9fff]{1,4})"
)


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) >= 11:   # a mobile, or a landline with its area code: 139****5678, 028*****5678
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if len(value) >= 7:    # a local number: only the last four (123*5678 would show seven of eight)
        return "*" * (len(value) - 4) + value[-4:]
    return "*" * len(value)


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    value = str(value)
    if len(value) == 18:
        return value[:6] + "*" * 8 + value[-4:]
    return "*" * len(value)


def mask_name(value: str | None) -> str:
    """张三 → 张*, 欧阳明华 → 欧**华, keeping the family name as Chinese services do."""
    if not value:
        return ""
    value = str(value).strip()
    if len(value) <= 1:
        return "*"
    if len(value) == 2:
        return value[0] + "*"
    return value[0] + "*" * (len(value) - 2) + value[-1]


def mask_text(text: str | None) -> str:
    """Mask every ID number, phone number and marked name inside free text."""
    if not text:
        return text or ""
    text = _ID_IN_TEXT.sub(lambda m: m.group(1) + "*" * 8 + m.group(2), text)
    text = _MOBILE_IN_TEXT.sub(lambda m: m.group(1) + m.group(2) + "****" + m.group(3) + m.group(4), text)
    text = _LANDLINE_IN_TEXT.sub(lambda m: m.group(1) + "****" + m.group(2) + m.group(3), text)
    text = _NAME_AFTER_MARKER.sub(lambda m: m.group(1) + mask_name(m.group(2)), text)
    return text


def mask(value):
    """Mask personal data in a string, or recursively in lists and dicts (for structured logs)."""
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            lowered = str(key).lower()
            if isinstance(item, str) and lowered in {"name", "applicant_name", "contact_name", "citizen_name"}:
                out[key] = mask_name(item)
            elif isinstance(item, str) and "phone" in lowered:
                out[key] = mask_phone(item)
            elif isinstance(item, str) and lowered in {"id_number", "id_no", "idcard"}:
                out[key] = mask_id_number(item)
            else:
                out[key] = mask(item)
        return out
    if isinstance(value, (list, tuple)):
        return type(value)(mask(v) for v in value)
    return value


# -- role-based views of tickets (console, API, exports) -----------------------------------------
# Roles whose work needs the citizen's contact details: the 12345 operator (dispatcher) calls back,
# the department handler contacts the citizen, the admin administers. A supervisor (督办) and any
# other reader (dashboards, exports for analysis) sees the ticket with personal data masked.
CONTACT_ROLES = frozenset({"admin", "dispatcher", "handler"})
_TICKET_TEXT_FIELDS = ("description", "location", "reply")


def role_sees_personal_data(role: str | None) -> bool:
    return role in CONTACT_ROLES


def mask_ticket_for_role(ticket: dict, role: str | None) -> dict:
    """The ticket JSON (bot.tickets.service.ticket_json) as ``role`` may see it: unchanged for
    CONTACT_ROLES; otherwise contact name and phone masked and ID numbers, phone numbers and
    marked names masked inside the free text, the history and any transcript. Never mutates."""
    if role_sees_personal_data(role):
        return ticket
    out = dict(ticket)
    if out.get("contact_phone"):
        out["contact_phone"] = mask_phone(out["contact_phone"])
    if out.get("contact_name"):
        out["contact_name"] = mask_name(out["contact_name"])
    for key in _TICKET_TEXT_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = mask_text(out[key])
    if isinstance(out.get("history"), list):
        out["history"] = [dict(e, reason=mask_text(e.get("reason")) if e.get("reason") else e.get("reason"),
                               data=mask(e.get("data"))) if isinstance(e, dict) else e
                          for e in out["history"]]
    if out.get("transcript") is not None:
        out["transcript"] = mask(out["transcript"])
    return out


def mask_tickets_for_role(tickets: list[dict], role: str | None) -> list[dict]:
    return [mask_ticket_for_role(t, role) for t in tickets]


def mask_row_for_export(row: dict) -> dict:
    """One exported record (CSV/JSON line) with personal data masked by field name and in text."""
    return mask(dict(row))


# -- publication (外网公开反馈): personal data removed, not masked ---------------------------------
# A published answer shows no part of a phone or ID number, no name, no house number and no
# licence plate: each is replaced by a bracketed placeholder a reader understands. Conservative by
# design: a long number that is not personal data (a bank-transfer reference…) is removed as well.
REDACTED = {"name": "［姓名］", "number": "［号码］", "house": "［门牌号］", "plate": "［车牌号］",
            "email": "［邮箱］"}
_FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)}
                           | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
                           | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
                           | {"\u3000": " ", "－": "-", "＋": "+", "＠": "@", "．": "."})
_CN_DIGIT = "零〇一二三四五六七八九幺两壹贰叁肆伍陆柒捌玖"
# Seven or more digits in groups of at least three (a separator between groups): mobiles, landlines,
# ID numbers (15 or 18, trailing X), bank cards, QQ numbers. Dates (2026-12-07) have 2-digit groups;
# amounts of money (1200000元) are kept.
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\+?86[\s-]?)?[(（]?\d{3,}(?:[)）]?[\s\-–—.]?\d{3,})*[Xx]?"
                          r"(?![0-9A-Za-z])(?!\s*(?:元|万|亿|块|米|平方|㎡|千克|公斤|吨))")
_CN_NUMBER = re.compile(f"[{_CN_DIGIT}]{{7,}}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_PLATE = re.compile(rf"[{_PROVINCES}]\s?[A-Za-z]\s?[·•・.\-\s]?\s?(?:[A-Za-z0-9]{{5,6}}|[A-Za-z0-9]{{4}}[挂学警港澳])"
                    r"(?![A-Za-z0-9])")
_NUM = rf"[0-9A-Za-z{_CN_DIGIT}十百]+"
_NOT_DOOR = r"(?!线|文|令|之前|以前|前|当天|那天|上午|下午|中午|晚上|早上|凌晨|开始|起)"
_UNITS = rf"(?:号楼|号院|栋|幢|座|单元|楼|层|室|号{_NOT_DOOR})"
# 3栋2单元501室, 5号楼1单元302, 12幢, B座1203, 15号院, 2-3-501, 3楼, 7组12号 (a 村民小组 address):
# the building-and-door part of an address. 12月5号 / 5号之前 (dates), 1号线 (a metro line),
# 第3号, 200户 (households) stay.
_HOUSE = re.compile(
    rf"(?<![0-9A-Za-z{_CN_DIGIT}十百月第]){_NUM}\s?{_UNITS}(?:[-－]?\s?{_NUM}\s?{_UNITS})*"
    r"(?:[-－]?\d{2,4}(?:室|房|号)?(?![0-9]))?"
    r"|(?<![0-9])\d{1,3}-\d{1,3}-\d{2,4}(?![0-9])")
# Characters that end a name: what usually follows a name in a sentence.
_NAME_STOP = ("的了在是说和与及跟同住家反映投诉举报电话手机号联系要想请已到去来从对把被给向为先女师阿老"
              "同志等们称表示经于还也都就很不没有今昨前后每再又即并现因所该此其他她它我你您，,。.!！?？、；;：:"
              "（(）)\"“”'‘’ \n\t")
_SURNAME = rf"(?:{COMPOUND_SURNAMES}|[{SURNAMES}])"
_GIVEN = rf"[^\s{_NAME_STOP}0-9A-Za-z]{{1,2}}"
_TITLES = ("先生|女士|小姐|师傅|阿姨|大爷|大妈|大娘|大姐|大哥|大叔|叔叔|婆婆|爷爷|奶奶|嬢嬢|孃孃|老师|同志|"
           "经理|主任|书记|老板|科长|局长|所长|队长|站长|村长|组长|镇长|警官|医生|律师|老汉|某某|某")
_BOUNDARY = (r"(?=[，,。；;、\s！!？?）)（(［0-9+]|$|说|称|讲|表示|反映|投诉|举报|已|电话|手机|住|家住|在|来|到|上门|联系|同志|等|家|"
             r"又|也|天天|经常|总是|一直|把|的|们|每|多次|立即|马上|及时|正|将|会|于|当|今|昨|前往|带|负责|告知|答复|回复|"
             r"介绍|解释|核实|处理|巡查|检查|协调|赶|现场|对|向|给|和|与|及|同|跟|表|承诺|同意|不|没|也)")
# Explicit markers, then the name: 我叫张三, 姓名：李四, 联系人王五, 经办人：陈某某.
_STRONG_MARKERS = ("我叫|叫做|名叫|名字是|名字叫|姓名|联系人|申请人|投诉人|举报人|反映人|来电人|诉求人|当事人|"
                   "委托人|代理人|经办人|承办人|负责人|对接人|签收人")
# Words after which a name often follows, but so do other words: the name must end at a boundary.
_WEAK_MARKERS = ("我是|本人|业主|户主|房东|租户|家属|工作人员|网格员|社区干部|社区书记|村支书|村主任|物业经理|"
                 "民警|辅警|城管队员|执法队员|包工头|老板|邻居|楼上|楼下|对门|隔壁")
_MARKED_NAME = re.compile(rf"({_STRONG_MARKERS})([:：是为]?\s*)({_SURNAME}{_GIVEN}|(?<=[:：])\s*[\u4e00-\u9fff]{{2,3}}"
                          rf"(?=[，,。；;、\s]|$))")
_WEAK_NAME = re.compile(rf"({_WEAK_MARKERS})([:：]?\s*)({_SURNAME}{_GIVEN}?){_BOUNDARY}")
# A name opening a sentence as its subject: "吴洋反映：…", "。张伟称…".
_SUBJECT_NAME = re.compile(rf"(?:^|(?<=[，,。；;！!？?\n：:]))\s*{_SURNAME}{_GIVEN}"
                           r"(?=反映|投诉|举报|来电|致电|咨询|求助|称|表示|说|诉称|来信|留言)")
_TITLED_NAME = re.compile(rf"(?<![这那该一每各两几我某]){_SURNAME}(?:{_GIVEN})??({_TITLES})")
# 老王, 小李: how neighbours are named (not 小时, 半小时, 老师).
_NICKNAME = re.compile(rf"(?<![0-9一二三四五六七八九十两几半个多每])([老小])(?!时)([{SURNAMES}]){_BOUNDARY}")
_SURNAME_TOLD = re.compile(rf"(我|本人|免贵|俺|他|她|对方)姓({_SURNAME})")
_NOT_A_NAME = re.compile(r"^(市民|群众|居民|先生|女士|本人|自己|同志|工作|负责|物业|社区|街道|部门|单位|公司|人员|"
                         r"我们|他们|大家|相关|有关|该|这位|那位|一位|某某)")


def _redact_name(m: re.Match) -> str:
    name = m.group(3).strip()
    if _NOT_A_NAME.match(name):
        return m.group(0)
    return m.group(1) + m.group(2) + REDACTED["name"]


def anonymize_text(text: str | None, known: tuple | list = ()) -> str:
    """The text with personal data removed for publication: ``known`` values first (the ticket's
    own contact name and phone, wherever they appear), then e-mail addresses, licence plates, long
    numbers (phones, ID numbers, cards; also written with Chinese digits), house numbers, names
    after markers (联系人王五, 网格员刘小明), names with a title (张先生 → 某先生) and told surnames
    (我姓王 → 我姓某). Full-width digits and letters are read as ASCII first."""
    if not text:
        return ""
    text = str(text).translate(_FULLWIDTH)
    for value in sorted({str(v).strip() for v in known if v and len(str(v).strip()) >= 2}, key=len, reverse=True):
        text = text.replace(value, REDACTED["number"] if value[0].isdigit() else REDACTED["name"])
    text = _EMAIL.sub(REDACTED["email"], text)
    text = _PLATE.sub(REDACTED["plate"], text)
    text = _LONG_NUMBER.sub(lambda m: REDACTED["number"] if sum(c.isdigit() for c in m.group(0)) >= 7
                            else m.group(0), text)
    text = _CN_NUMBER.sub(REDACTED["number"], text)
    text = _HOUSE.sub(REDACTED["house"], text)
    text = _MARKED_NAME.sub(_redact_name, text)
    text = _WEAK_NAME.sub(_redact_name, text)
    text = _SUBJECT_NAME.sub(REDACTED["name"], text)
    text = _TITLED_NAME.sub(lambda m: "某" + m.group(1), text)  # 王先生 → 某先生, 陈某 → 某某
    text = _NICKNAME.sub(lambda m: m.group(1) + "某", text)
    text = _SURNAME_TOLD.sub(lambda m: m.group(1) + "姓某", text)
    return text


def personal_data_in(text: str | None, known: tuple | list = ()) -> bool:
    """Whether :func:`anonymize_text` would change anything: the check a publication passes."""
    return bool(text) and anonymize_text(text, known) != str(text).translate(_FULLWIDTH)
