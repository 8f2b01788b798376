"""The pre-check's reading of documents: pure functions over the text OCR (or a PDF's text layer)
gave, no I/O.

- :func:`classify` names the document type a text is (居民身份证, 户口簿, 营业执照, 结婚证…);
- :func:`id_card_facts` / :func:`licence_facts` pull out what can be checked (number, name,
  validity; 统一社会信用代码) and :func:`check_file` says what is wrong with one file;
- :func:`evaluate` matches the files to the applicant's list of materials (from the situational
  guide) and gives each material 齐全 / 缺少 / 有问题 with the reason, in Chinese.

Never a final approval: every result ends with "以窗口审核为准" (:data:`WINDOW_NOTE`)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.identifiers import ID_CHECK_CHARS, id_check_char, is_valid_uscc

WINDOW_NOTE = "预检只核对能看出来的问题，不代表审核通过，最终以窗口审核为准。"

PRESENT, MISSING, PROBLEM = "齐全", "缺少", "有问题"
# Materials made at the window (现场填写 / 现场采集): nothing to upload.
ON_SITE_FORMS = ("现场填写", "现场采集")

# Document types: (id, Chinese name, words of the document's own text, words of a material's name).
DOC_TYPES: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("id_card", "居民身份证", ("居民身份证", "公民身份号码", "签发机关"), ("身份证",)),
    ("hukou", "居民户口簿", ("户口簿", "常住人口登记卡", "户主或与户主关系", "户别"), ("户口簿", "户口本")),
    ("business_licence", "营业执照", ("营业执照", "统一社会信用代码"), ("营业执照",)),
    ("marriage", "结婚证", ("结婚证", "结婚登记"), ("结婚证",)),
    ("divorce", "离婚证", ("离婚证",), ("离婚证",)),
    ("property", "不动产权证书", ("不动产权", "房屋所有权证", "房地产权"), ("不动产权", "房产证", "房屋所有权")),
    ("labour_contract", "劳动合同", ("劳动合同",), ("劳动合同",)),
)
DOC_NAMES = {t[0]: t[1] for t in DOC_TYPES}

_SPLIT = re.compile(r"[，,、；;（）()\s]|或|及|和|与|以及")
_NOISE = re.compile(r"[\s:：·.。,，;；|_\-—~`'\"“”]+")


def norm(text: str | None) -> str:
    """Text for matching: no spaces or punctuation (OCR splits lines and adds dots)."""
    return _NOISE.sub("", text or "")


def classify(text: str) -> str | None:
    """The document type the text reads as, or None. Every type's score is the number of its own
    words found; ties go to the earlier (more specific) type."""
    t = norm(text)
    best, score = None, 0
    for type_id, _name, words, _material_words in DOC_TYPES:
        n = sum(1 for w in words if w in t)
        if n > score:
            best, score = type_id, n
    return best


def material_types(name: str) -> set[str]:
    """The document types that can be (part of) a material, from its name ("居民身份证或户口簿")."""
    return {t[0] for t in DOC_TYPES if any(w in name for w in t[3])}


def material_keywords(name: str) -> list[str]:
    """Words of a material's name a document of it should contain: each alternative of the name
    ("门诊病历或诊断证明" → 门诊病历, 诊断证明) and its last four characters (the noun: "费用明细清单"
    → 明细清单), never shorter than three characters."""
    out: list[str] = []
    for part in _SPLIT.split(name):
        part = re.sub(r"^(近期|申请人|本人|经营者|职工|老年人|老人本人的|父母双方|父母一方的|监护人|被投靠人|迁移人|相应)", "", part)
        part = part.strip("的")
        if len(part) < 3:
            continue
        out.append(part)
        if len(part) > 4:
            out.append(part[-4:])
    return list(dict.fromkeys(out))


# --- 居民身份证 ------------------------------------------------------------------------------------
_ID_NUMBER = re.compile(r"(?<![0-9])([0-9]{17}[0-9Xx×])(?![0-9])")
_NAME = re.compile(r"姓名([\u4e00-\u9fff·]{2,12})")


def _date(text: str) -> date | None:
    digits = re.sub(r"\D", "", text)
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except (ValueError, IndexError):
        return None


@dataclass
class IdCardFacts:
    number: str | None = None
    name: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None   # None with long_term False: not read
    long_term: bool = False


def id_card_facts(text: str) -> IdCardFacts:
    t = norm(text).replace("×", "X").replace("x", "X")
    facts = IdCardFacts()
    m = _ID_NUMBER.search(t)
    if m:
        facts.number = m.group(1)
    for line in (text or "").splitlines():  # the name is read on its own line (it has no fixed length)
        m = _NAME.search(norm(line))
        if m:
            facts.name = re.split(r"性别|民族|出生", m.group(1))[0] or None
            break
    for line in (text or "").splitlines():  # 有效期限 2016.01.01-2036.01.01 / 2016.01.01-长期
        rest = norm(line).partition("有效期限")[2]
        if not rest:
            continue
        digits = re.sub(r"\D", "", rest)
        facts.valid_from = _date(digits[:8])
        if "长期" in rest:
            facts.long_term = True
        elif len(digits) >= 16:
            facts.valid_to = _date(digits[8:16])
        break
    return facts


def id_number_problem(number: str) -> str | None:
    """Why an 18-character ID number is wrong (check digit, birth date), or None."""
    if number[17].upper() not in ID_CHECK_CHARS or id_check_char(number[:17]) != number[17].upper():
        return "身份号码校验位不符（可能是照片不清，或号码有误）"
    if _date(number[6:14]) is None:
        return "身份号码中的出生日期不是有效日期"
    return None


def same_name(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and norm(a) == norm(b)


_PERSON = re.compile(r"(?:姓名|权利人|持证人)([\u4e00-\u9fff·]{2,12})")
# Materials of someone else than the applicant: their documents carry other names.
OTHER_PERSON = ("父", "母", "配偶", "监护人", "被投靠人", "代办", "子女", "继承人", "对方", "双方", "老人", "老年人")
# Documents whose names are compared with the applicant's across the upload.
NAMED_TYPES = ("hukou", "marriage", "divorce", "property", "labour_contract")


def names_in(text: str) -> list[str]:
    """The persons' names a document states (姓名 / 权利人 / 持证人 lines)."""
    out = []
    for line in (text or "").splitlines():
        for m in _PERSON.finditer(norm(line)):
            name = re.split(r"性别|民族|出生|与户主|户主|身份|共有|登记", m.group(1))[0]
            if len(name) >= 2:
                out.append(name)
    return list(dict.fromkeys(out))


