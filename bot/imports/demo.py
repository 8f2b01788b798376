"""Deterministic demo data for `make run`: approval applications over real item names and departments
of the Guang'an catalog, the proactive-disclosure catalog and disclosure requests.

    python -m bot.imports.demo          # (re)writes knowledge/demo/*.jsonl

The seeders (bot.approvals.seed, bot.disclosure.seed) import those files through the ordinary JSON-lines import. The
generator is pure: the same catalog gives byte-identical files (tests check it)."""
from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from bot.calendar import add_working_days
from bot.identifiers import COMMON_SURNAMES
from bot.settings import get_settings

CST = timezone(timedelta(hours=8))
DEPARTMENTS = ("区民政局", "区人社局", "区公安分局", "区住建局", "区自然资源和规划局", "区医疗保障局", "区卫健局",
               "区交通运输局", "区行政审批局", "区市监局", "区教科体局", "区农业农村局", "区残联")
SURNAMES = COMMON_SURNAMES
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国建华志强玉兰海燕红梅春梅小红德明文斌晓东"
HANDLERS = ("窗口受理员", "业务科室", "分管领导", "审批股", "综合窗口")

# (scenario, share of the 30 applications)
SCENARIOS = ["accepted"] * 4 + ["handling"] * 5 + ["reviewing"] * 4 + ["correction_open"] * 3 + \
            ["correction_done"] * 4 + ["approved"] * 5 + ["rejected"] * 2 + ["returned"] * 1 + ["overdue"] * 2


def _items(catalog_path: Path) -> dict[str, list[str]]:
    rows = json.loads(catalog_path.read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for row in rows:
        if row["department"] in DEPARTMENTS and 4 <= len(row["name"]) <= 40:
            out.setdefault(row["department"], []).append(row["name"])
    return {k: sorted(set(v)) for k, v in out.items()}


def _at(day: date, rng: random.Random) -> str:
    return datetime(day.year, day.month, day.day, rng.randint(9, 16), rng.choice((0, 15, 30, 45)),
                    tzinfo=CST).isoformat()


def _name(rng: random.Random) -> str:
    given = rng.choice(["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超",
                        "建国", "建华", "志强", "玉兰", "海燕", "红梅", "春梅", "德明", "文斌", "晓东", "秀英", "桂英"])
    return rng.choice(SURNAMES) + given


def _phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "135", "137", "158", "159", "182", "187", "199", "177"]) + \
        "".join(str(rng.randint(0, 9)) for _ in range(8))


