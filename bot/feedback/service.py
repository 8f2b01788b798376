"""Ratings of the bot's answers (docs/feedback.md): recording (one per conversation and answer; a
second click changes it), the admins' review queue, and the export of reviewed answers as
candidates — NLU examples and FAQ entries for a person to check and add to data/ or knowledge/.
Nothing here trains a model."""
from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import func, select

from bot.audit.trail import append as audit_append
from bot.auth.service import Principal
from bot.db import session_scope
from bot.feedback.models import RATINGS, VERDICTS, AnswerRating
from bot.privacy import mask_text
from bot.tickets import sla
from bot.tickets.lifecycle import Forbidden, InvalidInput, NotFound

MAX_TEXT = 2000
MAX_CONTEXT = 6
STATES = ("pending", "wrong", "ok")


def _text(value, name: str, required: bool = True) -> Optional[str]:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"缺少 {name}", "missing_" + name)
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} 应为文本", "invalid_" + name)
    return mask_text(value.replace("\x00", "").strip()[:MAX_TEXT])


def answer_key(answer: str, at: Optional[str]) -> str:
    return hashlib.sha256(f"{answer}\x00{at or ''}".encode("utf-8")).hexdigest()


async def record(data: dict, url: Optional[str] = None, now: Optional[datetime] = None) -> dict:
    """``{"conversation_id", "rating": "up"|"down", "answer", "answer_at"?, "question"?, "context"?,
    "channel"?}``; personal data masked before it is stored."""
    conversation = data.get("conversation_id")
    if not isinstance(conversation, str) or not 8 <= len(conversation) <= 128 or "\x00" in conversation:
        raise InvalidInput("conversation_id 应为 8–128 个字符", "invalid_conversation_id")
    rating = data.get("rating")
    if rating not in RATINGS:
        raise InvalidInput("rating 应为 up 或 down", "invalid_rating")
    raw_answer = data.get("answer")
    answer = _text(raw_answer, "answer")
    question = _text(data.get("question"), "question", required=False)
    context = data.get("context") or []
    if not isinstance(context, list):
        raise InvalidInput("context 应为消息列表", "invalid_context")
    context = [{"from": "user" if m.get("from") == "user" else "bot",
                "text": mask_text(str(m.get("text") or "").replace("\x00", "")[:500])}
               for m in context[-MAX_CONTEXT:] if isinstance(m, dict)]
    channel = data.get("channel") if isinstance(data.get("channel"), str) else "socketio"
    channel = channel.replace("\x00", "") or "socketio"
    at = data.get("answer_at") if isinstance(data.get("answer_at"), str) else None
    raw_answer = raw_answer.replace("\x00", "")
    key = answer_key(raw_answer, at[:40] if at else None)
    now = sla.as_utc(now or datetime.now(timezone.utc))
    async with session_scope(url) as session:
        row = (await session.execute(select(AnswerRating).where(
            AnswerRating.conversation_id == conversation, AnswerRating.answer_key == key))).scalar_one_or_none()
        if row is None:
            row = AnswerRating(conversation_id=conversation, answer_key=key, created_at=now)
            session.add(row)
        elif row.verdict is not None:
            return _json(row)  # already reviewed: the citizen's change of mind does not undo the review
        row.rating, row.answer, row.question, row.context = rating, answer, question, context
        row.channel, row.created_at = channel[:32], now
        await session.flush()
        return _json(row)


def _json(row: AnswerRating) -> dict:
    return {"id": row.id, "conversation_id": row.conversation_id, "channel": row.channel, "rating": row.rating,
            "question": row.question, "answer": row.answer, "context": row.context or [],
            "created_at": sla.iso(row.created_at), "verdict": row.verdict, "correct_answer": row.correct_answer,
            "note": row.note, "reviewed_by": row.reviewed_by, "reviewed_at": sla.iso(row.reviewed_at)}


def _admin(actor: Principal) -> None:
    if actor.role != "admin":
        raise Forbidden("只有管理员可以审核答案评价")


async def queue(actor: Principal, state: str = "pending", limit: int = 50, offset: int = 0,
                url: Optional[str] = None) -> dict:
    """👎 answers not reviewed yet (``pending``), or the reviewed ones (``wrong`` / ``ok``); with the
    counts of 👍 and 👎 overall."""
    _admin(actor)
    if state not in STATES:
        raise InvalidInput(f"state 应为 {'、'.join(STATES)}", "invalid_state")
    query = select(AnswerRating).where(AnswerRating.rating == "down")
    query = query.where(AnswerRating.verdict.is_(None)) if state == "pending" else query.where(
        AnswerRating.verdict == state)
    async with session_scope(url) as session:
        total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
        rows = list((await session.execute(query.order_by(AnswerRating.created_at.desc(), AnswerRating.id.desc())
                                           .offset(offset).limit(limit))).scalars())
        counts = dict((await session.execute(select(AnswerRating.rating, func.count()).group_by(AnswerRating.rating))).all())
    return {"items": [_json(r) for r in rows], "total": total, "offset": offset, "state": state,
            "ratings": {"up": counts.get("up", 0), "down": counts.get("down", 0)}}


async def review(rating_id: int, actor: Principal, params: dict, url: Optional[str] = None,
                 now: Optional[datetime] = None) -> dict:
    """``{"verdict": "wrong", "correct_answer": "...", "note"?}`` or ``{"verdict": "ok", "note"?}``."""
    _admin(actor)
    verdict = params.get("verdict")
    if verdict not in VERDICTS:
        raise InvalidInput("verdict 应为 wrong（答案有误）或 ok（答案无误）", "invalid_verdict")
    correct = _text(params.get("correct_answer"), "correct_answer", required=verdict == "wrong")
    note = _text(params.get("note"), "note", required=False)
    now = sla.as_utc(now or datetime.now(timezone.utc))
    async with session_scope(url) as session:
        row = await session.get(AnswerRating, rating_id)
        if row is None:
            raise NotFound("没有这条评价")
        row.verdict, row.correct_answer, row.note = verdict, correct if verdict == "wrong" else None, note
        row.reviewed_by, row.reviewed_at = actor.username, now
        await session.flush()
        await audit_append(session, actor=f"{actor.role}:{actor.username}", action=f"feedback.{verdict}",
                           object_type="answer_rating", object_id=str(row.id), reason=note,
                           data={"rating": row.rating}, at=now)
        return _json(row)


async def export(actor: Principal, url: Optional[str] = None) -> dict:
    """Answers marked wrong, as candidates for a person to check: NLU examples (the question, to be
    given an intent) and FAQ entries (the question with the right answer)."""
    _admin(actor)
    async with session_scope(url) as session:
        rows = list((await session.execute(select(AnswerRating).where(AnswerRating.verdict == "wrong")
                                           .order_by(AnswerRating.reviewed_at, AnswerRating.id))).scalars())
    return {
        "note": "候选数据，需人工核对后再加入 data/nlu 或 knowledge/faq；系统不会自动训练。",
        "nlu_examples": [{"text": r.question, "source": f"answer_rating:{r.id}", "intent": None}
                         for r in rows if r.question],
        "faq_entries": [{"question": r.question, "answer": r.correct_answer, "wrong_answer": r.answer,
                         "source": f"answer_rating:{r.id}", "reviewed_by": r.reviewed_by,
                         "reviewed_at": sla.iso(r.reviewed_at)} for r in rows if r.question],
    }
