"""disclosure annual report: what the statutory tables count

disclosure_requests gain the handling body, the applicant kind, the outcome with its reason, the
information-processing fee; disclosure_catalog gains the document type and the repeal date (规章,
行政规范性文件); disclosure_appeals holds the 行政复议 and 行政诉讼 cases about disclosure;
disclosure_report_drafts holds what staff write into a year's report (narrative, figures without a source). All new
request and catalog columns are nullable: rows imported before keep their meaning (docs/disclosure.md).

Revision ID: 0013_disclosure_report
Revises: 0007_case_numbers
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0013_disclosure_report"
down_revision = "0007_case_numbers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("disclosure_requests") as batch:
        batch.add_column(sa.Column("department", sa.String(64), nullable=True))
        batch.add_column(sa.Column("applicant_kind", sa.String(16), nullable=True))
        batch.add_column(sa.Column("outcome", sa.String(16), nullable=True))
        batch.add_column(sa.Column("outcome_reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("fee_notified_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("fee_amount_cents", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("fee_paid_cents", sa.BigInteger(), nullable=True))
    op.create_index(op.f("ix_disclosure_requests_department"), "disclosure_requests", ["department"])
    op.create_index(op.f("ix_disclosure_requests_received_at"), "disclosure_requests", ["received_at"])
    with op.batch_alter_table("disclosure_catalog") as batch:
        batch.add_column(sa.Column("doc_type", sa.String(16), nullable=True))
        batch.add_column(sa.Column("repealed_at", sa.Date(), nullable=True))
    op.create_table(
        "disclosure_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("request_no", sa.String(40), nullable=True),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("filed_at", sa.Date(), nullable=False),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("concluded_at", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_appeals")),
        sa.UniqueConstraint("case_no", name=op.f("uq_disclosure_appeals_case_no")),
    )
    op.create_index(op.f("ix_disclosure_appeals_department"), "disclosure_appeals", ["department"])
    op.create_table(
        "disclosure_report_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(64), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosure_report_drafts")),
        sa.UniqueConstraint("year", "department", name="uq_disclosure_report_drafts_year_department"),
    )


def downgrade() -> None:
    op.drop_table("disclosure_report_drafts")
    op.drop_index(op.f("ix_disclosure_appeals_department"), table_name="disclosure_appeals")
    op.drop_table("disclosure_appeals")
    with op.batch_alter_table("disclosure_catalog") as batch:
        batch.drop_column("repealed_at")
        batch.drop_column("doc_type")
    op.drop_index(op.f("ix_disclosure_requests_received_at"), table_name="disclosure_requests")
    op.drop_index(op.f("ix_disclosure_requests_department"), table_name="disclosure_requests")
    with op.batch_alter_table("disclosure_requests") as batch:
        for column in ("fee_paid_cents", "fee_amount_cents", "fee_notified_at", "outcome_reason", "outcome",
                       "applicant_kind", "department"):
            batch.drop_column(column)
