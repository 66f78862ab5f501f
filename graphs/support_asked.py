"""The figures a support question asks for: "how long will the replacement take?" wants the delivery time.

A follow-up on the topic under discussion is answered with those figures, not with the whole answer again. What
it asks is read by the lexicon's aspects (knowledge/lexicon.yaml), as for products: a time, a cost, a limit.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bank_router.knowledge.loader import Doc
from bank_router.knowledge.schema import Fact, SupportTopic

TIME_UNITS = ("minutes", "hours", "days", "working_days", "months")
MONEY_UNITS = ("BDT", "USD", "percent")


def _limit(fact: Fact) -> bool:
    return "limit" in fact.key or "max" in fact.key


# Each aspect a question may ask, and the support facts that answer it.
_ANSWERS: dict[str, Callable[[Fact], bool]] = {
    "tenure": lambda f: f.unit in TIME_UNITS,
    "limits": _limit,
    "fees": lambda f: f.unit in MONEY_UNITS and not _limit(f),
    "balance": lambda f: f.unit in MONEY_UNITS and not _limit(f),  # "koto taka lagbe?": how much it takes
}


def asked_facts(doc: Doc[SupportTopic], aspects: list[str]) -> list[Fact]:
    """The topic's facts of the aspects the question asks: its times, its fees, its limits."""
    tests = [_ANSWERS[a] for a in aspects if a in _ANSWERS]
    return [f for f in doc.meta.facts if any(t(f) for t in tests)]


def facts_sentence(facts: list[Fact], values: dict[str, str], lang: str) -> str:
    """'Replacement delivery: 7 working days.' for each fact, as the answer's templates format them."""
    return " ".join(f"{f.label_bn if lang == 'bn' else f.label}: {values[f.key]}." for f in facts if f.key in values)


_SENTENCE_END = re.compile(r"(?<=[.!?।])\s+")


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
