"""Lines several areas say to citizens, defined once: the hotline, the apology for a temporary
failure. Each area's own words are in its replies module (docs/replies.md lists them)."""
from __future__ import annotations

HOTLINE = "12345"
HOTLINE_NAME = f"{HOTLINE}政务服务便民热线"


def try_later(what: str, then: str = "") -> str:
    """The apology for a temporary failure: "抱歉，{what}，请稍后再试，或拨打12345政务服务便民热线{then}。"
    (``then``: what the hotline is for, e.g. "催办")."""
    return f"抱歉，{what}，请稍后再试，或拨打{HOTLINE_NAME}{then}。"
