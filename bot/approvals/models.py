"""Tables of approval applications (办件) and their stage events."""
from sqlalchemy import (
    Column, DateTime, ForeignKey, Integer, String, UniqueConstraint, func,
)
from sqlalchemy.orm import relationship

from bot.db.base import Base

# Stages of an application, in the order they usually happen. 补正 (materials to be completed)
# pauses the clock until the next event (补正完成, 承办...) records that the materials arrived.
STAGES = ("受理", "补正", "补正完成", "承办", "审核", "批准", "办结", "不予受理", "退回", "撤回")
PAUSE_STAGE = "补正"
STATUSES = ("in_progress", "approved", "rejected", "withdrawn")


class Application(Base):
    __tablename__ = "approval_applications"

    id = Column(Integer, primary_key=True)
    application_no = Column(String(40), nullable=False, unique=True)
    item_name = Column(String(200), nullable=False)
    department = Column(String(64), nullable=False, index=True)
    applicant_name = Column(String(64), nullable=False)
    applicant_phone = Column(String(20), nullable=False)
    submitted_at = Column(DateTime(timezone=True), nullable=False)
    promised_working_days = Column(Integer, nullable=False)
    legal_working_days = Column(Integer, nullable=False)
    status = Column(String(16), nullable=False)
    content_hash = Column(String(64), nullable=False)
    # 全程告知 (bot.supervision.notices): the channel the applicant uses — wechat | miniprogram |
    # socketio with the openid / conversation id in notify_to — or NULL for SMS to applicant_phone.
    notify_channel = Column(String(16), nullable=True)
    notify_to = Column(String(128), nullable=True)
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())

    events = relationship("ApplicationEvent", order_by="ApplicationEvent.seq",
                          cascade="all, delete-orphan", passive_deletes=True)


class ApplicationEvent(Base):
    __tablename__ = "approval_events"
    __table_args__ = (UniqueConstraint("application_id", "seq", name="uq_approval_events_application_seq"),)

    id = Column(Integer, primary_key=True)
    application_id = Column(Integer, ForeignKey("approval_applications.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    stage = Column(String(16), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)
    handler = Column(String(64), nullable=True)
    note = Column(String(500), nullable=True)
