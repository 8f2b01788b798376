"""Intent evaluation of a trained model on the held-out split (data/test/): accuracy, macro-F1 and
a per-intent table. Used by `make test` (fails below the threshold) and by `make bench`."""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class EvaluationResult:
    accuracy: float
    macro_f1: float
    per_intent: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    count: int = 0

    def table(self) -> str:
        lines = [f"{'intent':<28}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>9}"]
        for intent, row in sorted(self.per_intent.items()):
            lines.append(
                f"{intent:<28}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}{row['support']:>9d}"
            )
        lines.append(f"accuracy {self.accuracy:.4f}   macro-F1 {self.macro_f1:.4f}   examples {self.count}")
        return "\n".join(lines)

    def as_dict(self) -> dict:
        return {
            "accuracy": self.accuracy,
            "macro_f1": self.macro_f1,
            "count": self.count,
            "per_intent": self.per_intent,
            "errors": self.errors,
        }


def load_examples(path: Path) -> list[tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(ex.get("text"), ex.get("intent")) for ex in data.intent_examples]


def score(truth: list[str], predicted: list[str]) -> tuple[float, float, dict]:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_intent = {
        label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for label, p, r, f, s in zip(labels, precision, recall, f1, support)
    }
    macro = float(sum(f1) / len(f1)) if len(f1) else 0.0
    return float(accuracy_score(truth, predicted)), macro, per_intent


def _quiet_structlog() -> None:
    # Rasa's structlog otherwise prints a debug line per parsed message.
    import logging

    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


async def _predict(model_path: str, texts: list[str]) -> list[str]:
    from rasa.core.agent import Agent

    _quiet_structlog()
    agent = Agent.load(model_path)
    out = []
    for text in texts:
        parsed = await agent.parse_message(text)
        out.append((parsed.get("intent") or {}).get("name") or "")
    return out


def evaluate(model_path: str, test_path: Path) -> EvaluationResult:
    if not Path(model_path).is_file():
        # Rasa would silently load the newest model beside a missing path.
        raise FileNotFoundError(f"no model file at {model_path}")
    examples = load_examples(test_path)
    texts = [t for t, _ in examples]
    truth = [i for _, i in examples]
    predicted = asyncio.run(_predict(model_path, texts))
    accuracy, macro, per_intent = score(truth, predicted)
    errors = [
        {"text": t, "intent": i, "predicted": p} for t, i, p in zip(texts, truth, predicted) if i != p
    ]
    return EvaluationResult(accuracy, macro, per_intent, errors, len(examples))


def main(model_path: str, test_path: str, min_macro_f1: float, report: str | None = None) -> int:
    result = evaluate(model_path, Path(test_path))
    print(result.table())
    if result.errors:
        print(f"\nmisclassified ({len(result.errors)}):")
        for err in result.errors[:40]:
            print(f"  {err['intent']:<26} → {err['predicted']:<26} {err['text'][:60]}")
    if report:
        Path(report).parent.mkdir(parents=True, exist_ok=True)
        Path(report).write_text(json.dumps(result.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8")
    if result.macro_f1 < min_macro_f1:
        print(f"\nFAIL: macro-F1 {result.macro_f1:.4f} < {min_macro_f1}")
        return 1
    print(f"\nOK: macro-F1 {result.macro_f1:.4f} >= {min_macro_f1}")
    return 0
