"""Tickets keep the number another 12345 system gave them (a ticket handed down by the city or
provincial platform): ticket number columns widened from 10 to 40 characters, the width of the
other case numbers (bot.cases.numbers.MAX_CHARS)

Revision ID: 0017_external_ticket_numbers
Revises: 0016_assisted_calls
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0017_external_ticket_numbers"
down_revision = "0016_assisted_calls"
branch_labels = None
depends_on = None

COLUMNS = (("tickets", "ticket_no"), ("ticket_notifications", "ticket_no"),
           ("ticket_links", "ticket_no"), ("ticket_links", "lead_no"))


def _alter(width: int) -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite keeps any length in a VARCHAR column: nothing to change
    for table, column in COLUMNS:
        op.alter_column(table, column, type_=sa.String(width), existing_nullable=False)


def upgrade() -> None:
    _alter(40)


def downgrade() -> None:
    _alter(10)
