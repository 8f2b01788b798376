"""The append-only audit trail: hash-chained, HMAC-signed entries and the signed chain head."""
from sqlalchemy import JSON, Column, DateTime, Integer, String, Text

from bot.db.base import Base


class AuditEntry(Base):
    __tablename__ = "audit_entries"

    id = Column(Integer, primary_key=True)
    seq = Column(Integer, nullable=False, unique=True)
    at = Column(DateTime(timezone=True), nullable=False)
    actor = Column(String(64), nullable=False)
    action = Column(String(32), nullable=False)
    object_type = Column(String(32), nullable=False)
    object_id = Column(String(64), nullable=False, index=True)
    reason = Column(Text, nullable=True)
    data = Column(JSON, nullable=True)
    prev_hash = Column(String(64), nullable=False)
    hash = Column(String(64), nullable=False)
    signature = Column(String(64), nullable=False)


class AuditHead(Base):
    """One row (id=1): the last entry's seq and hash, signed — so deleting the tail is detected.
    Appenders lock this row (SELECT ... FOR UPDATE) so the chain never forks."""

    __tablename__ = "audit_head"

    id = Column(Integer, primary_key=True)
    last_seq = Column(Integer, nullable=False)
    last_hash = Column(String(64), nullable=False)
    signature = Column(String(64), nullable=False)
