"""The annual report (bot.disclosure.report) as a Word document (python-docx), as HTML and as CSV.

Both are drawn from the same grids: a table is a list of rows, a row a list of cells
``(text, rowspan, colspan)``, laid out as the national template lays out its tables (merged header
cells included). A figure the system has no source for is written 待填 for staff to fill in.
"""
from __future__ import annotations

import csv
import html
import io
from typing import Optional

from bot.disclosure import template as t

BLANK = "待填"
Cell = tuple[str, int, int]


def _n(value: Optional[int]) -> str:
    return BLANK if value is None else str(value)


def c(text, rowspan: int = 1, colspan: int = 1) -> Cell:
    return (str(text), rowspan, colspan)


def table2_grid(report: dict) -> list[list[Cell]]:
    a = report["active"]
    docs = a["documents"]
    grid = [[c("第二十条第（一）项", 1, 4)],
            [c("信息内容"), c("本年制发件数"), c("本年废止件数"), c("现行有效件数")]]
    for kind in t.DOC_TYPES:
        d = docs[kind]
        grid.append([c(kind), c(_n(d["made"])), c(_n(d["repealed"])), c(_n(d["in_force"]))])
    grid += [[c("第二十条第（五）项", 1, 4)], [c("信息内容"), c("本年处理决定数量", 1, 3)],
             [c("行政许可"), c(_n(a["licensing"]), 1, 3)],
             [c("第二十条第（六）项", 1, 4)], [c("信息内容"), c("本年处理决定数量", 1, 3)],
             [c("行政处罚"), c(_n(a["punishment"]), 1, 3)], [c("行政强制"), c(_n(a["coercion"]), 1, 3)],
             [c("第二十条第（八）项", 1, 4)], [c("信息内容"), c("本年收费金额（单位：万元）", 1, 3)],
             [c("行政事业性收费"), c(_n(a["admin_fees_wan_yuan"]), 1, 3)]]
    return grid


def table3_grid(report: dict) -> list[list[Cell]]:
    columns = [col["key"] for col in report["requests"]["columns"]]
    rows = {row["key"]: row for row in report["requests"]["rows"]}
    figures = lambda key: [c(rows[key]["values"][col]) for col in columns]  # noqa: E731
    org_labels = [label for code, label in t.APPLICANT_KINDS[1:]]
    grid = [[c(t.TABLE3_NOTE, 3, 3), c("申请人情况", 1, 7)],
            [c("自然人", 2, 1), c("法人或其他组织", 1, 5), c("总计", 2, 1)],
            [c(label) for label in org_labels]]
    label = dict(t.TABLE3_ROWS)
    grid.append([c(label[t.NEW], 1, 3), *figures(t.NEW)])
    grid.append([c(label[t.CARRIED_IN], 1, 3), *figures(t.CARRIED_IN)])
    result_count = len(t.result_rows()) + 1
    first = True
    for code, group_label, reasons in t.OUTCOMES:
        head = [c("三、本年度办理结果", result_count, 1)] if first else []
        first = False
        if not reasons:
            grid.append([*head, c(group_label, 1, 2), *figures(code)])
            continue
        for i, (reason, reason_label) in enumerate(reasons):
            lead = [*head, c(group_label, len(reasons), 1)] if i == 0 else []
            grid.append([*lead, c(reason_label), *figures(f"{code}.{reason}")])
    grid.append([c(label[t.TOTAL], 1, 2), *figures(t.TOTAL)])
    grid.append([c(label[t.CARRIED_OUT], 1, 3), *figures(t.CARRIED_OUT)])
    return grid


def table4_grid(report: dict) -> list[list[Cell]]:
    appeals = report["appeals"]
    column_labels = [label for _, label in t.APPEAL_COLUMNS]
    grid = [[c("行政复议", 1, 5), c("行政诉讼", 1, 10)],
            [*[c(label, 2, 1) for label in column_labels], c("未经复议直接起诉", 1, 5), c("复议后起诉", 1, 5)],
            [c(label) for label in column_labels * 2]]
    grid.append([c(appeals[kind][col]) for kind, _ in t.APPEAL_KINDS for col, _ in t.APPEAL_COLUMNS])
    return grid


