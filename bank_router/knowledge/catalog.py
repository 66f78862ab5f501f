"""The loaded knowledge base and the matchers that find its names in a message."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import BaseModel

from bank_router.knowledge.loader import Doc, LoadError, SafeLoader, load_kind
from bank_router.knowledge.schema import GlossaryTerm, OnboardingGuide, PolicyDoc, Product, SupportTopic
from bank_router.language.parsing import fold
from bank_router.language.spelling import Speller, english_words

_BANGLA = "\u0980-\u09ff"
SHORT_BANGLA = 3  # code points: a cue this short matches as a whole word with its case ending
_BANGLA_ENDINGS = "|".join(["ের", "এর", "র", "তে", "টি", "টা", "গুলো", "গুলি", "ে", "ও", "ই", "কে"])


# How Bangla spellings of one word vary: অ্যাকাউন্ট/একাউন্ট, প্ল্যাটিনাম/প্লাটিনাম, ইয়ুথ/ইউথ.
_BANGLA_SPELLINGS = (("অ্যা", "এ"), ("\u09cd\u09af\u09be", "\u09be"), ("ইয়ু", "ইউ"))


def bangla_variants(phrase: str) -> set[str]:
    """The other common spellings of a Bangla phrase (each variation applied alone and all together)."""
    out, every = set(), phrase
    for written, also in _BANGLA_SPELLINGS:
        if written in phrase:
            out.add(phrase.replace(written, also))
            every = every.replace(written, also)
    return (out | {every}) - {phrase}


def _is_bangla(s: str) -> bool:
    return any("\u0980" <= ch <= "\u09ff" for ch in s)


def trie_pattern(words: Iterable[str]) -> str:
    """One regex for many phrases, sharing prefixes; greedy, so the longest phrase wins."""
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(trie)


class Matcher:
    """Finds the longest non-overlapping cue phrases in folded text."""

    def __init__(self, phrases: dict[str, str]) -> None:
        self._key = {fold(p): v for p, v in phrases.items() if fold(p)}
        for p, v in list(self._key.items()):
            for variant in bangla_variants(p):
                self._key.setdefault(variant, v)
        self.phrases = frozenset(self._key)  # every phrase it finds, folded
        english = [p for p in self._key if not _is_bangla(p)]
        bangla = [p for p in self._key if _is_bangla(p)]
        parts = []
        if english:
            parts.append(f"(?<![a-z0-9])(?:{trie_pattern(english)})s?(?![a-z0-9])")
        short = [p for p in bangla if len(p) <= SHORT_BANGLA]
        bangla = [p for p in bangla if len(p) > SHORT_BANGLA]
        if bangla:
            # Bangla inflects by suffix (কার্ডের), so only its start is anchored.
            parts.append(f"(?<![{_BANGLA}])(?:{trie_pattern(bangla)})")
        if short:
            # A short word is also the start of others (ফি in ফিক্সড, হার in হারিয়ে): only a case ending may follow.
            parts.append(f"(?<![{_BANGLA}])(?:{trie_pattern(short)})(?=(?:{_BANGLA_ENDINGS})?(?![{_BANGLA}]))")
        self._re = re.compile("|".join(parts)) if parts else None

    def find(self, folded: str) -> list[tuple[str, int, int]]:
        """(value, start, end) for each match, in order of appearance."""
        if self._re is None:
            return []
        out = []
        for m in self._re.finditer(folded):
            text = m.group(0)
            value = self._key.get(text) or self._key.get(text[:-1])
            if value is not None:
                out.append((value, m.start(), m.end()))
        return out

    def values(self, folded: str) -> list[str]:
        return _unique(v for v, _, _ in self.find(folded))


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _names(meta: Any, primary: str, primary_bn: str) -> list[str]:
    return [primary, primary_bn, *meta.aliases, *meta.aliases_bn]


def _term_names(meta: Any) -> list[str]:
    """A term's names, its id, and both halves of "DPS (Deposit Pension Scheme)"."""
    names = [*_names(meta, meta.term, meta.term_bn), meta.id.replace("_", " ")]
    for t in (meta.term, meta.term_bn):
        head, paren, rest = t.partition("(")
        if paren:
            names += [head.strip(), rest.rstrip(") ").strip()]
    return [n for n in names if n]


