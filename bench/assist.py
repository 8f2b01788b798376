"""Latency of POST /api/assist, as a hotline agent's console calls it: over real HTTP (aiohttp
server in this process, bearer-token auth, SQLite with resolved tickets for the similarity
search), a realistic mix of caller utterances in calls of one to three turns.

`measure()` returns JSON figures (bench/run.py puts them in bench/report.md); run alone with
``PYTHONPATH=. .venv/bin/python -m bench.assist``. Rasa's /model/parse is included: the Rasa at
RASA_URL when it answers, else a Rasa server started here with models/current.tar.gz (set
BENCH_ASSIST_START_RASA=0 to skip; the figures then say that the parse was not included).
"""
from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "current.tar.gz"
CALLS = 200
CONCURRENCY = 10

# Calls as agents hear them: questions about procedures, complaints, urgent help, follow-ups.
CONVERSATIONS = [
    ["你好，我想问一下办身份证要带什么材料"],
    ["我身份证丢了", "补办要多久"],
    ["请问护照在哪里办", "要带户口本吗"],
    ["我想办个体户营业执照", "那要多久能办好", "可以网上办吗"],
    ["我爸爸退休了，养老金怎么领"],
    ["医保卡在外地看病能报销吗", "要先备案吗"],
    ["孩子明年上小学，怎么报名"],
    ["我家楼道里有很大的煤气味", "在和平路12号3单元"],
    ["小区门口烧烤店油烟太大，晚上还很吵", "已经好几个月了", "我电话13800138000"],
    ["我们小区电梯坏了一周物业不修"],
    ["路灯坏了好几天了没人修", "就在滨河路口"],
    ["整栋楼停水两天了，也没有通知"],
    ["我想投诉一个工地晚上施工噪音太大"],
    ["老人走失了，穿蓝色衣服"],
    ["公司拖欠工资三个月了怎么办", "去哪里申请劳动仲裁"],
    ["建议在学校门口增设红绿灯"],
    ["请问结婚登记需要什么材料"],
    ["我想查一下我的社保缴费记录"],
    ["失业了能领失业金吗", "需要什么条件"],
    ["表扬一下政务大厅的工作人员，服务很好"],
    ["新生儿怎么上户口"],
    ["我想开个餐馆，要办什么证"],
    ["公积金怎么提取", "租房可以提吗"],
    ["井盖丢了，很危险", "在人民路和中山路交叉口"],
    ["有人在河里偷排污水，我要举报"],
]
# Resolved tickets for the similarity search: (description, reply).
RESOLVED = [
    ("小区电梯坏了一周物业不修", "已责成物业三日内修复电梯，区住建局督促维保单位每月检查。"),
    ("烧烤店油烟扰民", "区综合执法局已要求商户安装油烟净化设施，并限定营业时间。"),
    ("路灯不亮", "已通知路灯管理所维修，现已恢复照明。"),
    ("工地夜间施工噪音", "已责令施工单位夜间22时后停止高噪声作业。"),
    ("停水没有提前通知", "供水公司因管网抢修停水，已要求今后提前24小时公告。"),
    ("拖欠工资", "区人社局劳动监察大队已约谈用人单位，工资已于本周发放。"),
    ("河道有人排污", "区生态环境局已现场查处，责令整改并立案处罚。"),
    ("井盖缺失", "已设置警示围挡，当日补装井盖。"),
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1)))))
    return round(ordered[k], 1)


def _rasa_up(url: str) -> bool:
    try:
        return requests.post(f"{url}/model/parse", json={"text": "你好"}, timeout=3).ok
    except requests.RequestException:
        return False


