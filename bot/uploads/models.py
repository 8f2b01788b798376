"""An upload session (one applicant's pre-check of one guide) and its files. Personal data is
stored encrypted (bot.uploads.crypto): the applicant's name and the text read from each file in
the columns ending ``_enc``, the file itself on disk (``stored_name`` under UPLOAD_DIR). The
session's token is kept only as its SHA-256."""
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text

from bot.db.base import Base


class UploadSession(Base):
    __tablename__ = "upload_sessions"

    id = Column(Integer, primary_key=True)
    ref = Column(String(16), nullable=False, unique=True)          # what the citizen tells the window
    token_hash = Column(String(64), nullable=False, unique=True)
    guide = Column(String(64), nullable=False)
    answers = Column(JSON, nullable=False)                          # {question id: option value}
    applicant_name_enc = Column(Text, nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
    expires_at = Column(DateTime(timezone=True), nullable=False, index=True)


class UploadFile(Base):
    __tablename__ = "upload_files"

    id = Column(Integer, primary_key=True)
    public_id = Column(String(32), nullable=False, unique=True)
    session_id = Column(Integer, ForeignKey("upload_sessions.id", ondelete="CASCADE"), nullable=False, index=True)
    material = Column(Text, nullable=True)         # the material the applicant said it is
    kind = Column(String(8), nullable=False)       # image | pdf
    media_type = Column(String(32), nullable=False)
    size = Column(Integer, nullable=False)         # bytes kept (before encryption)
    stored_name = Column(String(64), nullable=False, unique=True)
    doc_type = Column(String(24), nullable=True)
    text_enc = Column(Text, nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False)
