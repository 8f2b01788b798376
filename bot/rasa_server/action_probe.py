"""Notices, inside the Rasa server, that a custom action or the tracker store failed during one
message.

Rasa 3.6 swallows both failures:
- an action-server failure (unreachable, 5xx, invalid response): the processor logs
  "Encountered an exception while running action ..." and carries on without the action's events,
  so the user gets no answer;
- a tracker-store failure (the database restarting): FailSafeTrackerStore logs "Error happened
  when trying to save/retrieve conversation tracker ..." and keeps the conversation in memory only,
  so the turn would be lost when the process restarts and missing once the database is back.
Filters on those loggers record the failure in a context variable set around the message, so the
channel that handled it can apologise and keep the message for a retry."""
from __future__ import annotations

import contextlib
import contextvars
import logging
from typing import Iterator, Optional

_MARKERS = {
    "rasa.core.processor": ("action", "Encountered an exception while running action"),
    "rasa.core.tracker_store": ("tracker_store", "Error happened when trying to"),
}
_current: contextvars.ContextVar[Optional[list]] = contextvars.ContextVar("gov_action_failures", default=None)


class _FailureFilter(logging.Filter):
    def __init__(self, kind: str, marker: str) -> None:
        super().__init__()
        self.kind, self.marker = kind, marker

    def filter(self, record: logging.LogRecord) -> bool:
        failures = _current.get()
        if failures is not None:
            try:
                message = str(record.msg)
            except Exception:
                return True
            if message.startswith(self.marker):
                exc = record.exc_info[1] if record.exc_info else None
                failures.append(f"{self.kind}:{type(exc).__name__ if exc else 'error'}")
        return True


_installed = False


def install() -> None:
    global _installed
    if not _installed:
        for name, (kind, marker) in _MARKERS.items():
            logging.getLogger(name).addFilter(_FailureFilter(kind, marker))
        _installed = True


@contextlib.contextmanager
def watch() -> Iterator[list]:
    """A list that receives one entry (``action:...`` or ``tracker_store:...``) per failure inside
    the block."""
    install()
    failures: list = []
    token = _current.set(failures)
    try:
        yield failures
    finally:
        _current.reset(token)
