"""Figures of the console's dashboard: tickets by day and category, SLA lights of open tickets, and
the week's top topics (keywords over new tickets) with spike alerts.

Topics: jieba's keyword extraction (TF-IDF, top words of each ticket's description); a keyword
counts once per ticket. A topic *spikes* when this week (the last 7 days) it appears in at least
SPIKE_MIN tickets and in SPIKE_RATIO times more tickets than its weekly average over the BASELINE_WEEKS
weeks before (plus one, so a brand-new topic needs SPIKE_MIN tickets).
"""
from __future__ import annotations

import asyncio
import threading
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

from sqlalchemy import select

from bot.tickets.sla import CATEGORIES, local_tz

TOP_TOPICS = 10
KEYWORDS_PER_TICKET = 5
BASELINE_WEEKS = 4
SPIKE_MIN = 3
SPIKE_RATIO = 2.0
# Words every ticket says: not topics.
STOPWORDS = frozenset("""
我们 你们 他们 这个 那个 一直 已经 现在 问题 情况 希望 反映 投诉 举报 建议 求助 咨询 表扬 请问 一下 没有
不是 可以 什么 怎么 为什么 如何 时候 今天 昨天 每天 几天 好几天 一个 这里 那里 还是 就是 但是 因为 所以
处理 解决 相关 部门 工作人员 市民 群众 来电 电话 要求 谢谢 麻烦 请求 帮忙 需要 导致 严重 非常 特别 影响
""".split())

_jieba_lock = threading.Lock()
_jieba_ready = False


def _keywords(text: str) -> list[str]:
    """The ticket's topic words (jieba TF-IDF keywords, nouns and verbs of two characters or more)."""
    global _jieba_ready
    import jieba.analyse

    with _jieba_lock:
        if not _jieba_ready:
            try:
                from bot.nlu.userdict import collect_terms
                from bot.settings import get_settings

                for term in collect_terms(get_settings().knowledge_dir):
                    jieba.add_word(term)
            except Exception:  # the domain dictionary only sharpens the words
                pass
            _jieba_ready = True
    words = jieba.analyse.extract_tags(text or "", topK=KEYWORDS_PER_TICKET * 2)
    out = [w for w in words if len(w) >= 2 and w not in STOPWORDS and not w.isdigit()]
    return out[:KEYWORDS_PER_TICKET]


def topics(this_week: list[str], baseline: list[str], baseline_weeks: int = BASELINE_WEEKS) -> list[dict]:
    """Top topics of this week's descriptions, with their baseline weekly average and spike flag."""
    now_counts: Counter = Counter()
    for text in this_week:
        now_counts.update(set(_keywords(text)))
    before: Counter = Counter()
    for text in baseline:
        before.update(set(_keywords(text)))
    out = []
    for word, count in now_counts.most_common(TOP_TOPICS):
        average = before[word] / baseline_weeks if baseline_weeks else 0.0
        spike = count >= SPIKE_MIN and count >= SPIKE_RATIO * (average + 1)
        out.append({"topic": word, "count": count, "weekly_average": round(average, 2), "spike": spike})
    return out


def _local_day(dt: datetime) -> date:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(local_tz()).date()


async def compute(department: Optional[str] = None, days: int = 14, url: Optional[str] = None,
                  now: Optional[datetime] = None) -> dict:
    import bot.db.models  # noqa: F401  (every mapped class, for the relationships)
    from bot.db import session_scope
    from bot.tickets.lifecycle import ticket_light
    from bot.tickets.models import OPEN_STATUSES, Ticket

    now = now or datetime.now(timezone.utc)
    today = _local_day(now)
    first_day = today - timedelta(days=days - 1)
    week_start = datetime.combine(today - timedelta(days=6), time(0), tzinfo=local_tz())
    baseline_start = week_start - timedelta(weeks=BASELINE_WEEKS)
    since = min(datetime.combine(first_day, time(0), tzinfo=local_tz()), baseline_start).astimezone(timezone.utc)
    query = select(Ticket).where(Ticket.created_at >= since)
    open_query = select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
    if department:
        query = query.where(Ticket.department == department)
        open_query = open_query.where(Ticket.department == department)
    async with session_scope(url) as session:
        recent = list((await session.execute(query)).unique().scalars())
        open_tickets = list((await session.execute(open_query)).unique().scalars())
        lights_by_department: dict[str, Counter] = {}
        lights: Counter = Counter()
        for t in open_tickets:
            light = ticket_light(t, now)
            lights[light] += 1
            lights_by_department.setdefault(t.department or "（待派单）", Counter())[light] += 1
        day_list = [first_day + timedelta(days=i) for i in range(days)]
        by_day = {d: Counter() for d in day_list}
        this_week, baseline = [], []
        for t in recent:
            day = _local_day(t.created_at)
            if day in by_day:
                by_day[day][t.category] += 1
            created = t.created_at if t.created_at.tzinfo else t.created_at.replace(tzinfo=timezone.utc)
            if created >= week_start:
                this_week.append(t.description)
            elif created >= baseline_start:
                baseline.append(t.description)
    top = await asyncio.get_running_loop().run_in_executor(None, topics, this_week, baseline)
    return {
        "department": department,
        "days": [d.isoformat() for d in day_list],
        "categories": list(CATEGORIES),
        "by_day": {c: [by_day[d][c] for d in day_list] for c in CATEGORIES},
        "lights": {k: lights.get(k, 0) for k in ("green", "yellow", "red")},
        "lights_by_department": {d: {k: c.get(k, 0) for k in ("green", "yellow", "red")}
                                 for d, c in sorted(lights_by_department.items())},
        "topics": top,
        "spikes": [t for t in top if t["spike"]],
        "week_tickets": len(this_week),
    }
