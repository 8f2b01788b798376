"""Validation of the identifiers citizens type: ID numbers, mobile numbers, ticket numbers (case numbers of every kind: bot.cases)."""
from __future__ import annotations

import re
import secrets

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"

# The hundred or so commonest surnames (about 85 % of people): "我是陈晓梅" names the citizen, "我是北辰的" does not.
COMMON_SURNAMES = ("王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜"
                   "戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文")

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


def normalize_ticket_no(value: str) -> str:
    return (value or "").strip().upper()


def is_valid_ticket_no(value: str) -> bool:
    return bool(TICKET_NO_RE.match(normalize_ticket_no(value)))


def new_ticket_no() -> str:
    return "GD" + "".join(secrets.choice(TICKET_ALPHABET) for _ in range(8))


def is_four_digits(value: str) -> bool:
    return bool(DIGITS4_RE.match((value or "").strip()))
