"""policy_guard: the refusal, with the reason and what the assistant can do instead."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.common import answer, common


def policy_guard(state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    route, ents = state["route"], state["entities"]
    reason = route.get("reason", "policy")
    key = reason if reason in svc.policy.messages else "policy"
    msg = svc.policy.message(key, lang, permission=route.get("permission", "ai_agent"))
    domain = route.get("domain")
    vertical = None
    if reason not in ("out_of_scope", "policy", "prompt_injection", "system_prompt"):
        products = [svc.catalog.products[p].meta for p in ents.get("products", [])]
        cued: list[str | None] = [*ents.get("verticals", [])] or [None]
        vertical = common([p.vertical for p in products]) or cued[0]
    return answer(
        "policy_guard",
        msg,
        [],
        float(route.get("confidence", svc.policy.refusal_confidence)),
        refusal=True,
        domain=domain,
        vertical=vertical,
    )
