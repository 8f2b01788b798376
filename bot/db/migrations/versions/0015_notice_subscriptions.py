"""stage notices by WeChat template / subscription message (#14)

supervision_notices gain ``fields`` (the notice's values for a template: number, item, stage, date,
next step) and ``route`` (how it reached the applicant: template, subscribe, custom, sms, socketio);
notice_subscriptions holds the mini-program subscription messages a citizen accepted (one message
per acceptance of a template).

Revision ID: 0015_notice_subscriptions
Revises: 0010_supervision
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0015_notice_subscriptions"
down_revision = "0010_supervision"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("supervision_notices") as batch:
        batch.add_column(sa.Column("fields", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("route", sa.String(16), nullable=True))
    op.create_table(
        "notice_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("openid", sa.String(128), nullable=False),
        sa.Column("template_id", sa.String(128), nullable=False),
        sa.Column("remaining", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("channel", "openid", "template_id", name="uq_notice_subscriptions"),
    )


def downgrade() -> None:
    op.drop_table("notice_subscriptions")
    with op.batch_alter_table("supervision_notices") as batch:
        batch.drop_column("route")
        batch.drop_column("fields")
