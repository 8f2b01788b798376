"""Text analysis for retrieval: normalisation, filler removal, synonym expansion, jieba words with
the domain dictionary, character bigrams, and a cheap repair of one-character typos.

Words carry the meaning jieba recognises (身份证, 失业保险金); bigrams keep a match when jieba
splits differently or a character is wrong; the typo repair proposes the character that makes
both neighbouring bigrams known to the index (户口签移 → 户口迁移, 社宝卡 → 社保卡), preferring one
that sounds like the typed character (pinyin input puts a homophone in its place)."""
from __future__ import annotations

import logging
import re
from collections import Counter
from functools import lru_cache
from typing import Iterable

from pypinyin import Style, pinyin

from bot.nlu.normalize import normalize_text

_CJK = re.compile(r"[\u4e00-\u9fff]+")
_SPLIT = re.compile(r"[^\u4e00-\u9fffa-z0-9]+")
# Fillers of a question that never name an item, removed from queries and from the aliases of
# the index alike (so that an alias "开滴滴要办什么证" does not match every "要办什么"). Only
# multi-character phrases: a single character is part of too many real words (个 in 个体).
# knowledge/synonyms.yml adds its own stopwords to these.
FILLERS = ("请问一下", "请问", "你好", "您好", "麻烦问下", "麻烦问一下", "我想问", "想问一下", "想问下", "问一下",
           "怎么办理", "怎么办", "怎样办", "咋个办", "咋办", "如何办理", "如何", "怎么弄", "咋弄", "怎么",
           "怎样", "咋个", "要办什么", "办什么", "要什么", "需要什么", "要啥", "办啥", "干啥", "什么", "哪些",
           "需要", "我想", "我要", "我们", "想要", "能不能", "可不可以", "可以", "是否", "有没有", "一下", "一个",
           "手续", "相关", "具体", "应该", "的话")
WORD = "w:"
BIGRAM = "b:"
CHAR = "u:"
CHAR_QUERY_WEIGHT = 0.35  # single characters: weak evidence (销 → 注销, 丢 → 丢失) that breaks ties
SOFT_WEIGHT = 0.25        # tokens inside an aspect phrase (要带什么材料, 多久, 在哪办)
EXPANSION_WEIGHT = 0.6     # tokens of the canonical forms a synonym adds, relative to the question's own


def clean(text: str | None) -> str:
    """Simplified, half-width, lower-case; punctuation as spaces."""
    text = normalize_text(text or "").lower()
    return " ".join(_SPLIT.sub(" ", text).split())


