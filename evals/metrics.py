"""Scoring of eval turns: confusion matrix, precision/recall, grounding, latency."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bank_router.language.parsing import normalize_digits

_BANGLA = re.compile(r"[\u0980-\u09ff]")
_FIRST_SENTENCE = re.compile(r"(?<=[.।!?])\s")
_ACTION = re.compile(
    r"\b(block|freeze|call|hang up|lock|change your (password|pin))\b|16247|১৬২৪৭|ব্লক|ফোন কর|কল কর|বন্ধ কর"
)


def _norm(text: str) -> str:
    return re.sub(r"(?<=\d),(?=\d)", "", normalize_digits(text)).lower()


@dataclass
class Turn:
    case_id: str
    category: str
    message: str
    language: str
    expect: dict[str, Any]
    answer: dict[str, Any]
    predicted: str
    ungrounded: list[str]
    ms: float
    route: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        e, a = self.expect, self.answer
        if "agent" in e and self.predicted != e["agent"]:
            self.problems.append(f"agent {self.predicted} != {e['agent']}")
        for key in ("domain", "vertical", "refusal"):
            if key in e and a.get(key) != e[key]:
                self.problems.append(f"{key} {a.get(key)!r} != {e[key]!r}")
        missing = [s for s in e.get("sources", []) if s not in a.get("sources", [])]
        if missing:
            self.problems.append(f"missing sources {missing}")
        absent = [f for f in e.get("facts", []) if _norm(f) not in _norm(a.get("message", ""))]
        if absent:
            self.problems.append(f"missing facts {absent}")
        unanswered = [k for k in self.aspects if k not in self.answered_aspects]
        if unanswered:
            self.problems.append(f"unanswered aspects {unanswered}")
        if self.ungrounded:
            self.problems.append(f"ungrounded numbers {self.ungrounded}")
        if "area" in e and self.area != e["area"]:
            self.problems.append(f"area {self.area} != {e['area']}")
        if e.get("urgent") and not self.urgent_first:
            self.problems.append("urgent answer does not lead with the action")

    @property
    def aspects(self) -> dict[str, list[str]]:
        """What a multi-part question asks: each aspect and the facts its answer must contain."""
        return dict(self.expect.get("aspects", {}))

    @property
    def answered_aspects(self) -> list[str]:
        said = _norm(self.answer.get("message", ""))
        return [k for k, facts in self.aspects.items() if all(_norm(f) in said for f in facts)]

    @property
    def area(self) -> str | None:
        """The support area the answer came from: its first source, knowledge/support/<area>/<topic>.md."""
        srcs = [s for s in self.answer.get("sources", []) if s.startswith("knowledge/support/")]
        return srcs[0].split("/")[2] if srcs else None

    @property
    def topic(self) -> str | None:
        srcs = [s for s in self.answer.get("sources", []) if s.startswith("knowledge/support/")]
        return srcs[0].rsplit("/", 1)[-1][:-3] if srcs else None

    @property
    def urgent_first(self) -> bool:
        """The first sentence tells what to do now: block, freeze or call the hotline."""
        first = _FIRST_SENTENCE.split(self.answer.get("message", ""), maxsplit=1)[0]
        return bool(_ACTION.search(first.lower()))

    @property
    def bangla(self) -> bool:
        return self.language == "bn" or bool(_BANGLA.search(self.message))


def _ratio(n: int, d: int) -> float:
    return n / d if d else 1.0


@dataclass
class Report:
    split: str
    turns: list[Turn]

    def labels(self) -> list[str]:
        return sorted({t.expect["agent"] for t in self.turns} | {t.predicted for t in self.turns})

    def metrics(self) -> dict[str, float]:
        ts = self.turns
        refusal_expected = [t for t in ts if t.expect.get("refusal", t.expect["agent"] == "policy_guard")]
        refused = [t for t in ts if t.answer.get("refusal")]
        clar = [t for t in ts if t.expect["agent"] == "clarification_agent"]
        bangla = [t for t in ts if t.bangla]
        ms = np.array([t.ms for t in ts]) if ts else np.zeros(1)
        multi = [t for t in ts if t.aspects]
        aspects = (
            {
                # Of all the aspects multi-part questions ask, the share whose facts the answer gives.
                "aspects_answered": _ratio(
                    sum(len(t.answered_aspects) for t in multi), sum(len(t.aspects) for t in multi)
                ),
                "all_parts_answered": _ratio(sum(len(t.answered_aspects) == len(t.aspects) for t in multi), len(multi)),
            }
            if multi
            else {}
        )
        return {
            "turns": len(ts),
            "agent_accuracy": _ratio(sum(t.predicted == t.expect["agent"] for t in ts), len(ts)),
            "all_checks_pass": _ratio(sum(not t.problems for t in ts), len(ts)),
            "refusal_recall": _ratio(
                sum(bool(t.answer.get("refusal")) for t in refusal_expected), len(refusal_expected)
            ),
            "refusal_precision": _ratio(
                sum(bool(t.expect.get("refusal", t.expect["agent"] == "policy_guard")) for t in refused), len(refused)
            ),
            "clarification_recall": _ratio(sum(t.predicted == "clarification_agent" for t in clar), len(clar)),
            "grounding_rate": _ratio(sum(not t.ungrounded for t in ts), len(ts)),
            "bangla_accuracy": _ratio(sum(t.predicted == t.expect["agent"] for t in bangla), len(bangla)),
            "bangla_turns": len(bangla),
            "latency_p50_ms": float(np.percentile(ms, 50)),
            "latency_p95_ms": float(np.percentile(ms, 95)),
            "latency_p99_ms": float(np.percentile(ms, 99)),
            **aspects,
        }

    def confusion(self) -> tuple[list[str], np.ndarray]:
        labels = self.labels()
        idx = {label: i for i, label in enumerate(labels)}
        m = np.zeros((len(labels), len(labels)), dtype=int)
        for t in self.turns:
            m[idx[t.expect["agent"]], idx[t.predicted]] += 1
        return labels, m


def render(report: Report, failures: int, gates: dict[str, float] | None) -> str:
    labels, m = report.confusion()
    short = [label.replace("_graph", "").replace("_agent", "")[:10] for label in labels]
    lines = [f"== split: {report.split} ({len(report.turns)} scored turns) ==", "", "confusion (rows expected):"]
    lines.append(" " * 13 + " ".join(f"{s:>10}" for s in short))
    for i, s in enumerate(short):
        lines.append(f"{s:>12} " + " ".join(f"{v:>10}" for v in m[i]))
    lines += ["", f"{'agent':<22}{'precision':>10}{'recall':>8}{'n':>6}"]
    for i, label in enumerate(labels):
        tp, col, row = m[i, i], m[:, i].sum(), m[i, :].sum()
        lines.append(f"{label:<22}{_ratio(tp, col):>10.3f}{_ratio(tp, row):>8.3f}{row:>6}")
    lines.append("")
    for k, v in report.metrics().items():
        gate = ""
        if gates and k in gates:
            gate = f"   (gate {gates[k]:.2f}: {'ok' if v >= gates[k] else 'FAIL'})"
        lines.append(f"{k:<22}{v:>10.3f}{gate}" if isinstance(v, float) else f"{k:<22}{v:>10}")
    lines += ["", f"{'category':<22}{'turns':>6}{'agent':>8}{'checks':>8}{'p95 ms':>8}"]
    for cat in sorted({t.category for t in report.turns}):
        ts = [t for t in report.turns if t.category == cat]
        agent = _ratio(sum(t.predicted == t.expect["agent"] for t in ts), len(ts))
        checks = _ratio(sum(not t.problems for t in ts), len(ts))
        p95 = float(np.percentile([t.ms for t in ts], 95))
        lines.append(f"{cat:<22}{len(ts):>6}{agent:>8.3f}{checks:>8.3f}{p95:>8.1f}")
    bad = [t for t in report.turns if t.problems]
    if bad and failures:
        lines += ["", f"failing turns ({len(bad)}, first {min(failures, len(bad))}):"]
        for t in bad[:failures]:
            how = f"{t.route.get('reason', '')} {t.route.get('label', '')} {t.route.get('confidence', 0):.2f}"
            lines.append(f"- [{t.case_id}] {t.message[:80]!r}: {'; '.join(t.problems)} [{how}]")
    return "\n".join(lines)


def save_confusion_png(report: Report, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, m = report.confusion()
    fig, ax = plt.subplots(figsize=(8, 7))
    ax.imshow(m, cmap="Greens")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            if m[i, j]:
                ax.text(j, i, str(m[i, j]), ha="center", va="center", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    ax.set_title(f"bank-router routing, split {report.split}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
