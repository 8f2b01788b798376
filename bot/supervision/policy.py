"""knowledge/supervision.yml: how an application's time limit is split over its stages.

Typed and validated at load (SupervisionConfigError with the file and the field); the web service
and the worker load it at start-up (``load_policy()``), so a broken file stops them with a clear
message instead of wrong lights.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

import yaml

from bot.approvals.models import STAGES
from bot.settings import get_settings

SHARE_TOLERANCE = 1e-6


class SupervisionConfigError(ValueError):
    """knowledge/supervision.yml is missing or malformed."""


TEMPLATE_CHANNELS = ("wechat", "miniprogram")
# the values a stage notice offers to a template (bot.supervision.notices.stage_fields)
NOTICE_FIELDS = ("application_no", "item", "stage", "date", "next", "department", "promised")


@dataclass(frozen=True)
class ItemRule:
    shares: Optional[dict] = None
    promised_working_days: Optional[int] = None
    legal_working_days: Optional[int] = None


@dataclass(frozen=True)
class NoticeRules:
    stages: tuple
    max_event_age_hours: float
    collect: str
    footer: str = ""
    # channel (wechat | miniprogram) → {template data key: notice field}; the keys are those of the
    # templates chosen in the WeChat back office (docs/supervision.md, "How a notice travels")
    template_fields: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SupervisionPolicy:
    stages: tuple
    default_shares: dict
    yellow_at: float
    min_stage_working_days: int
    items: dict = field(default_factory=dict)
    notices: NoticeRules = NoticeRules(("受理",), 72.0, "")

    def rule(self, item_name: str) -> ItemRule:
        return self.items.get(item_name) or ItemRule()

    def total_limit(self, item_name: str, promised: int, legal: int) -> int:
        """Working days for the whole application: the item's published 承诺时限, else the source
        system's promised days; never above the legal limit."""
        rule = self.rule(item_name)
        total = rule.promised_working_days or promised
        caps = [d for d in (legal, rule.legal_working_days) if d]
        return max(1, min([total, *caps]))

    def stage_limits(self, item_name: str, total: int) -> dict:
        """Working days per stage: the shares of ``total`` rounded by largest remainder (they add
        up to ``total``), each at least ``min_stage_working_days`` while the total allows it."""
        shares = self.rule(item_name).shares or self.default_shares
        floor = self.min_stage_working_days if total >= self.min_stage_working_days * len(self.stages) else 0
        raw = {s: shares[s] * total for s in self.stages}
        limits = {s: max(floor, int(raw[s])) for s in self.stages}
        left = total - sum(limits.values())
        order = sorted(self.stages, key=lambda s: (-(raw[s] - int(raw[s])), self.stages.index(s)))
        i = 0
        while left > 0:
            limits[order[i % len(order)]] += 1
            left -= 1
            i += 1
        while left < 0:  # the floor took more than the total: take back from the largest
            biggest = max(self.stages, key=lambda s: (limits[s], -self.stages.index(s)))
            limits[biggest] -= 1
            left += 1
        return limits


def _err(path, message: str) -> SupervisionConfigError:
    return SupervisionConfigError(f"{path}: {message}")


def _shares(raw, stages: tuple, path, where: str) -> dict:
    if not isinstance(raw, dict):
        raise _err(path, f"{where} must map each stage to a fraction")
    unknown = [s for s in raw if s not in stages]
    missing = [s for s in stages if s not in raw]
    if unknown or missing:
        raise _err(path, f"{where}: stages {stages} expected; unknown {unknown}, missing {missing}")
    out = {}
    for stage, value in raw.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise _err(path, f"{where}.{stage} must be a fraction in [0, 1], got {value!r}")
        out[stage] = float(value)
    if abs(sum(out.values()) - 1) > SHARE_TOLERANCE:
        raise _err(path, f"{where} must add up to 1, got {sum(out.values()):.4f}")
    return out


def _days(raw, path, where: str, required: bool = False) -> Optional[int]:
    if raw is None and not required:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 365:
        raise _err(path, f"{where} must be a whole number of working days 1–365, got {raw!r}")
    return raw


