"""console canned replies (常用语) per department: console_canned_replies

Revision ID: 0009_console_canned_replies
Revises: 0004_livechat
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0009_console_canned_replies"
down_revision = "0004_livechat"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_canned_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_canned_replies")),
    )
    op.create_index(op.f("ix_console_canned_replies_department"), "console_canned_replies", ["department"])


def downgrade() -> None:
    op.drop_index(op.f("ix_console_canned_replies_department"), table_name="console_canned_replies")
    op.drop_table("console_canned_replies")