# --- 营业执照 ---------------------------------------------------------------------------------------
_USCC = re.compile(r"统一社会信用代码([0-9A-Z]{18})")


def licence_code(text: str) -> str | None:
    m = _USCC.search(norm(text).upper())
    return m.group(1) if m else None


# --- one file -------------------------------------------------------------------------------------
@dataclass
class FileReading:
    """What was read from one uploaded file."""

    file_id: str
    text: str
    material: str | None = None   # the material the applicant said this file is (may be None)
    doc_type: str | None = None
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def unreadable(self) -> bool:
        return len(norm(self.text)) < 4


def check_file(reading: FileReading, applicant_name: str | None, today: date) -> FileReading:
    """Classify the file and note what is wrong with it (in Chinese)."""
    reading.doc_type = classify(reading.text)
    reading.problems, reading.notes = [], []
    if reading.unreadable:
        reading.problems.append("文件中没有读到文字：请在光线充足处正对证件重拍，或上传清晰的扫描件")
        return reading
    if reading.doc_type == "id_card":
        facts = id_card_facts(reading.text)
        if facts.number:
            problem = id_number_problem(facts.number)
            if problem:
                reading.problems.append(problem)
        elif "公民身份号码" in norm(reading.text) or facts.name:
            reading.problems.append("没有读清身份号码：请重拍人像面，号码要完整清晰")
        if facts.name and applicant_name and not same_name(facts.name, applicant_name):
            reading.problems.append(f"证件上的姓名「{facts.name}」与您填写的姓名「{applicant_name}」不一致")
        if facts.valid_to and facts.valid_to < today:
            reading.problems.append(f"身份证已过有效期限（{facts.valid_to:%Y.%m.%d}），请先办理换领")
        elif facts.valid_to or facts.long_term:
            reading.notes.append("有效期限：" + ("长期" if facts.long_term else f"至{facts.valid_to:%Y.%m.%d}"))
    elif reading.doc_type == "business_licence":
        code = licence_code(reading.text)
        if code is None:
            reading.problems.append("没有读清统一社会信用代码：请重拍营业执照正本或副本")
        elif not is_valid_uscc(code):
            reading.problems.append("统一社会信用代码校验位不符（可能是照片不清，或代码有误）")
    return reading


