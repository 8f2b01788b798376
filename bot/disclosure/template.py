"""The national format of the 政府信息公开工作年度报告 (国务院办公厅政府信息与政务公开办公室,
《中华人民共和国政府信息公开工作年度报告格式》, 国办公开办函〔2021〕30号) and the pure counting of
its tables from request facts. docs/disclosure.md says where every figure comes from.

Row and column labels are the template's own words, checked against reports published in that
format. Codes (English) are what the imports, the push API and the JSON report use.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Iterable, Optional

TEMPLATE = "国办公开办函〔2021〕30号《中华人民共和国政府信息公开工作年度报告格式》"

SECTIONS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")

# Columns of table 三: 自然人, then the five kinds of 法人或其他组织.
APPLICANT_KINDS = (
    ("natural_person", "自然人"),
    ("business", "商业企业"),
    ("research", "科研机构"),
    ("public_interest", "社会公益组织"),
    ("legal_service", "法律服务机构"),
    ("other_org", "其他"),
)
KIND_CODES = tuple(code for code, _ in APPLICANT_KINDS)
# A request imported before applicant_kind existed is counted here, and listed in the warnings.
DEFAULT_KIND = "natural_person"

# 办理结果: (outcome, label, ((reason, label), ...)); an outcome without reasons has none.
OUTCOMES = (
    ("granted", "（一）予以公开", ()),
    ("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ()),
    ("denied", "（三）不予公开", (
        ("state_secret", "1.属于国家秘密"),
        ("prohibited_by_law", "2.其他法律行政法规禁止公开"),
        ("security_stability", "3.危及“三安全一稳定”"),
        ("third_party", "4.保护第三方合法权益"),
        ("internal_affairs", "5.属于三类内部事务信息"),
        ("process_info", "6.属于四类过程性信息"),
        ("enforcement_file", "7.属于行政执法案卷"),
        ("inquiry_matter", "8.属于行政查询事项"),
    )),
    ("unable", "（四）无法提供", (
        ("not_held", "1.本机关不掌握相关政府信息"),
        ("needs_creation", "2.没有现成信息需要另行制作"),
        ("unclear_after_correction", "3.补正后申请内容仍不明确"),
    )),
    ("not_processed", "（五）不予处理", (
        ("petition_complaint", "1.信访举报投诉类申请"),
        ("repeated", "2.重复申请"),
        ("publication", "3.要求提供公开出版物"),
        ("massive_requests", "4.无正当理由大量反复申请"),
        ("confirm_existing", "5.要求行政机关确认或重新出具已获取信息"),
    )),
    ("other", "（六）其他处理", (
        ("no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        ("fee_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        ("other", "3.其他"),
    )),
)
OUTCOME_REASONS = {code: tuple(r for r, _ in reasons) for code, _, reasons in OUTCOMES}
# A closed request imported before outcome existed is counted here, and listed in the warnings.
UNKNOWN_OUTCOME = ("other", "other")

# Table 三 rows in order: (key, label); the key of a reason row is "outcome.reason".
NEW, CARRIED_IN, TOTAL, CARRIED_OUT = "new", "carried_in", "total", "carried_out"


def result_rows() -> list[tuple[str, str, str]]:
    """(key, group label, row label) of every 办理结果 row that holds figures, in template order."""
    rows = []
    for code, label, reasons in OUTCOMES:
        if not reasons:
            rows.append((code, label, label))
        for reason, reason_label in reasons:
            rows.append((f"{code}.{reason}", label, reason_label))
    return rows


TABLE3_ROWS = ([(NEW, "一、本年新收政府信息公开申请数量"), (CARRIED_IN, "二、上年结转政府信息公开申请数量")]
               + [(key, label) for key, _, label in result_rows()]
               + [(TOTAL, "（七）总计"), (CARRIED_OUT, "四、结转下年度继续办理")])
TABLE3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

# Table 二.
DOC_TYPES = ("规章", "行政规范性文件")

# Table 四: columns of each group, and the groups (kind code, label).
APPEAL_KINDS = (("review", "行政复议"), ("lawsuit", "未经复议直接起诉"), ("lawsuit_after_review", "复议后起诉"))
APPEAL_RESULTS = (("upheld", "结果维持"), ("corrected", "结果纠正"), ("other", "其他结果"))
PENDING = "pending"  # 尚未审结
APPEAL_COLUMNS = tuple(APPEAL_RESULTS) + ((PENDING, "尚未审结"), (TOTAL, "总计"))


@dataclass(frozen=True)
class RequestFact:
    """What table 三 needs of one request: local dates, the kind and the outcome (None when open)."""
    request_no: str
    received_on: date
    decided_on: Optional[date]
    kind: Optional[str]
    outcome: Optional[str]
    reason: Optional[str]


def outcome_key(outcome: Optional[str], reason: Optional[str]) -> str:
    """The table 三 row of an outcome and reason; an unknown or incomplete one → 其他处理 3.其他."""
    reasons = OUTCOME_REASONS.get(outcome or "")
    if reasons is None or (reasons and reason not in reasons) or (not reasons and reason):
        return ".".join(UNKNOWN_OUTCOME)
    return f"{outcome}.{reason}" if reasons else str(outcome)


def outcome_label(outcome: Optional[str], reason: Optional[str]) -> Optional[str]:
    """The outcome in words for the applicant: 不予公开（保护第三方合法权益）; None when not recorded."""
    for code, label, reasons in OUTCOMES:
        if code != outcome:
            continue
        name = label[3:].split("（")[0]                    # "（三）不予公开" → "不予公开"
        detail = dict(reasons).get(reason or "")
        return f"{name}（{detail.split('.', 1)[1]}）" if detail else name
    return None


def _zero_table() -> dict[str, dict[str, int]]:
    return {key: {**{k: 0 for k in KIND_CODES}, TOTAL: 0} for key, _ in TABLE3_ROWS}


def table3(facts: Iterable[RequestFact], year: int) -> dict[str, dict[str, int]]:
    """Table 三 of ``year``: row key → {applicant kind → count, "total" → count}.

    new: received in the year. carried_in: received before the year and not decided before it.
    A result row counts the requests decided in the year (received in it or carried in).
    carried_out: received by the end of the year and not decided by then (a request answered in
    January of the next year is carried out here and carried in next year). A request received
    after the year is not counted."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    table = _zero_table()

    def add(row: str, kind: str) -> None:
        table[row][kind] += 1
        table[row][TOTAL] += 1

    for f in facts:
        if f.received_on > end:
            continue
        kind = f.kind if f.kind in KIND_CODES else DEFAULT_KIND
        if f.decided_on is not None and f.decided_on < start:
            continue  # finished in an earlier year
        add(NEW if f.received_on >= start else CARRIED_IN, kind)
        if f.decided_on is not None and f.decided_on <= end:
            add(outcome_key(f.outcome, f.reason), kind)
            add(TOTAL, kind)
        else:
            add(CARRIED_OUT, kind)
    return table


