"""Input guard: policy rules from `policy/*.yaml`, before any agent or model runs.

Every rule sees the message normalised (`bank_router.language.parsing.clean`, then `fold`) and in a
few more readings (letter-spaced words joined, leetspeak read back), so spelling tricks do not hide
a request. The cross-domain rule also sees what the conversation's recent answers were about.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from bank_router.knowledge.catalog import Catalog
from bank_router.language.parsing import clean, fold
from bank_router.policy import InPlay
from bank_router.turn.context import Context
from bank_router.turn.state import Entities, RouterState
from nodes.entities import last_user_text
from nodes.restate import said_text

# "f-o-r-g-e", "I.G.N.O.R.E": three or more single letters joined by the same separator.
_SEPARATED = re.compile(r"(?<![^\W\d_])[^\W\d_]([.\-_*·/+])[^\W\d_](?:\1[^\W\d_])+(?![^\W\d_])")
# "I g n o r e  a l l": letters spaced one apart, words two apart; a chunk of single letters is a word.
_SPACED_RUN = re.compile(r"(?<![^\W\d_])(?:[^\W\d_] ){2,}[^\W\d_](?![^\W\d_])")
_LETTER_CHUNK = re.compile(r"(?:[^\W\d_] )+[^\W\d_](?: ?[^\w\s])?")
# "Prime Mastercard Platinum", "Prime credit cards": the bank's name before anything but an Islami or NRB
# word, the bank or its app, is the conventional range (Islami products are "Prime Islami ...", "Prime Hasanah ...").
_BRAND = re.compile(r"(?<![\w\u0980-\u09ff])(?:prime|প্রাইম)\s+(\S+)")
_NOT_CONVENTIONAL = frozenset({"bank", "ব্যাংক", "ব্যাংকের", "app", "অ্যাপ", "wage", "ওয়েজ", "hasanah", "হাসানাহ"})
# A word mixing letters with digits or `$` ("1gn0r3", "pr0mpt"); plain numbers are left alone.
_MIXED = re.compile(r"\S*[a-z]\S*")
# Folding drops apostrophes ("you're" is "youre"); a reading with the contractions spelt out lets one
# pattern ("you are now", "i am the manager") match however the customer typed it.
# fmt: off
_CONTRACTIONS = {
    "youre": "you are", "im": "i am", "ive": "i have", "dont": "do not", "doesnt": "does not",
    "didnt": "did not", "cant": "can not", "wont": "will not", "isnt": "is not", "whats": "what is",
    "theyre": "they are", "youve": "you have", "ur": "you are", "u": "you",
}
# fmt: on
_CONTRACTED = re.compile(r"\b(" + "|".join(_CONTRACTIONS) + r")\b")


def _joined(cleaned: str) -> str:
    text = _SEPARATED.sub(lambda m: m[0].replace(m[1], ""), cleaned)
    if not _SPACED_RUN.search(text):
        return text
    chunks = re.split(r"(\s{2,})", text)
    return "".join(
        c.replace(" ", "")
        if _LETTER_CHUNK.fullmatch(c.strip())
        else _SPACED_RUN.sub(lambda m: m[0].replace(" ", ""), c)
        for c in chunks
    )


def _deleet(folded: str, table: dict[str, str]) -> str:
    trans = str.maketrans(table)
    return _MIXED.sub(lambda m: m[0].translate(trans) if any(c in table for c in m[0]) else m[0], folded)


def views(raw: str, leetspeak: list[dict[str, str]]) -> list[str]:
    """The readings of a message every rule is checked against, the plain folded text first."""
    folded = fold(raw)
    out = [folded, fold(_joined(clean(raw))), _CONTRACTED.sub(lambda m: _CONTRACTIONS[m[1]], folded)]
    out += [_deleet(folded, table) for table in leetspeak]
    return list(dict.fromkeys(out))


def _bare_type(folded: str, catalog: Catalog) -> bool:
    """A product type named outside any product name and not qualified by a domain cue."""
    products = catalog.product_matcher.find(folded)
    cues = catalog.domain_matcher.find(folded)
    for _, start, end in catalog.type_matcher.find(folded):
        inside = any(ps <= start and end <= pe for _, ps, pe in products)
        qualified = any(0 <= start - ce <= 3 for _, _, ce in cues)
        if not inside and not qualified:
            return True
    return False


def _conventional_brand(folded: str, catalog: Catalog) -> bool:
    """Whether the message names a conventional product by the bank's name ("Prime Mastercard Platinum")."""
    spans = [
        (s, e)
        for pid, s, e in catalog.product_matcher.find(folded)
        if catalog.products[pid].meta.domain != "conventional"
    ]
    for m in _BRAND.finditer(folded):
        cue = catalog.domain_matcher.find(folded[m.start(1) :])
        if m[1] in _NOT_CONVENTIONAL or (cue and cue[0][1] == 0) or any(s <= m.start() < e for s, e in spans):
            continue
        return True
    return False


def _domains_of(pids: list[str], catalog: Catalog) -> Counter[str]:
    return Counter(catalog.products[p].meta.domain for p in dict.fromkeys(pids) if p in catalog.products)


def in_play(ents: Entities, readings: list[str], memory: dict[str, Any], catalog: Catalog) -> InPlay:
    """Domains and products the message names (in any reading), and those of the recent answers."""
    pids = list(ents.get("products", []))
    domains = set(ents.get("domains", []))
    typed = bool(ents.get("types") or ents.get("verticals"))
    for view in readings[1:]:
        pids += catalog.product_matcher.values(view)
        domains |= set(catalog.domain_matcher.values(view))
        typed = typed or bool(catalog.type_matcher.find(view) or catalog.vertical_matcher.find(view))
    products = _domains_of(pids, catalog)
    if not products["conventional"] and any(_conventional_brand(v, catalog) for v in readings):
        products["conventional"] += 1
    if typed:
        # "Islamic and conventional DPS": a kind of product qualified by a domain names a product of it.
        products.update({d: 1 for d in domains if not products[d]})
    domains |= set(products)
    if "islami" in domains and "conventional" not in domains and any(_bare_type(v, catalog) for v in readings):
        # "Mudaraba DPS or a regular DPS": the unqualified one is the conventional product.
        domains.add("conventional")
        products["conventional"] += 1
    recent = [*memory.get("recent_products", []), *memory.get("last_products", [])]
    return InPlay(
        domains=frozenset(domains),
        products=dict(products),
        remembered=dict(_domains_of(recent, catalog)),
        follow_up=bool(ents.get("follow_up") or ents.get("refers")),
        generic=typed and not domains,
    )


def input_guard(state: RouterState, runtime: Runtime[Context]) -> Command[Literal["policy_guard", "classify_intent"]]:
    """Refuse deterministically when a rule is broken; otherwise go on to classification."""
    svc = runtime.context.services
    verdict = None
    # The message as sent, and the question a "say that again" turn answers: each must pass.
    for raw in dict.fromkeys((said_text(state), last_user_text(state))):
        readings = views(raw, svc.policy.leetspeak)
        play = in_play(state["entities"], readings, state.get("memory") or {}, svc.catalog)
        verdict = svc.policy.check(raw, readings, play, runtime.context.caller.is_staff)
        if verdict:
            break
    if verdict is None:
        return Command(goto="classify_intent")
    route = {
        "agent": "policy_guard",
        "confidence": svc.policy.refusal_confidence,
        "reason": verdict.rule,
        "domain": verdict.domain,
    }
    return Command(goto="policy_guard", update={"route": route})
