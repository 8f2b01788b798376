"""Validation of the fields of imported JSON-lines rows, shared by the approval and disclosure
imports. Every converter raises ValueError with a Chinese message naming the field."""
from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from bot.cases.numbers import MAX_CHARS, is_case_no_shape, normalize_case_no
from bot.identifiers import is_valid_mobile, normalize_phone
from bot.settings import get_settings


# Control characters that survive whitespace folding (PostgreSQL cannot store NUL at all) and lone
# surrogates ("\ud800" in JSON), which are not text and cannot be encoded.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f\ud800-\udfff]")


def local_tz() -> ZoneInfo:
    return ZoneInfo(get_settings().timezone)


def text(row: dict, key: str, limit: int, required: bool = True) -> str | None:
    value = row.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"缺少字段 {key}")
        return None
    if not isinstance(value, str):
        raise ValueError(f"字段 {key} 应为字符串，实际为 {type(value).__name__}")
    value = " ".join(value.split())
    if _CONTROL.search(value):
        raise ValueError(f"字段 {key} 含控制字符或无效字符")
    if len(value) > limit:
        raise ValueError(f"字段 {key} 超过 {limit} 个字符")
    return value


def case_no(row: dict, key: str) -> str:
    """A case number (application or disclosure request), normalised; its shape is checked."""
    number = normalize_case_no(text(row, key, MAX_CHARS + 10))
    if not is_case_no_shape(number):
        raise ValueError(f"{key} {number!r} 格式无效（6–40 位字母、数字或连字符，至少含 6 位数字）")
    return number


def integer(row: dict, key: str, low: int, high: int) -> int:
    value = row.get(key)
    if value is None:
        raise ValueError(f"缺少字段 {key}")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"字段 {key} 应为整数")
    if not low <= value <= high:
        raise ValueError(f"字段 {key} 应在 {low} 到 {high} 之间")
    return value


def boolean(row: dict, key: str, default: bool | None = None) -> bool:
    value = row.get(key, default)
    if value is None:
        raise ValueError(f"缺少字段 {key}")
    if not isinstance(value, bool):
        raise ValueError(f"字段 {key} 应为 true 或 false")
    return value


def choice(row: dict, key: str, allowed, required: bool = True) -> str | None:
    value = text(row, key, 32, required)
    if value is None:
        return None
    if value not in allowed:
        raise ValueError(f"字段 {key} 的值 {value!r} 无效，应为 {'|'.join(allowed)} 之一")
    return value


def timestamp(row: dict, key: str, required: bool = True, where: str = "") -> datetime | None:
    """ISO 8601 with an explicit UTC offset (2025-12-31T09:30:00+08:00) → aware UTC datetime."""
    label = f"{where}{key}"
    value = row.get(key)
    if value is None or value == "":
        if required:
            raise ValueError(f"缺少字段 {label}")
        return None
    if not isinstance(value, str):
        raise ValueError(f"字段 {label} 应为 ISO 8601 时间字符串")
    raw = value.strip()
    if raw.endswith("Z") or raw.endswith("z"):
        raw = raw[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"字段 {label} 不是有效的 ISO 8601 时间：{value!r}") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(f"字段 {label} 缺少时区（例如 +08:00）：{value!r}")
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00+08:00 has no UTC time
        raise ValueError(f"字段 {label} 超出可表示的时间范围：{value!r}") from None


def day(row: dict, key: str, required: bool = True) -> date | None:
    """A calendar date: 2025-03-12, or a timestamp with offset (taken in local time)."""
    value = row.get(key)
    if value is None or value == "":
        if not required:
            return None
        raise ValueError(f"缺少字段 {key}")
    if not isinstance(value, str):
        raise ValueError(f"字段 {key} 应为日期字符串（YYYY-MM-DD）")
    raw = value.strip()
    if len(raw) == 10:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"字段 {key} 不是有效日期：{value!r}") from None
    return timestamp(row, key).astimezone(local_tz()).date()


def amount(row: dict, key: str, high: int = 100_000_000) -> Decimal | None:
    """An optional sum of money in yuan: a JSON number (or numeric string) ≥ 0 with at most two
    decimals → Decimal."""
    value = row.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"字段 {key} 应为金额（元，数字）")
    try:
        parsed = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"字段 {key} 不是有效金额：{value!r}") from None
    if not parsed.is_finite() or parsed < 0 or parsed > high:
        raise ValueError(f"字段 {key} 应在 0 到 {high} 元之间")
    if parsed != parsed.quantize(Decimal("0.01")):
        raise ValueError(f"字段 {key} 最多两位小数")
    return parsed.quantize(Decimal("0.01"))


def phone(row: dict, key: str) -> str:
    value = text(row, key, 32)
    digits = normalize_phone(value)
    if not is_valid_mobile(digits) and not (digits.isdigit() and 7 <= len(digits) <= 12):
        raise ValueError(f"字段 {key} 不是有效的电话号码")
    return digits


def url(row: dict, key: str, required: bool = True) -> str | None:
    value = text(row, key, 1000, required)
    if value is not None and not (value.startswith("http://") or value.startswith("https://")):
        raise ValueError(f"字段 {key} 不是 http(s) 链接")
    return value


def content_hash(payload) -> str:
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def as_utc(value: datetime | None) -> datetime | None:
    """Times read back from SQLite are naive (stored as UTC); PostgreSQL's are aware."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def local_date(value: datetime) -> date:
    return as_utc(value).astimezone(local_tz()).date()
