"""Tables of the proactive-disclosure catalog (主动公开目录) and disclosure requests (依申请公开)."""
from sqlalchemy import Boolean, Column, Date, DateTime, Integer, String, Text, func

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
    content_hash = Column(String(64), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())


class DisclosureRequest(Base):
    __tablename__ = "disclosure_requests"

    id = Column(Integer, primary_key=True)
    request_no = Column(String(40), nullable=False, unique=True)
    subject = Column(String(500), nullable=False)
    applicant_phone = Column(String(20), nullable=False)
    received_at = Column(DateTime(timezone=True), nullable=False)
    extended = Column(Boolean, nullable=False, default=False)
    status = Column(String(16), nullable=False)
    answered_at = Column(DateTime(timezone=True), nullable=True)
    content_hash = Column(String(64), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