def matches_material(reading: FileReading, name: str) -> bool:
    """Whether the file reads as (part of) the material: its document type is one the material's
    name asks for, or, for other materials, the document's text holds words of the name."""
    if "照片" in name:  # a portrait has no text to read: the applicant's label is all there is
        return reading.material == name
    types = material_types(name)
    if reading.doc_type is not None and reading.doc_type in types:
        return True
    t = norm(reading.text)
    return any(k in t for k in material_keywords(name))


# --- the whole list -------------------------------------------------------------------------------
@dataclass
class MaterialResult:
    name: str
    status: str                 # 齐全 | 缺少 | 有问题
    reasons: list[str]
    files: list[str]

    def to_json(self) -> dict:
        return {"name": self.name, "status": self.status, "reasons": self.reasons, "files": self.files}


def _id_card_side_missing(files: list[FileReading]) -> str | None:
    """Both sides of an ID card are asked for: the number (人像面) and the validity (国徽面)."""
    facts = [id_card_facts(f.text) for f in files]
    if not any(x.number for x in facts):
        return "只读到身份证国徽面：请同时上传人像面（有姓名和身份号码的一面）"
    if not any(x.valid_to or x.long_term for x in facts):
        return "没有读到有效期限：请同时上传身份证国徽面（有签发机关和有效期限的一面）"
    return None


def _reference_name(readings: list[FileReading], applicant_name: str | None) -> tuple[str, str] | None:
    """The name the documents are held against: what the applicant typed, else the name read on
    an ID card that is not someone else's (source, name)."""
    if applicant_name:
        return "您填写的姓名", applicant_name
    for r in readings:
        if r.doc_type == "id_card" and not any(w in (r.material or "") for w in OTHER_PERSON):
            name = id_card_facts(r.text).name
            if name:
                return "身份证上的姓名", name
    return None


def _name_problems(files: list[FileReading], reference: tuple[str, str] | None) -> list[str]:
    """Names across documents: an 户口簿 / 结婚证 / 不动产权证书 / 劳动合同 of the applicant that does
    not name them."""
    if reference is None:
        return []
    label, name = reference
    out = []
    for r in files:
        if r.doc_type not in NAMED_TYPES:
            continue
        names = names_in(r.text)
        if names and not any(same_name(n, name) for n in names):
            out.append(f"{DOC_NAMES[r.doc_type]}上的姓名（{'、'.join(names)}）与{label}「{name}」不一致")
    return out


def evaluate(materials: list[tuple[str, str]], readings: list[FileReading], applicant_name: str | None,
             today: date) -> tuple[list[MaterialResult], list[dict], list[str]]:
    """``materials``: (name, form) of the applicant's list. Returns the result per material to
    upload, the files that match no material (with why), and the materials made at the window."""
    for r in readings:
        check_file(r, applicant_name, today)
    results, used = [], set()
    reference = _reference_name(readings, applicant_name)
    on_site = [name for name, form in materials if form in ON_SITE_FORMS]
    for name, form in materials:
        if form in ON_SITE_FORMS:
            continue
        labelled = [r for r in readings if r.material == name]
        matched = [r for r in readings if matches_material(r, name)]
        reasons: list[str] = []
        for r in labelled:
            if r in matched:
                continue
            if not r.unreadable:
                what = DOC_NAMES.get(r.doc_type or "", "")
                reasons.append(f"标为「{name}」的文件看起来不是这份材料" + (f"（读到的是{what}）" if what else ""))
            elif r.unreadable:
                reasons.extend(r.problems)
        for r in matched:
            if "照片" not in name:
                reasons.extend(p for p in r.problems if p not in reasons)
        if matched and "id_card" in material_types(name) and all(r.doc_type == "id_card" for r in matched):
            side = _id_card_side_missing(matched)
            if side:
                reasons.append(side)
        if not any(w in name for w in OTHER_PERSON):
            reasons.extend(r for r in _name_problems(matched, reference) if r not in reasons)
        used.update(r.file_id for r in matched + labelled)
        if not matched and not labelled:
            status = MISSING
            reasons = ["没有上传"]
        elif reasons or not matched:
            status = PROBLEM
        else:
            status = PRESENT
        results.append(MaterialResult(name, status, reasons, [r.file_id for r in matched]))
    others = [{"file": r.file_id, "doc_type": DOC_NAMES.get(r.doc_type or ""),
               "reason": r.problems[0] if r.unreadable else "与所需材料对不上，请确认是否传错"}
              for r in readings if r.file_id not in used]
    return results, others, on_site
