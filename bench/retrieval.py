"""Retrieval figures over the full catalog on two evaluation sets:

* ``dev``  — knowledge/eval/retrieval.yml, the development set the retrieval is tuned on;
* ``dev2`` — knowledge/eval/retrieval_dev2.yml, a second development set written blind (without
  running the retrieval), with more of the catalog's long tail and of the FAQ;
* ``test`` — knowledge/eval/retrieval_test.yml, the held-out set, written before any tuning and
  only measured, never tuned on.

For each: top-1, top-3 and query latency (p50/p95, ms). `python -m bench.retrieval` prints JSON;
`--misses` also lists the dev questions whose expected answer is not first (`--test-misses` does
the same for the held-out set — read them to judge, not to tune). `measure()` returns the dict
(bench/run.py calls it)."""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
EVAL_FILE = ROOT / "knowledge" / "eval" / "retrieval.yml"
DEV2_FILE = ROOT / "knowledge" / "eval" / "retrieval_dev2.yml"
TEST_FILE = ROOT / "knowledge" / "eval" / "retrieval_test.yml"
SETS = {"dev": EVAL_FILE, "dev2": DEV2_FILE, "test": TEST_FILE}


def load_questions(path: Path = EVAL_FILE) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = []
    for q in data["questions"]:
        expect = q["expect"]
        out.append({"q": q["q"], "expect": [expect] if isinstance(expect, str) else list(expect)})
    return out


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1)))))
    return ordered[k]


def evaluate(index, questions: list[dict], show_misses: bool = False) -> dict:
    """top-1/top-3 and latency of one question set against a built index."""
    top1 = top3 = 0
    latencies: list[float] = []
    misses = []
    for _ in range(3):  # latency over three rounds; accuracy below
        for q in questions:
            t0 = time.perf_counter()
            index.search(q["q"], k=5)
            latencies.append((time.perf_counter() - t0) * 1000)
    for q in questions:
        results = index.search(q["q"], k=3)
        hit = [any(r.matches(label) for label in q["expect"]) for r in results]
        top1 += bool(hit[:1] and hit[0])
        top3 += any(hit)
        if not (hit[:1] and hit[0]):
            misses.append({"q": q["q"], "expect": q["expect"], "top3": any(hit),
                           "got": [f"{r.name} ({r.score:.2f})" for r in results]})
    n = len(questions)
    report = {
        "questions": n,
        "top1": round(top1 / n, 3) if n else 0.0,
        "top3": round(top3 / n, 3) if n else 0.0,
        "p50_ms": round(statistics.median(latencies), 2) if latencies else 0.0,
        "p95_ms": round(percentile(latencies, 95), 2) if latencies else 0.0,
    }
    if show_misses:
        report["misses"] = misses
    return report


def measure(show_misses: bool = False, show_test_misses: bool = False) -> dict:
    from bot.knowledge.search import build_index

    started = time.perf_counter()
    index = build_index()
    build_ms = (time.perf_counter() - started) * 1000
    index.search("身份证")  # warm-up
    report: dict = {}
    for name, path in SETS.items():
        if path.exists():
            report[name] = evaluate(index, load_questions(path),
                                    show_test_misses if name == "test" else show_misses)
    report.update({
        "index_build_ms": round(build_ms),
        "documents": len(index.results),
        "catalog_items": len(index.catalog),
        "guides": len(index.knowledge.guides),
        "faq": len(index.knowledge.faq),
    })
    return report


def main() -> int:
    print(json.dumps(measure("--misses" in sys.argv, "--test-misses" in sys.argv), ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
