"""Ticket routing accuracy: top-1 and top-3 over the departments on the held-out set
knowledge/routing/test.yml and, when they exist, on two blind sets of real-style messages written by
helper sessions that saw neither the training data nor the dispatch catalog (same format as test.yml):
- knowledge/eval/routing_blind.yml (``blind``): 440 messages, the development split — the dispatch
  catalog was extended from its misses on 2026-12-07, so its figures overstate;
- knowledge/eval/routing_blind_test.yml (``blind_test``): 240 messages by another writer, never
  tuned on; only its totals are looked at. The `make bench` targets apply to this split.
Each with the most frequent confusion pairs (expected → routed first).
The router is trained on knowledge/routing/train.yml + knowledge/dispatch_catalog.yml +
knowledge/departments.yml. `python -m bench.routing` prints JSON; `--misses` also lists the
requests routed wrongly."""
from __future__ import annotations

import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_FILE = ROOT / "knowledge" / "routing" / "test.yml"
BLIND_FILE = ROOT / "knowledge" / "eval" / "routing_blind.yml"
BLIND_TEST_FILE = ROOT / "knowledge" / "eval" / "routing_blind_test.yml"
CONFUSIONS = 10  # confusion pairs reported


def evaluate(router, examples, show_misses: bool = False) -> dict:
    """top-1/top-3, per-department top-1 and the most frequent confusion pairs of ``router`` on
    ``examples`` (bot.tickets.routing.Example)."""
    top1 = top3 = 0
    per_department: dict[str, Counter] = {}
    confusions: Counter = Counter()
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
            confusions[(ex.department, ranked[0] if ranked else "（无建议）")] += 1
            misses.append({"text": ex.text, "expect": ex.department, "got": ranked})
    n = len(examples)
    report = {
        "requests": n,
        "departments": len(per_department),
        "top1": round(top1 / n, 3) if n else None,
        "top3": round(top3 / n, 3) if n else None,
        "route_ms": round((time.perf_counter() - t0) * 1000 / max(1, n), 2),
        "per_department_top1": {d: round(c["top1"] / c["n"], 3) for d, c in sorted(per_department.items())},
        "confusions": [{"expected": e, "routed": g, "count": k} for (e, g), k in confusions.most_common(CONFUSIONS)],
    }
    if show_misses:
        report["misses"] = misses
    return report


def measure(show_misses: bool = False, test_file: Path = TEST_FILE, blind_file: Path = BLIND_FILE,
            blind_test_file: Path = BLIND_TEST_FILE) -> dict:
    """The held-out figures at the top level (as before), the blind development split's under ``blind``
    and the blind test split's under ``blind_test`` when those files exist. Misses are listed for the
    development split only: the test split is kept unread."""
    from bot.tickets.routing import build_router, load_examples

    started = time.perf_counter()
    router = build_router()
    train_ms = (time.perf_counter() - started) * 1000
    report = evaluate(router, load_examples(test_file), show_misses)
    report["train_ms"] = round(train_ms, 1)
    for key, path, misses in (("blind", blind_file, show_misses), ("blind_test", blind_test_file, False)):
        if path.exists():
            figures = evaluate(router, load_examples(path), misses)
            if key == "blind_test":
                figures.pop("confusions")  # kept unread: totals and per-department rates only
            report[key] = {"file": str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path), **figures}
    return report


if __name__ == "__main__":
    print(json.dumps(measure("--misses" in sys.argv), ensure_ascii=False, indent=2))
