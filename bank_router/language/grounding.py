"""Cite or refuse: every number in an answer must appear in its evidence."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from bank_router.language.parsing import numbers_in

# "1. Visit a branch": list ordinals are layout, not facts.
_ORDINAL = re.compile(r"^\s*[0-9০-৯]+[.)]\s", re.MULTILINE)


# "[2]" cites the second excerpt: a reference, not a figure.
_CITATION = re.compile(r"\[\d{1,2}\]")


def answer_numbers(text: str) -> set[str]:
    return numbers_in(_CITATION.sub("", _ORDINAL.sub("", text)))


@lru_cache(maxsize=1024)
def _numbers(text: str) -> frozenset[str]:
    """Knowledge files are read on every turn; their numbers are parsed once."""
    return frozenset(numbers_in(text))


def ungrounded(answer: str, evidence: Iterable[str]) -> set[str]:
    """Numbers in the answer that no evidence text contains."""
    wanted = answer_numbers(answer)
    if not wanted:
        return set()
    have: set[str] = set()
    for text in evidence:
        have |= _numbers(text)
    return wanted - have


def is_grounded(text: str, evidence: Iterable[str]) -> bool:
    """Whether a complete text may be sent (or streamed): every number in it is in the evidence."""
    return not ungrounded(text, evidence)
