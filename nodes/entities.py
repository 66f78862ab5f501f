"""Entity extraction: products, terms, cues and figures, in English and Bangla."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.runtime import Runtime

from bank_router.knowledge.catalog import Catalog
from bank_router.parsing import fold, parse_age, parse_amounts, parse_ids, parse_limit, parse_monthly_income
from graphs.context import Context
from graphs.state import Entities, RouterState

_FOLLOW_UP = re.compile(
    r"^(and|also|what about|how about|and for|and the|and what about|same for|then|ok and|"
    r"আর|তাহলে|আর যদি|এবং)\b|^(what|how) about\b"
)
_FEMALE = re.compile(r"\b(woman|women|female|lady|ladies|girl|mahila|she)\b|(নারী|মহিলা|মেয়ে)")
_RESIDENT = re.compile(r"\b(i live in bangladesh|living in bangladesh|resident of bangladesh|in dhaka)\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def last_user_text(state: RouterState) -> str:
    for msg in reversed(state["messages"]):
        if isinstance(msg, HumanMessage):
            return str(msg.content)
    return ""


def _mask(folded: str, catalog: Catalog) -> str:
    """Replace product and term names by placeholders so intent generalises across names."""
    spans = [(s, e, "product") for _, s, e in catalog.product_matcher.find(folded)]
    spans += [(s, e, "term") for _, s, e in catalog.term_matcher.find(folded)]
    out, pos = [], 0
    for s, e, word in sorted(spans):
        if s < pos:
            continue
        out.append(folded[pos:s])
        out.append(f" {word} ")
        pos = e
    out.append(folded[pos:])
    return " ".join("".join(out).split())


def classifier_views(text: str, catalog: Catalog) -> tuple[str, str]:
    """(lexical, semantic) inputs: masked text, and masked text with Bangla glossed to English."""
    masked = _mask(fold(text), catalog)
    lexical = _NUMBER.sub("9", masked)
    glosses = [eng for bn, eng in catalog.gloss.items() if bn in masked]
    semantic = f"{masked} {' '.join(glosses)}".strip() if glosses else masked
    return lexical, semantic


def extract(text: str, catalog: Catalog) -> Entities:
    folded = fold(text)
    ents: Entities = {}
    lists: dict[str, Any] = {
        "products": catalog.product_matcher.values(folded),
        "terms": catalog.term_matcher.values(folded),
        "guides": catalog.guide_matcher.values(folded),
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
    if "nrb" in lists["domains"]:
        ents["residency"] = "non_resident"
    elif _RESIDENT.search(folded):
        ents["residency"] = "resident"
    if _FEMALE.search(folded):
        ents["gender"] = "female"
    if ids := parse_ids(text):
        ents["ids"] = ids
    if (limit := parse_limit(text)) is not None:
        ents["limit"] = limit
    words = folded.split()
    if _FOLLOW_UP.search(folded) and len(words) <= 8:
        ents["follow_up"] = True
    return ents


def extract_entities(state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Parse this turn's message; no model call."""
    return {"entities": extract(last_user_text(state), runtime.context.services.catalog)}
