"""supervision: stage lights, warnings and applicant notices of approval applications (#14)

Tables supervision_states, supervision_notices (outbox, once per application/kind/key),
supervision_explanations, supervision_opt_outs; approval_applications gets the applicant's
notice channel (notify_channel, notify_to).

Revision ID: 0010_supervision
Revises: 0007_case_numbers
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0010_supervision"
down_revision = "0007_case_numbers"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("approval_applications") as batch:
        batch.add_column(sa.Column("notify_channel", sa.String(16), nullable=True))
        batch.add_column(sa.Column("notify_to", sa.String(128), nullable=True))
    fk = lambda: sa.ForeignKey("approval_applications.id", ondelete="CASCADE")  # noqa: E731
    op.create_table(
        "supervision_states",
        sa.Column("application_id", sa.Integer(), fk(), primary_key=True),
        sa.Column("application_no", sa.String(40), nullable=False, index=True),
        sa.Column("department", sa.String(64), nullable=False, index=True),
        sa.Column("light", sa.String(8), nullable=False, index=True),
        sa.Column("stage", sa.String(16), nullable=True),
        sa.Column("stage_light", sa.String(8), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("computed_at", TZ, nullable=False),
        sa.Column("supervised", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("supervised_by", sa.String(64), nullable=True),
        sa.Column("supervised_at", TZ, nullable=True),
        sa.Column("supervise_note", sa.Text(), nullable=True),
    )
    op.create_table(
        "supervision_notices",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), fk(), nullable=False, index=True),
        sa.Column("application_no", sa.String(40), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("dedupe_key", sa.String(96), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, index=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("next_attempt_at", TZ, nullable=True),
        sa.UniqueConstraint("application_id", "kind", "dedupe_key", name="uq_supervision_notices_once"),
    )
    op.create_table(
        "supervision_explanations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("application_id", sa.Integer(), fk(), nullable=False, index=True),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "supervision_opt_outs",
        sa.Column("recipient_hash", sa.String(64), primary_key=True),
        sa.Column("created_at", TZ, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("supervision_opt_outs")
    op.drop_table("supervision_explanations")
    op.drop_table("supervision_notices")
    op.drop_table("supervision_states")
    with op.batch_alter_table("approval_applications") as batch:
        batch.drop_column("notify_to")
        batch.drop_column("notify_channel")
