"""`make bench`: everything measured in one run on this machine, written to bench/report.md (+ JSON).

(a) NLU on data/test/ for this project's pipeline and for the baseline (Rasa's default Chinese
pipeline, bench/baseline-config.yml) trained on the same data in the same run; (b) /model/parse
latency; (c) full turns through the REST webhook at 1, 10 and 50 concurrent conversations, both
models; (d) retrieval, routing, assist and hot-issue grouping figures from their own bench modules when present;
(e) peak memory of each process; (f) training time; (g) the blind conversation suite
(tests/conversations/, both splits) through the whole stack with models/current.tar.gz.
"""
from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aiohttp

from bot.rasa_server.channels.replies import APOLOGY, BUSY
from bot.ports import free_ports
from bot.stack import rasa_server_command

FAILURE_REPLIES = {APOLOGY, BUSY}

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench"
MODELS = ROOT / "models" / "bench"
TRAIN_DATA = ["data/nlu"] + sorted(str(p.relative_to(ROOT)) for p in (ROOT / "data").glob("*.yml"))

# A conversation as citizens have them: greeting, questions, thanks.
SCRIPT = ["你好", "办身份证要带什么材料", "营业执照多久能办好", "我要投诉楼下烧烤店油烟太大", "谢谢", "再见"]
PARSE_TEXTS = ["你好", "請問辦身份證要帶什麼資料", "我的申请SP20260114003到哪一步了", "家里停水两天了怎么办",
               "建议在小区门口增设公交站", "人工客服", "医保卡在外地能用吗", "我想申请政府信息公开"]


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def train(config: str, name: str) -> tuple[str, float]:
    MODELS.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "rasa"), "train", "--config", config, "--domain", "domain.yml",
         "--data", *TRAIN_DATA, "--out", str(MODELS), "--fixed-model-name", name, "--quiet", "--force"],
        cwd=ROOT, check=True,
    )
    return str(MODELS / f"{name}.tar.gz"), round(time.perf_counter() - started, 1)


def _plain_rasa(*args: str) -> list[str]:
    return [str(Path(sys.executable).parent / "rasa"), *args]


