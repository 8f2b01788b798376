"""live chat hand-offs: livechat_handoffs, livechat_messages

Revision ID: 0004_livechat
Revises: 0001_foundation
Create Date: 2026-11-24
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_livechat"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "livechat_handoffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("last_text", sa.Text(), nullable=True),
        sa.Column("agent", sa.String(length=64), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_livechat_handoffs")),
    )
    op.create_index(op.f("ix_livechat_handoffs_conversation_id"), "livechat_handoffs", ["conversation_id"])
    op.create_index(op.f("ix_livechat_handoffs_status"), "livechat_handoffs", ["status"])
    op.create_table(
        "livechat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["handoff_id"], ["livechat_handoffs.id"], ondelete="CASCADE",
                                name=op.f("fk_livechat_messages_handoff_id_livechat_handoffs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_livechat_messages")),
    )
    op.create_index(op.f("ix_livechat_messages_handoff_id"), "livechat_messages", ["handoff_id"])
    op.create_index(op.f("ix_livechat_messages_conversation_id"), "livechat_messages", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("livechat_messages")
    op.drop_table("livechat_handoffs")
