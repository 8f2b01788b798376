"""Hotline agent assist: what the caller has said so far → intent and entities, category, urgency,
top-3 departments, top-3 suggested answers (guides, FAQ, resolved tickets of the same matter type,
each with its ``basis``) and "已有N件相同诉求（工单…）" when others have reported the same event.

``assist(text, call_id)`` is the whole use case (docs/console.md). The utterances of one call
accumulate under its ``call_id`` (Redis list when REDIS_URL is set, an in-process TTL dict
otherwise); the accumulated text is what gets parsed, classified and routed. Rasa's
``/model/parse`` is called with a short timeout and skipped for a while after a failure, so a
Rasa outage costs the agent the intent only, never the other suggestions.
"""
from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Optional

import aiohttp

from bot.dialogue import intent_label
from bot.settings import get_settings

logger = logging.getLogger(__name__)

MAX_TEXT = 2000            # characters of one utterance
MAX_TURNS = 30             # utterances kept per call
MAX_CONTEXT = 400          # characters of the accumulated text that are analysed (the latest ones)
CONTEXT_TTL = 2 * 3600     # seconds a call's context lives after its last utterance
LOCAL_MAX_CALLS = 5000     # in-process store bound
KEY_PREFIX = "gov:assist:call:"
RASA_TIMEOUT = 0.5         # seconds; /model/parse normally answers in 10–50 ms
RASA_RETRY_AFTER = 10.0    # seconds Rasa is not asked again after a failure
SUGGESTIONS = 3
MIN_TICKET_SIMILARITY = 0.25
NO_MATTER_MIN_SIMILARITY = 0.6  # a precedent without a matter type on either side must say nearly the same
MIN_KNOWLEDGE_CONFIDENCE = 0.2  # less of the text matched than this is noise (bot.knowledge.answer uses the same)
CALL_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class AssistError(ValueError):
    """Bad input: ``code`` and a Chinese ``message`` for the 400 answer."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- call context -------------------------------------------------------------------------------
class LocalContexts:
    """call_id → utterances, in process, expiring CONTEXT_TTL after the last utterance."""

    def __init__(self, ttl: float = CONTEXT_TTL, max_calls: int = LOCAL_MAX_CALLS) -> None:
        self.ttl = ttl
        self.max_calls = max_calls
        self._data: OrderedDict[str, tuple[float, list[str]]] = OrderedDict()
        self._lock = threading.Lock()

    def _live(self, call_id: str, now: float) -> list[str]:
        entry = self._data.get(call_id)
        if entry is None or entry[0] < now:
            self._data.pop(call_id, None)
            return []
        return entry[1]

    def get(self, call_id: str) -> list[str]:
        with self._lock:
            return list(self._live(call_id, time.monotonic()))

    def append(self, call_id: str, text: str) -> list[str]:
        now = time.monotonic()
        with self._lock:
            turns = (self._live(call_id, now) + [text])[-MAX_TURNS:]
            self._data[call_id] = (now + self.ttl, turns)
            self._data.move_to_end(call_id)
            while len(self._data) > self.max_calls:
                self._data.popitem(last=False)
            return list(turns)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


LOCAL = LocalContexts()


async def _context(call_id: Optional[str], text: str, commit: bool) -> list[str]:
    """The call's utterances including ``text`` (stored unless ``commit`` is false)."""
    if not call_id:
        return [text] if text else []
    redis = None
    if get_settings().redis_url:
        from bot.redis_client import get_redis

        redis = get_redis()
    if redis is not None:
        key = KEY_PREFIX + call_id
        try:
            if commit and text:
                pipe = redis.pipeline(transaction=True)
                pipe.rpush(key, text)
                pipe.ltrim(key, -MAX_TURNS, -1)
                pipe.expire(key, CONTEXT_TTL)
                pipe.lrange(key, 0, -1)
                return list((await pipe.execute())[-1])
            turns = list(await redis.lrange(key, 0, -1))
            return turns + ([text] if text else [])
        except Exception as exc:  # Redis away: this process's memory keeps the call going
            logger.warning("assist context: redis unavailable, using process memory", extra={"error": type(exc).__name__})
    if commit and text:
        return LOCAL.append(call_id, text)
    return LOCAL.get(call_id) + ([text] if text else [])


