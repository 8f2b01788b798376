"""Tickets (工单) and their events. ``version`` is the optimistic-concurrency counter: every update
is ``UPDATE ... WHERE version = :seen`` and a lost race raises instead of overwriting."""
from sqlalchemy import (
    JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, false, func,
)
from sqlalchemy.orm import relationship

from bot.db.base import Base

STATUSES = {
    "pending_dispatch": "待派单",
    "dispatched": "待签收",
    "signed": "已签收",
    "contacted": "处理中",
    "replied": "已答复",
    "resolved": "已办结",
    "returned": "已退单",
    "closed": "已回访",
}
OPEN_STATUSES = ("pending_dispatch", "dispatched", "signed", "contacted", "replied", "returned")
SATISFACTION = ("满意", "基本满意", "不满意")


class Ticket(Base):
    __tablename__ = "tickets"

    id = Column(Integer, primary_key=True)
    ticket_no = Column(String(40), nullable=False, unique=True)  # ours (GD…) or another 12345 system's
    category = Column(String(8), nullable=False)
    urgent = Column(Boolean, nullable=False, default=False)
    status = Column(String(20), nullable=False, index=True)
    department = Column(String(64), nullable=True, index=True)
    handler_id = Column(Integer, ForeignKey("users.id"), nullable=True, index=True)
    channel = Column(String(32), nullable=False, default="api")
    conversation_id = Column(String(128), nullable=True, index=True)
    description = Column(Text, nullable=False)
    location = Column(String(200), nullable=True)
    contact_phone = Column(String(20), nullable=True)
    contact_name = Column(String(64), nullable=True)
    transcript = Column(JSON, nullable=True)
    routing = Column(JSON, nullable=True)  # top-3 departments with scores, for the dispatcher
    created_at = Column(DateTime(timezone=True), nullable=False)
    dispatched_at = Column(DateTime(timezone=True), nullable=True)
    signed_at = Column(DateTime(timezone=True), nullable=True)
    first_contacted_at = Column(DateTime(timezone=True), nullable=True)
    replied_at = Column(DateTime(timezone=True), nullable=True)
    resolved_at = Column(DateTime(timezone=True), nullable=True)
    closed_at = Column(DateTime(timezone=True), nullable=True)
    reopened_at = Column(DateTime(timezone=True), nullable=True)  # the resolve clock restarts here
    sign_by = Column(DateTime(timezone=True), nullable=False)
    first_contact_by = Column(DateTime(timezone=True), nullable=False)
    resolve_by = Column(DateTime(timezone=True), nullable=False)
    light = Column(String(8), nullable=False, default="green", index=True)
    reply_text = Column(Text, nullable=True)
    satisfaction = Column(String(8), nullable=True)
    extension_days = Column(Integer, nullable=True)      # pending extension request (延期申请)
    extension_reason = Column(Text, nullable=True)
    extension_count = Column(Integer, nullable=False, default=0)
    supervise_count = Column(Integer, nullable=False, default=0)
    reopen_count = Column(Integer, nullable=False, default=0)
    # 外网公开反馈: the citizen agreed (asked at intake) that the question and answer, anonymised and
    # approved by a moderator, be published (bot.publication); no answer is no
    publish_consent = Column(Boolean, nullable=False, default=False, server_default=false())
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
    version = Column(Integer, nullable=False)

    handler = relationship("User", lazy="joined")
    events = relationship("TicketEvent", order_by="TicketEvent.seq", cascade="all, delete-orphan",
                          passive_deletes=True, lazy="selectin")

    __mapper_args__ = {"version_id_col": version}


class TicketEvent(Base):
    __tablename__ = "ticket_events"
    __table_args__ = (UniqueConstraint("ticket_id", "seq", name="uq_ticket_events_ticket_seq"),)

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    seq = Column(Integer, nullable=False)
    at = Column(DateTime(timezone=True), nullable=False)
    action = Column(String(32), nullable=False)
    actor = Column(String(64), nullable=False)
    from_status = Column(String(20), nullable=True)
    to_status = Column(String(20), nullable=False)
    department = Column(String(64), nullable=True)
    reason = Column(Text, nullable=True)
    data = Column(JSON, nullable=True)


