"""Sample rows and helpers shared by the approval and disclosure tests."""
from __future__ import annotations

import json
from pathlib import Path


def application_row(no="SP20260302001", phone="13800138000", status="in_progress", events=None, **extra):
    row = {
        "application_no": no, "item_name": "80周岁以上老年人高龄津贴发放", "department": "区民政局",
        "applicant_name": "张三丰", "applicant_phone": phone, "submitted_at": "2026-03-02T09:30:00+08:00",
        "promised_working_days": 10, "legal_working_days": 20, "status": status,
        "events": events if events is not None else [
            {"stage": "受理", "at": "2026-03-02T10:00:00+08:00", "handler": "窗口"},
            {"stage": "补正", "at": "2026-03-04T15:00:00+08:00", "note": "缺户口簿复印件"},
            {"stage": "补正完成", "at": "2026-03-09T09:00:00+08:00"},
            {"stage": "审核", "at": "2026-03-10T11:00:00+08:00"},
        ],
    }
    row.update(extra)
    return row


def disclosure_row(id="GK2026-001", **extra):
    row = {"id": id, "title": "广安区2026年区级部门预算公开", "doc_no": "广区财〔2026〕12号", "department": "区财政局",
           "category": "财政预决算", "published_at": "2026-02-10", "url": "https://www.guangan.gov.cn/gk/ys2026",
           "summary": "2026年区级一般公共预算收支情况"}
    row.update(extra)
    return row


def request_row(no="YSQ2025-0001", **extra):
    row = {"request_no": no, "subject": "某村征地补偿安置方案", "applicant_phone": "13912345678",
           "received_at": "2025-12-31T10:00:00+08:00", "extended": False, "status": "processing"}
    row.update(extra)
    return row


def write_jsonl(path: Path, lines) -> Path:
    out = []
    for line in lines:
        out.append(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path
