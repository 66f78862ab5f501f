"""Eval cases are kept apart from what the classifiers learn from: a case found in training scores nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bank_router.settings import ROOT

DATASETS = ROOT / "evals" / "datasets"
TRAINING = [
    DATASETS / "train.jsonl",
    *DATASETS.glob("support_phrasings/*.jsonl"),
    *DATASETS.glob("out_of_scope/*.jsonl"),
]


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def _rows(file: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in file.read_text("utf-8").splitlines() if line.strip()]


def _messages(file: Path) -> set[str]:
    return {_norm(t.get("message", "")) for row in _rows(file) for t in row.get("turns", [])}


def test_no_eval_message_is_a_training_row() -> None:
    learnt = {_norm(r["text"]) for f in TRAINING for r in _rows(f)}
    cases = [f for f in [*DATASETS.glob("*.jsonl"), *DATASETS.glob("attacks/*.jsonl")] if f.name != "train.jsonl"]
    assert len(cases) >= 8 and len(_messages(DATASETS / "test.jsonl")) > 100
    leaked = {f.name: sorted(_messages(f) & learnt) for f in cases}
    assert {name: found for name, found in leaked.items() if found} == {}
