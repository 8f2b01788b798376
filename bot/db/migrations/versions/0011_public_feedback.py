"""外网公开反馈: the citizen's consent to publication on tickets, the moderators' decisions, and
the citizens' ratings of the bot's answers (bot.feedback)

Revision ID: 0011_public_feedback
Revises: 0008_ticket_links
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0011_public_feedback"
down_revision = "0008_ticket_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        # asked at intake; no answer is no
        batch.add_column(sa.Column("publish_consent", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "public_answers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("category", sa.String(8), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("ticket_id", name="uq_public_answers_ticket_id"),
    )
    op.create_index("ix_public_answers_status", "public_answers", ["status"])
    op.create_index("ix_public_answers_department", "public_answers", ["department"])
    op.create_index("ix_public_answers_decided_at", "public_answers", ["decided_at"])
    op.create_table(
        "answer_ratings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conversation_id", sa.String(128), nullable=False),
        sa.Column("answer_key", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("rating", sa.String(8), nullable=False),
        sa.Column("question", sa.Text(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("context", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(8), nullable=True),
        sa.Column("correct_answer", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", sa.String(64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("conversation_id", "answer_key", name="uq_answer_ratings_once"),
    )
    for column in ("conversation_id", "rating", "created_at", "verdict"):
        op.create_index(f"ix_answer_ratings_{column}", "answer_ratings", [column])


def downgrade() -> None:
    op.drop_table("answer_ratings")
    op.drop_table("public_answers")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("publish_consent")
