"""The one entry point that prepares Rasa for this package: ``install()``.

Called from one place, the Rasa server's launcher ``python -m bot.rasa_server`` (bot/rasa_server/
__main__.py), before Rasa reads its configuration. It checks that the installed Rasa is the version
the patches were written for (``patches.RASA_VERSION``) and that every attribute they replace or
override still exists (``patches.PATCHED``), and refuses to start otherwise with a message that says
what to review; then it applies the patches (bot/rasa_server/patches.py) and the failure probes
(bot/rasa_server/action_probe.py). Calling it again does nothing.
"""
from __future__ import annotations

import importlib
import logging
from typing import Iterable, Optional

from bot.rasa_server import action_probe, patches

logger = logging.getLogger(__name__)

_installed = False
_warned = False


class RasaPatchError(RuntimeError):
    """The installed Rasa is not the one the patches were written for."""


def check(version: Optional[str] = None, targets: Iterable[tuple[str, str]] = patches.PATCHED) -> None:
    """Raise RasaPatchError unless Rasa is ``patches.RASA_VERSION`` and every target exists."""
    if version is None:
        import rasa

        version = rasa.__version__
    if version != patches.RASA_VERSION:
        raise RasaPatchError(
            f"bot.rasa_server was written for Rasa {patches.RASA_VERSION}, but Rasa {version} is installed. "
            f"Review bot/rasa_server/patches.py and the Rasa subclasses in bot/rasa_server/ against Rasa "
            f"{version}, then update RASA_VERSION there (or install rasa=={patches.RASA_VERSION}).")
    missing = [f"{module}.{path}" for module, path in targets if not _exists(module, path)]
    if missing:
        raise RasaPatchError(
            f"Rasa {version} lacks what bot.rasa_server patches or overrides: {', '.join(missing)}. "
            f"Review bot/rasa_server/patches.py (PATCHED) before starting the server.")


def _exists(module: str, path: str) -> bool:
    try:
        target = importlib.import_module(module)
    except ImportError:
        return False
    for name in path.split("."):
        if not hasattr(target, name):
            return False
        target = getattr(target, name)
    return True


def install() -> None:
    """Check Rasa (RasaPatchError if it does not match), then apply the patches and probes."""
    global _installed
    if _installed:
        return
    check()
    patches.apply()
    action_probe.install()
    _installed = True
    logger.debug("rasa patches installed for Rasa %s", patches.RASA_VERSION)


def installed() -> bool:
    return _installed


def warn_if_not_installed(what: str) -> None:
    """One warning per process when a class of this package runs in a Rasa started without the
    launcher (``rasa run`` instead of ``python -m bot.rasa_server run``): it works, more slowly."""
    global _warned
    if not _installed and not _warned:
        _warned = True
        logger.warning("%s runs without bot.rasa_server.install(): start Rasa with "
                       "`python -m bot.rasa_server run ...` for the per-turn fixes", what)
