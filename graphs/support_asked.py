"""The figures a support question asks for: "how long will the replacement take?" wants the delivery time.

A follow-up on the topic under discussion is answered with those figures, not with the whole answer again.
"""

from __future__ import annotations

import re

from bank_router.knowledge.loader import Doc
from bank_router.knowledge.schema import Fact, SupportTopic

TIME_UNITS = ("minutes", "hours", "days", "working_days", "months")
MONEY_UNITS = ("BDT", "USD", "percent")
# Asking for a time, a cost or a limit, in English, Bangla and Banglish.
_ASKS = {
    "time": re.compile(
        r"\b(how long|how many (working )?(days|hours|weeks)|how soon|how quickly|by when|when will|when does|"
        r"when do|take long|koto din|koto dine|koto khon|koto shomoy|kobe)\b|কত দিন|কতদিন|কত সময়|কতক্ষণ|কবে"
    ),
    "money": re.compile(
        r"\b(how much|fee|fees|charge|charges|charged|cost|costs|price|koto taka|khoroch)\b|কত টাকা|খরচ|ফি|চার্জ"
    ),
    "limit": re.compile(r"\b(limit|limits|maximum|max|at most|up to|how much can|shima)\b|সীমা|লিমিট|সর্বোচ্চ"),
}


def _wanted(kind: str, fact: Fact) -> bool:
    if kind == "time":
        return fact.unit in TIME_UNITS
    if kind == "limit":
        return "limit" in fact.key or "max" in fact.key
    return fact.unit in MONEY_UNITS and "limit" not in fact.key and "max" not in fact.key


def asked_facts(doc: Doc[SupportTopic], folded: str) -> list[Fact]:
    """The topic's facts of the kinds the (folded) question asks: its times, its fees, its limits."""
    kinds = [k for k, pattern in _ASKS.items() if pattern.search(folded)]
    return [f for f in doc.meta.facts if any(_wanted(k, f) for k in kinds)]


def facts_sentence(facts: list[Fact], values: dict[str, str], lang: str) -> str:
    """'Replacement delivery: 7 working days.' for each fact, as the answer's templates format them."""
    return " ".join(f"{f.label_bn if lang == 'bn' else f.label}: {values[f.key]}." for f in facts if f.key in values)


_SENTENCE_END = re.compile(r"(?<=[.!?।])\s+")


def first_sentence(text: str) -> str:
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
