"""Intent classification: the local classifier, follow-up context and the caller's permissions."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from bank_router.classifier import OUT_OF_SCOPE, Prediction
from bank_router.parsing import fold
from graphs.context import Caller, Context
from graphs.state import Entities, Route, RouterState
from nodes.entities import classifier_views, last_user_text

ANSWERING = ("eligibility_graph", "comparison_graph", "product_info_graph", "onboarding_graph")
STAFF = ("servicing_graph", "loan_scoring_graph")
Next = Literal[
    "eligibility_graph", "comparison_graph", "product_info_graph", "onboarding_graph",
    "policy_guard", "clarification_agent",
]
_BANKING_KEYS = ("products", "terms", "guides", "policies", "types", "verticals", "domains")


def _has_banking_cue(ents: Entities) -> bool:
    return any(ents.get(k) for k in _BANKING_KEYS)  # type: ignore[misc]


def _best_answering(pred: Prediction) -> tuple[str, float]:
    label = max(ANSWERING, key=lambda a: pred.scores.get(a, 0.0))
    return label, pred.scores.get(label, 0.0)


def decide(pred: Prediction, ents: Entities, memory: dict[str, Any], caller: Caller,
           clarify_below: float) -> Route:
    """Turn the classifier's scores into a route; every branch says why in `reason`."""
    label, p = pred.label, pred.confidence
    last = memory.get("last_agent")
    named = bool(ents.get("products") or ents.get("terms"))

    pending = memory.get("pending")
    if pending and pending in ents and last in ANSWERING and p < 0.9:
        return {"agent": last, "confidence": 0.85, "reason": f"answers pending {pending}"}
    if ents.get("follow_up") and last in ANSWERING and label not in (OUT_OF_SCOPE, "policy_guard", *STAFF):
        if label == last or p < 0.8:
            return {"agent": last, "confidence": max(p, 0.75), "reason": "follow-up"}

    if label == OUT_OF_SCOPE:
        if not _has_banking_cue(ents):
            return {"agent": "policy_guard", "confidence": 0.5 + p / 2, "reason": "out_of_scope", "label": label}
        alt, q = _best_answering(pred)
        if named and q >= 0.15:
            return {"agent": alt, "confidence": q, "reason": "banking cue over out-of-scope"}
        return {"agent": "clarification_agent", "confidence": min(p, 0.45), "reason": "banking cue, unclear intent"}

    if label == "policy_guard" and p >= clarify_below:
        return {"agent": "policy_guard", "confidence": 0.5 + p / 2, "reason": "policy", "label": label}

    if label in STAFF:
        return {"agent": label, "confidence": p, "reason": "classifier", "label": label}

    if label == "clarification_agent" or p < clarify_below:
        if named:
            alt, q = _best_answering(pred)
            return {"agent": alt if q >= 0.2 else "product_info_graph", "confidence": max(q, p),
                    "reason": "named product, unsure intent"}
        if label == "policy_guard" and not _has_banking_cue(ents):
            return {"agent": "policy_guard", "confidence": 0.5 + p / 2, "reason": "out_of_scope", "label": label}
        return {"agent": "clarification_agent", "confidence": min(p, 0.45), "reason": "unsure", "label": label}

    return {"agent": label, "confidence": p, "reason": "classifier", "label": label}


def _gate_staff(route: Route, caller: Caller, folded: str, runtime: Runtime[Context]) -> Route:
    """Staff agents need `ai_agent` and the tool's permission; without them, a refusal."""
    policy = runtime.context.services.policy
    needed = "loan:score" if route["agent"] == "loan_scoring_graph" else policy.permission_for(folded)
    if not caller.can(needed):
        return {"agent": "policy_guard", "confidence": policy.refusal_confidence,
                "reason": "missing_permission", "permission": needed}
    # The staff platform lands separately; until then staff requests are refused plainly.
    return {"agent": "policy_guard", "confidence": policy.refusal_confidence,
            "reason": "staff_tools_unavailable", "permission": needed}


def classify_intent(state: RouterState, runtime: Runtime[Context]) -> Command[Next]:
    svc = runtime.context.services
    text = last_user_text(state)
    lexical, semantic = classifier_views(text, svc.catalog)
    pred = svc.classifier.predict(lexical, semantic)
    route = decide(pred, state["entities"], state.get("memory") or {}, runtime.context.caller,
                   svc.settings.clarify_below)
    intent = route["agent"]
    if intent in STAFF:
        route = _gate_staff(route, runtime.context.caller, fold(text), runtime)
    route.setdefault("label", pred.label)
    route["intent"] = intent
    return Command(goto=route["agent"], update={"route": route})  # type: ignore[arg-type]
