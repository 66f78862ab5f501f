"""Everyday-banking figures: public customer queries (Banking77, CLINC150) and our own support cases.

The public folds come from evals/make_splits.py. `dev` folds may be read to tune mechanisms; of the
`holdout` folds only these figures are ever printed, never their failing turns.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from bank_router.knowledge.catalog import Catalog
from bank_router.language.training import topic_of_intent
from evals.metrics import Turn, _ratio

PUBLIC = Path(__file__).resolve().parent / "datasets" / "public"
BANKING_SPLITS = ("banking77", "clinc150_banking")
OTHER_SPLIT = "clinc150_other"
# The targets everyday banking is measured against (printed with every report) ...
TARGETS = {
    "everyday_refused": 0.01,  # at most
    "everyday_clarified": 0.05,  # at most
    "everyday_served_on_area": 0.90,
    "urgent_first": 1.0,
    "other_domain_refused": 0.95,
}
# ... and the gates CI holds today, so no change makes them worse. Where a gate is looser than its
# target, the target is not met yet: the report says so.
GATES = {
    "everyday_holdout": {
        "everyday_refused": 0.015,
        "everyday_clarified": 0.05,
        "everyday_served_on_area": 0.90,
        "urgent_first": 0.90,
        "other_domain_refused": 0.95,
    },
    "support": {
        "everyday_refused": 0.03,
        "everyday_clarified": 0.05,
        "everyday_served_on_area": 0.80,
        "urgent_first": 0.85,
    },
}
GATES["everyday_holdout_full"] = GATES["everyday_holdout"]
AT_MOST = ("everyday_refused", "everyday_clarified")


def public_cases(split: str, catalog: Catalog, sample: int | None = None) -> list[dict[str, Any]]:
    """A public fold as eval cases: `banking77_holdout`, `clinc150_banking_dev`, `clinc150_other_holdout`..."""
    rows = [json.loads(x) for x in (PUBLIC / f"{split}.jsonl").read_text("utf-8").splitlines() if x.strip()]
    if sample and len(rows) > sample:
        rows = random.Random(split).sample(rows, sample)
    mapping = topic_of_intent(catalog)
    cases = []
    for i, row in enumerate(rows):
        if split.startswith(OTHER_SPLIT):
            expect: dict[str, Any] = {"agent": "policy_guard", "refusal": True}
            category = f"other:{row['domain']}"
        else:
            topic = mapping.get(row["intent"])
            doc = catalog.support.get(topic or "")
            expect = {"agent": "support_graph", "refusal": False}
            if doc:
                expect |= {"area": doc.meta.area, "topic": topic, "urgent": doc.meta.urgent}
            category = f"everyday:{doc.meta.area if doc else 'unmapped'}"
        turn = {"message": row["text"], "language": "en", "expect": expect}
        cases.append({"id": f"{split}-{i}", "category": category, "caller": None, "turns": [turn]})
    return cases


def everyday_metrics(turns: list[Turn]) -> dict[str, float]:
    """Refused, clarified and served shares of everyday-banking turns; urgent-first; other domains refused."""
    everyday = [t for t in turns if t.expect["agent"] == "support_graph"]
    other = [t for t in turns if t.category.startswith("other:")]
    urgent = [t for t in everyday if t.expect.get("urgent")]
    with_area = [t for t in everyday if "area" in t.expect]
    out: dict[str, float] = {}
    if everyday:
        n = len(everyday)
        out["everyday_turns"] = n
        out["everyday_refused"] = _ratio(sum(bool(t.answer.get("refusal")) for t in everyday), n)
        out["everyday_clarified"] = _ratio(sum(t.predicted == "clarification_agent" for t in everyday), n)
        out["everyday_served"] = _ratio(
            sum(not t.answer.get("refusal") and t.predicted != "clarification_agent" for t in everyday), n
        )
        out["everyday_support_agent"] = _ratio(sum(t.predicted == "support_graph" for t in everyday), n)
        out["everyday_served_on_area"] = _ratio(sum(t.area == t.expect["area"] for t in with_area), len(with_area))
        with_topic = [t for t in with_area if "topic" in t.expect]
        if with_topic:
            out["everyday_on_topic"] = _ratio(sum(t.topic == t.expect["topic"] for t in with_topic), len(with_topic))
    if urgent:
        out["urgent_turns"] = len(urgent)
        out["urgent_first"] = _ratio(sum(t.urgent_first for t in urgent), len(urgent))
    calm = [t for t in with_area if "topic" in t.expect and not t.expect.get("urgent")]
    if calm:
        # The other side of urgent-first: "block your card now" opening an answer where nothing is at risk
        # (public queries, whose intent names a topic; a topic's own answer may also open with the hotline).
        out["false_alarm"] = _ratio(sum(t.urgent_first for t in calm), len(calm))
    if other:
        out["other_domain_turns"] = len(other)
        out["other_domain_refused"] = _ratio(sum(bool(t.answer.get("refusal")) for t in other), len(other))
    return out


def per_area(turns: list[Turn]) -> list[str]:
    lines = [f"{'area':<20}{'turns':>7}{'served':>8}{'on area':>9}{'refused':>9}{'clarified':>10}"]
    areas = sorted({str(t.expect.get("area")) for t in turns if t.expect["agent"] == "support_graph"})
    for area in areas:
        ts = [t for t in turns if t.expect["agent"] == "support_graph" and str(t.expect.get("area")) == area]
        served = _ratio(sum(not t.answer.get("refusal") and t.predicted != "clarification_agent" for t in ts), len(ts))
        on = _ratio(sum(t.area == area for t in ts), len(ts))
        ref = _ratio(sum(bool(t.answer.get("refusal")) for t in ts), len(ts))
        clar = _ratio(sum(t.predicted == "clarification_agent" for t in ts), len(ts))
        lines.append(f"{area:<20}{len(ts):>7}{served:>8.3f}{on:>9.3f}{ref:>9.3f}{clar:>10.3f}")
    return lines


def _bound(x: float) -> str:
    """A target or gate as written: two decimals, three where it has them (a 1.5% gate is 0.015)."""
    return f"{x:.2f}" if round(x, 2) == x else f"{x:.3f}"


def _fails(key: str, value: float, bound: float) -> bool:
    return value > bound if key in AT_MOST else value < bound


def target_lines(metrics: dict[str, float], split: str) -> list[str]:
    """Each figure against its target and, where CI gates the split, its gate."""
    gates = GATES.get(split, {})
    lines = []
    for key, target in TARGETS.items():
        if key not in metrics:
            continue
        v = metrics[key]
        word = "at most" if key in AT_MOST else "at least"
        gate = f", gate {_bound(gates[key])} {'FAIL' if _fails(key, v, gates[key]) else 'ok'}" if key in gates else ""
        met = "not met" if _fails(key, v, target) else "met"
        lines.append(f"{key:<26}{v:>8.3f}   target {word} {_bound(target)}: {met}{gate}")
    return lines


def failed_gates(metrics: dict[str, float], split: str) -> list[str]:
    return [k for k, bound in GATES.get(split, {}).items() if k in metrics and _fails(k, metrics[k], bound)]
