"""The knowledge model as plain dataclasses (what the loader returns; no I/O here)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fact:
    """A local fact that may be unknown (phone, hours): ``value`` is None when not published."""

    value: str | None
    unknown: bool = False
    note: str | None = None

    @property
    def known(self) -> bool:
        return bool(self.value) and not self.unknown


@dataclass(frozen=True)
class Department:
    name: str
    aliases: tuple[str, ...] = ()
    full_name: str | None = None
    phone: Fact = Fact(None, True)
    address: Fact = Fact(None, True)
    hours: Fact = Fact(None, True)
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Material:
    name: str
    form: str | None = None  # 原件 / 复印件 / 原件及复印件 / 电子 ...
    copies: int | str | None = None
    note: str | None = None


@dataclass(frozen=True)
class TimeLimit:
    working_days: int | None
    note: str | None = None
    unknown: bool = False

    @property
    def known(self) -> bool:
        return not self.unknown and (self.working_days is not None or bool(self.note))


@dataclass(frozen=True)
class Fees:
    text: str | None
    free: bool | None = None
    basis: str | None = None


@dataclass(frozen=True)
class Online:
    url: str | None
    text: str | None = None


@dataclass(frozen=True)
class Guide:
    id: str
    name: str
    department: str
    catalog_names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    materials: tuple[Material, ...] = ()
    process: tuple[str, ...] = ()
    legal_time_limit: TimeLimit = TimeLimit(None, None, True)
    promised_time_limit: TimeLimit = TimeLimit(None, None, True)
    fees: Fees = Fees(None)
    location: Fact = Fact(None, True)
    hours: Fact = Fact(None, True)
    phone: Fact = Fact(None, True)
    online: Online = Online(None)
    legal_basis: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class FaqEntry:
    id: str
    question: str
    answer: str
    aliases: tuple[str, ...] = ()
    department: str | None = None


@dataclass(frozen=True)
class Synonyms:
    canonical: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stopwords: tuple[str, ...] = ()
    # Homophones voice input and pinyin typing put for words of the services (人证 → 认证), tried as a
    # second search when the words as typed find nothing sure.
    typos: dict[str, str] = field(default_factory=dict)
    # Places away from 广安 ("能在成都换吗"): a follow-up naming one asks about doing it 异地. Not used by
    # the retrieval (a city named in a story is no cue to the item), only to find a guide's lines.
    elsewhere: tuple[str, ...] = ()


@dataclass(frozen=True)
class Knowledge:
    departments: dict[str, Department]
    guides: dict[str, Guide]
    faq: dict[str, FaqEntry]
    synonyms: Synonyms
    # Colloquial names (俗称) of catalog items by exact item name (knowledge/aliases/*.yml).
    item_aliases: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def department(self, name: str | None) -> Department | None:
        """A department by its name or one of its aliases."""
        if not name:
            return None
        if name in self.departments:
            return self.departments[name]
        for dept in self.departments.values():
            if name in dept.aliases or name == dept.full_name:
                return dept
        return None
