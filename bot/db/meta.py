from sqlalchemy import Column, DateTime, String, Text, func

from bot.db.base import Base


class AppMeta(Base):
    """Key/value facts about this database (what was seeded, and when)."""

    __tablename__ = "app_meta"

    key = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
