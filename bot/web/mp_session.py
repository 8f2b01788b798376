"""Signed session tokens for the mini-program's chat API: ``wx.login`` code → code2session →
a token naming the user's openid, signed with HMAC-SHA256 and valid for ``ttl`` seconds."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import Optional

from bot.settings import get_settings

logger = logging.getLogger(__name__)
_process_key: Optional[bytes] = None


def _key() -> bytes:
    global _process_key
    secret = get_settings().secret_key
    if secret:
        return hashlib.sha256(b"gov-mp-session:" + secret.encode("utf-8")).digest()
    if _process_key is None:
        logger.warning("GOV_SECRET_KEY not set: mini-program session tokens are signed with a "
                       "per-process key and stop working after a restart")
        _process_key = secrets.token_bytes(32)
    return _process_key


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(openid: str, ttl: int, now: Optional[float] = None) -> str:
    now = time.time() if now is None else now
    body = _b64(json.dumps({"sub": openid, "exp": int(now + ttl)}, separators=(",", ":")).encode("utf-8"))
    mac = _b64(hmac.new(_key(), body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{mac}"


def verify(token: str, now: Optional[float] = None) -> Optional[str]:
    """The openid of a valid, unexpired token; None otherwise."""
    if not token or token.count(".") != 1 or len(token) > 1024:
        return None
    body, mac = token.split(".")
    expected = _b64(hmac.new(_key(), body.encode("ascii", "replace"), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        claims = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("sub"), str):
        return None
    if int(claims.get("exp", 0)) < (time.time() if now is None else now):
        return None
    return claims["sub"]
