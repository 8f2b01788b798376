"""pending_messages: chat turns kept for retry when a custom action failed

Revision ID: 0004_pending
Revises: 0001_foundation
Create Date: 2026-11-26
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_pending"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pending_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("delivered", sa.String(length=16), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_messages")),
    )
    op.create_index(op.f("ix_pending_messages_sender_id"), "pending_messages", ["sender_id"], unique=False)
    op.create_index(op.f("ix_pending_messages_status"), "pending_messages", ["status"], unique=False)
    op.create_index(op.f("ix_pending_messages_next_attempt_at"), "pending_messages", ["next_attempt_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_messages_next_attempt_at"), table_name="pending_messages")
    op.drop_index(op.f("ix_pending_messages_status"), table_name="pending_messages")
    op.drop_index(op.f("ix_pending_messages_sender_id"), table_name="pending_messages")
    op.drop_table("pending_messages")
