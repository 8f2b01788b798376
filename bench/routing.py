"""Ticket routing accuracy on the held-out set knowledge/routing/test.yml: top-1 and top-3 over
the departments, the classifier trained on knowledge/routing/train.yml + knowledge/departments.yml.
`python -m bench.routing` prints JSON; `--misses` also lists the requests routed wrongly."""
from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_FILE = ROOT / "knowledge" / "routing" / "test.yml"


def measure(show_misses: bool = False) -> dict:
    from bot.tickets.routing import build_router, load_examples

    started = time.perf_counter()
    router = build_router()
    train_ms = (time.perf_counter() - started) * 1000
    examples = load_examples(TEST_FILE)
    top1 = top3 = 0
    per_department: dict[str, Counter] = {}
    misses = []
    t0 = time.perf_counter()
    for ex in examples:
        ranked = [d for d, _ in router.route(ex.text, k=3)]
        hit1 = bool(ranked) and ranked[0] == ex.department
        top1 += hit1
        top3 += ex.department in ranked
        c = per_department.setdefault(ex.department, Counter())
        c["n"] += 1
        c["top1"] += hit1
        if not hit1:
            misses.append({"text": ex.text, "expect": ex.department, "got": ranked})
    per_ms = (time.perf_counter() - t0) * 1000 / max(1, len(examples))
    n = len(examples)
    report = {
        "requests": n,
        "departments": len(per_department),
        "top1": round(top1 / n, 3),
        "top3": round(top3 / n, 3),
        "train_ms": round(train_ms, 1),
        "route_ms": round(per_ms, 2),
        "per_department_top1": {d: round(c["top1"] / c["n"], 3) for d, c in sorted(per_department.items())},
    }
    if show_misses:
        report["misses"] = misses
    return report


if __name__ == "__main__":
    print(json.dumps(measure("--misses" in sys.argv), ensure_ascii=False, indent=2))
