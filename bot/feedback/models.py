"""One citizen's rating of one bot answer. Texts are stored masked (bot.privacy.mask_text)."""
from sqlalchemy import JSON, Column, DateTime, Integer, String, Text, UniqueConstraint

from bot.db.base import Base

RATINGS = ("up", "down")
VERDICTS = ("wrong", "ok")


class AnswerRating(Base):
    __tablename__ = "answer_ratings"
    __table_args__ = (UniqueConstraint("conversation_id", "answer_key", name="uq_answer_ratings_once"),)

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    answer_key = Column(String(64), nullable=False)    # SHA-256 of the answer's text and time: one rating each
    channel = Column(String(32), nullable=False)
    rating = Column(String(8), nullable=False, index=True)      # up | down
    question = Column(Text, nullable=True)          # the citizen's message before the answer
    answer = Column(Text, nullable=False)
    context = Column(JSON, nullable=True)           # the messages before: [{"from", "text"}]
    created_at = Column(DateTime(timezone=True), nullable=False, index=True)
    verdict = Column(String(8), nullable=True, index=True)      # None: not reviewed | wrong | ok
    correct_answer = Column(Text, nullable=True)
    note = Column(Text, nullable=True)
    reviewed_by = Column(String(64), nullable=True)
    reviewed_at = Column(DateTime(timezone=True), nullable=True)
