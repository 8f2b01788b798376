"""catalog: catalog_items

Revision ID: 0002_catalog
Revises: 0001_foundation
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_catalog"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalog_items",
        sa.Column("id", sa.String(16), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("group", sa.String(200), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_items")),
        sa.UniqueConstraint("url", name=op.f("uq_catalog_items_url")),
    )
    op.create_index(op.f("ix_catalog_items_department"), "catalog_items", ["department"])
    op.create_index(op.f("ix_catalog_items_name"), "catalog_items", ["name"])


def downgrade() -> None:
    op.drop_index(op.f("ix_catalog_items_name"), table_name="catalog_items")
    op.drop_index(op.f("ix_catalog_items_department"), table_name="catalog_items")
    op.drop_table("catalog_items")
