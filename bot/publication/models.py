"""A moderator's decision about publishing one ticket's question and answer. The texts are stored as
published: personal data already removed (bot.privacy.anonymize_text), edited by the moderator."""
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint

from bot.db.base import Base

DECISIONS = ("approved", "rejected", "withdrawn")


class PublicAnswer(Base):
    __tablename__ = "public_answers"
    __table_args__ = (UniqueConstraint("ticket_id", name="uq_public_answers_ticket_id"),)

    id = Column(Integer, primary_key=True)  # the public number of the answer (the ticket number is not shown)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False)
    status = Column(String(12), nullable=False, index=True)  # approved | rejected | withdrawn
    category = Column(String(8), nullable=False)
    department = Column(String(64), nullable=True, index=True)
    received_at = Column(DateTime(timezone=True), nullable=False)
    answered_at = Column(DateTime(timezone=True), nullable=False)
    question = Column(Text, nullable=False)
    answer = Column(Text, nullable=False)
    reason = Column(Text, nullable=True)       # why rejected or withdrawn
    decided_by = Column(String(64), nullable=False)
    decided_at = Column(DateTime(timezone=True), nullable=False, index=True)
