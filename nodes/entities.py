"""Entity extraction: products, terms, cues and figures, in English and Bangla."""

from __future__ import annotations

import re
from typing import Any

from langgraph.runtime import Runtime

from bank_router.knowledge.catalog import Catalog
from bank_router.language.parsing import (
    fold,
    parse_age,
    parse_amounts,
    parse_ids,
    parse_limit,
    parse_monthly_income,
    parse_tenure,
)
from bank_router.turn.context import Context
from bank_router.turn.state import Entities, RouterState
from nodes.restate import restated, said_text

_FOLLOW_UP = re.compile(
    r"^(and|also|what about|how about|what if|and for|and the|and what about|same for|then|ok and|r|ar|aar|"
    r"tahole|ar jodi|আর|তাহলে|আর যদি|এবং)\b|^(what|how) about\b"
)
_REFERS = re.compile(
    r"\b(it|its|this one|that one|this|that|the same|the (new|extra|other|old|second|replacement) one)\b|"
    r"(এটা|এটি|ওটা|ওটি|এটার|এর জন্য|সেটা|সেটি)"
)


def opens_follow_up(folded: str) -> bool:
    """'and how long will the new one take to reach me?': a message that continues the last one."""
    return bool(_FOLLOW_UP.search(folded))


_FEMALE = re.compile(r"\b(woman|women|female|lady|ladies|girl|mahila|she)\b|(নারী|মহিলা|মেয়ে)")
_RESIDENT = re.compile(r"\b(i live in bangladesh|living in bangladesh|resident of bangladesh|in dhaka)\b")


def last_user_text(state: RouterState) -> str:
    """The question this turn answers: the customer's message, or the one it asks to hear again."""
    return state.get("question") or said_text(state)


def extract(text: str, catalog: Catalog) -> Entities:
    folded = catalog.read(text)
    ents: Entities = {}
    lists: dict[str, Any] = {
        "products": catalog.product_matcher.values(folded),
        "terms": catalog.term_matcher.values(folded),
        "guides": catalog.guide_matcher.values(folded),
        "topics": catalog.support_matcher.values(folded),
        "aspects": catalog.aspects(folded),
        "policies": catalog.policy_matcher.values(folded),
        "types": catalog.type_matcher.values(folded),
        "domains": catalog.domain_matcher.values(folded),
        "verticals": catalog.vertical_matcher.values(folded),
    }
    for key, values in lists.items():
        if values:
            ents[key] = values  # type: ignore[literal-required]
    if (age := parse_age(text)) is not None:
        ents["age"] = age
    income = parse_monthly_income(text)
    if income is not None:
        ents["income"] = income
    amounts = [a for a in parse_amounts(text) if a != income]
    if amounts:
        ents["amount"] = amounts[0]
    if "nrb" in lists["domains"] or catalog.abroad_matcher.find(folded):
        ents["residency"] = "non_resident"
    elif _RESIDENT.search(folded):
        ents["residency"] = "resident"
    if _FEMALE.search(folded):
        ents["gender"] = "female"
    if ids := parse_ids(text):
        ents["ids"] = ids
    if (limit := parse_limit(text)) is not None:
        ents["limit"] = limit
    if (tenure := parse_tenure(text)) is not None:
        ents["tenure_months"] = tenure
    words = folded.split()
    if _FOLLOW_UP.search(folded) and len(words) <= 8:
        ents["follow_up"] = True
    elif _REFERS.search(folded) and not (lists["products"] or lists["types"]):
        # "what's its interest rate?": about the product already under discussion.
        ents["refers"] = True
    if catalog.comparison_matcher.find(folded):
        ents["compares"] = True
    if implied := _implied(folded, catalog, ents):
        ents["implied"] = implied
    named = [*ents.get("products", []), *ents.get("implied", [])]
    if doms := sorted({str(catalog.products[p].meta.domain) for p in named if p in catalog.products}):
        ents["product_domains"] = doms
    if catalog.banking_matcher.find(folded):
        ents["banking"] = True
    if catalog.service_matcher.find(folded):
        ents["service"] = True
    if catalog.urgent_matcher.find(folded):
        ents["urgent"] = True
    return ents


def _implied(folded: str, catalog: Catalog, ents: Entities) -> list[str]:
    """Products meant by bare types: the domain cue's, or NRB for a non-resident, else conventional."""
    spans = catalog.product_matcher.find(folded)
    domains = ents.get("domains") or (["nrb"] if ents.get("residency") == "non_resident" else ["conventional"])
    out: list[str] = []
    for type_, start, end in catalog.type_matcher.find(folded):
        if any(s <= start and end <= e for _, s, e in spans):
            continue
        pid = catalog.implied_product(type_, domains[0])
        if pid and pid not in out and pid not in ents.get("products", []):
            out.append(pid)
    return out


def _stem_match(word: str, token: str) -> bool:
    # Bangla adds case endings (প্ল্যাটিনাম -> প্ল্যাটিনামের); English adds plurals.
    return token == word or (len(word) >= 4 and token.startswith(word))


def partial_product(folded: str, memory: dict[str, Any], catalog: Catalog, domains: list[str]) -> str | None:
    """In a follow-up, "the platinum one" names a sibling of the product we were talking about; "and the
    Hasanah DPS?" after the Prime DPS names another domain's, which is no sibling."""
    last = [catalog.products[p] for p in memory.get("last_products", []) if p in catalog.products]
    if not last or (domains and last[0].meta.domain not in domains):
        return None
    family = catalog.products_of(domain=last[0].meta.domain, vertical=last[0].meta.vertical)
    counts: dict[str, int] = {}
    names = {}
    for d in family:
        words = {w for n in (d.meta.name, d.meta.name_bn) for w in fold(n).split()}
        names[d.meta.id] = words
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    tokens = folded.split()
    hits = [
        pid
        for pid, words in names.items()
        if any(counts[w] == 1 and any(_stem_match(w, t) for t in tokens) for w in words)
    ]
    return hits[0] if len(hits) == 1 else None


def extract_entities(state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Parse this turn's message; no model call."""
    catalog = runtime.context.services.catalog
    text = said_text(state)
    ents = extract(text, catalog)
    # A run started with messages alone (LangGraph Studio's form) answers in English.
    language = state.get("language") or "en"
    again = restated(state, fold(text), ents)
    if again:
        # "Can you say that again in Bangla?": the question before, answered again, in the language asked.
        text, language = again
        ents = extract(text, catalog)
    memory = state.get("memory") or {}
    if not ents.get("products") and memory.get("last_products"):
        pid = partial_product(fold(text), memory, catalog, ents.get("domains", []))
        if pid:
            ents["products"] = [pid]
            ents["refers"] = True
    return {"entities": ents, "language": language, "question": text}
