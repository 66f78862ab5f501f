"""Input guard: policy rules from `policy/*.yaml`, before any agent or model runs."""

from __future__ import annotations

import re
from collections import Counter
from typing import Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from bank_router.knowledge.catalog import Catalog
from bank_router.language.parsing import fold
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from nodes.entities import last_user_text

_REFERS = re.compile(r"\b(that|it|this|those|these|them|its|the same)\b|(এটা|এটি|ওটা|ওটি|এর|সেটা|সেটি|এগুলো)")


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


def input_guard(state: RouterState, runtime: Runtime[Context]) -> Command[Literal["policy_guard", "classify_intent"]]:
    """Refuse deterministically when a rule is broken; otherwise go on to classification."""
    svc = runtime.context.services
    ents = state["entities"]
    raw = last_user_text(state)
    folded = fold(raw)
    product_domains: Counter[str] = Counter(svc.catalog.products[p].meta.domain for p in ents.get("products", []))
    in_play = set(ents.get("domains", [])) | set(product_domains)
    memory = state.get("memory") or {}
    if _REFERS.search(folded):
        # "Is that more than what Prime DPS pays?": "that" is the product we were discussing.
        for pid in memory.get("last_products", []):
            if pid in svc.catalog.products:
                domain = svc.catalog.products[pid].meta.domain
                in_play.add(domain)
                product_domains[domain] += 1
    if "islami" in in_play and "conventional" not in in_play and _bare_type(folded, svc.catalog):
        # "Mudaraba DPS or a regular DPS": the unqualified one is the conventional product.
        in_play.add("conventional")
        product_domains["conventional"] += 1
    verdict = svc.policy.check(raw, folded, in_play, dict(product_domains), runtime.context.caller.is_staff)
    if verdict is None:
        return Command(goto="classify_intent")
    route = {
        "agent": "policy_guard",
        "confidence": svc.policy.refusal_confidence,
        "reason": verdict.rule,
        "domain": verdict.domain,
    }
    return Command(goto="policy_guard", update={"route": route})
