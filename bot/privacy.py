"""Masking of personal data (ID numbers, phone numbers, names) before it reaches a log, an export or
an unverified reader."""
from __future__ import annotations

import re

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
