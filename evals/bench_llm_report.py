"""Figures of the LLM benchmark (evals.bench_llm): per-turn accounting, the table, the ratios against targets."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bank_router.services import Services
from evals.fake_openai import Latency

# Router / baseline, at most.
TARGETS = {"calls": 0.5, "prompt_tokens": 0.3, "latency": 0.5}


@dataclass
class TurnStat:
    calls: int
    prompt_tokens: int
    output_tokens: int
    tools_offered: list[int]  # tool schemas sent, per call
    ms: float = 0.0
    refusal: bool = False
    usage: dict[str, Any] | None = None  # the router's own report in the answer


@dataclass
class Phase:
    name: str
    turns: list[TurnStat] = field(default_factory=list)
    replaced: int | None = None  # output guard replacements (router only)
    warm_up_calls: int = 0

    @property
    def label(self) -> str:
        """'baseline', 'router auto', 'router all'."""
        return self.name.split(" (")[0] + (" " + self.name.split("=")[-1].rstrip(")") if "=" in self.name else "")

    def mean(self, attr: str) -> float:
        return float(np.mean([getattr(t, attr) for t in self.turns])) if self.turns else 0.0

    def pct(self, q: float) -> float:
        return float(np.percentile([t.ms for t in self.turns], q)) if self.turns else 0.0

    def cost_per_1k(self, services: Services) -> float:
        assert services.llm is not None
        prices, model = services.llm.prices, services.settings.openai_model
        total = sum(prices.cost(model, t.prompt_tokens, t.output_tokens) for t in self.turns)
        return 1000 * total / max(1, len(self.turns))

    def figures(self, services: Services) -> dict[str, float]:
        return {
            "calls": self.mean("calls"),
            "prompt_tokens": self.mean("prompt_tokens"),
            "output_tokens": self.mean("output_tokens"),
            "with_call": sum(1 for t in self.turns if t.calls) / max(1, len(self.turns)),
            "p50": self.pct(50),
            "p95": self.pct(95),
            "latency": self.mean("ms"),
            "cost": self.cost_per_1k(services),
        }


def _usage_check(phase: Phase) -> str:
    """The router's own usage reports (answer.usage) against what the server counted."""
    reported = [t.usage for t in phase.turns if t.usage]
    calls, tokens = sum(int(u.get("calls", 0)) for u in reported), sum(int(u["input_tokens"]) for u in reported)
    server_calls, server_tokens = sum(t.calls for t in phase.turns), sum(t.prompt_tokens for t in phase.turns)
    same = calls == server_calls and tokens == server_tokens
    return (f"{phase.name} reports in its answers {calls} calls, {tokens:,} input tokens; server: {server_calls}, "
            f"{server_tokens:,}" + ("" if same else "  (MISMATCH)"))  # fmt: skip


def _row(name: str, f: dict[str, float]) -> str:
    return (
        f"{name:<34}{f['calls']:>7.2f}{f['with_call']:>8.0%}{f['prompt_tokens']:>10,.0f}{f['output_tokens']:>8,.0f}"
        f"{f['p50']:>9,.0f}{f['p95']:>9,.0f}{f['latency']:>9,.0f}{f['cost']:>10.4f}"
    )


def _ratio(name: str, key: str, router: dict[str, float], base: dict[str, float], target: float | None) -> str:
    ratio = router[key] / base[key] if base[key] else float("inf")
    verdict = "" if target is None else (f"≤ {target:.1f}×  " + ("met" if ratio <= target else "MISSED"))
    return f"  {name:<28}{ratio:>7.3f}×   {verdict}"


def render(
    phases: list[Phase],
    cases: list[dict[str, Any]],
    total_cases: int,
    latency: Latency,
    services: Services,
    received: int,
    seconds: float,
) -> str:
    assert services.llm is not None
    model = services.settings.openai_model
    price = services.llm.prices.price(model)
    turns = len(phases[0].turns) if phases else 0
    staff = sum(1 for c in cases if c.get("caller"))
    cats = len({c.get("category") for c in cases})
    scope = f"sample: {len(cases)} of {total_cases} test cases, stratified over {cats} categories"
    if len(cases) == total_cases:
        scope = f"cases: all {total_cases} of the test split"
    lines = [
        "LLM benchmark: the router against seed 000's single agent (one ReAct agent, system prompt + all tool",
        "schemas on every call, tools run through the executor under the case's caller, at most 5 model calls)",
        f"{scope} ({staff} with staff callers), {turns} turns",
        f"model: local scripted OpenAI-compatible server, script 'grounded', same for both sides; latency "
        f"{latency.per_call:.3f} s per call + {latency.per_token:.4f} s per completion token",
        f"tokens: the server's usage (prompt = chars of messages + tool schemas / 4); prices: {model} "
        f"${price.input:.2f} in / ${price.output:.2f} out per 1M tokens (bank_router/llm/prices.yaml)",
        "",
        f"{'':<34}{'calls':>7}{'turns':>8}{'prompt':>10}{'output':>8}{'p50':>9}{'p95':>9}{'mean':>9}{'USD per':>10}",
        f"{'per turn':<34}{'':>7}{'w/ call':>8}{'tokens':>10}{'tokens':>8}{'ms':>9}{'ms':>9}{'ms':>9}{'1k turns':>10}",
    ]
    figures = [(p, p.figures(services)) for p in phases]
    lines += [_row(p.name, f) for p, f in figures]
    base = figures[0][1]
    for p, f in figures[1:]:
        lines += [
            "",
            f"{p.name} / baseline:",
            _ratio("model calls per turn", "calls", f, base, TARGETS["calls"]),
            _ratio("prompt tokens per turn", "prompt_tokens", f, base, TARGETS["prompt_tokens"]),
            _ratio("mean turn latency", "latency", f, base, TARGETS["latency"]),
            _ratio("p50 turn latency", "p50", f, base, TARGETS["latency"]),
            _ratio("p95 turn latency", "p95", f, base, TARGETS["latency"]),
            _ratio("cost per 1k turns", "cost", f, base, None),
            f"  output guard replaced {p.replaced} of {len(p.turns)} answers",
        ]
    counted = sum(t.calls for p in phases for t in p.turns) + sum(p.warm_up_calls for p in phases)
    schemas = sorted({n for t in phases[0].turns for n in t.tools_offered}) if phases else []
    per_token = ", ".join(f"{p.label} {f['output_tokens'] * latency.per_token * 1000:.0f} ms" for p, f in figures)
    lines += [
        "",
        f"requests received by the server: {received}; counted per turn + warm-up: {counted}"
        + ("" if counted == received else "  (MISMATCH)"),
        *(_usage_check(p) for p in phases[1:]),
        f"tool schemas per baseline call: {', '.join(map(str, schemas)) or '-'}",
        f"completion-token time in the mean turn: {per_token}",
        "note: 'grounded' answers a turn with no fitting tool in one short sentence and stops after one tool",
        "result; a real model would answer product questions at length and retry failed tool calls, so the",
        "baseline's calls, output tokens and latency are understated here (the comparison favours the baseline).",
        f"wall time: {seconds:.0f} s",
    ]
    return "\n".join(lines)
