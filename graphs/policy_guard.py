"""policy_guard: the refusal, with the reason and what the assistant can do instead."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.common import answer, common, steps


class RefusalState(RouterState):
    rule: str  # the policy book's message key: the rule that refused, or the generic one
    vertical: str | None  # what the refused question was about, where the rule keeps it


def pick_rule(state: RefusalState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc = runtime.context.services
    route, ents = state["route"], state["entities"]
    reason = route.get("reason", "policy")
    vertical = None
    if reason not in ("out_of_scope", "policy", "prompt_injection", "system_prompt"):
        products = [svc.catalog.products[p].meta for p in ents.get("products", [])]
        cued: list[str | None] = [*ents.get("verticals", [])] or [None]
        vertical = common([p.vertical for p in products]) or cued[0]
    return {"rule": reason if reason in svc.policy.messages else "policy", "vertical": vertical}


def compose_refusal(state: RefusalState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang, route = runtime.context.services, state["language"], state["route"]
    msg = svc.policy.message(state["rule"], lang, permission=route.get("permission", "ai_agent"))
    return answer(
        "policy_guard",
        msg,
        [],
        float(route.get("confidence", svc.policy.refusal_confidence)),
        refusal=True,
        domain=route.get("domain"),
        vertical=state["vertical"],
    )


policy_guard = steps("policy_guard", RefusalState, ("pick_rule", pick_rule), ("compose_refusal", compose_refusal))
