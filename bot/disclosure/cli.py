"""Command line of the disclosure area:

    python -m bot import disclosures|disclosure-requests|disclosure-appeals FILE.jsonl
    python -m bot disclosure annual-report 2025 [--department 区政府办] [--out DIR]
"""
from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from bot.imports.cli import run_import


def _cmd_import_disclosures(args) -> int:
    from bot.disclosure.importer import import_disclosures

    return run_import(import_disclosures, args.file)


def _cmd_import_requests(args) -> int:
    from bot.disclosure.importer import import_disclosure_requests

    return run_import(import_disclosure_requests, args.file)


def _cmd_import_appeals(args) -> int:
    from bot.disclosure.importer import import_disclosure_appeals

    return run_import(import_disclosure_appeals, args.file)


def report_filename(report: dict) -> str:
    """区政府办-2025-政府信息公开工作年度报告 (全部部门 without a department)."""
    return f"{report['department'] or '全部部门'}-{report['year']}-政府信息公开工作年度报告"


def _cmd_annual_report(args) -> int:
    """Migrate, build the report, write .docx, .html, .csv and .json to --out; print where and the
    checks. Exit 0 when every cross-check holds, 1 when one fails (the files are written anyway)."""
    from bot.db import migrate
    from bot.disclosure.render import to_csv, to_docx, to_html
    from bot.disclosure.report import build_report

    migrate.upgrade()
    report = asyncio.run(build_report(args.year, args.department))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stem = out / report_filename(report)
    written = [stem.with_suffix(s) for s in (".docx", ".html", ".csv", ".json")]
    written[0].write_bytes(to_docx(report))
    written[1].write_text(to_html(report), encoding="utf-8")
    written[2].write_text(to_csv(report), encoding="utf-8", newline="")
    written[3].write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    for path in written:
        print(path)
    checks = report["checks"]
    print("勾稽关系核对：" + ("全部通过" if checks["ok"] else "未通过"))
    for line in checks["problems"] + report["warnings"]:
        print("  " + line, file=sys.stderr)
    return 0 if checks["ok"] else 1


def _year(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or not 2000 <= int(raw) <= 2100:
        raise ValueError(f"年份应为 2000–2100 之间的四位数字：{raw!r}")
    return int(raw)


def register(subparsers, import_subparsers) -> None:
    p = import_subparsers.add_parser("disclosures", help="import the proactive-disclosure catalog (JSON lines)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import_disclosures)
    p = import_subparsers.add_parser("disclosure-requests", help="import disclosure requests (JSON lines)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import_requests)
    p = import_subparsers.add_parser("disclosure-appeals",
                                     help="import 行政复议/行政诉讼 cases about disclosure (JSON lines)")
    p.add_argument("file")
    p.set_defaults(func=_cmd_import_appeals)

    disclosure = subparsers.add_parser("disclosure", help="government information disclosure")
    actions = disclosure.add_subparsers(dest="action", required=True)
    p = actions.add_parser("annual-report", help="draft the year's 政府信息公开工作年度报告 (.docx, .html, .csv, .json)")
    p.add_argument("year", type=_year)
    p.add_argument("--department", help="department name or alias (knowledge/departments.yml); default: all")
    p.add_argument("--out", default="var/reports", help="directory of the files (default var/reports)")
    p.set_defaults(func=_cmd_annual_report)