class Analyzer:
    def __init__(self, terms: Iterable[str] = (), stopwords: Iterable[str] = (),
                 synonyms: dict[str, tuple[str, ...]] | None = None, soft_phrases: Iterable[str] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for term in terms:
            term = clean(term).replace(" ", "")
            if 2 <= len(term) <= 16:
                self._jieba.add_word(term, freq=2000)
        # Longest fillers first so "请问一下" goes before "请问".
        words = {clean(s).replace(" ", "") for s in (*FILLERS, *stopwords)}
        self._stopwords = sorted((w for w in words if len(w) >= 2), key=len, reverse=True)
        self._synonyms: list[tuple[str, str]] = []  # (variant, canonical), longest variant first
        for canonical, variants in (synonyms or {}).items():
            canonical = clean(canonical).replace(" ", "")
            for variant in variants:
                variant = clean(variant).replace(" ", "")
                if variant and canonical and variant != canonical:
                    self._synonyms.append((variant, canonical))
        self._synonyms.sort(key=lambda p: len(p[0]), reverse=True)
        # Every phrase the table knows, longest first: (phrase, canonical forms it adds). A citizen
        # word may bridge to several catalog terms (演唱会 → 营业性演出 and 大型群众性活动) when it
        # is listed under several; a canonical form of one group may be a variant of another.
        keys: dict[str, list[str]] = {}
        for variant, canonical in self._synonyms:
            keys.setdefault(canonical, [])
        for variant, canonical in self._synonyms:
            targets = keys.setdefault(variant, [])
            if canonical not in targets:
                targets.append(canonical)
        self._synonym_keys = sorted(((k, tuple(v)) for k, v in keys.items()), key=lambda kv: len(kv[0]), reverse=True)
        # Phrases that say what about an item is asked (材料, 多久), not which item: weak evidence.
        self._soft = sorted({clean(p).replace(" ", "") for p in soft_phrases if clean(p)}, key=len, reverse=True)
        self.bigram_vocab: set[str] = set()
        self._by_first: dict[str, set[str]] = {}
        self._by_second: dict[str, set[str]] = {}
        self._by_sound: dict[str, set[str]] = {}  # merged pinyin of a known bigram -> the bigrams

    # --- steps -----------------------------------------------------------------------------------
    def strip_fillers(self, text: str) -> str:
        for word in self._stopwords:
            if word in text:
                text = text.replace(word, " ")
        return " ".join(text.split())

    def expansions(self, text: str, soften: bool = True) -> list[str]:
        """Canonical forms of the synonyms the text uses (医保 → 医疗保障), longest match first: a
        variant inside a longer known phrase (优待证 in 老年人优待证) or inside an aspect phrase
        (要带什么) does not count."""
        compact = text.replace(" ", "")
        taken = self._soft_mask(compact) if soften else [False] * len(compact)
        out: list[str] = []
        for key, canonicals in self._synonym_keys:
            start = compact.find(key)
            while start >= 0:
                end = start + len(key)
                if not any(taken[start:end]):
                    for i in range(start, end):
                        taken[i] = True
                    for canonical in canonicals:
                        if canonical not in compact and canonical not in out:
                            out.append(canonical)
                start = compact.find(key, end)
        return out

    def words(self, text: str) -> list[str]:
        return [w for w in self._jieba.lcut_for_search(text) if w.strip() and (len(w) > 1 or not _CJK.fullmatch(w))]

    @staticmethod
    def bigrams(text: str) -> list[str]:
        out = []
        for run in _CJK.findall(text):
            if len(run) == 1:
                out.append(run)
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
        return out

    def learn_vocabulary(self, bigrams: Iterable[str]) -> None:
        """The bigrams the index knows; used to repair typos in queries."""
        for bg in bigrams:
            if len(bg) != 2:
                continue
            self.bigram_vocab.add(bg)
            self._by_first.setdefault(bg[0], set()).add(bg[1])
            self._by_second.setdefault(bg[1], set()).add(bg[0])
            for key in _fuzzy_keys(bg):
                self._by_sound.setdefault(key, set()).add(bg)

    def repairs(self, text: str) -> list[str]:
        """Bigrams of one-character repairs: a character whose two bigrams are both unknown is
        replaced by the candidates that make both known — those that sound like it when there are
        any (签移 → 迁移), else the one or two there are."""
        out = []
        for run in _CJK.findall(text):
            for i in range(1, len(run) - 1):
                left, right = run[i - 1:i + 1], run[i:i + 2]
                if left in self.bigram_vocab or right in self.bigram_vocab:
                    continue
                candidates = self._by_first.get(run[i - 1], set()) & self._by_second.get(run[i + 1], set())
                sound = _readings(run[i])
                homophones = {c for c in candidates if sound & _readings(c)}
                if homophones:
                    candidates = homophones
                if 0 < len(candidates) <= 2:
                    for c in sorted(candidates):
                        out += [run[i - 1] + c, c + run[i + 1]]
            out += self._sound_repairs(run)
        return list(dict.fromkeys(out))  # each repair once, in the order found

    def _sound_repairs(self, run: str) -> list[str]:
        """Unknown bigrams replaced by known ones that sound alike — the same pinyin, or the same
        under the sounds Sichuanese and other southwestern speakers merge when typing by pinyin
        (zh/z, ch/c, sh/s, -ng/-n, n/l): 生分证 → 身份证, 养老经 → 养老金, 手几 → 手机, 底保 → 低保."""
        out = []
        for i in range(len(run) - 1):
            bigram = run[i:i + 2]
            if bigram in self.bigram_vocab:
                continue
            found = set().union(*(self._by_sound.get(k, set()) for k in _fuzzy_keys(bigram)))
            if 0 < len(found) <= MAX_SOUND_REPAIRS:
                out += sorted(found)
        return out

    def _soft_mask(self, text: str) -> list[bool]:
        mask = [False] * len(text)
        for phrase in self._soft:
            start = text.find(phrase)
            while start >= 0:
                for i in range(start, start + len(phrase)):
                    mask[i] = True
                start = text.find(phrase, start + len(phrase))
        return mask

    # --- whole pipelines -------------------------------------------------------------------------
    def document_tokens(self, text: str) -> list[str]:
        text = self.strip_fillers(clean(text))
        return ([WORD + w for w in self.words(text)] + [BIGRAM + b for b in self.bigrams(text)]
                + [CHAR + c for c in set("".join(_CJK.findall(text)))])

    def query_tokens(self, text: str, soften: bool = True) -> Counter:
        """Weighted query tokens: the question's own words and bigrams, the canonical forms of its
        synonyms, and repaired bigrams (at a lower weight). ``soften``: tokens of aspect phrases
        (材料, 多久) count little — they say what about an item is asked, not which item."""
        text = self.strip_fillers(clean(text))
        tokens: Counter = Counter()

        def put(token: str, weight: float) -> None:
            if weight > tokens.get(token, 0.0):
                tokens[token] = weight

        for n, part in enumerate([text] + self.expansions(text, soften)):
            full = 1.0 if n == 0 else EXPANSION_WEIGHT
            soft = self._soft_mask(part) if soften else [False] * len(part)
            for w, start, end in self._jieba.tokenize(part, mode="search"):
                if w.strip() and (len(w) > 1 or not _CJK.fullmatch(w)):
                    put(WORD + w, SOFT_WEIGHT if all(soft[start:end]) else full)
            for i in range(len(part)):
                ch = part[i]
                if not _CJK.fullmatch(ch):
                    continue
                put(CHAR + ch, CHAR_QUERY_WEIGHT * (SOFT_WEIGHT if soft[i] else full))
                if i + 1 < len(part) and _CJK.fullmatch(part[i + 1]):
                    put(BIGRAM + part[i:i + 2], SOFT_WEIGHT if soft[i] and soft[i + 1] else full)
                elif (i == 0 or not _CJK.fullmatch(part[i - 1])):
                    put(BIGRAM + ch, SOFT_WEIGHT if soft[i] else full)  # a one-character run
        for b in self.repairs(text):
            tokens[BIGRAM + b] = max(tokens[BIGRAM + b], 0.7)
        return tokens


# Catalog items come in families: the primary transaction (申领, 新办, 设立, 核发) and its later
# stages (注销, 变更, 补办, 延续, 转移 ...). A question that names no stage means the primary one, so
# a result whose name carries a stage the question does not mention is ranked slightly lower.
# stage → (words in item names, cues in citizens' questions)
STAGES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "cancel": (("注销", "撤销", "终止", "歇业", "停业", "缴销", "作废", "核销", "封存"),
               ("注销", "销户", "撤销", "终止", "歇业", "停业", "作废", "不干", "不开", "不做", "关门", "不营业", "销")),
    "change": (("变更", "更正", "修改", "更名", "改建", "扩建", "改制"),
               ("变更", "改", "更正", "更名", "换法人", "错")),
    "reissue": (("补办", "补发", "补领", "遗失", "补证", "挂失", "丢失", "补换", "损毁"),
                ("补", "丢", "遗失", "掉了", "挂失", "不见", "找不到", "坏")),
    "renew": (("延续", "续期", "换发", "换证", "换领", "延期", "复审", "校验", "年检", "再注册", "到期"),
              ("续", "到期", "过期", "换", "延期", "复审", "校验", "年检", "年审")),
    "transfer": (("转出", "转入", "迁移", "转移", "过户", "迁出", "迁入", "互转"),
                 ("转", "迁", "过户", "调")),
    "restore": (("恢复", "解挂", "复业", "解除", "解封"), ("恢复", "解挂", "复业", "解除", "解封", "重新")),
    "query": (("查询", "核验", "打印", "咨询", "指引"), ("查", "打印", "核验", "咨询", "问问", "政策")),
    "secret": (("密码",), ("密码",)),
}