def check_table3(table: dict[str, dict[str, int]]) -> list[str]:
    """Every cross-check of table 三; the messages of those that fail (empty: all reconcile)."""
    problems = []
    result_keys = [key for key, _, _ in result_rows()]
    for key, _ in TABLE3_ROWS:
        row = table[key]
        if sum(row[k] for k in KIND_CODES) != row[TOTAL]:
            problems.append(f"{key}: 各类申请人之和 {sum(row[k] for k in KIND_CODES)} ≠ 总计 {row[TOTAL]}")
    for column in (*KIND_CODES, TOTAL):
        results = sum(table[k][column] for k in result_keys)
        if results != table[TOTAL][column]:
            problems.append(f"{column}: 各办理结果之和 {results} ≠ （七）总计 {table[TOTAL][column]}")
        left = table[NEW][column] + table[CARRIED_IN][column]
        right = table[TOTAL][column] + table[CARRIED_OUT][column]
        if left != right:
            problems.append(f"{column}: 第一项加第二项 {left} ≠ 第三项加第四项 {right}")
    return problems


@dataclass(frozen=True)
class AppealFact:
    case_no: str
    kind: str
    filed_on: date
    result: Optional[str]
    concluded_on: Optional[date]


def table4(facts: Iterable[AppealFact], year: int) -> dict[str, dict[str, int]]:
    """Table 四 of ``year``: kind → {upheld, corrected, other, pending, total}.

    A case counts in the year it was filed, by its result if concluded by the end of the year,
    else as 尚未审结; a case filed earlier and concluded in the year counts again by its result
    (it was 尚未审结 in the earlier report)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    table = {kind: {code: 0 for code, _ in APPEAL_COLUMNS} for kind, _ in APPEAL_KINDS}
    for f in facts:
        if f.kind not in table or f.filed_on > end:
            continue
        concluded = f.result is not None and f.concluded_on is not None and f.concluded_on <= end
        if f.filed_on < start and not (concluded and f.concluded_on >= start):
            continue
        column = f.result if concluded else PENDING
        table[f.kind][column] += 1
        table[f.kind][TOTAL] += 1
    return table


def check_table4(table: dict[str, dict[str, int]]) -> list[str]:
    problems = []
    for kind, row in table.items():
        parts = sum(row[c] for c, _ in APPEAL_COLUMNS if c != TOTAL)
        if parts != row[TOTAL]:
            problems.append(f"{kind}: 各结果之和 {parts} ≠ 总计 {row[TOTAL]}")
    return problems
