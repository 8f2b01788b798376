"""material pre-check: upload sessions and their encrypted files (bot.uploads, docs/uploads.md)

Revision ID: 0014_material_uploads
Revises: 0001_foundation
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa

revision = "0014_material_uploads"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "upload_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("guide", sa.String(64), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("applicant_name_enc", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_sessions")),
        sa.UniqueConstraint("ref", name=op.f("uq_upload_sessions_ref")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_upload_sessions_token_hash")),
    )
    op.create_index(op.f("ix_upload_sessions_expires_at"), "upload_sessions", ["expires_at"])
    op.create_table(
        "upload_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("material", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("media_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_name", sa.String(64), nullable=False),
        sa.Column("doc_type", sa.String(24), nullable=True),
        sa.Column("text_enc", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["upload_sessions.id"], ondelete="CASCADE",
                                name=op.f("fk_upload_files_session_id_upload_sessions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_files")),
        sa.UniqueConstraint("public_id", name=op.f("uq_upload_files_public_id")),
        sa.UniqueConstraint("stored_name", name=op.f("uq_upload_files_stored_name")),
    )
    op.create_index(op.f("ix_upload_files_session_id"), "upload_files", ["session_id"])


def downgrade() -> None:
    op.drop_table("upload_files")
    op.drop_table("upload_sessions")
