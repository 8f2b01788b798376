"""ticket links (一事多诉): a ticket about the same event as an earlier open one follows it

Revision ID: 0008_ticket_links
Revises: 0006_notification_retry
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0008_ticket_links"
down_revision = "0006_notification_retry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ticket_no", sa.String(10), nullable=False),
        sa.Column("lead_id", sa.Integer(), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("lead_no", sa.String(10), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.UniqueConstraint("ticket_id", "lead_id", name="uq_ticket_links_pair"),
    )
    op.create_index("ix_ticket_links_ticket_id", "ticket_links", ["ticket_id"])
    op.create_index("ix_ticket_links_lead_id", "ticket_links", ["lead_id"])
    op.create_index("ix_ticket_links_status", "ticket_links", ["status"])
    # the dispatcher's queue: urgent first, then by deadline
    op.create_index("ix_tickets_queue", "tickets", ["status", "urgent", "sign_by"])


def downgrade() -> None:
    op.drop_index("ix_tickets_queue", table_name="tickets")
    op.drop_table("ticket_links")
