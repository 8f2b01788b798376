"""Demo staff and tickets for `make run`, added only when there are no users yet.

Departments come from knowledge/departments.yml. Demo users: an admin (only when GOV_ADMIN_TOKEN is
unset), a dispatcher, a supervisor and two handlers in each of a few departments. Their bearer
tokens are printed to the make-run log once, when the users are created; only hashes are stored.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.seed import register

logger = logging.getLogger(__name__)

HANDLER_DEPARTMENTS = ("区住建局", "区综合执法局", "区水务局", "区生态环境局", "区市监局", "区交通运输局")
DEMO_TICKETS = (
    {"description": "我要投诉楼下烧烤店油烟太大，每天晚上熏得不能开窗", "intent": "complain",
     "location": "广安区北辰街道某小区", "contact_phone": "13800138001", "channel": "demo"},
    {"description": "我们小区从昨天早上开始停水，到现在也没有通知", "intent": "seek_help",
     "location": "广安区浓洄街道某小区", "contact_phone": "13800138002", "channel": "demo"},
    {"description": "小区电梯经常坏，物业一直不修", "intent": "complain", "contact_phone": "13800138003",
     "channel": "demo"},
    {"description": "建议在广安区体育中心附近增设公交站", "intent": "suggest", "channel": "demo"},
    # 一事多诉 / 热点问题: three citizens about one blocked drain — the second and third are linked to
    # the first, and the dashboard shows the event
    {"description": "枣山街道幸福小区3栋门口下水道堵了，污水冒得到处都是", "intent": "seek_help",
     "contact_phone": "13800138004", "channel": "demo"},
    {"description": "幸福小区的下水道又堵了，臭得很，污水漫到路上", "intent": "complain",
     "location": "枣山街道幸福小区", "contact_phone": "13800138005", "channel": "demo"},
    {"description": "我住枣山街道幸福小区，楼下下水道堵塞好几天了，污水外溢", "intent": "complain",
     "contact_phone": "13800138006", "channel": "demo"},
)


def _users(url):
    from bot.auth import service as auth
    from bot.auth.models import User
    from bot.db import sync_engine
    from bot.settings import get_settings

    engine = sync_engine(url)
    tokens = {}
    try:
        with Session(engine, future=True) as s, s.begin():
            if s.execute(select(func.count()).select_from(User)).scalar_one():
                return None
            try:
                auth.sync_departments(s)
            except auth.AuthError as exc:
                logger.warning("departments not synced: %s", exc)
                for name in HANDLER_DEPARTMENTS:
                    auth.add_department(s, name)
            users = [("demo_dispatcher", "dispatcher", None), ("demo_supervisor", "supervisor", None)]
            if not get_settings().admin_token:
                users.insert(0, ("demo_admin", "admin", None))
            for i, dep in enumerate(HANDLER_DEPARTMENTS):
                users += [(f"demo_handler{i + 1}a", "handler", dep), (f"demo_handler{i + 1}b", "handler", dep)]
            for username, role, dep in users:
                auth.add_user(s, username, role, dep)
                tokens[username] = (role, dep, auth.issue_token(s, username, "demo"))
    finally:
        engine.dispose()
    return tokens


async def _tickets(url) -> int:
    from bot.auth.service import Principal
    from bot.db import dispose_engine
    from bot.tickets import service

    dispatcher = Principal("demo_dispatcher", "dispatcher")
    created = 0
    try:
        base = datetime.now(timezone.utc) - timedelta(hours=len(DEMO_TICKETS))
        for i, data in enumerate(DEMO_TICKETS):
            await service.create_ticket(dict(data), actor=dispatcher, url=url, now=base + timedelta(hours=i))
            created += 1
    finally:
        await dispose_engine()
    return created


@register("tickets")
def seed_tickets(url: str | None = None) -> int:
    tokens = _users(url)
    if tokens is None:
        return 0
    lines = ["[tickets] demo staff created — bearer tokens (shown once, store them now):"]
    for username, (role, dep, token) in tokens.items():
        lines.append(f"[tickets]   {username:<20} {role:<10} {dep or '':<10} {token}")
    print("\n".join(lines), flush=True)  # deliberately not logged: tokens appear in this output only
    return len(tokens) + asyncio.run(_tickets(url))
