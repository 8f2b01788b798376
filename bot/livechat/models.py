"""Hand-offs to a human agent and the agents' messages waiting to be delivered by Rasa."""
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Text

from bot.db.base import Base

HANDOFF_STATUSES = ("waiting", "active", "closed")


class Handoff(Base):
    __tablename__ = "livechat_handoffs"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=True)      # Rasa input channel (socketio, wechat, ...)
    status = Column(String(8), nullable=False, index=True)
    last_text = Column(Text, nullable=True)          # what the citizen said when asking for a human
    agent = Column(String(64), nullable=True)
    requested_at = Column(DateTime(timezone=True), nullable=False)
    accepted_at = Column(DateTime(timezone=True), nullable=True)
    closed_at = Column(DateTime(timezone=True), nullable=True)


class AgentMessage(Base):
    __tablename__ = "livechat_messages"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(Integer, ForeignKey("livechat_handoffs.id", ondelete="CASCADE"), nullable=False, index=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    agent = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False)
    delivered_at = Column(DateTime(timezone=True), nullable=True)


class CannedReply(Base):
    """常用语: a ready answer agents insert into a live chat reply; ``department`` None is for every
    department. Kept by admins (GET/POST/PUT/DELETE /api/canned-replies, docs/console.md)."""
    __tablename__ = "console_canned_replies"

    id = Column(Integer, primary_key=True)
    department = Column(String(64), nullable=True, index=True)
    title = Column(String(64), nullable=False)
    text = Column(Text, nullable=False)
    updated_by = Column(String(64), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False)
