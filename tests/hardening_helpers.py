"""Helpers of the hardening tests (faults, hostile input): a web service subprocess on a fresh
SQLite database, private Redis and PostgreSQL servers that a test may stop and start itself."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bot.ports import free_ports
from bot.stack import rasa_server_command

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "hardening-admin-token-0123456789"


def base_env(var_dir: Path, **extra: str) -> dict:
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT),
        "GOV_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'app.db'}",
        "TRACKER_DB": str(var_dir / "tracker.db"),
        "RASA_TELEMETRY_ENABLED": "false",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "GOV_ADMIN_TOKEN": ADMIN_TOKEN,
        "LOG_FORMAT": "json",
    })
    env.pop("REDIS_URL", None)
    env.update(extra)
    return env


class WebService:
    """`python -m bot serve` on a free port, its database migrated and seeded first."""

    def __init__(self, var_dir: Path, **env: str) -> None:
        self.var_dir = var_dir
        self.port = free_ports(1)[0]
        self.env = base_env(var_dir, **{"RASA_URL": "http://127.0.0.1:9", "ACTION_SERVER_URL": "http://127.0.0.1:9",
                                        **env})
        self.proc: subprocess.Popen | None = None
        self.log = var_dir / "web.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, seed: bool = True, timeout: float = 60) -> "WebService":
        if seed:
            subprocess.run([sys.executable, "-m", "bot", "seed"], cwd=ROOT, env=self.env, check=True,
                           capture_output=True, timeout=300)
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "serve", "--port", str(self.port),
                                      "--host", "127.0.0.1"], cwd=ROOT, env=self.env,
                                     stdout=self.log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("web service exited:\n" + self.log.read_text()[-3000:])
            try:
                if requests.get(self.url + "/api/openapi.json", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError("web service did not start:\n" + self.log.read_text()[-3000:])

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class PrivateRedis:
    """A redis-server of our own on a free port (no persistence), which a test may stop."""

    def __init__(self) -> None:
        self.port = free_ports(1)[0]
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        exe = shutil.which("redis-server")
        if exe is None:
            raise RuntimeError("redis-server not installed")
        self.proc = subprocess.Popen([exe, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--daemonize", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        for _ in range(100):
            try:
                if client.ping():
                    return self
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb in a temp dir, run as the postgres user on a free
    port), which a test may restart. Never the machine's shared server."""

    def __init__(self) -> None:
        self.bindir = _pg_bin()
        self.port = free_ports(1)[0]
        self.dir = Path(tempfile.mkdtemp(prefix="gov-pg-"))
        self.data = self.dir / "data"

    @staticmethod
    def missing() -> list[str]:
        """What a private cluster needs and this machine lacks (empty: it can run)."""
        out = []
        if _pg_bin() is None:
            out.append("PostgreSQL server binaries (/usr/lib/postgresql/*/bin/pg_ctl: apt-get install postgresql)")
        if shutil.which("runuser") is None:
            out.append("runuser (util-linux)")
        if os.geteuid() != 0:
            out.append("root (the cluster runs as the postgres user)")
        return out

    @staticmethod
    def available() -> bool:
        return not PrivatePostgres.missing()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=timeout)

    def init(self) -> "PrivatePostgres":
        shutil.chown(self.dir, "postgres")
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale", "C")
        return self

    def start(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "pg.log"), "-w",
                  "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
                        "-c fsync=off -c max_connections=200", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop("immediate")
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


MODEL = ROOT / "models" / "current.tar.gz"


class Proc:
    """One server subprocess (its own process group) that a test may kill and restart."""

    def __init__(self, name: str, cmd: list[str], env: dict, log: Path, health_url: str) -> None:
        self.name, self.cmd, self.env, self.log, self.health_url = name, cmd, env, log, health_url
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 240, wait: bool = True) -> "Proc":
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=self.log.open("ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            self.wait_healthy(timeout)
        return self

    def wait_healthy(self, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n" + self.log.read_text(errors="replace")[-3000:])
            try:
                resp = requests.get(self.health_url, timeout=3)
                if resp.status_code == 200 and (self.name != "rasa" or resp.json().get("model_file")):
                    return
            except (requests.RequestException, ValueError):
                pass
            time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not become healthy:\n" + self.log.read_text(errors="replace")[-3000:])

    def kill(self, sig: int = 9) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)


class Services:
    """Rasa server and action server as separate processes (unlike `make run`, where one dying
    stops the stack), so a fault test can kill one and restart it."""

    def __init__(self, var_dir: Path, endpoints: str = "endpoints.yml", **env: str) -> None:
        rasa_port, actions_port = free_ports(2)
        self.var_dir = var_dir
        self.env = base_env(var_dir, ACTION_ENDPOINT_URL=f"http://127.0.0.1:{actions_port}/webhook",
                            RASA_URL=f"http://127.0.0.1:{rasa_port}",
                            ACTION_SERVER_URL=f"http://127.0.0.1:{actions_port}", **env)
        self.rasa_url = f"http://127.0.0.1:{rasa_port}"
        self.actions_url = f"http://127.0.0.1:{actions_port}"
        self.actions = Proc("actions", [sys.executable, "-m", "rasa_sdk", "--actions", "actions",
                                        "--port", str(actions_port)], self.env, var_dir / "actions.log",
                            self.actions_url + "/health")
        self.rasa = Proc("rasa", rasa_server_command("run", "--enable-api", "--port", str(rasa_port),
                                                     "--model", str(MODEL), "--endpoints", endpoints,
                                                     "--credentials", "credentials.yml"), self.env, var_dir / "rasa.log",
                         self.rasa_url + "/status")

    def start(self) -> "Services":
        subprocess.run([sys.executable, "-m", "bot", "seed"], cwd=ROOT, env=self.env, check=True,
                       capture_output=True, timeout=300)
        self.actions.start(wait=False)
        self.rasa.start()
        self.actions.wait_healthy()
        return self

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def say(self, sender: str, text: str, timeout: float = 60) -> list[dict]:
        resp = requests.post(f"{self.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text},
                             timeout=timeout)
        assert resp.status_code == 200, resp.text
        return resp.json()

    def tracker(self, sender: str) -> dict:
        return requests.get(f"{self.rasa_url}/conversations/{sender}/tracker", timeout=30).json()


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)