def _start_rasa(var: Path):
    from bot.ports import free_ports
    from bot.stack import rasa_server_command

    port = free_ports(1)[0]
    url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TRACKER_DB=str(var / "tracker.db"),
               ACTION_ENDPOINT_URL="http://127.0.0.1:9/webhook", PYTHONPATH=str(ROOT))
    log = (var / "rasa.log").open("ab")
    proc = subprocess.Popen(rasa_server_command("run", "--enable-api", "--port", str(port),
                                               "--model", str(MODEL), "--endpoints", "endpoints.yml"),
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            status = requests.get(f"{url}/status", timeout=2)
            if status.ok and status.json().get("model_file"):
                return proc, url
        except requests.RequestException:
            pass
        time.sleep(1)
    proc.terminate()
    proc.wait(30)
    return None, None


def _prepare_database(url: str) -> str:
    """Migrated SQLite with departments, a dispatcher and a handler per department, resolved tickets;
    returns the dispatcher's token."""
    from sqlalchemy.orm import Session

    from bot.auth import service as auth
    from bot.db import migrate, sync_engine

    migrate.upgrade(url)
    engine = sync_engine(url)
    with Session(engine, future=True) as s, s.begin():
        auth.sync_departments(s)
        auth.add_user(s, "bench-dispatcher", "dispatcher")
        token = auth.issue_token(s, "bench-dispatcher")
    engine.dispose()
    return token


async def _resolve_tickets(repeat: int = 25) -> None:
    from bot.auth.service import SYSTEM
    from bot.tickets import service

    for i in range(repeat):
        for description, reply in RESOLVED:
            t = await service.create_ticket({"description": f"{description}（{i}）"}, actor=SYSTEM)
            if t["department"] is None:
                continue
            for action, params in (("sign", {}), ("contact", {}), ("reply", {"text": reply}), ("resolve", {})):
                await service.act(t["ticket_no"], action, SYSTEM, params=params)


async def _run(token: str, calls: int, concurrency: int) -> dict:
    from aiohttp.test_utils import TestClient, TestServer

    from bot import assist
    from bot.web.app import create_app

    await asyncio.get_running_loop().run_in_executor(None, assist.warm_up)
    await _resolve_tickets()
    client = TestClient(TestServer(create_app(), host="127.0.0.1"))
    await client.start_server()
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(12345)
    plan: list[tuple[str, str]] = []
    while len(plan) < calls:
        call_id = uuid.uuid4().hex
        for text in rng.choice(CONVERSATIONS):
            plan.append((call_id, text))
    plan = plan[:calls]

    async def one(call_id: str, text: str) -> tuple[float, dict]:
        started = time.perf_counter()
        resp = await client.post("/api/assist", json={"text": text, "call_id": call_id}, headers=headers)
        body = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"/api/assist answered {resp.status}: {body}")
        return (time.perf_counter() - started) * 1000, body

    try:
        for call_id, text in plan[:10]:  # warm the connection pools
            await one(call_id, text)
        sequential, parsed, similar = [], 0, 0
        for call_id, text in plan:
            ms, body = await one(call_id, text)
            sequential.append(ms)
            parsed += body["nlu"]["available"]
            similar += any(s["source"] == "ticket" for s in body["suggestions"])
        queue = list(plan)
        concurrent: list[float] = []

        async def agent() -> None:
            while queue:
                call_id, text = queue.pop()
                concurrent.append((await one(call_id, text))[0])

        started = time.perf_counter()
        await asyncio.gather(*(agent() for _ in range(concurrency)))
        wall = time.perf_counter() - started
    finally:
        await client.close()
    return {
        "calls": len(sequential),
        "sequential_ms": {"p50": percentile(sequential, 50), "p95": percentile(sequential, 95),
                          "max": round(max(sequential), 1), "mean": round(statistics.mean(sequential), 1)},
        f"concurrent_{concurrency}_agents_ms": {"p50": percentile(concurrent, 50),
                                                "p95": percentile(concurrent, 95),
                                                "throughput_per_s": round(len(concurrent) / wall, 1)},
        "calls_with_rasa_intent": parsed,
        "calls_with_similar_ticket": similar,
    }


def measure(calls: int = CALLS, concurrency: int = CONCURRENCY) -> dict:
    from bot.settings import get_settings, reload_settings

    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "RASA_URL", "REDIS_URL", "GOV_VAR_DIR", "RATE_LIMIT_API")}
    rasa_proc = None
    with tempfile.TemporaryDirectory(prefix="bench-assist-") as tmp:
        var = Path(tmp)
        try:
            rasa_url = get_settings().rasa_url
            rasa_note = f"Rasa /model/parse at {rasa_url} included"
            if not _rasa_up(rasa_url):
                rasa_url = None
                if MODEL.exists() and os.environ.get("BENCH_ASSIST_START_RASA", "1") != "0":
                    rasa_proc, rasa_url = _start_rasa(var)
                    rasa_note = "Rasa /model/parse included (Rasa started by the bench with models/current.tar.gz)"
                if rasa_url is None:
                    rasa_url = "http://127.0.0.1:9"
                    rasa_note = "Rasa not reachable: /model/parse NOT included (intent empty)"
            db_url = f"sqlite:///{var / 'app.db'}"
            # One client sends all the calls here: the per-IP API rate limit would measure itself.
            os.environ.update({"DATABASE_URL": db_url, "RASA_URL": rasa_url, "GOV_VAR_DIR": str(var),
                               "RATE_LIMIT_API": "0"})
            os.environ.pop("REDIS_URL", None)
            reload_settings()
            token = _prepare_database(db_url)
            figures = asyncio.run(_run(token, calls, concurrency))
            figures["rasa"] = rasa_note
            figures["context_store"] = "in-process (REDIS_URL unset)"
            figures["database"] = "SQLite"
            figures["rate_limit"] = "off (RATE_LIMIT_API=0) for the bench client"
            figures["target"] = "p95 < 100 ms"
            figures["meets_target"] = figures["sequential_ms"]["p95"] < 100
            return figures
        finally:
            if rasa_proc is not None:
                rasa_proc.terminate()
                try:
                    rasa_proc.wait(30)
                except subprocess.TimeoutExpired:
                    rasa_proc.kill()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            reload_settings()


if __name__ == "__main__":
    print(json.dumps(measure(), ensure_ascii=False, indent=2))
