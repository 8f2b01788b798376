"""notification retry: attempts and next_attempt_at on ticket_notifications

A citizen notice or SMS that failed (the WeChat API or the SMS gateway down for a moment) is sent
again with growing pauses instead of being lost.

Revision ID: 0006_notification_retry
Revises: 0005_ticket_worker
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa

revision = "0006_notification_retry"
down_revision = "0005_ticket_worker"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_notifications") as batch:
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_notifications") as batch:
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
