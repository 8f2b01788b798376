"""bot.rasa_server.install: the one entry point that checks Rasa before patching it, and the
launcher (python -m bot.rasa_server) that refuses to start a Rasa the patches do not fit."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import rasa

from bot.rasa_server import install as installer
from bot.rasa_server import patches

ROOT = Path(__file__).resolve().parent.parent


def test_the_installed_rasa_is_the_one_the_patches_were_written_for():
    assert rasa.__version__ == patches.RASA_VERSION
    installer.check()  # every patched or overridden name exists


def test_another_rasa_version_is_refused_with_what_to_review():
    with pytest.raises(installer.RasaPatchError) as caught:
        installer.check(version="3.7.0")
    message = str(caught.value)
    assert "3.7.0" in message and patches.RASA_VERSION in message and "bot/rasa_server/patches.py" in message


def test_a_missing_patched_attribute_is_named():
    targets = [("rasa.core.actions.action", "RemoteAction._validate_action_result"),
               ("rasa.core.actions.action", "RemoteAction._gone_in_a_later_rasa"),
               ("rasa.no_such_module", "Thing")]
    with pytest.raises(installer.RasaPatchError) as caught:
        installer.check(version=patches.RASA_VERSION, targets=targets)
    message = str(caught.value)
    assert "rasa.core.actions.action.RemoteAction._gone_in_a_later_rasa" in message
    assert "rasa.no_such_module.Thing" in message
    assert "_validate_action_result" not in message


def test_install_applies_every_patch_once():
    import rasa.core.processor
    from rasa.core.actions.action import RemoteAction
    from rasa.utils.endpoints import EndpointConfig

    from bot.rasa_server.graph_runner import SequentialGraphRunner

    installer.install()
    assert installer.installed()
    assert rasa.core.processor.DaskGraphRunner is SequentialGraphRunner
    validate, session = RemoteAction._validate_action_result, EndpointConfig.session
    installer.install()
    assert (RemoteAction._validate_action_result, EndpointConfig.session) == (validate, session)


def test_the_launcher_refuses_another_rasa_at_start_up():
    code = ("import sys, rasa; rasa.__version__ = '9.9.9'; sys.argv = ['x', 'run'];"
            "from bot.rasa_server.__main__ import main; main()")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 2
    assert "Rasa 9.9.9 is installed" in done.stderr and "bot/rasa_server/patches.py" in done.stderr


def test_the_launcher_hands_over_to_rasa():
    done = subprocess.run([sys.executable, "-m", "bot.rasa_server", "--version"], cwd=ROOT, capture_output=True,
                          text=True, timeout=180, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                                       "RASA_TELEMETRY_ENABLED": "false"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert patches.RASA_VERSION in done.stdout