def parse_policy(data, path: Path | str = "supervision.yml") -> SupervisionPolicy:
    if not isinstance(data, dict):
        raise _err(path, "expected a mapping at the top level")
    stages = data.get("stages")
    if not isinstance(stages, list) or not stages or any(s not in STAGES for s in stages) \
            or len(set(stages)) != len(stages) or "补正" in stages:
        raise _err(path, f"stages must list distinct stages of {STAGES} (not 补正, which pauses the clock), "
                         f"got {stages!r}")
    stages = tuple(stages)
    shares = _shares(data.get("default_shares"), stages, path, "default_shares")
    yellow = data.get("yellow_at", 0.8)
    if isinstance(yellow, bool) or not isinstance(yellow, (int, float)) or not 0 < yellow <= 1:
        raise _err(path, f"yellow_at must be a fraction in (0, 1], got {yellow!r}")
    floor = data.get("min_stage_working_days", 0)
    if isinstance(floor, bool) or not isinstance(floor, int) or floor < 0:
        raise _err(path, f"min_stage_working_days must be a non-negative whole number, got {floor!r}")
    items = {}
    raw_items = data.get("items") or {}
    if not isinstance(raw_items, dict):
        raise _err(path, "items must map item names to overrides")
    for name, rule in raw_items.items():
        where = f"items.{name}"
        if not isinstance(rule, dict) or set(rule) - {"shares", "promised_working_days", "legal_working_days"}:
            raise _err(path, f"{where} may only have shares, promised_working_days, legal_working_days")
        promised = _days(rule.get("promised_working_days"), path, f"{where}.promised_working_days")
        legal = _days(rule.get("legal_working_days"), path, f"{where}.legal_working_days")
        if promised and legal and promised > legal:
            raise _err(path, f"{where}: promised_working_days exceeds legal_working_days")
        items[str(name)] = ItemRule(
            shares=_shares(rule["shares"], stages, path, f"{where}.shares") if "shares" in rule else None,
            promised_working_days=promised, legal_working_days=legal)
    raw_notices = data.get("notices") or {}
    if not isinstance(raw_notices, dict):
        raise _err(path, "notices must be a mapping")
    notice_stages = raw_notices.get("stages", list(stages))
    if not isinstance(notice_stages, list) or any(s not in STAGES for s in notice_stages):
        raise _err(path, f"notices.stages must list stages of {STAGES}, got {notice_stages!r}")
    age = raw_notices.get("max_event_age_hours", 72)
    if isinstance(age, bool) or not isinstance(age, (int, float)) or age <= 0:
        raise _err(path, f"notices.max_event_age_hours must be a positive number, got {age!r}")
    collect, footer = raw_notices.get("collect", ""), raw_notices.get("footer", "")
    if not isinstance(collect, str) or not isinstance(footer, str):
        raise _err(path, "notices.collect and notices.footer must be text")
    fields = raw_notices.get("template_fields") or {}
    if not isinstance(fields, dict) or any(
            channel not in TEMPLATE_CHANNELS or not isinstance(keys, dict) or not keys
            or any(not isinstance(k, str) or v not in NOTICE_FIELDS for k, v in keys.items())
            for channel, keys in fields.items()):
        raise _err(path, f"notices.template_fields must map {TEMPLATE_CHANNELS} to {{template key: one of "
                         f"{NOTICE_FIELDS}}}, got {fields!r}")
    return SupervisionPolicy(stages=stages, default_shares=shares, yellow_at=float(yellow),
                             min_stage_working_days=floor, items=items,
                             notices=NoticeRules(tuple(notice_stages), float(age), collect.strip(), footer.strip(),
                                                 {c: dict(k) for c, k in fields.items()}))


@lru_cache(maxsize=4)
def _load(path: str) -> SupervisionPolicy:
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SupervisionConfigError(f"{p}: file not found") from None
    except yaml.YAMLError as exc:
        raise SupervisionConfigError(f"{p}: not valid YAML ({exc})") from None
    return parse_policy(data, p)


def load_policy(path: Optional[Path] = None) -> SupervisionPolicy:
    return _load(str(path or get_settings().knowledge_dir / "supervision.yml"))
