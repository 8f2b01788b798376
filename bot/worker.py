"""The ticket worker: SLA sweeps, reminders, escalation and citizen notices (bot.tickets.sweep), and
the deletion of expired pre-check uploads (bot.uploads.service.sweep).

Several workers may run (``python -m bot worker`` processes, and one inside each web service
process for ``make run``); exactly one leads and sweeps, the others stand by:

- with ``REDIS_URL``: the Redis key ``gov:worker:leader`` taken with ``SET NX PX`` and renewed by its
  holder (compare-and-extend in Lua, so nobody extends or deletes a lock it lost);
- without Redis: the row ``worker_leases(name='tickets')`` in the application database, taken or
  renewed with one conditional UPDATE (``holder = me OR expires_at < now``).

A leader that dies stops renewing; after the lease time (``LEASE_SECONDS``) another worker takes over.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta, timezone
from typing import Callable, Optional

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope
from bot.settings import get_settings
from bot.tickets.models import WorkerLease

logger = logging.getLogger(__name__)

LEASE_SECONDS = 30.0
LEASE_NAME = "tickets"
REDIS_KEY = "gov:worker:leader"

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def new_worker_id() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class RedisLeader:
    def __init__(self, redis, worker_id: str, key: str = REDIS_KEY, lease: float = LEASE_SECONDS) -> None:
        self.redis, self.id, self.key, self.lease_ms = redis, worker_id, key, int(lease * 1000)

    async def hold(self) -> bool:
        """Take the lock if free, renew it if ours; True while we lead."""
        if await self.redis.set(self.key, self.id, nx=True, px=self.lease_ms):
            return True
        return bool(await self.redis.eval(_RENEW, 1, self.key, self.id, self.lease_ms))

    async def release(self) -> None:
        await self.redis.eval(_RELEASE, 1, self.key, self.id)


class DbLeader:
    def __init__(self, worker_id: str, url: Optional[str] = None, name: str = LEASE_NAME,
                 lease: float = LEASE_SECONDS, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.id, self.url, self.name, self.lease, self.clock = worker_id, url, name, lease, clock

    async def hold(self) -> bool:
        now = self.clock()
        until = now + timedelta(seconds=self.lease)
        async with session_scope(self.url) as session:
            result = await session.execute(
                update(WorkerLease).where(WorkerLease.name == self.name,
                                          (WorkerLease.holder == self.id) | (WorkerLease.expires_at < now))
                .values(holder=self.id, expires_at=until).execution_options(synchronize_session=False))
            if result.rowcount == 1:
                return True
        try:  # no row yet: the first worker creates it
            async with session_scope(self.url) as session:
                session.add(WorkerLease(name=self.name, holder=self.id, expires_at=until))
            return True
        except IntegrityError:
            return False

    async def release(self) -> None:
        async with session_scope(self.url) as session:
            await session.execute(
                update(WorkerLease).where(WorkerLease.name == self.name, WorkerLease.holder == self.id)
                .values(expires_at=datetime(1970, 1, 1, tzinfo=timezone.utc))
                .execution_options(synchronize_session=False))


def default_leader(worker_id: str, url: Optional[str] = None):
    from bot.redis_client import get_redis

    redis = get_redis()
    return RedisLeader(redis, worker_id) if redis is not None else DbLeader(worker_id, url)


class Worker:
    def __init__(self, url: Optional[str] = None, leader=None, interval: Optional[float] = None,
                 sweep: Optional[Callable] = None, worker_id: Optional[str] = None) -> None:
        self.id = worker_id or new_worker_id()
        self.url = url
        self.leader = leader or default_leader(self.id, url)
        self.interval = float(interval or get_settings().worker_interval)
        self._sweep = sweep
        self.leading = False
        self.sweeps = 0
        self._stop = asyncio.Event()

    async def tick(self) -> bool:
        """One beat: hold leadership; the leader sweeps. True when this worker led."""
        try:
            leading = await self.leader.hold()
        except Exception as exc:
            logger.warning("worker: leadership check failed (%s)", type(exc).__name__)
            leading = False
        if leading != self.leading:
            logger.info("worker %s", "leads" if leading else "stands by", extra={"worker": self.id})
            self.leading = leading
        if leading:
            try:
                if self._sweep is not None:
                    await self._sweep()
                else:
                    from bot.supervision.service import sweep as supervision_sweep  # 电子监察, 全程告知
                    from bot.tickets.sweep import sweep
                    from bot.uploads.service import sweep as uploads_sweep  # retention of pre-check uploads

                    await sweep(self.url)
                    await supervision_sweep(self.url)
                    await uploads_sweep(self.url)
                self.sweeps += 1
            except Exception:
                logger.exception("worker sweep failed")
        return leading

    async def run(self) -> None:
        logger.info("worker started", extra={"worker": self.id, "interval": self.interval})
        try:
            while not self._stop.is_set():
                await self.tick()
                try:
                    await asyncio.wait_for(self._stop.wait(), timeout=min(self.interval, LEASE_SECONDS / 3))
                except asyncio.TimeoutError:
                    pass
        finally:
            if self.leading:
                try:
                    await self.leader.release()
                except Exception:
                    pass
            logger.info("worker stopped", extra={"worker": self.id})

    def stop(self) -> None:
        self._stop.set()


# ---- inside the web service (make run) --------------------------------------------------------

async def start_in_app(app) -> None:
    if not get_settings().worker_in_web:
        return
    worker = Worker()
    app["ticket_worker"] = worker
    app["ticket_worker_task"] = asyncio.get_running_loop().create_task(worker.run())


async def stop_in_app(app) -> None:
    worker, task = app.get("ticket_worker"), app.get("ticket_worker_task")
    if worker is None:
        return
    worker.stop()
    try:
        await asyncio.wait_for(task, 10)
    except Exception:
        task.cancel()


# ---- python -m bot worker ---------------------------------------------------------------------

def _cmd_worker(args) -> int:
    from bot.db import dispose_engine, migrate

    migrate.upgrade()
    from bot.supervision.policy import load_policy

    load_policy()  # knowledge/supervision.yml validated at start-up: a broken file stops the worker
    worker = Worker(interval=args.interval)

    async def main() -> None:
        import signal

        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, worker.stop)
        if args.once:
            await worker.tick()
        else:
            await worker.run()
        await dispose_engine()

    asyncio.run(main())
    return 0


def register(subparsers, import_subparsers) -> None:
    p = subparsers.add_parser("worker", help="ticket worker: SLA sweeps, reminders, escalation, citizen notices")
    p.add_argument("--interval", type=float, default=None, help="seconds between sweeps (WORKER_INTERVAL)")
    p.add_argument("--once", action="store_true", help="one beat (take leadership if free, sweep) and exit")
    p.set_defaults(func=_cmd_worker)
