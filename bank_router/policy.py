"""Policy rules as data (`policy/*.yaml`, validated by `bank_router.policy_file`), compiled once, checked in code."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bank_router.policy_file import REFUSALS, PolicyError, Refusal, load_guard_file

__all__ = ["InPlay", "PolicyBook", "PolicyError", "Verdict"]


# ---- the book -------------------------------------------------------------------------------------------------


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
    memory_cues: list[re.Pattern[str]] = field(default_factory=list)
    spans_cues: list[re.Pattern[str]] = field(default_factory=list)
    both_cues: list[re.Pattern[str]] = field(default_factory=list)
    domain_cues: dict[str, list[re.Pattern[str]]] = field(default_factory=dict)
    figures_of_both: bool = False
    check_answer: bool = False
    report_domain: str | None = None

    def applies(self, is_staff: bool) -> bool:
        return self.applies_to == "everyone" or (self.applies_to == "anonymous" and not is_staff)


@dataclass(frozen=True)
class Verdict:
    rule: str
    domain: str | None = None


@dataclass(frozen=True)
class InPlay:
    """What a message puts in play for the cross-domain rules, as the input guard found it."""

    domains: frozenset[str] = frozenset()  # named by cue, product or an unqualified type
    products: Mapping[str, int] = field(default_factory=dict)  # products named, per domain
    remembered: Mapping[str, int] = field(default_factory=dict)  # products of recent answers, per domain
    follow_up: bool = False  # elliptical or pointing back ("and the Youth account?", "is that more?")
    generic: bool = False  # names a product type or vertical with no domain ("every DPS")


def _any(patterns: Sequence[re.Pattern[str]], views: Sequence[str]) -> bool:
    return any(p.search(v) for p in patterns for v in views)


@dataclass
class PolicyBook:
    rules: list[Rule]
    messages: dict[str, dict[str, str]]
    permission_hints: list[tuple[str, list[re.Pattern[str]]]]
    refusal_confidence: float
    leetspeak: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, policy_dir: Path) -> PolicyBook:
        """Read, validate and compile `policy_dir/*.yaml`; raises `PolicyError` naming the file and key."""
        spec = load_guard_file(policy_dir)
        rules = [
            Rule(
                id=r.id,
                applies_to=r.applies_to,
                message=r.message.model_dump(),
                patterns=r.patterns,
                raw_patterns=r.raw_patterns,
                cross_domain=tuple(r.cross_domain),
                evaluative_cues=r.evaluative_cues,
                comparison_cues=r.comparison_cues,
                numeric_cues=r.numeric_cues,
                memory_cues=r.memory_cues,
                spans_cues=r.spans_cues,
                both_cues=r.both_cues,
                domain_cues=r.domain_cues,
                figures_of_both=r.figures_of_both,
                check_answer=r.check_answer,
                report_domain=r.report_domain,
            )
            for r in spec.rules
        ]
        messages = {r.id: r.message for r in rules}
        for key in REFUSALS:
            refusal: Refusal = getattr(spec, key)
            messages[key] = refusal.message.model_dump()
        hints = list(spec.missing_permission.hints.items())
        return cls(rules, messages, hints, spec.refusal_confidence, spec.leetspeak)

    def check(self, raw: str, views: Sequence[str], in_play: InPlay, is_staff: bool) -> Verdict | None:
        """The first rule the message breaks, if any: the rules' patterns in file order, then their comparisons.

        `views` are the normalised readings of the message (folded first; then letter-spacing joined,
        leetspeak read back): a pattern that matches any of them counts, so obfuscation does not hide
        a request from the rules."""
        rules = [r for r in self.rules if r.applies(is_staff)]
        for rule in rules:
            if _any(rule.patterns, views) or any(p.search(raw) for p in rule.raw_patterns):
                return Verdict(rule.id)
        # A request a rule names outright ("split each deposit to stay under the reporting threshold") is refused
        # for what it is before any rule's reading of a comparison across domains.
        for rule in rules:
            if rule.cross_domain and self._crosses(rule, views, in_play):
                return Verdict(rule.id, rule.report_domain)
        return None

    @staticmethod
    def _crosses(rule: Rule, views: Sequence[str], in_play: InPlay) -> bool:
        """A comparison across the rule's domains: named now, or now and in the turns before."""
        domains, products = set(in_play.domains), Counter(in_play.products)
        domains |= {d for d, cues in rule.domain_cues.items() if _any(cues, views)}
        if (in_play.generic and _any(rule.spans_cues, views)) or _any(rule.both_cues, views):
            domains |= set(rule.cross_domain)
        if in_play.remembered and (in_play.follow_up or _any(rule.memory_cues, views)):
            domains |= {d for d, n in in_play.remembered.items() if n}
            products.update(in_play.remembered)
        if not set(rule.cross_domain) <= domains:
            return False
        judges = _any(rule.evaluative_cues, views)
        compares = _any(rule.comparison_cues, views)
        numeric = _any(rule.numeric_cues, views)
        both_named = all(products.get(d, 0) for d in rule.cross_domain)
        # Asking one figure per turn is not a comparison: only products named in this message count here.
        both_now = all(in_play.products.get(d, 0) for d in rule.cross_domain)
        return judges or (compares and (numeric or both_named)) or (rule.figures_of_both and numeric and both_now)

    def answer_rules(self) -> list[Rule]:
        """The cross-domain rules the output guard enforces on the figures of an answer."""
        return [r for r in self.rules if r.cross_domain and r.check_answer]

    def permission_for(self, folded: str) -> str:
        """The tool permission a staff request would need."""
        for perm, patterns in self.permission_hints:
            if any(p.search(folded) for p in patterns):
                return perm
        return "customer:read"

    def message(self, key: str, language: str, **kw: str) -> str:
        text = self.messages[key].get(language) or self.messages[key]["en"]
        return text.format(**kw) if kw else text
