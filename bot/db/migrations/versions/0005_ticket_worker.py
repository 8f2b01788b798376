"""ticket worker: ticket_notifications (reminders, escalations, citizen notices) and worker_leases

Revision ID: 0005_ticket_worker
Revises: 0003_tickets
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0005_ticket_worker"
down_revision = "0003_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("ticket_no", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("dedupe_key", sa.String(length=96), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("recipient", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_notifications_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_notifications")),
        sa.UniqueConstraint("ticket_id", "kind", "dedupe_key", name="uq_ticket_notifications_once"),
    )
    op.create_index(op.f("ix_ticket_notifications_ticket_id"), "ticket_notifications", ["ticket_id"])
    op.create_index(op.f("ix_ticket_notifications_ticket_no"), "ticket_notifications", ["ticket_no"])
    op.create_index(op.f("ix_ticket_notifications_status"), "ticket_notifications", ["status"])
    op.create_table(
        "worker_leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_leases")),
    )


def downgrade() -> None:
    op.drop_table("worker_leases")
    op.drop_index(op.f("ix_ticket_notifications_status"), table_name="ticket_notifications")
    op.drop_index(op.f("ix_ticket_notifications_ticket_no"), table_name="ticket_notifications")
    op.drop_index(op.f("ix_ticket_notifications_ticket_id"), table_name="ticket_notifications")
    op.drop_table("ticket_notifications")
