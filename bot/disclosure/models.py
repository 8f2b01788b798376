"""Tables of the proactive-disclosure catalog (主动公开目录) and disclosure requests (依申请公开)."""
from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, DateTime, Integer, String, Text, UniqueConstraint, func

from bot.db.base import Base

CATEGORIES = ("机构职能", "政策文件", "规划计划", "财政预决算", "行政许可", "行政处罚", "招标采购",
              "人事信息", "统计信息", "年度报告", "工作动态", "重大建设项目", "社会公益事业", "应急管理")
REQUEST_STATUSES = ("received", "processing", "answered", "rejected")


class DisclosureEntry(Base):
    __tablename__ = "disclosure_catalog"

    id = Column(String(32), primary_key=True)
    title = Column(String(300), nullable=False)
    doc_no = Column(String(100), nullable=True, index=True)
    department = Column(String(64), nullable=False, index=True)
    category = Column(String(16), nullable=False, index=True)
    published_at = Column(Date, nullable=False, index=True)
    url = Column(String(1000), nullable=False)
    summary = Column(Text, nullable=True)
    # 规章 | 行政规范性文件 (bot.disclosure.template.DOC_TYPES) and the date it was repealed: the
    # annual report's table 二 counts them (docs/disclosure.md). NULL for every other entry.
    doc_type = Column(String(16), nullable=True)
    repealed_at = Column(Date, nullable=True)
    content_hash = Column(String(64), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())


class DisclosureRequest(Base):
    __tablename__ = "disclosure_requests"

    id = Column(Integer, primary_key=True)
    request_no = Column(String(40), nullable=False, unique=True)
    subject = Column(String(500), nullable=False)
    applicant_phone = Column(String(20), nullable=False)
    received_at = Column(DateTime(timezone=True), nullable=False, index=True)
    extended = Column(Boolean, nullable=False, default=False)
    status = Column(String(16), nullable=False)
    answered_at = Column(DateTime(timezone=True), nullable=True)
    # What the annual report counts (bot.disclosure.template, migration 0013): the body that handles
    # the request, the applicant's kind, the 办理结果 with its reason, the information-processing fee
    # (信息处理费). NULL on rows imported before these existed (the report says so).
    department = Column(String(64), nullable=True, index=True)
    applicant_kind = Column(String(16), nullable=True)
    outcome = Column(String(16), nullable=True)
    outcome_reason = Column(String(32), nullable=True)
    fee_notified_at = Column(DateTime(timezone=True), nullable=True)
    fee_amount_cents = Column(BigInteger, nullable=True)  # 收费通知金额, in 分 (imported in yuan)
    fee_paid_cents = Column(BigInteger, nullable=True)    # 实际收取
    content_hash = Column(String(64), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())


class DisclosureAppeal(Base):
    """A 行政复议 or 行政诉讼 case about disclosure (table 四 of the annual report). ``kind``:
    review | lawsuit (未经复议直接起诉) | lawsuit_after_review (复议后起诉); ``result`` upheld |
    corrected | other, NULL while 尚未审结."""
    __tablename__ = "disclosure_appeals"

    id = Column(Integer, primary_key=True)
    case_no = Column(String(64), nullable=False, unique=True)
    kind = Column(String(24), nullable=False)
    request_no = Column(String(40), nullable=True)
    department = Column(String(64), nullable=True, index=True)
    filed_at = Column(Date, nullable=False)
    result = Column(String(16), nullable=True)
    concluded_at = Column(Date, nullable=True)
    content_hash = Column(String(64), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())


class ReportDraft(Base):
    """What staff write into a year's annual report (bot.disclosure.drafts): ``texts`` the parts
    一, 五, 六 ({overall, problems, other}: text or null), ``figures`` those the system has no source
    for ({punishment, coercion, admin_fees_wan_yuan}). ``department`` "" is the all-departments
    report. ``version`` guards against two reviewers overwriting each other."""
    __tablename__ = "disclosure_report_drafts"
    __table_args__ = (UniqueConstraint("year", "department", name="uq_disclosure_report_drafts_year_department"),)

    id = Column(Integer, primary_key=True)
    year = Column(Integer, nullable=False)
    department = Column(String(64), nullable=False)
    texts = Column(JSON, nullable=False)
    figures = Column(JSON, nullable=False)
    updated_by = Column(String(64), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)
    version = Column(Integer, nullable=False)
