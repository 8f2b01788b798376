"""Database table of the imported service-item catalog."""
from sqlalchemy import Column, DateTime, String, func

from bot.db.base import Base


class CatalogItemRow(Base):
    """One 政务服务事项 of the catalog; the portal URL is its unique key (two rows of the real
    catalog share department and name, never URL)."""

    __tablename__ = "catalog_items"

    id = Column(String(16), primary_key=True)
    department = Column(String(64), nullable=False, index=True)
    group = Column("group", String(200), nullable=True)
    name = Column(String(200), nullable=False, index=True)
    url = Column(String(1000), nullable=False, unique=True)
    content_hash = Column(String(64), nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())
