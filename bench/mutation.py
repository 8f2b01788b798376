"""`make mutate`: mutation testing (mutmut, configured in setup.cfg) of the pure-logic modules with
their fast tests, and the count of surviving mutants per module in bench/mutation.json — which
`make bench` puts in bench/report.md.

The counts may go down, never up: when a module has more survivors than the committed
bench/mutation.json records, the run fails (MUTATE_ALLOW_MORE=1 accepts the new counts, for a
change that adds code whose tests are still to come — say why in the commit).

Statuses (mutmut's): killed — a test failed under the mutant; survived — every test passed;
no_tests — no fast test runs that code (e.g. the database half of the audit trail, tested against
SQLite/PostgreSQL in tests/test_audit.py); timeout — the mutant made a test hang (counts as caught).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "mutation.json"
MODULES = ("bot.calendar", "bot.tickets.sla", "bot.identifiers", "bot.privacy", "bot.audit.trail")
STATUSES = ("killed", "survived", "no_tests", "timeout")


def _mutmut(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}   # the mutants/ copy must be imported
    # A machine time zone far from Asia/Shanghai: a mutant that uses the machine's local time instead
    # of the configured one is then caught (on a UTC machine it would look equivalent).
    env["TZ"] = "America/Los_Angeles"
    mutmut = Path(sys.executable).with_name("mutmut")
    return subprocess.run([str(mutmut), *args], cwd=ROOT, env=env, capture_output=True, text=True, check=check)


def module_of(mutant: str) -> str:
    """bot.calendar.x_parse_holiday_file__mutmut_3 → bot.calendar (methods: bot.calendar.xǁCoverageǁ…)."""
    name = mutant.split("__mutmut_")[0]
    for module in sorted(MODULES, key=len, reverse=True):
        if name.startswith(module + "."):
            return module
    return name.rsplit(".", 1)[0]


def parse_results(text: str) -> dict:
    counts: dict[str, Counter] = {m: Counter() for m in MODULES}
    for line in text.splitlines():
        if ": " not in line:
            continue
        name, status = line.strip().rsplit(": ", 1)
        counts.setdefault(module_of(name), Counter())[status.replace(" ", "_")] += 1
    return {m: {s: c.get(s, 0) for s in STATUSES} | {"total": sum(c.values())} for m, c in counts.items()}


def run() -> dict:
    shutil.rmtree(ROOT / "mutants", ignore_errors=True)     # no stale results from an earlier run
    started = time.monotonic()
    done = _mutmut("run", "--max-children", str(os.cpu_count() or 2), check=False)
    if done.returncode != 0:
        raise RuntimeError(f"mutmut run failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    modules = parse_results(_mutmut("results", "--all", "true").stdout)
    return {"generated": time.strftime("%Y-%m-%d %H:%M:%S"), "seconds": round(time.monotonic() - started),
            "tests": "setup.cfg [mutmut] pytest_add_cli_args_test_selection", "modules": modules}


def increases(previous: dict | None, current: dict) -> list[str]:
    if not previous:
        return []
    out = []
    for module, now in current["modules"].items():
        before = previous.get("modules", {}).get(module)
        if before is not None and now["survived"] > before["survived"]:
            out.append(f"{module}: {before['survived']} → {now['survived']} surviving mutants")
    return out


def table(data: dict) -> list[str]:
    lines = ["| module | mutants | killed | survived | no fast test | timeout |", "| --- | --- | --- | --- | --- | --- |"]
    for module, c in data["modules"].items():
        lines.append(f"| `{module}` | {c['total']} | {c['killed']} | {c['survived']} | {c['no_tests']} | {c['timeout']} |")
    return lines


def measure() -> dict | None:
    """For bench/run.py: the last `make mutate` figures (mutation testing is not re-run by the bench)."""
    return json.loads(OUT.read_text(encoding="utf-8")) if OUT.exists() else None


def main() -> int:
    previous = measure()
    current = run()
    print("\n".join(table(current)))
    worse = increases(previous, current)
    if worse and os.environ.get("MUTATE_ALLOW_MORE") != "1":
        print("more surviving mutants than bench/mutation.json records (write tests that kill them, or "
              "MUTATE_ALLOW_MORE=1 to accept):\n  " + "\n  ".join(worse), file=sys.stderr)
        return 1
    OUT.write_text(json.dumps(current, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"written {OUT.relative_to(ROOT)} ({current['seconds']} s); survivors: `mutmut results` lists them, "
          "`mutmut show NAME` shows one")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
