"""The blind conversation suite's TEST split (tests/conversations/test/, never tuned on) played
against the whole stack (tests/conversations/runner.py, docs/conversations.md). Fails below the pass
rate CONVERSATION_MIN_PASS and prints the summary: pass rate, failures by kind and
the failing ids with their kinds (the details are in results/conversations-test.json). Needs the trained model (make test trains it first)."""
from __future__ import annotations

import json
import os

import pytest

from tests.conversations import runner
from tests.test_stack_integration import MODEL, ROOT

pytestmark = pytest.mark.stack

# The gate sits under the measured pass rate, so a regression fails CI; the target (0.85,
# bench/report.md) is not reached yet. Raise it as the dialogue improves. History: 0.547 of 75 on
# 2026-12-02; on 2026-12-07 the split grew to 178 with 103 conversations of four new blind writers
# (their test halves started at 0.47), measured 0.494, then 0.51–0.53 by the end of the day; three
# more writers (h–j) grew it to 249, measured 0.514 with the code before them and 0.534 after; the
# margin covers live-chat hours (转人工 differs in and out of service hours) and run-to-run variation
# of a few conversations.
MIN_PASS = float(os.environ.get("CONVERSATION_MIN_PASS", "0.62"))
JOBS = int(os.environ.get("CONVERSATION_JOBS", "2"))


@pytest.fixture(scope="module")
def conversation_target(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail("models/current.tar.gz missing: run `make model` (make test does)")
    with runner.LiveStack(tmp_path_factory.mktemp("conversations")) as target:
        yield target


def test_conversation_files_are_valid():
    """Both splits load (format, unique ids) — cheap, and fails with every problem listed."""
    for split in runner.SPLITS:
        try:
            runner.load_split(split)
        except runner.FormatError as exc:
            pytest.fail(f"{split} split invalid:\n" + "\n".join(exc.errors))


def test_test_split_pass_rate(conversation_target):
    conversations = runner.load_split("test")
    if not conversations:
        pytest.skip("tests/conversations/test/ holds no conversations (python -m tests.conversations.split)")
    report = runner.run(conversations, conversation_target, jobs=JOBS)
    report["summary"]["split"] = "test"
    out = ROOT / "results" / "conversations-test.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    # Kinds only: the test split is not for tuning (the details are in the JSON report).
    summary = runner.format_summary(report, label="test", details=False)
    print(summary)
    rate = report["summary"]["pass_rate"]
    assert rate >= MIN_PASS, f"pass rate {rate:.1%} below {MIN_PASS:.0%} (CONVERSATION_MIN_PASS)\n{summary}"
