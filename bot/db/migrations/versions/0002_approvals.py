"""approvals and disclosure: approval_applications, approval_events, disclosure_catalog,
disclosure_requests

Revision ID: 0002_approvals
Revises: 0001_foundation
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa

revision = "0002_approvals"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "approval_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_no", sa.String(24), nullable=False),
        sa.Column("item_name", sa.String(200), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("applicant_name", sa.String(64), nullable=False),
        sa.Column("applicant_phone", sa.String(20), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("promised_working_days", sa.Integer(), nullable=False),
        sa.Column("legal_working_days", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_applications")),
        sa.UniqueConstraint("application_no", name=op.f("uq_approval_applications_application_no")),
    )
    op.create_index(op.f("ix_approval_applications_department"), "approval_applications", ["department"])

    op.create_table(
        "approval_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handler", sa.String(64), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_events")),
        sa.ForeignKeyConstraint(["application_id"], ["approval_applications.id"], ondelete="CASCADE",
                                name=op.f("fk_approval_events_application_id_approval_applications")),
        sa.UniqueConstraint("application_id", "seq", name="uq_approval_events_application_seq"),
    )
    op.create_index(op.f("ix_approval_events_application_id"), "approval_events", ["application_id"])

    op.create_table(
        "disclosure_catalog",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("doc_no", sa.String(100), nullable=True),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("published_at", sa.Date(), nullable=False),
        sa.Column("url", sa.String(1000), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_catalog")),
    )
    for column in ("doc_no", "department", "category", "published_at"):
        op.create_index(op.f(f"ix_disclosure_catalog_{column}"), "disclosure_catalog", [column])

    op.create_table(
        "disclosure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_no", sa.String(24), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("applicant_phone", sa.String(20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extended", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_requests")),
        sa.UniqueConstraint("request_no", name=op.f("uq_disclosure_requests_request_no")),
    )


def downgrade() -> None:
    op.drop_table("disclosure_requests")
    for column in ("published_at", "category", "department", "doc_no"):
        op.drop_index(op.f(f"ix_disclosure_catalog_{column}"), table_name="disclosure_catalog")
    op.drop_table("disclosure_catalog")
    op.drop_index(op.f("ix_approval_events_application_id"), table_name="approval_events")
    op.drop_table("approval_events")
    op.drop_index(op.f("ix_approval_applications_department"), table_name="approval_applications")
    op.drop_table("approval_applications")
