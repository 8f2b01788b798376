"""Encryption at rest of uploaded documents: Fernet (AES-128-CBC + HMAC-SHA256, from the
``cryptography`` package) under a key derived with HKDF-SHA256 from GOV_SECRET_KEY (the audit key
when it is unset, as for the other derived keys), with its own ``info`` so no other use of the secret
shares it. Changing GOV_SECRET_KEY makes stored uploads unreadable: they expire within the
retention anyway (docs/privacy.md)."""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.settings import get_settings

INFO = b"gov-assistant uploads v1"


class DecryptError(Exception):
    """Stored bytes that do not decrypt under the current key (key changed, file damaged)."""


@lru_cache(maxsize=4)
def _fernet(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def _secret() -> str:
    settings = get_settings()
    return settings.secret_key or settings.audit_key


def encrypt(data: bytes) -> bytes:
    return _fernet(_secret()).encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return _fernet(_secret()).decrypt(token)
    except (InvalidToken, ValueError) as exc:
        raise DecryptError("stored upload does not decrypt") from exc


def encrypt_text(text: str | None) -> str | None:
    return None if text is None else encrypt(text.encode("utf-8")).decode("ascii")


def decrypt_text(token: str | None) -> str | None:
    return None if token is None else decrypt(token.encode("ascii")).decode("utf-8")


def token_hash(token: str) -> str:
    """The upload-session token as stored: SHA-256 (the token itself is a 256-bit random value)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
