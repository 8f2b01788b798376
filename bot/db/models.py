"""Every table of the application database. Domain modules define their models in their own
module; importing them here registers them on ``Base.metadata`` for Alembic."""
from bot.db.base import Base  # noqa: F401
from bot.db.meta import AppMeta  # noqa: F401
