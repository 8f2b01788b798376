"""case numbers up to 40 characters: application_no and request_no as the source systems write them

Real approval and disclosure systems use long numbers (e.g. 19-digit government numbers with a
prefix); bot.cases.numbers accepts 6–40 characters.

Revision ID: 0007_case_numbers
Revises: 0002_approvals
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0007_case_numbers"
down_revision = "0002_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("approval_applications") as batch:
        batch.alter_column("application_no", type_=sa.String(40), existing_type=sa.String(24),
                           existing_nullable=False)
    with op.batch_alter_table("disclosure_requests") as batch:
        batch.alter_column("request_no", type_=sa.String(40), existing_type=sa.String(24),
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("disclosure_requests") as batch:
        batch.alter_column("request_no", type_=sa.String(24), existing_type=sa.String(40),
                           existing_nullable=False)
    with op.batch_alter_table("approval_applications") as batch:
        batch.alter_column("application_no", type_=sa.String(24), existing_type=sa.String(40),
                           existing_nullable=False)