class TicketNotification(Base):
    """What the worker told someone about a ticket: a reminder to its handler, an escalation to a
    supervisor, the reply to the citizen (through the channel the ticket came from, or SMS).
    ``dedupe_key`` makes each notice once-only, whichever worker sends it."""
    __tablename__ = "ticket_notifications"
    __table_args__ = (UniqueConstraint("ticket_id", "kind", "dedupe_key", name="uq_ticket_notifications_once"),)

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    ticket_no = Column(String(40), nullable=False, index=True)
    kind = Column(String(16), nullable=False)        # reminder | escalation | citizen | sms
    dedupe_key = Column(String(96), nullable=False)
    channel = Column(String(32), nullable=False)     # staff | socketio | wechat | miniprogram | rest | sms ...
    recipient = Column(String(128), nullable=False)  # username, role, conversation id or phone
    text = Column(Text, nullable=False)
    status = Column(String(12), nullable=False, index=True)  # sent | stored | failed | delivered
    created_at = Column(DateTime(timezone=True), nullable=False)
    sent_at = Column(DateTime(timezone=True), nullable=True)
    error = Column(String(200), nullable=True)
    # Failed citizen notices and SMS are sent again (bot.tickets.sweep.retry_failed_notices).
    attempts = Column(Integer, nullable=False, default=1, server_default="1")
    next_attempt_at = Column(DateTime(timezone=True), nullable=True)  # None: not to be retried


class WorkerLease(Base):
    """Leadership of the worker without Redis: one row per role; the holder renews ``expires_at``."""
    __tablename__ = "worker_leases"

    name = Column(String(32), primary_key=True)
    holder = Column(String(64), nullable=False)
    expires_at = Column(DateTime(timezone=True), nullable=False)


LINK_STATUSES = ("auto", "confirmed", "undone")
ACTIVE_LINK = ("auto", "confirmed")


class TicketLink(Base):
    """一事多诉: ``ticket`` is another citizen's request about the same event as ``lead`` (主单). An
    active link (auto = linked by the system at creation, confirmed = a dispatcher agreed) makes
    the ticket follow its lead (dispatched, urged and answered together); an undone link is kept
    so the two are never grouped again. ``evidence`` is what the dispatcher is shown."""
    __tablename__ = "ticket_links"
    __table_args__ = (UniqueConstraint("ticket_id", "lead_id", name="uq_ticket_links_pair"),)

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    ticket_no = Column(String(40), nullable=False)
    lead_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    lead_no = Column(String(40), nullable=False)
    status = Column(String(12), nullable=False, index=True)  # auto | confirmed | undone
    evidence = Column(JSON, nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    created_by = Column(String(64), nullable=False)
    decided_at = Column(DateTime(timezone=True), nullable=True)
    decided_by = Column(String(64), nullable=True)


class AssistedCall(Base):
    """A hotline call the agent assist saw (bot.tickets.calls): what the caller said so far, with
    phone and ID numbers masked, so a problem many people phone about counts in hot issues even when
    the agent answered on the spot and made no ticket. One row per ``call_id``, updated as the call
    goes on; a ticket made from the call (``Ticket.conversation_id == call_id``) replaces it in the
    grouping. Kept ``CALL_RETENTION_DAYS`` (bot.tickets.calls)."""
    __tablename__ = "assisted_calls"
    __table_args__ = (UniqueConstraint("call_id", name="uq_assisted_calls_call_id"),)

    id = Column(Integer, primary_key=True)
    call_id = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    turns = Column(Integer, nullable=False, default=1)
    department = Column(String(64), nullable=True)
    urgent = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime(timezone=True), nullable=False, index=True)
    updated_at = Column(DateTime(timezone=True), nullable=False)
