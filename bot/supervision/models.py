"""Tables of 电子监察 and 全程告知 (migrations 0010_supervision, 0015_notice_subscriptions)."""
from sqlalchemy import (
    Boolean, Column, DateTime, ForeignKey, Integer, JSON, String, Text, UniqueConstraint,
)

from bot.db.base import Base


class SupervisionState(Base):
    """The last computed lights of an application (one row each), its 督办 mark."""
    __tablename__ = "supervision_states"

    application_id = Column(Integer, ForeignKey("approval_applications.id", ondelete="CASCADE"),
                            primary_key=True)
    application_no = Column(String(40), nullable=False, index=True)
    department = Column(String(64), nullable=False, index=True)
    light = Column(String(8), nullable=False, index=True)
    stage = Column(String(16), nullable=True)       # running stage (None: finished)
    stage_light = Column(String(8), nullable=True)
    detail = Column(JSON, nullable=True)             # the stage clocks (bot.supervision.lights.StageClock)
    computed_at = Column(DateTime(timezone=True), nullable=False)
    supervised = Column(Boolean, nullable=False, default=False, server_default="0")  # 督办
    supervised_by = Column(String(64), nullable=True)
    supervised_at = Column(DateTime(timezone=True), nullable=True)
    supervise_note = Column(Text, nullable=True)


class SupervisionNotice(Base):
    """Outbox of everything supervision tells someone: ``warning`` (yellow/red to the department),
    ``escalation`` (red to the 监察 role), ``applicant`` (全程告知 to the citizen). The unique
    ``(application, kind, dedupe_key)`` makes each once-only whichever worker or push writes it."""
    __tablename__ = "supervision_notices"
    __table_args__ = (UniqueConstraint("application_id", "kind", "dedupe_key", name="uq_supervision_notices_once"),)

    id = Column(Integer, primary_key=True)
    application_id = Column(Integer, ForeignKey("approval_applications.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    application_no = Column(String(40), nullable=False, index=True)
    kind = Column(String(16), nullable=False)         # warning | escalation | applicant
    dedupe_key = Column(String(96), nullable=False)   # e.g. "red:审核", "stage:受理", "stage:补正@<iso>"
    channel = Column(String(32), nullable=False)      # staff | wechat | miniprogram | socketio | sms
    recipient = Column(String(128), nullable=False)   # department:<name> | role:supervisor | openid | phone
    text = Column(Text, nullable=False)
    status = Column(String(12), nullable=False, index=True)  # stored | delivered | pending | sent | failed | skipped
    created_at = Column(DateTime(timezone=True), nullable=False)
    sent_at = Column(DateTime(timezone=True), nullable=True)
    error = Column(String(200), nullable=True)
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    next_attempt_at = Column(DateTime(timezone=True), nullable=True)
    fields = Column(JSON, nullable=True)     # applicant: values for a template (bot.supervision.notices.stage_fields)
    route = Column(String(16), nullable=True)  # applicant: template | subscribe | custom | sms | socketio


class SupervisionExplanation(Base):
    """A department's reason for a red stage (also written to the audit trail)."""
    __tablename__ = "supervision_explanations"

    id = Column(Integer, primary_key=True)
    application_id = Column(Integer, ForeignKey("approval_applications.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    stage = Column(String(16), nullable=False)
    reason = Column(Text, nullable=False)
    author = Column(String(64), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)


class NoticeOptOut(Base):
    """退订: a recipient (phone or openid, stored as its SHA-256) that receives no stage notices."""
    __tablename__ = "supervision_opt_outs"

    recipient_hash = Column(String(64), primary_key=True)
    created_at = Column(DateTime(timezone=True), nullable=False)


class NoticeSubscription(Base):
    """Mini-program subscription messages a citizen accepted (``wx.requestSubscribeMessage``): each
    acceptance of a template allows WeChat to deliver one message of it; ``remaining`` counts them."""
    __tablename__ = "notice_subscriptions"
    __table_args__ = (UniqueConstraint("channel", "openid", "template_id", name="uq_notice_subscriptions"),)

    id = Column(Integer, primary_key=True)
    channel = Column(String(16), nullable=False)
    openid = Column(String(128), nullable=False)
    template_id = Column(String(128), nullable=False)
    remaining = Column(Integer, nullable=False, default=0, server_default="0")
    updated_at = Column(DateTime(timezone=True), nullable=False)
