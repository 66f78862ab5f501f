"""Policy rules as data (`policy/*.yaml`), compiled once and checked in code."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


def _compile(patterns: list[str]) -> list[re.Pattern[str]]:
    return [re.compile(p) for p in patterns]


@dataclass(frozen=True)
class Rule:
    id: str
    applies_to: str
    message: dict[str, str]
    patterns: list[re.Pattern[str]] = field(default_factory=list)
    raw_patterns: list[re.Pattern[str]] = field(default_factory=list)
    cross_domain: tuple[str, ...] = ()
    evaluative_cues: list[re.Pattern[str]] = field(default_factory=list)
    comparison_cues: list[re.Pattern[str]] = field(default_factory=list)
    numeric_cues: list[re.Pattern[str]] = field(default_factory=list)
    report_domain: str | None = None

    def applies(self, is_staff: bool) -> bool:
        return self.applies_to == "everyone" or (self.applies_to == "anonymous" and not is_staff)


@dataclass(frozen=True)
class Verdict:
    rule: str
    domain: str | None = None


@dataclass
class PolicyBook:
    rules: list[Rule]
    messages: dict[str, dict[str, str]]
    permission_hints: list[tuple[str, list[re.Pattern[str]]]]
    refusal_confidence: float

    @classmethod
    def load(cls, policy_dir: Path) -> PolicyBook:
        data: dict[str, Any] = {}
        for f in sorted(policy_dir.glob("*.yaml")):
            data.update(yaml.safe_load(f.read_text(encoding="utf-8")) or {})
        rules = [
            Rule(
                id=r["id"],
                applies_to=r.get("applies_to", "everyone"),
                message=r["message"],
                patterns=_compile(r.get("patterns", [])),
                raw_patterns=_compile(r.get("raw_patterns", [])),
                cross_domain=tuple(r.get("cross_domain", ())),
                evaluative_cues=_compile(r.get("evaluative_cues", [])),
                comparison_cues=_compile(r.get("comparison_cues", [])),
                numeric_cues=_compile(r.get("numeric_cues", [])),
                report_domain=r.get("report_domain"),
            )
            for r in data.get("rules", [])
        ]
        messages = {r.id: r.message for r in rules}
        for key in ("out_of_scope", "policy", "missing_permission"):
            messages[key] = data[key]["message"]
        hints = [(perm, _compile(p)) for perm, p in data["missing_permission"].get("hints", {}).items()]
        return cls(rules, messages, hints, float(data.get("refusal_confidence", 0.98)))

    def check(
        self, raw: str, folded: str, domains_in_play: set[str], products_by_domain: dict[str, int], is_staff: bool
    ) -> Verdict | None:
        """The first rule the message breaks, if any."""
        for rule in self.rules:
            if not rule.applies(is_staff):
                continue
            if any(p.search(folded) for p in rule.patterns) or any(p.search(raw) for p in rule.raw_patterns):
                return Verdict(rule.id)
            if rule.cross_domain and set(rule.cross_domain) <= domains_in_play:
                judges = any(p.search(folded) for p in rule.evaluative_cues)
                compares = any(p.search(folded) for p in rule.comparison_cues)
                numeric = any(p.search(folded) for p in rule.numeric_cues)
                both_named = all(products_by_domain.get(d, 0) for d in rule.cross_domain)
                if judges or (compares and (numeric or both_named)):
                    return Verdict(rule.id, rule.report_domain)
        return None

    def permission_for(self, folded: str) -> str:
        """The tool permission a staff request would need."""
        for perm, patterns in self.permission_hints:
            if any(p.search(folded) for p in patterns):
                return perm
        return "customer:read"

    def message(self, key: str, language: str, **kw: str) -> str:
        text = self.messages[key].get(language) or self.messages[key]["en"]
        return text.format(**kw) if kw else text
