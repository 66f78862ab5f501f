"""Input guard: policy rules from `policy/*.yaml`, before any agent or model runs."""

from __future__ import annotations

from collections import Counter
from typing import Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from bank_router.parsing import fold
from graphs.context import Context
from graphs.state import RouterState
from nodes.entities import last_user_text


def input_guard(state: RouterState, runtime: Runtime[Context]) -> Command[Literal["policy_guard", "classify_intent"]]:
    """Refuse deterministically when a rule is broken; otherwise go on to classification."""
    svc = runtime.context.services
    ents = state["entities"]
    product_domains = Counter(svc.catalog.products[p].meta.domain for p in ents.get("products", []))
    in_play = set(ents.get("domains", [])) | set(product_domains)
    verdict = svc.policy.check(
        fold(last_user_text(state)), in_play, dict(product_domains), runtime.context.caller.is_staff
    )
    if verdict is None:
        return Command(goto="classify_intent")
    route = {
        "agent": "policy_guard",
        "confidence": svc.policy.refusal_confidence,
        "reason": verdict.rule,
        "domain": verdict.domain,
    }
    return Command(goto="policy_guard", update={"route": route})