def applications(catalog_path: Path, today: date = date(2026, 11, 20)) -> list[dict]:
    rng = random.Random(20261120)
    items = _items(catalog_path)
    departments = [d for d in DEPARTMENTS if items.get(d)]
    rows = []
    for i, scenario in enumerate(SCENARIOS, start=1):
        department = departments[(i * 7) % len(departments)]
        item = rng.choice(items[department])
        promised = rng.choice((3, 5, 7, 10, 15))
        legal = max(promised, rng.choice((10, 20, 20, 30)))
        if scenario == "overdue":
            promised = 3
            back = rng.randint(12, 20)
        elif scenario in ("approved", "rejected", "returned"):
            back = rng.randint(8, 50)
        else:
            back = rng.randint(1, max(1, promised - 1))
        submitted = today - timedelta(days=back * 7 // 5)
        while not _is_working(submitted):
            submitted -= timedelta(days=1)
        submitted_at = datetime(submitted.year, submitted.month, submitted.day, 8, rng.randint(0, 59), tzinfo=CST)
        events = []
        day, last = submitted, submitted_at

        def step(stage, n=1, **extra):
            nonlocal day, last
            day = min(add_working_days(day, n), today)
            at = datetime.fromisoformat(_at(day, rng))
            last = max(at, last + timedelta(minutes=30))
            events.append({"stage": stage, "at": last.isoformat(), **extra})

        step("受理", 0, handler=HANDLERS[0])

        status = "in_progress"
        if scenario in ("handling", "reviewing", "correction_done", "overdue", "approved"):
            step("承办", 1, handler=HANDLERS[1])
        if scenario == "correction_open":
            step("补正", 1, handler=HANDLERS[1], note="申请材料不齐全，已一次性告知需补正的材料")
        if scenario == "correction_done":
            step("补正", 1, handler=HANDLERS[1], note="需补充提交身份证明复印件")
            step("补正完成", 2, note="申请人已补齐材料")
        if scenario in ("reviewing", "correction_done", "overdue", "approved"):
            step("审核", 1, handler=HANDLERS[3])
        if scenario == "approved":
            step("批准", 1, handler=HANDLERS[2])
            step("办结", 1, note="结果已送达")
            status = "approved"
        if scenario == "rejected":
            step("不予受理", 1, note="申请事项不属于本机关职权范围，已告知向有关机关申请")
            status = "rejected"
        if scenario == "returned":
            step("承办", 1, handler=HANDLERS[1])
            step("退回", 2, note="申请人未在规定期限内补正材料")
            status = "rejected"
        rows.append({
            "application_no": f"SP{submitted:%Y%m%d}{i:03d}",
            "item_name": item, "department": department,
            "applicant_name": _name(rng), "applicant_phone": _phone(rng),
            "submitted_at": submitted_at.isoformat(),
            "promised_working_days": promised, "legal_working_days": legal, "status": status,
            "events": events,
        })
    return rows


def _is_working(day: date) -> bool:
    from bot.calendar import is_working_day

    return is_working_day(day)


_DISCLOSURES = [
    ("机构职能", "区政府办", "广安区人民政府办公室主要职责、内设机构和人员编制规定", None),
    ("机构职能", "区民政局", "广安区民政局机构职能及领导分工", None),
    ("机构职能", "区人社局", "广安区人力资源和社会保障局机构职能", None),
    ("机构职能", "区行政审批局", "广安区行政审批局权责清单（2026年版）", None),
    ("政策文件", "区政府办", "广安区人民政府关于印发《广安区城乡居民最低生活保障实施办法》的通知", "广区府发〔2026〕3号"),
    ("政策文件", "区政府办", "广安区人民政府办公室关于进一步优化营商环境的实施意见", "广区府办发〔2026〕11号"),
    ("政策文件", "区住建局", "广安区既有住宅增设电梯实施办法", "广区住建发〔2025〕27号"),
    ("政策文件", "区医疗保障局", "广安区城乡居民基本医疗保险实施细则", "广区医保发〔2026〕5号"),
    ("政策文件", "区人社局", "广安区就业创业补贴申领办法", "广区人社发〔2026〕8号"),
    ("政策文件", "区教科体局", "广安区2026年义务教育阶段招生入学工作方案", "广区教发〔2026〕14号"),
    ("规划计划", "区发改局", "广安区国民经济和社会发展第十五个五年规划纲要", None),
    ("规划计划", "区自然资源和规划局", "广安区国土空间总体规划（2021—2035年）", None),
    ("规划计划", "区政府办", "广安区2026年政府工作报告", None),
    ("规划计划", "区交通运输局", "广安区2026年农村公路建设计划", "广区交发〔2026〕4号"),
    ("财政预决算", "区财政局", "广安区2026年区级部门预算公开", "广区财〔2026〕12号"),
    ("财政预决算", "区财政局", "广安区2025年区级决算公开", "广区财〔2026〕40号"),
    ("财政预决算", "区财政局", "广安区2025年“三公”经费决算情况说明", None),
    ("财政预决算", "区民政局", "广安区民政局2026年部门预算", None),
    ("财政预决算", "区财政局", "广安区2026年政府债务限额及余额情况", None),
    ("行政许可", "区行政审批局", "广安区行政审批局2026年10月行政许可决定公示", None),
    ("行政许可", "区行政审批局", "广安区食品经营许可证核发情况公示（2026年第三季度）", None),
    ("行政许可", "区交通运输局", "道路运输经营许可决定公示（2026年9月）", None),
    ("行政处罚", "区市监局", "广安区市场监督管理局行政处罚信息公示（2026年10月）", None),
    ("行政处罚", "区综合执法局", "广安区综合行政执法局行政处罚决定公开（2026年第三季度）", None),
    ("行政处罚", "区生态环境局", "广安区环境违法案件行政处罚信息公开", None),
    ("招标采购", "区财政局", "广安区2026年政府集中采购目录及限额标准", "广区财采〔2026〕2号"),
    ("招标采购", "区住建局", "广安区老旧小区改造项目（二期）中标结果公告", None),
    ("招标采购", "区教科体局", "广安区中小学教学设备采购项目招标公告", None),
    ("人事信息", "区人社局", "广安区2026年上半年公开考试招聘事业单位工作人员公告", None),
    ("人事信息", "区委组织部", "广安区拟任职干部任前公示", None),
    ("人事信息", "区政府办", "广安区人民政府关于张某某等同志职务任免的通知", "广区府人〔2026〕6号"),
    ("统计信息", "区统计局", "广安区2025年国民经济和社会发展统计公报", None),
    ("统计信息", "区统计局", "广安区2026年1—9月主要经济指标", None),
    ("统计信息", "区统计局", "广安区第五次全国经济普查主要数据公报", None),
    ("年度报告", "区政府办", "广安区人民政府2025年政府信息公开工作年度报告", None),
    ("年度报告", "区民政局", "广安区民政局2025年政府信息公开工作年度报告", None),
    ("年度报告", "区人社局", "广安区人力资源和社会保障局2025年法治政府建设年度报告", None),
    ("工作动态", "区政府办", "广安区人民政府第45次常务会议纪要", None),
    ("工作动态", "区自然资源和规划局", "广安区某镇征地补偿安置方案公告", "广区征〔2026〕9号"),
    ("工作动态", "区应急管理局", "广安区2026年防汛抗旱工作情况通报", None),
    ("工作动态", "区卫健局", "广安区2026年秋冬季传染病防控工作提示", None),
]


def disclosures() -> list[dict]:
    rng = random.Random(4)
    rows = []
    for i, (category, department, title, doc_no) in enumerate(_DISCLOSURES, start=1):
        year = int(title[title.find("20"):title.find("20") + 4]) if "20" in title and title[title.find("20"):title.find("20") + 4].isdigit() else 2026
        published = date(min(year + (1 if "决算" in title or "年度报告" in title or "公报" in title else 0), 2026),
                         rng.randint(1, 10), rng.randint(1, 28))
        if doc_no:
            doc_year = int(doc_no[doc_no.find("〔") + 1:doc_no.find("〕")])
            published = date(doc_year, published.month, published.day)
        rows.append({
            "id": f"GK{published:%Y}-{i:03d}", "title": title, "doc_no": doc_no, "department": department,
            "category": category, "published_at": published.isoformat(),
            "url": f"https://zwgk.example.org/guangan/{published:%Y%m}/{i:03d}.html",
            "summary": f"{department}发布的{category}类信息：{title}。",
        })
        if doc_no and any(word in title for word in ("办法", "实施意见", "实施细则")):
            rows[-1]["doc_type"] = "行政规范性文件"  # counted in the annual report's table 二 (docs/disclosure.md)
    return rows


def disclosure_requests() -> list[dict]:
    rng = random.Random(33)
    specs = [  # (request_no, subject, received, extended, status, answered)
        ("YSQ2025-0001", "本村2024年土地征收补偿安置方案及补偿款发放情况", date(2025, 12, 31), False, "answered", date(2026, 1, 20)),
        ("YSQ2026-0001", "某小区旧城改造项目立项批复文件", date(2026, 3, 16), False, "answered", date(2026, 4, 2)),
        ("YSQ2026-0002", "某路段道路改造工程预算及招标文件", date(2026, 5, 6), True, "answered", date(2026, 6, 24)),
        ("YSQ2026-0003", "某企业环境影响评价批复", date(2026, 7, 1), False, "rejected", date(2026, 7, 21)),
        ("YSQ2026-0004", "2025年度区级残疾人就业保障金使用情况", date(2026, 9, 29), False, "answered", date(2026, 10, 27)),
        ("YSQ2026-0005", "某镇农村危房改造补助对象名单", date(2026, 10, 9), False, "processing", None),
        ("YSQ2026-0006", "区属公办幼儿园收费标准批复", date(2026, 10, 26), True, "processing", None),
        ("YSQ2026-0007", "某社区养老服务中心建设项目资金来源", date(2026, 11, 2), False, "processing", None),
        ("YSQ2026-0008", "2026年区级惠民惠农财政补贴资金发放明细", date(2026, 11, 12), False, "received", None),
        ("YSQ2026-0009", "某街道垃圾中转站选址论证材料", date(2026, 11, 19), False, "received", None),
    ]
    # What the annual report counts (docs/disclosure.md): applicant kind and 办理结果 with reason.
    report = {"YSQ2025-0001": ("natural_person", "granted", None), "YSQ2026-0001": ("natural_person", "granted", None),
              "YSQ2026-0002": ("business", "partial", None), "YSQ2026-0003": ("legal_service", "denied", "third_party"),
              "YSQ2026-0004": ("public_interest", "unable", "needs_creation")}
    rows = []
    for number, subject, received, extended, status, answered in specs:
        row = {"request_no": number, "subject": subject, "applicant_phone": _phone(rng),
               "received_at": _at(received, rng), "extended": extended, "status": status}
        if answered:
            row["answered_at"] = _at(answered, rng)
        kind, outcome, reason = report.get(number, ("natural_person", None, None))
        row.update({"department": "区政府办", "applicant_kind": kind})
        if outcome:
            row["outcome"] = outcome
        if reason:
            row["outcome_reason"] = reason
        rows.append(row)
    return rows


def demo_dir() -> Path:
    return get_settings().knowledge_dir / "demo"


FILES = {"approvals.jsonl": "applications", "disclosures.jsonl": "disclosures",
         "disclosure_requests.jsonl": "disclosure_requests"}


def render(catalog_path: Path | None = None) -> dict[str, str]:
    catalog_path = catalog_path or get_settings().knowledge_dir / "catalog" / "items.json"
    data = {"approvals.jsonl": applications(catalog_path), "disclosures.jsonl": disclosures(),
            "disclosure_requests.jsonl": disclosure_requests()}
    return {name: "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows) for name, rows in data.items()}


def write(directory: Path | None = None) -> list[Path]:
    directory = directory or demo_dir()
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, text in render().items():
        (directory / name).write_text(text, encoding="utf-8")
        out.append(directory / name)
    return out


if __name__ == "__main__":
    for path in write():
        print(path)


def seed_parts(parts, url: str | None = None) -> int:
    """Import each (file name, model, importer) of knowledge/demo/ whose table is still empty;
    the rows added. Invalid demo rows are logged, never raised."""
    import logging

    from bot.imports.jsonl import row_count

    logger = logging.getLogger(__name__)
    added = 0
    for name, model, importer in parts:
        path = demo_dir() / name
        if not path.exists() or row_count(model, url):
            continue
        result = importer(path, url)
        for error in result.errors:
            logger.warning("demo data %s: %s", name, error)
        added += result.inserted
    return added
