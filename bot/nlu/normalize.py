"""Text normalisation shared by the NLU pipeline and retrieval: Traditional→Simplified, full-width→
half-width, control characters removed, gesture emoji (👌 👍 ❌ 🙏) read as the word they mean.
Every step keeps the length of the text so that entity
offsets annotated on the original text stay valid."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

MAX_MESSAGE_CHARS = 1000


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


@lru_cache(maxsize=4096)
def _char_t2s(ch: str) -> str:
    converted = _t2s().convert(ch)
    return converted if len(converted) == 1 else ch


# Words OpenCC leaves in a form no Simplified writer uses: 甚麼 (Hong Kong, Taiwan) is 什么, not 甚么
# ("要準備甚麼資料" asks what to bring). Same length, so offsets into the message still hold.
_VARIANT_WORDS = (("甚么", "什么"),)


def to_simplified(text: str) -> str:
    if not text:
        return text
    converted = _t2s().convert(text)
    if len(converted) != len(text):
        # A phrase mapping changed the length: fall back to the length-preserving per-character table.
        converted = "".join(_char_t2s(ch) for ch in text)
    for variant, word in _VARIANT_WORDS:
        converted = converted.replace(variant, word)
    return converted


def _halfwidth(ch: str) -> str:
    code = ord(ch)
    if code == 0x3000:
        return " "
    if 0xFF01 <= code <= 0xFF5E:
        return chr(code - 0xFEE0)
    return ch


# Gesture emoji that citizens send as a whole reply in chat (WeChat especially) mean a word; each
# becomes that word's character (one for one, so the length is kept). Other emoji stay symbols.
EMOJI_WORDS = {"👌": "好", "👍": "好", "🆗": "好", "✅": "对", "✔": "对", "☑": "对", "⭕": "对",
               "❌": "不", "❎": "不", "✖": "不", "🙅": "不", "🙏": "谢"}


def _clean_char(ch: str) -> str:
    word = EMOJI_WORDS.get(ch)
    if word is not None:
        return word
    if ch in "\n\t":
        return " "
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf", "Cs", "Co", "Cn"):
        return " "
    return _halfwidth(ch)


def normalize_text(text: str | None, max_chars: int = MAX_MESSAGE_CHARS) -> str:
    """Length-preserving (up to ``max_chars``) normalisation of a citizen's message."""
    if not text:
        return ""
    return _normalized(text, max_chars)


@lru_cache(maxsize=4096)  # one message is normalised by many readers in one turn
def _normalized(text: str, max_chars: int) -> str:
    text = text[:max_chars]
    text = "".join(_clean_char(ch) for ch in text)
    return to_simplified(text)


def has_content(text: str | None) -> bool:
    """True when the message holds a letter, digit or CJK character (not just emoji or punctuation)."""
    return any(ch.isalnum() for ch in (text or ""))
