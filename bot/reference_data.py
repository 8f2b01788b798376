"""The reference data in knowledge/: which typed, validated loader owns each file, and
:func:`check_reference_data`, which runs them all once at start-up (``python -m bot serve`` and
``python -m bot stack``) so that a bad entry stops the start with its file and place named, not a
citizen's conversation later.

| file | loader (the only reader of the file) |
| --- | --- |
| departments.yml | ``bot.knowledge.loader.load_departments`` |
| sla.yml | ``bot.tickets.sla.load_policy`` |
| holidays.yml | ``bot.calendar.holiday_file`` (lenient by design: a bad entry is ignored and logged, docs/calendar.md) |
| routing/classify.yml | ``bot.tickets.classify.rules`` |
| routing/train.yml | ``bot.tickets.routing.load_examples`` |
| dispatch_catalog.yml | ``bot.knowledge.dispatch.load_dispatch_catalog`` |
| case_numbers.yml | ``bot.cases.numbers.schemes`` |
| emergencies.yml | ``bot.tickets.emergency.emergencies`` |
| gazetteer.yml | ``bot.tickets.places.divisions`` |

Guides, FAQ, synonyms and item aliases are the knowledge base proper (``bot.knowledge.loader.load_knowledge``,
loaded with the retrieval index)."""
from __future__ import annotations

from typing import Callable

from bot.settings import get_settings


class ReferenceDataError(ValueError):
    """One or more files of knowledge/ failed validation; ``problems`` lists each with its file."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("knowledge/ reference data is invalid:\n" + "\n".join(f"  - {p}" for p in problems))


def _departments() -> object:
    from bot.knowledge.loader import load_departments

    return load_departments()


def _sla() -> object:
    from bot.tickets.sla import load_policy

    return load_policy()


def _holidays() -> object:
    from bot.calendar import holiday_file

    return holiday_file()  # problems are logged as warnings, never fatal


def _classify() -> object:
    from bot.tickets.classify import rules

    return rules()


def _routing_examples() -> object:
    from bot.tickets.routing import load_examples

    path = get_settings().knowledge_dir / "routing" / "train.yml"
    return load_examples(path) if path.exists() else []


def _dispatch() -> object:
    from bot.knowledge.dispatch import load_dispatch_catalog

    return load_dispatch_catalog()


def _case_numbers() -> object:
    from bot.cases.numbers import schemes

    return schemes()


def _emergencies() -> object:
    from bot.tickets.emergency import emergencies

    return emergencies()


def _gazetteer() -> object:
    from bot.tickets.places import divisions

    return divisions()


LOADERS: dict[str, Callable[[], object]] = {
    "departments.yml": _departments,
    "sla.yml": _sla,
    "holidays.yml": _holidays,
    "routing/classify.yml": _classify,
    "routing/train.yml": _routing_examples,
    "dispatch_catalog.yml": _dispatch,
    "case_numbers.yml": _case_numbers,
    "emergencies.yml": _emergencies,
    "gazetteer.yml": _gazetteer,
}


def check_reference_data() -> None:
    """Load every reference file of knowledge/ once; raise ReferenceDataError listing every problem
    (each loader's message names the file and the entry)."""
    problems: list[str] = []
    for name, load in LOADERS.items():
        try:
            load()
        except FileNotFoundError as exc:
            problems.append(f"{name}: not found ({exc})")
        except ValueError as exc:  # KnowledgeError, SlaConfigError, … all say where
            for line in getattr(exc, "problems", None) or [str(exc)]:
                line = line if any(file in line for file in LOADERS) else f"{name}: {line}"
                if line not in problems:  # the dispatch catalog re-reads departments.yml
                    problems.append(line)
    if problems:
        raise ReferenceDataError(problems)
