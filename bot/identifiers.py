"""Validation of the identifiers citizens type: ID numbers, mobile numbers, ticket numbers (case numbers of every kind: bot.cases)."""
from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Optional

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

COMPOUND_SURNAMES = ("欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|令狐|夏侯|长孙|宇文|司徒|端木|独孤|南宫|"
                     "西门|呼延|申屠|太史|澹台|轩辕|百里")
# Family names, for reading names in text (bot.privacy masks them, bot.tickets.intake reads the
# citizen's own). The common ones (rare ones that are everyday words — 和 都 来 明 全… — are left out: a
# name after a marker is still found by the marker).
SURNAMES = ("王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏"
           "薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常"
           "武乔贺赖龚文庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍韦申尤毕聂丛焦向柳邢路岳齐沿梅莫庄辛管祝"
           "左涂谷祁时舒耿牟卜詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍覃霍翁隋植甘景薄单包司柏宁柯阮"
           "桂闵解强柴华车冉房边辜吉饶刁瞿戚丘古米池滕晋苑邬臧畅宫缪苟褚廉简娄盖符奚木穆党燕郎邸冀谈姬"
           "屠郜晏栾郁蒙喻揭窦迟宇敖糜鄢冷卓仇艾蓝巩稽仲乐虞卞封竺冼官楚佟栗匡宗巫鞠"
           "桑荆谌扬沙伏岑习胥蔺")
# The hundred commonest (about 85 % of people), the head of SURNAMES: "我是陈晓梅" names the citizen,
# "我是北辰的" does not.
COMMON_SURNAMES = SURNAMES[:100]

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_RE = re.compile(r"^\d{17}[\dXx]$")
# Ticket numbers are read aloud over the phone: no 0/O or 1/I.
TICKET_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
TICKET_NO_RE = re.compile(r"^GD[2-9A-HJ-NP-Z]{8}$")
DIGITS4_RE = re.compile(r"^\d{4}$")


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CHARS[total % 11]


def is_valid_id_number(value: str) -> bool:
    """18-digit resident ID number with a correct ISO 7064 MOD 11-2 check character."""
    value = (value or "").strip()
    if not ID_RE.match(value):
        return False
    return id_check_char(value[:17]) == value[17].upper()


# 统一社会信用代码 (GB 32100-2015): 18 characters of this alphabet, the last a MOD 31 check character.
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_CHARS[(31 - total % 31) % 31]


def is_valid_uscc(value: str) -> bool:
    """A 统一社会信用代码 with a correct GB 32100 check character."""
    value = (value or "").strip().upper()
    if not USCC_RE.match(value):
        return False
    return uscc_check_char(value[:17]) == value[17]


def is_valid_mobile(value: str) -> bool:
    return bool(MOBILE_RE.match(normalize_phone(value)))


def normalize_phone(value: str) -> str:
    """Strip spaces, hyphens and a +86/86 prefix."""
    digits = re.sub(r"[\s\-()（）]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


# Case numbers of any source system (applications, disclosure requests, tickets of other 12345
# platforms): 6–40 letters, digits or dashes with at least 6 digits (bot.cases.numbers reads them).
CASE_NO_MIN_CHARS, CASE_NO_MAX_CHARS, CASE_NO_MIN_DIGITS = 6, 40, 6
CASE_DASHES = re.compile(r"[\u2010-\u2015\u2212\uFF0D]")  # dashes of every width


# Numbers in the shape of a document number (文号): a bracketed year, an optional 代字 with 第, a
# closing 号 — "GA(2026)审字第0458号", "XXGK〔2025〕112", "GAXS（2025）0152". Stored and compared
# without the brackets and those words ("GA20260458"); the letters and digits carry the identity.
CASE_BRACKETS = re.compile(r"[()\[\]{}〔〕【】〖〗]")
CASE_DOC_WORDS = re.compile(r"(?<=[)\]〕】〗])[\u4e00-\u9fff]{0,4}?第?(?=\d)|(?<=\d)号")


def normalize_case_no(value: Optional[str]) -> str:
    """The form numbers are stored and compared in: half-width, upper case, no whitespace, no
    document-number brackets or words."""
    text = unicodedata.normalize("NFKC", value or "").upper()
    text = CASE_DASHES.sub("-", text)
    text = CASE_BRACKETS.sub("", CASE_DOC_WORDS.sub("", text))
    return re.sub(r"\s+", "", text).strip("-")


# A normalised number: letters, digits and dashes, after at most 8 Chinese characters — a document
# number keeps its issuing office's 代字 ("广安区民〔2026〕第31号" → "广安区民202631"): another office's
# document of the same year and serial is another case.
CASE_NO_CHARS = re.compile(r"[\u4e00-\u9fff]{0,8}[A-Z0-9-]+")
CASE_OFFICE_MAX_CHARS = 8


def has_case_no_shape(number: str) -> bool:
    """A normalised number of any source system: 6–40 characters (an office's 代字, then letters, digits
    or dashes), at least 6 digits."""
    return bool(number) and bool(CASE_NO_CHARS.fullmatch(number)) \
        and CASE_NO_MIN_CHARS <= len(number) <= CASE_NO_MAX_CHARS and sum(c.isdigit() for c in number) >= CASE_NO_MIN_DIGITS


def is_external_ticket_no(value: str) -> bool:
    """A ticket number another 12345 system gave ("2026110500087", "GA20261105-0087")."""
    return has_case_no_shape(normalize_case_no(value))


def normalize_ticket_no(value: str) -> str:
    return normalize_case_no(value)


def is_valid_ticket_no(value: str) -> bool:
    """Ours (GD + 8) or one handed down by another 12345 system with its own number."""
    number = normalize_ticket_no(value)
    return bool(TICKET_NO_RE.match(number)) or is_external_ticket_no(number)


def new_ticket_no() -> str:
    return "GD" + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(8))


def is_four_digits(value: str) -> bool:
    return bool(DIGITS4_RE.match((value or "").strip()))