_BRANDS = ("prime", "islami", "islamic", "nrb", "প্রাইম", "ইসলামী", "এনআরবি")
_GENERIC_TAILS = ("credit card", "debit card", "account", "card")


def derived_names(name: str) -> list[str]:
    """Shorter ways people say a product's name: without the brand, without a generic tail."""
    words = fold(name).split()
    while words and words[0] in _BRANDS:
        words = words[1:]
    core = " ".join(words)
    out = [core]
    for tail in _GENERIC_TAILS:
        if core.endswith(" " + tail):
            out.append(core[: -len(tail) - 1])
            break
    return [n for n in out if len(n.split()) >= 2]


def _product_names(products: dict[str, Doc[Product]], generic: set[str]) -> dict[str, str]:
    """Every name, alias and unambiguous derived name of every product."""
    names = {n: pid for pid, d in products.items() for n in _names(d.meta, d.meta.name, d.meta.name_bn)}
    derived: dict[str, set[str]] = {}
    for pid, d in products.items():
        for n in derived_names(d.meta.name) + derived_names(d.meta.name_bn):
            derived.setdefault(n, set()).add(pid)
    for n, pids in derived.items():
        if len(pids) == 1 and n not in generic and fold(n) not in {fold(k) for k in names}:
            names[n] = next(iter(pids))
    return names


SMALL_TALK_AREA = "general"  # greetings, thanks, the assistant itself; and the bank's contacts, hours, complaints


