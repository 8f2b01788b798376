"""How a stage notice reaches an applicant who uses WeChat (docs/supervision.md, "How a notice
travels"), in this order:

1. **template** — Official Account (``wechat``): a template message when ``WECHAT_NOTICE_TEMPLATES``
   names a template for the stage; WeChat delivers it to a follower at any time.
   **subscribe** — mini-program (``miniprogram``): a subscription message when
   ``WECHAT_MP_NOTICE_TEMPLATES`` names one for the stage *and* the citizen accepted it
   (``notice_subscriptions``; one message per acceptance, taken before sending, given back when
   the send fails for a passing reason).
2. **custom** — the customer-service message, which WeChat accepts only within 48 hours of the
   user's last message (errcode 45015 otherwise).
3. **sms** — to the application's ``applicant_phone`` through the pluggable SMS sender.

A way that WeChat refuses for this user (``UNREACHABLE``: not following, refused or no
subscription left, outside the 48 hours, invalid openid/template/data) passes to the next one. A
passing failure (network, timeout, WeChat busy, quota) stops the chain: the notice is ``failed``
and tried again later from the top (bot.supervision.service.deliver).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional

from sqlalchemy import case, select, update
from sqlalchemy.dialects import postgresql, sqlite

from bot.db import session_scope
from bot.delivery import FAILED, SENT, SMS, Deliverer
from bot.settings import get_settings
from bot.supervision.models import NoticeSubscription
from bot.supervision.notices import template_data
from bot.supervision.policy import SupervisionPolicy
from bot.wechat_api import WeChatApiError

logger = logging.getLogger(__name__)

WECHAT_CHANNELS = ("wechat", "miniprogram")
# errcodes meaning "this way cannot reach this user now": try the next way.
UNREACHABLE = {
    40003,  # invalid openid
    40036, 40037,  # invalid template id
    41030,  # invalid page
    43004,  # the user does not follow the account
    43019,  # the user blocked the account
    43101,  # the user refused / has no subscription left
    45015,  # outside the 48 hours of the customer-service message
    45047,  # too many customer-service messages without an answer
    47003,  # template data does not fit the template
}


@dataclass
class Outcome:
    status: str                       # sent | failed
    route: Optional[str] = None       # template | subscribe | custom | sms | socketio | stored
    error: Optional[str] = None
    passed: list = field(default_factory=list)   # ways refused before, e.g. ["template:43004"]


def templates_for(channel: str) -> dict:
    conf = get_settings().wechat if channel == "wechat" else get_settings().miniprogram
    return conf.templates()


def template_id_for(channel: str, stage: Optional[str]) -> Optional[str]:
    if not stage:
        return None
    ids = templates_for(channel)
    return ids.get(stage) or ids.get("*")


async def _take_subscription(url: Optional[str], openid: str, template_id: str) -> bool:
    t = NoticeSubscription.__table__
    async with session_scope(url) as session:
        taken = await session.execute(update(t).where(
            t.c.channel == "miniprogram", t.c.openid == openid, t.c.template_id == template_id,
            t.c.remaining > 0).values(remaining=t.c.remaining - 1, updated_at=datetime.now(timezone.utc)))
        return taken.rowcount == 1


async def _set_subscription(url: Optional[str], openid: str, template_id: str, change: Optional[int]) -> None:
    """``change`` +1 gives one back; None: WeChat says none is left."""
    t = NoticeSubscription.__table__
    values = {"updated_at": datetime.now(timezone.utc),
              "remaining": 0 if change is None else t.c.remaining + change}
    async with session_scope(url) as session:
        await session.execute(update(t).where(
            t.c.channel == "miniprogram", t.c.openid == openid, t.c.template_id == template_id).values(**values))


async def add_subscriptions(openid: str, accepted: list, url: Optional[str] = None, cap: int = 50) -> int:
    """The citizen accepted these templates in ``wx.requestSubscribeMessage``: one more message of
    each may be sent (at most ``cap`` kept). Returns how many were recorded."""
    t = NoticeSubscription.__table__
    now = datetime.now(timezone.utc)
    async with session_scope(url) as session:
        dialect = session.bind.dialect.name
        for template_id in accepted:
            stmt = (postgresql.insert(t) if dialect == "postgresql" else sqlite.insert(t)).values(
                channel="miniprogram", openid=openid, template_id=template_id, remaining=1, updated_at=now)
            remaining = t.c.remaining + 1
            await session.execute(stmt.on_conflict_do_update(
                index_elements=["channel", "openid", "template_id"],
                set_={"remaining": case((t.c.remaining < cap, remaining), else_=t.c.remaining), "updated_at": now}))
    return len(accepted)


async def subscriptions_left(openid: str, url: Optional[str] = None) -> dict:
    t = NoticeSubscription.__table__
    async with session_scope(url) as session:
        rows = (await session.execute(select(t.c.template_id, t.c.remaining).where(
            t.c.channel == "miniprogram", t.c.openid == openid))).all()
    return {r.template_id: r.remaining for r in rows}


async def send_wechat(channel: str, openid: str, text: str, fields: Optional[dict], phone: Optional[str],
                      policy: SupervisionPolicy, courier: Deliverer, url: Optional[str] = None) -> Outcome:
    """template/subscribe → custom → SMS for one notice (see the module docstring)."""
    outcome = Outcome(FAILED)
    stage = (fields or {}).get("stage")
    template_id = template_id_for(channel, stage)
    keys = policy.notices.template_fields.get(channel)
    api = courier.wechat_api(channel) if template_id and keys else None
    if api is not None and api.configured:
        way = "template" if channel == "wechat" else "subscribe"
        if way == "subscribe" and not await _take_subscription(url, openid, template_id):
            outcome.passed.append("subscribe:none")
        else:
            data = template_data(keys, fields)
            try:
                if way == "template":
                    await api.send_template(openid, template_id, data)
                else:
                    await api.send_subscribe(openid, template_id, data)
                return Outcome(SENT, way, None, outcome.passed)
            except WeChatApiError as exc:
                if way == "subscribe":
                    await _set_subscription(url, openid, template_id, None if exc.errcode == 43101 else +1)
                if exc.errcode not in UNREACHABLE:
                    return Outcome(FAILED, way, f"{way} {exc.errcode}", outcome.passed)
                outcome.passed.append(f"{way}:{exc.errcode}")
    delivery = await courier.deliver(channel, openid, text)
    if delivery.status != FAILED:
        return Outcome(delivery.status, "custom", None, outcome.passed)
    refused = delivery.errcode in UNREACHABLE or (delivery.error or "").endswith("not configured")
    if not refused:
        return Outcome(FAILED, "custom", delivery.error, outcome.passed)
    outcome.passed.append(f"custom:{delivery.errcode or 'off'}")
    if not phone:
        return Outcome(FAILED, None, "unreachable: " + ", ".join(outcome.passed), outcome.passed)
    sent = await courier.deliver(SMS, phone, text)  # a failure passes: the caller retries from the top
    return Outcome(sent.status, "sms", sent.error, outcome.passed)


__all__ = ["send_wechat", "add_subscriptions", "subscriptions_left", "template_id_for", "UNREACHABLE", "Outcome"]
