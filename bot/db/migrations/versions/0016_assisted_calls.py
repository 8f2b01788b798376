"""Hotline calls seen by the agent assist, so hot issues count calls answered without a ticket
(bot.tickets.calls)

Revision ID: 0016_assisted_calls
Revises: 0011_public_feedback
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0016_assisted_calls"
down_revision = "0011_public_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "assisted_calls",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("call_id", name="uq_assisted_calls_call_id"),
    )
    op.create_index("ix_assisted_calls_created_at", "assisted_calls", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_assisted_calls_created_at", table_name="assisted_calls")
    op.drop_table("assisted_calls")