def joined(turns: list[str]) -> str:
    """The accumulated text that is analysed: the utterances joined, the latest MAX_CONTEXT characters."""
    text = "，".join(t.strip() for t in turns if t.strip())
    return text[-MAX_CONTEXT:]


# --- Rasa NLU -----------------------------------------------------------------------------------
class RasaParser:
    """POST {rasa_url}/model/parse with a short timeout; after a failure Rasa is left alone for
    RASA_RETRY_AFTER seconds (the assist answers without intent meanwhile)."""

    def __init__(self) -> None:
        self._sessions: dict[int, aiohttp.ClientSession] = {}
        self._down_until = 0.0

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(id(loop))
        if session is None or session.closed:
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=RASA_TIMEOUT),
                                            connector=aiohttp.TCPConnector(limit=20))
            self._sessions[id(loop)] = session
        return session

    def reset(self) -> None:
        self._down_until = 0.0

    async def parse(self, text: str) -> Optional[dict]:
        if not text or time.monotonic() < self._down_until:
            return None
        url = f"{get_settings().rasa_url}/model/parse"
        try:
            async with self._session().post(url, json={"text": text}) as resp:
                if resp.status != 200:
                    raise RuntimeError(f"HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except Exception as exc:
            self._down_until = time.monotonic() + RASA_RETRY_AFTER
            logger.warning("assist: rasa parse unavailable", extra={"error": type(exc).__name__ or str(exc)})
            return None
        intent = data.get("intent") or {}
        return {
            "intent": intent.get("name"),
            "confidence": round(float(intent.get("confidence") or 0.0), 4),
            "entities": [{"entity": e.get("entity"), "value": e.get("value")}
                         for e in data.get("entities") or [] if e.get("entity")],
        }

    async def close(self) -> None:
        for session in list(self._sessions.values()):
            if not session.closed:
                await session.close()
        self._sessions.clear()


PARSER = RasaParser()


# --- knowledge suggestions ----------------------------------------------------------------------
def _guide_text(index, result, aspect: Optional[str]) -> str:
    """What the agent can read out: the asked aspect, else materials, time limit and place."""
    from bot.knowledge.answer import aspect_text
    from bot.knowledge.aspects import ASPECTS

    guide = result.guide
    dept = index.knowledge.department(guide.department)
    header = f"【{result.name}】（{guide.department}）"
    if aspect in ASPECTS:
        return f"{header}{ASPECTS[aspect][0]}：\n{aspect_text(guide, aspect, dept, faq=index.knowledge.faq)}"
    parts = [header]
    for key in ("materials", "time", "location"):
        parts.append(f"{ASPECTS[key][0]}：\n{aspect_text(guide, key, dept)}")
    return "\n".join(parts)


def _knowledge_suggestions(latest: str, accumulated: str) -> list[dict]:
    from bot.knowledge.answer import detect_aspect, names_no_item, no_guide
    from bot.knowledge.search import get_index

    index = get_index()
    best: dict[str, object] = {}
    # A bare follow-up ("那要多久？") is about the item named earlier in the call.
    queries = [q for q in dict.fromkeys((latest, accumulated)) if q and not (q is latest and names_no_item(q))]
    for query in queries:
        for result in index.search(query, k=SUGGESTIONS + 2):
            if result.confidence < MIN_KNOWLEDGE_CONFIDENCE:
                continue
            seen = best.get(result.id)
            if seen is None or result.confidence > seen.confidence:
                best[result.id] = result
    aspect = detect_aspect(latest) or detect_aspect(accumulated)
    ranked = sorted(best.values(), key=lambda r: (-r.confidence, -r.score))[:SUGGESTIONS]
    out = []
    for r in ranked:
        if r.kind == "faq":
            text, label = r.faq.answer, "常见问题"
        elif r.guide is not None:
            text, label = _guide_text(index, r, aspect), "办事指南"
        else:
            text, label = no_guide(index, r).text, "事项目录"
        out.append({"source": r.kind, "source_label": label, "id": r.id, "title": r.name,
                    "department": r.department, "text": text, "url": r.url,
                    "confidence": round(min(1.0, float(r.confidence)), 3),
                    "basis": f"{label}「{r.name}」" + (f"（{r.department}）" if r.department else ""),
                    "situations": _situations_offer(r, accumulated)})
    return out


def _situations_offer(result, accumulated: str) -> Optional[dict]:
    """A guide with situations: its questions, prefilled from the call, for the 一次性告知单 the
    agent sends the caller by SMS (docs/situations.md)."""
    if result.guide is None:
        return None
    from bot.situations.replies import offer
    try:
        return offer(result.id, accumulated)
    except Exception:  # bad situation data must not cost the agent the suggestions
        logger.exception("situations unavailable for %s", result.id)
        return None


# --- similar resolved tickets -------------------------------------------------------------------
@dataclass
class _TicketIndex:
    signature: tuple
    ticket_nos: list = field(default_factory=list)
    titles: list = field(default_factory=list)
    replies: list = field(default_factory=list)
    departments: list = field(default_factory=list)
    matters: list = field(default_factory=list)   # the dispatch catalog's matter types of each ticket
    vectorizer: object = None
    matrix: object = None


RESOLVED = ("resolved", "closed")
MAX_INDEXED_TICKETS = 20000


class SimilarTickets:
    """Character 1–2-gram TF-IDF over resolved tickets' description + reply, cosine similarity.
    Rebuilt when the set of resolved tickets changes (a cheap signature query per call)."""

    def __init__(self) -> None:
        self._indexes: dict[str, _TicketIndex] = {}
        self._locks: dict[int, asyncio.Lock] = {}  # one per event loop (tests run several)

    def reset(self) -> None:
        self._indexes.clear()

    async def _signature(self, session) -> tuple:
        from sqlalchemy import func, select

        import bot.db.models  # noqa: F401  (every mapped class, for the relationships)
        from bot.tickets.models import Ticket

        row = (await session.execute(
            select(func.count(Ticket.id), func.max(Ticket.id), func.max(Ticket.resolved_at))
            .where(Ticket.status.in_(RESOLVED))
        )).one()
        return (row[0], row[1], str(row[2]))

    async def _index(self) -> Optional[_TicketIndex]:
        from sqlalchemy import select

        from bot.db import session_scope
        from bot.tickets.models import Ticket

        url = get_settings().database_url
        async with session_scope() as session:
            signature = await self._signature(session)
            current = self._indexes.get(url)
            if current is not None and current.signature == signature:
                return current
        lock = self._locks.setdefault(id(asyncio.get_running_loop()), asyncio.Lock())
        async with lock:
            current = self._indexes.get(url)
            if current is not None and current.signature == signature:
                return current
            async with session_scope() as session:
                rows = (await session.execute(
                    select(Ticket.ticket_no, Ticket.description, Ticket.reply_text, Ticket.department)
                    .where(Ticket.status.in_(RESOLVED), Ticket.reply_text.is_not(None))
                    .order_by(Ticket.id.desc()).limit(MAX_INDEXED_TICKETS)
                )).all()
            index = await asyncio.get_running_loop().run_in_executor(None, _build_ticket_index, signature, rows)
            self._indexes[url] = index
            return index

    async def search(self, text: str, k: int = SUGGESTIONS) -> list[dict]:
        if not text.strip():
            return []
        try:
            index = await self._index()
        except Exception as exc:  # the tickets tables are not there (yet) or the database is away
            logger.warning("assist: similar tickets unavailable", extra={"error": type(exc).__name__}, exc_info=True)
            return []
        if index is None or index.matrix is None:
            return []
        from bot.nlu.normalize import normalize_text

        from bot.tickets.events import problem_of

        query = index.vectorizer.transform([normalize_text(text)])
        scores = (index.matrix @ query.T).toarray().ravel()
        wanted = problem_of(text)
        out = []
        for i in scores.argsort()[::-1]:
            if scores[i] < MIN_TICKET_SIMILARITY or len(out) >= k:
                break
            # a precedent only of the same matter type (a 居住证 question never gets an elevator repair reply)
            shared = set(wanted.matters) & index.matters[i]
            if not shared and (wanted.matters or index.matters[i] or scores[i] < NO_MATTER_MIN_SIMILARITY):
                continue
            name = next((m for m in wanted.matters if m in shared), None)
            basis = (f"已办结工单{index.ticket_nos[i]}"
                     + (f"（同一事项「{name.split('/', 1)[1]}」" if name else "（文字高度相似")
                     + (f"，{index.departments[i]}）" if index.departments[i] else "）"))
            out.append({"source": "ticket", "source_label": "相似工单", "id": index.ticket_nos[i],
                        "title": index.titles[i], "department": index.departments[i], "text": index.replies[i],
                        "url": None, "confidence": round(float(scores[i]), 3), "matter": name, "basis": basis})
        return out


def _build_ticket_index(signature: tuple, rows) -> _TicketIndex:
    from bot.nlu.normalize import normalize_text
    from bot.tickets.events import problem_of

    index = _TicketIndex(signature)
    docs = []
    for ticket_no, description, reply, department in rows:
        if not (reply or "").strip():
            continue
        index.ticket_nos.append(ticket_no)
        title = (description or "").strip().replace("\n", " ")
        index.titles.append(title if len(title) <= 40 else title[:39] + "…")
        index.replies.append(reply.strip())
        index.departments.append(department)
        index.matters.append(set(problem_of(description).matters))
        docs.append(normalize_text(f"{description} {reply}"))
    if docs:
        from sklearn.feature_extraction.text import TfidfVectorizer

        index.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
        index.matrix = index.vectorizer.fit_transform(docs)  # rows are L2-normalised: dot = cosine
    return index


SIMILAR = SimilarTickets()


# --- the use case -------------------------------------------------------------------------------
def _clean_input(text, call_id) -> tuple[str, Optional[str]]:
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise AssistError("invalid_text", "text 应为文本")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise AssistError("invalid_text", f"text 不能超过 {MAX_TEXT} 个字符")
    if call_id is not None and call_id != "":
        if not isinstance(call_id, str) or not CALL_ID_RE.match(call_id):
            raise AssistError("invalid_call_id", "call_id 应为 1–64 位字母、数字或 _ . : -")
    else:
        call_id = None
    if not text and not call_id:
        raise AssistError("missing_text", "请提供来电人所说的内容（text）")
    return text, call_id


def _draft(accumulated: str, category: str, urgent: bool, departments: list[dict], entities: list[dict]) -> dict:
    """A ticket prefilled from the call (the console sends it to POST /api/tickets after review)."""
    phone = next((e["value"] for e in entities if e["entity"] == "phone"), None)
    if phone is None:
        m = _MOBILE_IN_TEXT.search(accumulated)
        phone = m.group(0) if m else None
    return {"description": accumulated, "category": category, "urgent": urgent,
            "department": departments[0]["department"] if departments else None,
            "contact_phone": phone, "channel": "hotline"}


async def assist(text, call_id=None, commit: bool = True) -> dict:
    """The suggestions for a call. ``commit=False`` previews ``text`` without storing it (the
    console's as-you-type updates); raises :class:`AssistError` on bad input."""
    from bot.tickets.classify import classify
    from bot.tickets.emergency import emergency_in
    from bot.tickets.routing import get_router

    started = time.perf_counter()
    text, call_id = _clean_input(text, call_id)
    turns = await _context(call_id, text, commit)
    accumulated = joined(turns)
    latest = text or (turns[-1] if turns else "")
    nlu_task = asyncio.ensure_future(PARSER.parse(accumulated))
    tickets_task = asyncio.ensure_future(SIMILAR.search(accumulated))
    same_task = asyncio.ensure_future(_same_issue(accumulated))
    departments: list[dict] = []
    if accumulated:
        try:
            departments = [s.as_json(digits=3) for s in get_router().suggest(accumulated, k=3)]
        except Exception:
            logger.exception("assist: routing unavailable")
    knowledge = _knowledge_suggestions(latest, accumulated) if accumulated else []
    nlu = await nlu_task
    similar = await tickets_task
    same_issue = await same_task
    intent = nlu["intent"] if nlu else None
    entities = nlu["entities"] if nlu else []
    verdict = classify(accumulated, intent)
    suggestions = sorted(knowledge + similar, key=lambda s: -s["confidence"])[:SUGGESTIONS]
    emergency = emergency_in(accumulated)
    if emergency is not None:  # the agent reads the safety instruction to the caller first
        suggestions = [_emergency_script(emergency)] + suggestions[:SUGGESTIONS - 1]
    if emergency is not None and emergency.routes:
        routed = next((d["reason"] for d in departments if d["department"] == emergency.department), None)
        reason = {"source": "emergency", "kind": emergency.kind,
                  "text": "紧急情况，按应急处置目录派单" + (f"；{routed['text']}" if routed else "")}
        departments = [{"department": emergency.department, "score": 1.0, "reason": reason}] + [
            d for d in departments if d["department"] != emergency.department][:2]
    if emergency is not None:
        verdict = replace(verdict, urgent=True, urgent_reason=verdict.urgent_reason or emergency.kind,
                          category=verdict.category if verdict.category != "咨询" else "求助")
    if call_id and commit and text:
        await _record_call(call_id, accumulated, len(turns), departments, verdict.urgent)
    return {
        "call_id": call_id,
        "turns": len(turns),
        "context": accumulated,
        "nlu": {"available": nlu is not None, "intent": intent,
                "intent_label": intent_label(intent) if intent else None,
                "confidence": nlu["confidence"] if nlu else None, "entities": entities},
        "category": verdict.category,
        "urgent": verdict.urgent,
        "urgent_reason": verdict.urgent_reason,
        "departments": departments,
        "suggestions": suggestions,
        "ticket_draft": _draft(accumulated, verdict.category, verdict.urgent, departments, entities),
        "same_issue": same_issue,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }


async def _record_call(call_id: str, accumulated: str, turns: int, departments: list[dict], urgent: bool) -> None:
    """Keep the call for hot issues (bot.tickets.calls); a database hiccup costs that, never the suggestions."""
    from bot.tickets.calls import record

    try:
        await record(call_id, accumulated, turns, departments[0]["department"] if departments else None, urgent)
    except Exception as exc:
        logger.warning("assist: call not recorded for hot issues", extra={"error": type(exc).__name__})


async def _same_issue(text: str) -> Optional[dict]:
    """"已有N件相同诉求（工单…）" when the caller reports an open event (bot.tickets.hot); None when
    there is none or the tickets are unavailable."""
    if not text:
        return None
    from bot.tickets.hot import same_issue

    try:
        return await same_issue(text)
    except Exception as exc:  # the tickets tables are not there (yet) or the database is away
        logger.warning("assist: same-issue lookup unavailable", extra={"error": type(exc).__name__})
        return None


def _emergency_script(emergency) -> dict:
    """The safety instruction as the first suggestion, for the agent to read out before anything else."""
    return {"source": "emergency", "source_label": "紧急情况·先读给来电人", "id": f"emergency:{emergency.kind}",
            "title": "先给安全提示，再登记", "department": emergency.department, "text": emergency.advice,
            "url": None, "confidence": 1.0, "basis": f"应急处置目录「{emergency.kind}」"}


def warm_up() -> None:
    """Build the retrieval index and the router (seconds on first use), e.g. at web start-up."""
    from bot.knowledge.search import get_index
    from bot.tickets.routing import get_router

    get_index()
    get_router()