class Servers:
    """Rasa + action server for one model (the web service is started separately)."""

    def __init__(self, model: str, tag: str, endpoints: str = "endpoints.yml"):
        self.model = model
        self.tag = tag
        self.endpoints = endpoints
        self.rasa_port, self.actions_port = free_ports(2)
        self.procs: dict[str, subprocess.Popen] = {}
        self.tmp = ROOT / "var" / "bench" / tag
        self.tmp.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_TELEMETRY_ENABLED="false",
                   ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.actions_port}/webhook",
                   TRACKER_DB=str(self.tmp / f"tracker-{uuid.uuid4().hex[:6]}.db"))
        log = (self.tmp / "servers.log").open("ab")
        self.procs["actions"] = subprocess.Popen(
            [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", str(self.actions_port)],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        # The baseline is stock Rasa (its own tracker store, none of our patches): plain `rasa`.
        rasa = rasa_server_command if self.endpoints == "endpoints.yml" else _plain_rasa
        self.procs["rasa"] = subprocess.Popen(
            rasa("run", "--enable-api", "--port", str(self.rasa_port), "--model", self.model,
                                "--endpoints", self.endpoints, "--credentials", "credentials.yml"),
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        import requests

        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/status", timeout=2).json().get("model_file"):
                    requests.get(f"http://127.0.0.1:{self.actions_port}/health", timeout=2).raise_for_status()
                    return
            except Exception:
                time.sleep(1)
        raise RuntimeError(f"{self.tag}: servers did not start; see {self.tmp / 'servers.log'}")

    def memory(self) -> dict:
        return {name: peak_rss_mb(p.pid) for name, p in self.procs.items()}

    def stop(self) -> None:
        for p in self.procs.values():
            p.send_signal(signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


async def parse_latency(url: str, rounds: int = 25) -> dict:
    latencies = []
    async with aiohttp.ClientSession() as session:
        for text in PARSE_TEXTS[:2]:  # warm-up
            await (await session.post(f"{url}/model/parse", json={"text": text})).read()
        for _ in range(rounds):
            for text in PARSE_TEXTS:
                started = time.perf_counter()
                async with session.post(f"{url}/model/parse", json={"text": text}) as resp:
                    await resp.read()
                    assert resp.status == 200
                latencies.append((time.perf_counter() - started) * 1000)
    return {"n": len(latencies), "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1)}


async def full_turns(url: str, concurrency: int, conversations_each: int = 2) -> dict:
    latencies: list[float] = []
    errors = 0

    async def conversation(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        for _ in range(conversations_each):
            sender = f"bench-{uuid.uuid4().hex}"
            for text in SCRIPT:
                started = time.perf_counter()
                try:
                    async with session.post(f"{url}/webhooks/rest/webhook",
                                            json={"sender": sender, "message": text}) as resp:
                        body = await resp.json()
                        # The REST channel answers a turn it could not handle with an apology.
                        if resp.status != 200 or not body or any(m.get("text") in FAILURE_REPLIES for m in body):
                            errors += 1
                except Exception:
                    errors += 1
                latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await conversation_warmup(session, url)
        started = time.perf_counter()
        await asyncio.gather(*(conversation(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {"concurrency": concurrency, "turns": len(latencies), "errors": errors,
            "p50_ms": round(percentile(latencies, 50), 1), "p95_ms": round(percentile(latencies, 95), 1),
            "turns_per_s": round(len(latencies) / elapsed, 1)}


async def conversation_warmup(session: aiohttp.ClientSession, url: str) -> None:
    sender = f"warm-{uuid.uuid4().hex}"
    for text in SCRIPT:
        async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as r:
            await r.read()


def nlu_eval(model: str, data: str = "test") -> dict:
    """NLU figures on data/test/ (held out) or data/dev/ (the development sets, never trained on)."""
    from bot.nlu.evaluate import evaluate

    return evaluate(model, ROOT / "data" / data).as_dict()


def optional_bench(module: str) -> dict | None:
    """Figures of another area's benchmark module (retrieval, routing, assist) when it exists."""
    if importlib.util.find_spec(module) is None:
        return None
    mod = importlib.import_module(module)
    if hasattr(mod, "measure"):
        return mod.measure()
    # Modules that only print their JSON figures when run as `python -m`.
    out = subprocess.run([sys.executable, "-m", module], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(out.stdout[out.stdout.index("{"):])


def measure_models() -> dict:
    results: dict = {"machine": {"cores": os.cpu_count()}}
    for tag, config, endpoints in (("project", "config.yml", "endpoints.yml"),
                                   ("baseline", "bench/baseline-config.yml", "bench/baseline-endpoints.yml")):
        print(f"[bench] training {tag} …", flush=True)
        model, seconds = train(config, f"bench-{tag}")
        entry: dict = {"training_s": seconds}
        print(f"[bench] NLU evaluation {tag} …", flush=True)
        evaluation = nlu_eval(model)
        entry["nlu"] = {k: evaluation[k] for k in ("accuracy", "macro_f1", "count", "per_intent")}
        dev = nlu_eval(model, "dev")
        entry["nlu_dev"] = {k: dev[k] for k in ("accuracy", "macro_f1", "count")}
        servers = Servers(model, tag, endpoints)
        servers.start()
        try:
            print(f"[bench] parse latency {tag} …", flush=True)
            entry["parse"] = asyncio.run(parse_latency(servers.url))
            entry["turns"] = []
            for concurrency in (1, 10, 50):
                print(f"[bench] full turns {tag} × {concurrency} …", flush=True)
                # 240 turns at 1 and 10 concurrent conversations (a steadier p95), 600 at 50
                each = 2 if concurrency == 50 else 4 * 10 // concurrency
                entry["turns"].append(asyncio.run(full_turns(servers.url, concurrency, each)))
            entry["peak_memory_mb"] = servers.memory()
        finally:
            servers.stop()
        results[tag] = entry
    return results


def measure_conversations() -> dict | None:
    """Pass rate and failure kinds of both splits of the blind conversation suite, played against one
    fresh whole stack (tests/conversations/runner.py); the reports go to results/conversations-*.json."""
    from tests.conversations import runner

    splits = {name: runner.load_split(name) for name in runner.SPLITS}
    if not any(splits.values()):
        return None
    out: dict = {}
    (ROOT / "results").mkdir(exist_ok=True)
    with runner.LiveStack() as target:
        for name, conversations in splits.items():
            print(f"[bench] conversations {name} ({len(conversations)}) …", flush=True)
            report = runner.run(conversations, target, jobs=2)
            report["summary"]["split"] = name
            (ROOT / "results" / f"conversations-{name}.json").write_text(
                json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
            out[name] = report["summary"]
    return out


def _get(d: dict | None, *path):
    for key in path:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def targets(results: dict) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for every target the issues set."""
    p, b = results["project"], results["baseline"]
    t10p = next(t for t in p["turns"] if t["concurrency"] == 10)
    t10b = next(t for t in b["turns"] if t["concurrency"] == 10)
    ratio = t10p["turns_per_s"] / t10b["turns_per_s"] if t10b["turns_per_s"] else float("nan")
    rows = [
        ("NLU macro-F1 ≥ 0.93", f"{p['nlu']['macro_f1']:.4f}", p["nlu"]["macro_f1"] >= 0.93),
        ("NLU macro-F1 ≥ baseline + 0.03", f"{p['nlu']['macro_f1']:.4f} vs {b['nlu']['macro_f1']:.4f}",
         p["nlu"]["macro_f1"] >= b["nlu"]["macro_f1"] + 0.03),
        ("full-turn p95 ≤ 150 ms at 10 concurrent", f"{t10p['p95_ms']} ms", t10p["p95_ms"] <= 150),
        ("turns/s ≥ 3× baseline (10 concurrent)", f"{ratio:.2f}×", ratio >= 3),
    ]
    for label, path, op, limit in (
        ("retrieval top-1 ≥ 0.85 (held-out)", ("retrieval", "test", "top1"), ">=", 0.85),
        ("retrieval top-3 ≥ 0.95 (held-out)", ("retrieval", "test", "top3"), ">=", 0.95),
        ("search p95 < 20 ms", ("retrieval", "test", "p95_ms"), "<", 20),
        ("routing top-1 ≥ 0.85", ("routing", "top1"), ">=", 0.85),
        ("routing top-1 ≥ 0.85 (blind test split)", ("routing", "blind_test", "top1"), ">=", 0.85),
        ("routing top-3 ≥ 0.97 (blind test split)", ("routing", "blind_test", "top3"), ">=", 0.97),
        ("assist p95 < 100 ms (sequential calls)", ("assist", "sequential_ms", "p95"), "<", 100),
        ("hot-issue grouping pairwise precision ≥ 0.9 (seeded month)", ("hot_issues", "pairwise", "precision"), ">=", 0.9),
        ("hot-issue grouping pairwise recall ≥ 0.9 (seeded month)", ("hot_issues", "pairwise", "recall"), ">=", 0.9),
        ("conversations pass rate ≥ 0.85 (test split)", ("conversations", "test", "pass_rate"), ">=", 0.85),
    ):
        value = _get(results, *path)
        met = None if value is None else (value >= limit if op == ">=" else value < limit)
        rows.append((label, "not measured" if value is None else str(value), met))
    return rows


def render(results: dict) -> str:
    p, b = results["project"], results["baseline"]
    lines = ["# Benchmark report", "", f"Generated {time.strftime('%Y-%m-%d %H:%M:%S')} on this machine "
             f"({results['machine']['cores']} cores), all figures from one run of `make bench`.", "",
             "The baseline is stock Rasa 3.6: its default pipeline and policies for Chinese "
             "(bench/baseline-config.yml) on its own SQL tracker store (bench/baseline-endpoints.yml), "
             "with the same domain, training data, channels and action server as the project.", "",
             "## Targets", "", "| target | measured | met |", "| --- | --- | --- |",
             *[f"| {t} | {m} | {'yes' if ok else ('—' if ok is None else 'NO')} |" for t, m, ok in targets(results)],
             "",
             "## NLU on data/test/ (held out)", "", "| | project | baseline (Rasa default, DIET) |",
             "| --- | --- | --- |",
             f"| accuracy | {p['nlu']['accuracy']:.4f} | {b['nlu']['accuracy']:.4f} |",
             f"| macro-F1 | {p['nlu']['macro_f1']:.4f} | {b['nlu']['macro_f1']:.4f} |",
             f"| training time (s) | {p['training_s']} | {b['training_s']} |",
             f"| data/dev/ ({p['nlu_dev']['count']}, development sets): accuracy / macro-F1 | "
             f"{p['nlu_dev']['accuracy']:.4f} / {p['nlu_dev']['macro_f1']:.4f} | "
             f"{b['nlu_dev']['accuracy']:.4f} / {b['nlu_dev']['macro_f1']:.4f} |", "",
             "| intent | project F1 | baseline F1 | support |", "| --- | --- | --- | --- |"]
    for intent, row in sorted(p["nlu"]["per_intent"].items()):
        brow = b["nlu"]["per_intent"].get(intent, {})
        lines.append(f"| {intent} | {row['f1']:.3f} | {brow.get('f1', float('nan')):.3f} | {row['support']} |")
    lines += ["", "## /model/parse latency", "", "| | p50 ms | p95 ms |", "| --- | --- | --- |",
              f"| project | {p['parse']['p50_ms']} | {p['parse']['p95_ms']} |",
              f"| baseline | {b['parse']['p50_ms']} | {b['parse']['p95_ms']} |", "",
              "## Full turns through the REST webhook (with the action server)", "",
              "| concurrency | project p50 / p95 ms | project turns/s | baseline p50 / p95 ms | baseline turns/s | errors (p/b) |",
              "| --- | --- | --- | --- | --- | --- |"]
    for pt, bt in zip(p["turns"], b["turns"]):
        lines.append(f"| {pt['concurrency']} | {pt['p50_ms']} / {pt['p95_ms']} | {pt['turns_per_s']} | "
                     f"{bt['p50_ms']} / {bt['p95_ms']} | {bt['turns_per_s']} | {pt['errors']}/{bt['errors']} |")
    lines += ["", "## Peak memory (MB, VmHWM)", "", "| process | project | baseline |", "| --- | --- | --- |"]
    for proc in ("rasa", "actions"):
        lines.append(f"| {proc} | {p['peak_memory_mb'].get(proc)} | {b['peak_memory_mb'].get(proc)} |")
    conv = results.get("conversations")
    if conv and "error" not in conv:
        lines += ["", "## Conversations (blind multi-turn suite, whole stack)", "",
                  "| split | passed | pass rate | seconds | failures by kind (conversations) |",
                  "| --- | --- | --- | --- | --- |"]
        for split, c in conv.items():
            kinds = ", ".join(f"{k} {n}" for k, n in c["failures_by_kind"].items()) or "—"
            rate = "—" if c["pass_rate"] is None else f"{c['pass_rate']:.3f}"
            lines.append(f"| {split} | {c['passed']}/{c['total']} | {rate} | {c['seconds']} | {kinds} |")
        lines.append("\nPer-conversation failures and transcripts: `results/conversations-dev.json`, "
                     "`results/conversations-test.json`.")
    elif conv:
        lines += ["", "## Conversations", "", f"not measured: {conv['error']}"]
    for key, title in (("retrieval", "Retrieval (service procedures)"), ("routing", "Ticket routing"),
                       ("assist", "Hotline assist"), ("hot_issues", "Hot issues: event grouping on a seeded month")):
        if results.get(key):
            lines += ["", f"## {title}", "", "```json", json.dumps(results[key], ensure_ascii=False, indent=2), "```"]
    lines += ["", "## Mutation testing (`make mutate`, pure-logic modules, fast tests)", ""]
    mutation = results.get("mutation")
    if mutation and mutation.get("modules"):
        from bench.mutation import table

        lines += [f"From the `make mutate` run of {mutation['generated']} (bench/mutation.json; survivors may go "
                  "down, never up):", "", *table(mutation)]
    else:
        lines.append("Not measured: run `make mutate` (it writes bench/mutation.json).")
    return "\n".join(lines) + "\n"


def main() -> int:
    results = measure_models()
    for key, module in (("retrieval", "bench.retrieval"), ("routing", "bench.routing"), ("assist", "bench.assist"),
                        ("hot_issues", "bench.hot_issues")):
        try:
            results[key] = optional_bench(module)
        except Exception as exc:  # one area's failure must not lose the others' figures
            results[key] = {"error": repr(exc)}
    try:
        results["conversations"] = measure_conversations()
    except Exception as exc:  # as above: the other figures are kept
        results["conversations"] = {"error": repr(exc)}
    from bench.mutation import measure as mutation_figures

    results["mutation"] = mutation_figures()
    OUT_DIR.mkdir(exist_ok=True)
    (OUT_DIR / "report.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    (OUT_DIR / "report.md").write_text(render(results), encoding="utf-8")
    print((OUT_DIR / "report.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
