"""WeChat message security: request signatures, safe-mode (AES) encryption of messages and replies
per WeChat's message encryption spec (the scheme of Tencent's WXBizMsgCrypt sample code), replay
checks and hardened XML parsing (no DTDs, no entities: XXE and billion laughs are refused)."""
from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import time
from typing import Optional
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import escape

import defusedxml
import defusedxml.ElementTree as SafeET
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.utils import WeChatSigner

from bot.rasa_server.channels import replies

MAX_BODY_BYTES = 64 * 1024


class WeChatRequestError(Exception):
    """A request WeChat's server would never send: answered with ``status`` and a short message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def bad_request(message: str, code: str = "bad_request") -> WeChatRequestError:
    return WeChatRequestError(400, code, message)


def forbidden(message: str, code: str = "forbidden") -> WeChatRequestError:
    return WeChatRequestError(403, code, message)


def signature(*parts: str) -> str:
    """SHA1 over the lexicographically sorted, concatenated parts (WeChat's request signature)."""
    signer = WeChatSigner()
    signer.add_data(*[p or "" for p in parts])
    return signer.signature


def check_signature(expected_parts: tuple, given: Optional[str]) -> None:
    if not given or not hmac.compare_digest(signature(*expected_parts), str(given).lower()):
        raise forbidden(replies.BAD_SIGNATURE, "bad_signature")


def check_timestamp(timestamp: Optional[str], window: int, now: Optional[float] = None) -> None:
    """A timestamp further than ``window`` seconds from now (either way) is a replay: 403.
    ``window`` 0 disables the check (the signature still covers the timestamp)."""
    if not timestamp or not str(timestamp).isdigit() or len(str(timestamp)) > 12:
        raise forbidden(replies.BAD_TIMESTAMP, "bad_timestamp")
    if window and window > 0:
        now = time.time() if now is None else now
        if abs(now - int(timestamp)) > window:
            raise forbidden(replies.STALE_TIMESTAMP, "stale_timestamp")


def validate_aes_key(aes_key: str) -> Optional[str]:
    """None when ``aes_key`` is a valid EncodingAESKey (43 characters, base64 of 32 bytes),
    otherwise what is wrong with it."""
    if len(aes_key) != 43:
        return "WECHAT_AES_KEY must be 43 characters"
    try:
        key = base64.b64decode(aes_key + "=", validate=True)
    except (binascii.Error, ValueError):
        return "WECHAT_AES_KEY is not base64"
    return None if len(key) == 32 else "WECHAT_AES_KEY does not decode to 32 bytes"


def parse_xml(body: bytes | str) -> dict[str, str]:
    """The children of a WeChat ``<xml>`` document as a flat dict of tag → text.

    DTDs, entity declarations and external references are refused (defusedxml), as are
    oversized bodies and documents whose root is not ``<xml>``: all raise a 400."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if len(body) > MAX_BODY_BYTES:
        raise WeChatRequestError(413, "payload_too_large", replies.PAYLOAD_TOO_LARGE)
    if not body.strip():
        raise bad_request(replies.EMPTY_BODY, "empty_body")
    try:
        root = SafeET.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden,
            defusedxml.ExternalReferenceForbidden) as exc:
        raise bad_request(replies.XML_FORBIDDEN, "xml_forbidden") from exc
    except (ParseError, ValueError, UnicodeError) as exc:
        raise bad_request(replies.INVALID_XML, "invalid_xml") from exc
    if root.tag != "xml":
        raise bad_request(replies.XML_ROOT, "invalid_xml")
    fields: dict[str, str] = {}
    for child in root:
        if isinstance(child.tag, str) and child.tag not in fields:
            fields[child.tag] = (child.text or "").strip() if len(child) == 0 else ""
    return fields


class MessageCrypto:
    """Safe-mode encryption for one account (token, EncodingAESKey, AppID)."""

    def __init__(self, token: str, aes_key: str, appid: str) -> None:
        problem = validate_aes_key(aes_key)
        if problem:
            raise ValueError(problem)
        self.token = token
        self.appid = appid
        self._crypto = WeChatCrypto(token, aes_key, appid)
        self._key = self._crypto.key

    def _decrypt(self, encrypted: str) -> str:
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise bad_request(replies.BAD_BASE64, "bad_ciphertext") from exc
        if not raw or len(raw) % 16:
            raise bad_request(replies.BAD_CIPHER_LENGTH, "bad_ciphertext")
        try:
            text = PrpCrypto(self._key).decrypt(encrypted, self.appid)
        except UnicodeDecodeError as exc:
            raise bad_request(replies.DECRYPT_FAILED, "bad_ciphertext") from exc
        except Exception as exc:  # wrong AppID (InvalidAppIdException) or a garbled payload
            name = type(exc).__name__
            if name == "InvalidAppIdException":
                raise forbidden(replies.BAD_APPID, "bad_appid") from exc
            raise bad_request(replies.DECRYPT_FAILED, "bad_ciphertext") from exc
        return text

    def verify_echostr(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """Safe-mode URL verification: the decrypted echostr."""
        check_signature((self.token, timestamp, nonce, echostr), msg_signature)
        return self._decrypt(echostr)

    def decrypt_message(self, envelope: dict[str, str], msg_signature: str, timestamp: str,
                        nonce: str) -> str:
        """The plaintext XML inside a safe-mode push (``envelope`` is the parsed outer XML)."""
        encrypted = envelope.get("Encrypt") or ""
        if not encrypted:
            raise bad_request(replies.MISSING_ENCRYPT, "missing_encrypt")
        check_signature((self.token, timestamp, nonce, encrypted), msg_signature)
        return self._decrypt(encrypted)

    def encrypt_reply(self, xml: str, timestamp: Optional[str] = None, nonce: Optional[str] = None) -> str:
        """The reply XML wrapped for safe mode (Encrypt, MsgSignature, TimeStamp, Nonce)."""
        nonce = nonce or str(secrets.randbelow(10 ** 10))
        timestamp = timestamp or str(int(time.time()))
        return self._crypto.encrypt_message(xml, nonce, timestamp)


def text_reply_xml(to_user: str, from_user: str, content: str, create_time: Optional[int] = None) -> str:
    """A passive text reply. Values are XML-escaped (no CDATA, so ``]]>`` in text is harmless)."""
    create_time = int(time.time()) if create_time is None else create_time
    return (
        "<xml>"
        f"<ToUserName>{escape(to_user)}</ToUserName>"
        f"<FromUserName>{escape(from_user)}</FromUserName>"
        f"<CreateTime>{create_time}</CreateTime>"
        "<MsgType>text</MsgType>"
        f"<Content>{escape(content)}</Content>"
        "</xml>"
    )