@dataclass
class Catalog:
    root: Path
    products: dict[str, Doc[Product]] = field(default_factory=dict)
    glossary: dict[str, Doc[GlossaryTerm]] = field(default_factory=dict)
    onboarding: dict[str, Doc[OnboardingGuide]] = field(default_factory=dict)
    policies: dict[str, Doc[PolicyDoc]] = field(default_factory=dict)
    support: dict[str, Doc[SupportTopic]] = field(default_factory=dict)
    errors: list[LoadError] = field(default_factory=list)
    lexicon: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for kind in ("products", "glossary", "onboarding", "policies", "support"):
            docs, errs = load_kind(self.root, kind)
            self.errors.extend(errs)
            target = cast(dict[str, Doc[BaseModel]], getattr(self, kind))
            for d in docs:
                target[cast(Any, d.meta).id] = d
        lex_file = self.root / "lexicon.yaml"
        lexicon = lex_file.read_text(encoding="utf-8") if lex_file.exists() else "{}"
        self.lexicon = yaml.load(lexicon, Loader=SafeLoader)  # noqa: S506 - a safe loader
        generic = {fold(w) for words in self.lexicon.get("types", {}).values() for w in words}
        self.product_matcher = Matcher(_product_names(self.products, generic))
        # Words many product names share ("prime", "account"): they do not tell products apart.
        name_words = Counter(w for p in self.products.values() for w in set(fold(p.meta.name).split()))
        self.common_name_words = frozenset(w for w, n in name_words.items() if n >= 3)
        self.term_matcher = Matcher({n: tid for tid, d in self.glossary.items() for n in _term_names(d.meta)})
        self.guide_matcher = Matcher(
            {n: gid for gid, d in self.onboarding.items() for n in d.meta.aliases + d.meta.aliases_bn}
        )
        self.policy_matcher = Matcher(
            {n: pid for pid, d in self.policies.items() for n in _names(d.meta, d.meta.title, d.meta.title_bn)}
        )
        self.domain_matcher = self._cue_matcher("domains")
        self.vertical_matcher = self._cue_matcher("verticals")
        self.type_matcher = self._cue_matcher("types")
        self.aspect_matcher = self._cue_matcher("aspects")
        self.comparison_matcher = Matcher({w: "compare" for w in self.lexicon.get("comparison_cues", [])})
        self.abroad_matcher = Matcher({w: "abroad" for w in self.lexicon.get("abroad_places", [])})
        self.banking_matcher = Matcher({w: "banking" for w in self.lexicon.get("banking_words", [])})
        self.service_matcher = Matcher({w: "service" for w in self.lexicon.get("service_words", [])})
        self.urgent_matcher = Matcher({w: "urgent" for w in self.lexicon.get("urgent_words", [])})
        # Longest first, so a word is read before any shorter gloss inside it (কেনাকাটা before কেন).
        gloss = self.lexicon.get("gloss", {})
        self.gloss: dict[str, str] = {bn: gloss[bn] for bn in sorted(gloss, key=len, reverse=True)}
        # Greetings, thanks and questions about the assistant: the everyday topics with no facts to give.
        self.small_talk_topics = frozenset(
            t for t, d in self.support.items() if d.meta.area == SMALL_TALK_AREA and not d.meta.facts
        )
        self.support_matcher = Matcher(
            {c: tid for tid, d in self.support.items() for c in (*d.meta.cues, *d.meta.cues_bn, *d.meta.cues_banglish)}
        )
        # Misspelt catalogue words read as written in the catalogue; English and the knowledge's own words stay.
        phrases = [p for m in vars(self).values() if isinstance(m, Matcher) for p in m.phrases]
        self.speller = Speller(
            targets=(w for p in phrases for w in p.split()),
            known=english_words() | {w for d in self.all_docs() for w in fold(d.text).split()},
        )

    def aspects(self, folded: str) -> list[str]:
        """The aspects a (read) message asks about, product names left out: "Monthly Income Scheme" names a
        product, it does not ask about income ("interest rate", a glossary term, still asks for the rate)."""
        for _, a, b in reversed(self.product_matcher.find(folded)):
            folded = folded[:a] + " " + folded[b:]
        return self.aspect_matcher.values(folded)

    def read(self, text: str) -> str:
        """A message as the parsers and classifiers read it: folded, misspelt banking words corrected."""
        return self.speller.correct(fold(text))

    def _cue_matcher(self, section: str) -> Matcher:
        cues: dict[str, list[str]] = self.lexicon.get(section, {})
        return Matcher({w: key for key, words in cues.items() for w in words})

    def implied_product(self, type_: str, domain: str) -> str | None:
        """The one product a bare type means in a domain ("a car loan"), when one clearly fits."""
        cands = self.products_of(domain=domain, type_=type_)
        if len(cands) == 1:
            return cands[0].meta.id
        cues = [fold(w) for w in self.lexicon.get("types", {}).get(type_, [])]

        def score(d: Doc[Product]) -> int:
            names = " | ".join(fold(n) for n in [d.meta.name, *d.meta.aliases])
            return sum(1 for c in cues if re.search(rf"(?<![a-z0-9]){re.escape(c)}(?![a-z0-9])", names))

        ranked = sorted(cands, key=score, reverse=True)
        if len(ranked) >= 2 and score(ranked[0]) > score(ranked[1]):
            return ranked[0].meta.id
        return None

    def doc(self, path: str) -> Doc[Any] | None:
        for kind in (self.products, self.glossary, self.onboarding, self.policies, self.support):
            for d in kind.values():
                if d.path == path:
                    return d
        return None

    def all_docs(self) -> list[Doc[Any]]:
        return [
            *self.products.values(),
            *self.glossary.values(),
            *self.onboarding.values(),
            *self.policies.values(),
            *self.support.values(),
        ]

    def support_fingerprint(self) -> str:
        """Hash of the support topics: their cues and intents are training data for the classifiers."""
        h = hashlib.sha256()
        for d in sorted(self.support.values(), key=lambda d: d.path):
            h.update(d.path.encode() + d.sha.encode())
        return h.hexdigest()

    def fingerprint(self) -> str:
        """Hash of every file's content: the index is rebuilt only when it changes."""
        h = hashlib.sha256()
        for d in sorted(self.all_docs(), key=lambda d: d.path):
            h.update(d.path.encode() + d.sha.encode())
        return h.hexdigest()

    def products_of(
        self, *, domain: str | None = None, vertical: str | None = None, type_: str | None = None
    ) -> list[Doc[Product]]:
        return [
            d
            for d in self.products.values()
            if (domain is None or d.meta.domain == domain)
            and (vertical is None or d.meta.vertical == vertical)
            and (type_ is None or d.meta.type == type_)
        ]
