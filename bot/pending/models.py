"""pending_messages: a chat turn whose custom action failed (action server down or erroring),
kept until it is answered. status: pending → processing → done | failed (attempts exhausted)."""
from sqlalchemy import JSON, Column, DateTime, Integer, String, Text

from bot.db.base import Base

PENDING_STATUSES = ("pending", "processing", "done", "failed")


class PendingMessage(Base):
    __tablename__ = "pending_messages"

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    text = Column(Text, nullable=False)
    message_metadata = Column("metadata", JSON, nullable=True)
    status = Column(String(16), nullable=False, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime(timezone=True), nullable=False)
    next_attempt_at = Column(DateTime(timezone=True), nullable=False, index=True)
    answered_at = Column(DateTime(timezone=True), nullable=True)
    answer = Column(JSON, nullable=True)  # the bot's messages once answered
    delivered = Column(String(16), nullable=True)  # "pushed" through the channel, or "recorded"
    last_error = Column(String(200), nullable=True)
