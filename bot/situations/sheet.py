"""The 一次性告知单: the applicant's own list as one document — item, department, situation answers,
conditions, materials, place, hours, phone, time limits, fees, online address, a QR code back to the
mobile page of the same list, and the date — rendered as JSON, a printable PDF and a mobile page.

The document is computed from the guide and the answers alone (both in the URL), so it holds no
personal data and needs no storage; the same link always gives the same list."""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import urlencode

import segno

from bot.calendar import format_cn_date, local_today
from bot.knowledge.answer import aspect_text
from bot.knowledge.models import Guide, Knowledge
from bot.replies import HOTLINE_NAME
from bot.settings import get_settings
from bot.situations.data import Situations
from bot.situations.engine import Checklist, checklist, clean_answers

FONT = "STSong-Light"  # ReportLab's built-in CID font (Adobe-GB1): no font file to install
WINDOW_NOTE = "本告知单根据您回答的情形生成，仅供准备材料参考，最终以受理窗口审核为准。"


class SheetError(ValueError):
    """A guide without situations, or answers that are not options of its questions."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def parse_answers(spec: Situations, query: dict[str, str]) -> dict[str, str]:
    """Answers from a URL query (``?stage=first&agent=agent``); unknown keys are ignored, a bad
    value of a known question is an error (a hand-edited link must not give a wrong list)."""
    answers = {}
    for question in spec.questions:
        value = query.get(question.id)
        if value is None or value == "":
            continue
        if value != "?" and question.option(value) is None:
            raise SheetError("invalid_answer", f"问题 {question.id} 没有选项 {value}")
        answers[question.id] = value
    return clean_answers(spec, answers)


def sheet_path(guide_id: str, answers: dict[str, str], suffix: str = "", page: str = "checklist") -> str:
    """``/checklist/{guide}?answers``; ``page="precheck"``: the material pre-check page of the same list."""
    query = urlencode(sorted(answers.items()))
    return f"/{page}/{guide_id}{suffix}" + (f"?{query}" if query else "")


def sheet_url(guide_id: str, answers: dict[str, str], suffix: str = "", page: str = "checklist") -> str:
    return get_settings().public_url + sheet_path(guide_id, answers, suffix, page)


@dataclass(frozen=True)
class Sheet:
    guide: Guide
    checklist: Checklist
    facts: dict[str, str]       # 办理部门 / 地点与咨询 / 办理时限 / 收费标准 / 网上办理 → text
    url: str                    # the mobile page of this list (the QR code's target)
    pdf_url: str
    day: date

    def materials(self) -> list[dict]:
        out = []
        for n, item in enumerate(self.checklist.items, 1):
            m = item.material
            out.append({"no": n, "name": m.name, "form": m.form, "copies": m.copies, "source": m.source,
                        "note": m.note, "uncertain": m.uncertain, "condition": item.condition})
        return out

    def to_json(self) -> dict:
        return {
            "guide": self.guide.id, "name": self.guide.name, "department": self.guide.department,
            "answers": [{"question": q, "answer": a} for q, a in self.checklist.answer_lines()],
            "open_questions": [q.id for q in self.checklist.open_questions],
            "conditions": [{"text": c.text, "condition": cond} for c, cond in self.checklist.conditions],
            "materials": self.materials(),
            "facts": self.facts, "sources": list(self.checklist.spec.sources),
            "url": self.url, "pdf_url": self.pdf_url, "date": format_cn_date(self.day),
            "note": WINDOW_NOTE,
        }


def build(knowledge: Knowledge, spec: Situations, answers: dict[str, str], day: date | None = None) -> Sheet:
    guide = knowledge.guides.get(spec.guide)
    if guide is None:
        raise SheetError("guide_not_found", f"没有编号为 {spec.guide} 的办事指南")
    answers = clean_answers(spec, answers)
    dept = knowledge.department(guide.department)
    facts = {"办理部门": guide.department}
    for aspect, label in (("location", "地点与咨询"), ("time", "办理时限"), ("fees", "收费标准"), ("online", "网上办理")):
        facts[label] = aspect_text(guide, aspect, dept, day)
    return Sheet(guide, checklist(spec, answers), facts, sheet_url(guide.id, answers),
                 sheet_url(guide.id, answers, ".pdf"), day or local_today())


def material_line(item: dict) -> str:
    """"原件及复印件 1份；来源：用人单位" — the form, copies and where it comes from."""
    copies = item["copies"]
    amount = f"{copies}份" if isinstance(copies, int) else (copies or "")
    line = " ".join(x for x in (item["form"], amount) if x)
    return f"{line}；来源：{item['source']}"


# --- PDF ----------------------------------------------------------------------------------------
def _qr_png(url: str) -> bytes:
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=4, border=2)
    return buf.getvalue()


def render_pdf(sheet: Sheet) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("base", fontName=FONT, fontSize=10, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=12, textColor=colors.HexColor("#444444"))
    title = ParagraphStyle("title", parent=base, fontSize=16, leading=22, alignment=1)
    head = ParagraphStyle("head", parent=base, fontSize=12, leading=18, spaceBefore=6, spaceAfter=2)
    data = sheet.to_json()

    def p(text: str, style=base) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story = [p("一次性告知单", title), p(f"{data['name']}（{data['department']}）", ParagraphStyle(
        "sub", parent=base, alignment=1, fontSize=11)), Spacer(1, 4 * mm)]
    if data["answers"]:
        story.append(p("您的情形", head))
        story += [p(f"● {a['question']} —— {a['answer']}") for a in data["answers"]]
    if data["conditions"]:
        story.append(p("办理条件", head))
        story += [p(f"● {(c['condition'] + '：') if c['condition'] else ''}{c['text']}") for c in data["conditions"]]
    story.append(p("需要准备的材料", head))
    rows = [[p("序", small), p("材料", small), p("形式、份数与来源", small), p("说明", small)]]
    for m in data["materials"]:
        note = " ".join(x for x in (m["condition"] and m["condition"] + "时需要", m["note"],
                                    "（以窗口告知为准）" if m["uncertain"] else None) if x)
        rows.append([p(str(m["no"]), small), p(m["name"]), p(material_line(m), small), p(note, small)])
    table = Table(rows, colWidths=[10 * mm, 62 * mm, 55 * mm, 47 * mm], repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story.append(table)
    story.append(p("办理信息", head))
    story += [p(f"{label}：{text}") for label, text in data["facts"].items()]
    story.append(Spacer(1, 4 * mm))
    qr = Image(io.BytesIO(_qr_png(sheet.url)), width=28 * mm, height=28 * mm)
    footer = [p("扫码在手机上查看本清单", small), p(sheet.url, small), p(f"生成日期：{data['date']}", small),
              p(WINDOW_NOTE, small), p("信息来源：" + "；".join(data["sources"]), small),
              p(f"咨询：{HOTLINE_NAME}", small)]
    story.append(Table([[qr, footer]], colWidths=[32 * mm, 142 * mm],
                       style=TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")])))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"一次性告知单 {data['name']}", author="广安区政务智能助手")
    doc.build(story)
    return buf.getvalue()


# --- mobile page --------------------------------------------------------------------------------
def render_html(sheet: Sheet) -> str:
    data = sheet.to_json()
    e = escape
    answers = "".join(f"<li>{e(a['question'])}<b>{e(a['answer'])}</b></li>" for a in data["answers"])
    conditions = "".join(
        f"<li>{e(c['condition'] + '：') if c['condition'] else ''}{e(c['text'])}</li>" for c in data["conditions"])
    materials = []
    for m in data["materials"]:
        extra = "".join(f"<p class=\"note\">{e(x)}</p>" for x in (
            m["condition"] and m["condition"] + "时需要", m["note"]) if x)
        flag = "<span class=\"uncertain\">以窗口告知为准</span>" if m["uncertain"] else ""
        materials.append(f"<li><p class=\"name\">{e(m['name'])}{flag}</p>"
                         f"<p class=\"form\">{e(material_line(m))}</p>{extra}</li>")
    facts = "".join(f"<dt>{e(k)}</dt><dd>{e(v).replace(chr(10), '<br>')}</dd>" for k, v in data["facts"].items())
    qr = segno.make(sheet.url, error="m").svg_data_uri(scale=4, border=2)
    return f"""<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>一次性告知单 · {e(data['name'])}</title>
<link rel="stylesheet" href="/static/checklist.css">
</head>
<body>
<main class="sheet">
<h1>一次性告知单</h1>
<p class="item">{e(data['name'])}<span>{e(data['department'])}</span></p>
{f'<h2>您的情形</h2><ul class="answers">{answers}</ul>' if answers else ''}
{f'<h2>办理条件</h2><ul>{conditions}</ul>' if conditions else ''}
<h2>需要准备的材料（共{len(data['materials'])}项）</h2>
<ol class="materials">{''.join(materials)}</ol>
<h2>办理信息</h2>
<dl class="facts">{facts}</dl>
<p class="actions"><a href="{e(sheet.pdf_url)}">下载打印版（PDF）</a>
<a href="{e(sheet_path(sheet.guide.id, sheet.checklist.answers, page='precheck'))}">上传材料预检</a></p>
<figure class="qr"><img src="{qr}" alt="本清单的二维码" width="132" height="132">
<figcaption>扫码在手机上查看本清单</figcaption></figure>
<p class="note">生成日期：{e(data['date'])}。{e(WINDOW_NOTE)}</p>
<p class="note">信息来源：{e('；'.join(data['sources']))}。咨询：{HOTLINE_NAME}。</p>
</main>
</body>
</html>
"""
