"""`make run`: the whole stack in the foreground — Rasa server, action server, web service — with
clean shutdown on Ctrl-C or SIGTERM, and the stack stopped when any of its processes dies."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.settings import get_settings

logger = logging.getLogger(__name__)


@dataclass
class Ports:
    rasa: int = 5005
    actions: int = 5055
    web: int = 8080


def rasa_server_command(*args: str) -> list[str]:
    """``rasa ARGS`` through the Rasa server's launcher, which installs bot.rasa_server first."""
    return [sys.executable, "-m", "bot.rasa_server", *args]


def stack_commands(model: str, ports: Ports, endpoints: str = "endpoints.yml",
                   credentials: str = "credentials.yml") -> dict[str, list[str]]:
    return {
        "actions": [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(ports.actions)],
        "rasa": rasa_server_command(
            "run", "--enable-api", "--cors", "*", "--port", str(ports.rasa),
            "--model", model, "--endpoints", endpoints, "--credentials", credentials,
        ),
        "web": [sys.executable, "-m", "bot", "serve", "--port", str(ports.web)],
    }


def stack_environment(ports: Ports) -> dict[str, str]:
    settings = get_settings()
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(settings.project_root))
    env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{ports.actions}/webhook"
    env["RASA_URL"] = f"http://127.0.0.1:{ports.rasa}"
    env["ACTION_SERVER_URL"] = f"http://127.0.0.1:{ports.actions}"
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    # Rasa's SQL tracker store (endpoints.yml reads ${TRACKER_DB}): conversations survive restarts.
    env.setdefault("TRACKER_DB", str(settings.var_dir / "tracker.db"))
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    # Rasa's telemetry would try to reach the internet.
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    return env


def _signal_group(proc: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(proc.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass  # the group is gone already


def run_stack(model: str, ports: Ports, endpoints: str = "endpoints.yml",
              credentials: str = "credentials.yml", extra_env: dict | None = None) -> int:
    settings = get_settings()
    env = stack_environment(ports)
    env.update(extra_env or {})
    procs: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(signum=None, _frame=None):
        nonlocal stopping
        if stopping:
            return
        stopping = True
        if signum:
            print(f"\n[stack] signal {signal.Signals(signum).name}: stopping", flush=True)
        # Each server runs in a process group of its own: Rasa with SANIC_WORKERS > 1 forks worker
        # processes, which must stop with it and never outlive the stack as orphans.
        for proc in procs.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for proc in procs.values():
            _signal_group(proc, signal.SIGKILL)  # whatever is left of the group
            proc.wait()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    for name, cmd in stack_commands(model, ports, endpoints, credentials).items():
        procs[name] = subprocess.Popen(cmd, cwd=settings.project_root, env=env, start_new_session=True)
        print(f"[stack] started {name} (pid {procs[name].pid})", flush=True)
    print(
        f"[stack] Rasa http://localhost:{ports.rasa}  actions http://localhost:{ports.actions}  "
        f"web http://localhost:{ports.web}  (Ctrl-C stops all)",
        flush=True,
    )
    exit_code = 0
    while not stopping:
        for name, proc in procs.items():
            code = proc.poll()
            if code is not None:
                print(f"[stack] {name} exited with {code}: stopping the stack", flush=True)
                exit_code = code or 1
                stop()
                break
        time.sleep(0.5)
    stop()
    return exit_code