def _width(grid: list[list[Cell]]) -> int:
    return sum(span for _, _, span in grid[0])


def place(grid: list[list[Cell]]) -> list[tuple[int, int, Cell]]:
    """(row, column, cell) of every cell of a grid, skipping the positions merged cells cover."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(grid):
        col = 0
        for cell in row:
            while (r, col) in taken:
                col += 1
            out.append((r, col, cell))
            for dr in range(cell[1]):
                for dc in range(cell[2]):
                    taken.add((r + dr, col + dc))
            col += cell[2]
    return out


def _narrative(report: dict) -> list[tuple[str, list[str]]]:
    p = report["prompts"]
    return [(t.SECTIONS[0], p["overall"]), (t.SECTIONS[4], p["problems"]), (t.SECTIONS[5], p["other"])]


def intro(report: dict) -> str:
    return (f"本报告根据《中华人民共和国政府信息公开条例》和{t.TEMPLATE}编制。本报告所列数据的统计期限为"
            f"{report['year']}年1月1日至{report['year']}年12月31日。")


# ---------------------------------------------------------------- HTML

CSS = """body{font-family:"SimSun","Songti SC",serif;max-width:60em;margin:2em auto;line-height:1.7}
h1{text-align:center;font-size:1.5em}table{border-collapse:collapse;margin:1em 0;width:100%}
td,th{border:1px solid #333;padding:.2em .4em;text-align:center;font-size:.9em}
td.blank{background:#fff3cd}.prompt{color:#555}.notes{border:1px dashed #c00;padding:.5em 1em}
.checks-ok{color:#060}.checks-bad{color:#c00}"""


def _html_table(grid: list[list[Cell]]) -> str:
    rows: dict[int, list[str]] = {}
    for r, _col, (text, rowspan, colspan) in place(grid):
        attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
        cls = ' class="blank"' if text == BLANK else ""
        rows.setdefault(r, []).append(f"<td{attrs}{cls}>{html.escape(text)}</td>")
    return "<table>" + "".join(f"<tr>{''.join(rows.get(r, []))}</tr>" for r in range(len(grid))) + "</table>"


def to_html(report: dict) -> str:
    e = html.escape
    narrative = dict(_narrative(report))
    parts = [f"<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{e(report['title'])}</title>"
             f"<style>{CSS}</style></head><body>", f"<h1>{e(report['title'])}</h1>", f"<p>{e(intro(report))}</p>"]
    for section in t.SECTIONS:
        parts.append(f"<h2>{e(section)}</h2>")
        if section in narrative:
            parts += [f'<p class="prompt">{e(line)}</p>' for line in narrative[section]]
        elif section == t.SECTIONS[1]:
            parts.append(_html_table(table2_grid(report)))
        elif section == t.SECTIONS[2]:
            parts.append(_html_table(table3_grid(report)))
        else:
            parts.append(_html_table(table4_grid(report)))
    parts.append(_html_notes(report))
    parts.append("</body></html>")
    return "\n".join(parts)


def _html_notes(report: dict) -> str:
    e = html.escape
    checks = report["checks"]
    status = ('<p class="checks-ok">勾稽关系核对：全部通过（各行、各列之和与总计一致；第一项加第二项等于第三项加第四项）。</p>'
              if checks["ok"] else '<p class="checks-bad">勾稽关系核对未通过：' + e("；".join(checks["problems"])) + "</p>")
    warnings = "".join(f"<li>{e(w)}</li>" for w in report["warnings"]) or "<li>无</li>"
    sources = "".join(f"<li>{e(k)}：{e(v)}</li>" for k, v in report["sources"].items())
    return (f'<div class="notes"><h3>数据说明（供审核，定稿发布前删除）</h3>{status}<p>需核对的数据：</p><ul>{warnings}</ul>'
            f"<p>数据来源：</p><ul>{sources}</ul><p>“{BLANK}”为系统没有来源的数据，由工作人员填写。</p></div>")


# ---------------------------------------------------------------- Word

def _docx_table(document, grid: list[list[Cell]]):
    table = document.add_table(rows=len(grid), cols=_width(grid))
    table.style = "Table Grid"
    for r, col, (text, rowspan, colspan) in place(grid):
        cell = table.cell(r, col)
        if rowspan > 1 or colspan > 1:
            cell = cell.merge(table.cell(r + rowspan - 1, col + colspan - 1))
        cell.text = text
    return table


def to_docx(report: dict) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm

    document = Document()
    section = document.sections[0]  # A4, as Chinese official documents are printed
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(25)
    for name, font in (("Normal", "宋体"), ("Heading 1", "黑体"), ("Heading 2", "黑体"), ("Title", "黑体")):
        style = document.styles[name]
        style.font.name = "SimSun" if name == "Normal" else "SimHei"
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    document.core_properties.title = report["title"]
    heading = document.add_heading(report["title"], level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(intro(report))
    narrative = dict(_narrative(report))
    for section in t.SECTIONS:
        document.add_heading(section, level=2)
        if section in narrative:
            for line in narrative[section]:
                document.add_paragraph(line)
        elif section == t.SECTIONS[1]:
            _docx_table(document, table2_grid(report))
        elif section == t.SECTIONS[2]:
            _docx_table(document, table3_grid(report))
        else:
            _docx_table(document, table4_grid(report))
    document.add_heading("数据说明（供审核，定稿发布前删除）", level=2)
    checks = report["checks"]
    document.add_paragraph("勾稽关系核对：全部通过。" if checks["ok"] else "勾稽关系核对未通过：" + "；".join(checks["problems"]))
    for line in report["warnings"] or ["需核对的数据：无"]:
        document.add_paragraph(line, style="List Bullet")
    for key, value in report["sources"].items():
        document.add_paragraph(f"{key}：{value}", style="List Bullet")
    document.add_paragraph(f"“{BLANK}”为系统没有来源的数据，由工作人员填写。")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---------------------------------------------------------------- CSV

def to_csv(report: dict) -> str:
    """Every figure of tables 二、三、四 and the fees, one per line: 表, 项目, 列, 数值 (blank when the
    system has no source) — for spreadsheets and the statistics systems that collect these reports.
    UTF-8 with a byte-order mark, so Excel opens it as Chinese text."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["表", "项目", "列", "数值"])
    a = report["active"]
    for kind in t.DOC_TYPES:
        for key, label in (("made", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")):
            w.writerow(["二", kind, label, a["documents"][kind][key]])
    for key, label in (("licensing", "行政许可"), ("punishment", "行政处罚"), ("coercion", "行政强制")):
        w.writerow(["二", label, "本年处理决定数量", "" if a[key] is None else a[key]])
    w.writerow(["二", "行政事业性收费", "本年收费金额（单位：万元）",
                "" if a["admin_fees_wan_yuan"] is None else a["admin_fees_wan_yuan"]])
    columns = report["requests"]["columns"]
    for row in report["requests"]["rows"]:
        item = f"{row['group']} {row['label']}" if row["group"] else row["label"]
        for col in columns:
            w.writerow(["三", item, col["label"], row["values"][col["key"]]])
    for kind, kind_label in t.APPEAL_KINDS:
        for col, col_label in t.APPEAL_COLUMNS:
            w.writerow(["四", kind_label, col_label, report["appeals"][kind][col]])
    fees = report["fees"]
    w.writerow(["六", "信息处理费", "发出收费通知件数", fees["notices"]])
    w.writerow(["六", "信息处理费", "通知金额（元）", fees["notified_yuan"]])
    w.writerow(["六", "信息处理费", "实际收取金额（元）", fees["collected_yuan"]])
    c = report["consultations"]
    w.writerow(["六", "政府信息公开咨询", "智能助手解答（人次）", "" if c["assistant"] is None else c["assistant"]])
    w.writerow(["六", "政府信息公开咨询", "工作人员解答（人次）", c["staff"]])
    return "\ufeff" + out.getvalue()