# Words of the primary transaction: a name that has one ("居民身份证申领、换领、补领") covers the
# primary case too and is not "a later stage".
PRIMARY = ("申领", "新办", "设立", "核发", "首次", "初次", "签发", "新增", "配发")


def stages_in_name(name: str) -> frozenset[str]:
    text = clean(name)
    return frozenset(k for k, (words, _) in STAGES.items() if any(w in text for w in words))


def is_primary(name: str) -> bool:
    text = clean(name)
    return any(w in text for w in PRIMARY)


def stages_in_query(text: str) -> frozenset[str]:
    text = clean(text)
    return frozenset(k for k, (_, cues) in STAGES.items() if any(c in text for c in cues))


MAX_SOUND_REPAIRS = 1  # more known bigrams sound like it: the sound does not tell which one was meant
_MERGED = ((re.compile(r"^zh"), "z"), (re.compile(r"^ch"), "c"), (re.compile(r"^sh"), "s"),
           (re.compile(r"ng$"), "n"), (re.compile(r"^n(?=[^g])"), "l"))


@lru_cache(maxsize=16384)
def _fuzzy(reading: str) -> str:
    for pattern, repl in _MERGED:
        reading = pattern.sub(repl, reading)
    return reading


def _fuzzy_keys(bigram: str) -> frozenset[str]:
    """The bigram's readings with merged sounds (every combination of its characters' readings)."""
    return frozenset(f"{_fuzzy(a)} {_fuzzy(b)}" for a in _readings(bigram[0]) for b in _readings(bigram[1]))


@lru_cache(maxsize=8192)
def _readings(char: str) -> frozenset[str]:
    """The toneless pinyin readings of a character (all of them for a polyphone)."""
    return frozenset(pinyin(char, style=Style.NORMAL, heteronym=True)[0])
