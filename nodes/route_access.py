"""Who may reach what: a staff member's record look-ups, the tools' permissions, a signed-in customer's own records,
and a reply to a workflow that waits for one."""

from __future__ import annotations

from langgraph.runtime import Runtime

from bank_router.language.classifier import Prediction
from bank_router.language.parsing import fold
from bank_router.tools import TOOLS
from bank_router.turn.agents import STAFF_AGENTS
from bank_router.turn.context import Caller, Context
from bank_router.turn.state import Entities, Route
from nodes.customer_rules import one_time_code, read_request
from nodes.route_support import SUPPORT
from nodes.servicing_rules import plan
from nodes.workflow import cancels

STAFF_OVERRIDABLE = ("out_of_scope", "unsure", "banking cue, unclear intent", "everyday banking, leaning")
WORKFLOW_REPLY_WORDS = 6  # "product 5", "make it 80,000": short replies answer the waiting question


def _needed(route: Route, text: str, ents: Entities, runtime: Runtime[Context]) -> list[str]:
    """The tool permissions the turn needs: the servicing plan's tools, else the policy book's hint."""
    if route["agent"] == "loan_scoring_graph":
        return ["loan:score"]
    perms = [p for call in plan(text, ents) if (p := TOOLS[call.tool].permission)]
    return perms or [runtime.context.services.policy.permission_for(fold(text))]


def gate_staff(route: Route, caller: Caller, text: str, ents: Entities, runtime: Runtime[Context]) -> Route:
    """Staff agents need `ai_agent` and the tools' permissions; without them, a refusal naming what is missing."""
    policy = runtime.context.services.policy
    needed = _needed(route, text, ents, runtime)
    missing = [p for p in needed if not caller.can(p)]
    if missing:
        return {
            "agent": "policy_guard",
            "confidence": policy.refusal_confidence,
            "reason": "missing_permission",
            "permission": missing[0],
        }
    return {**route, "permission": needed[0]}


def staff_lookup(route: Route, text: str, ents: Entities, caller: Caller) -> Route:
    """A staff member's record look-up that the classifier missed, as the servicing rules read it."""
    if not caller.is_staff or caller.is_customer or route["agent"] == "servicing_graph":
        return route
    calls = plan(text, ents)
    if not calls:
        return route
    if route["agent"] == "loan_scoring_graph":
        # "What scores has customer 789 had?" reads the history; it does not start a new scoring.
        if calls[0].tool == "get_loan_score_history":
            return {"agent": "servicing_graph", "confidence": route["confidence"], "reason": "score history"}
        return route
    if any(ents.get(k) for k in ("products", "terms", "guides", "policies")):
        return route  # about our published products, not platform records
    everyday = route["agent"] == SUPPORT and not ents.get("urgent")
    if ents.get("ids") or route.get("reason") in STAFF_OVERRIDABLE or everyday:
        return {"agent": "servicing_graph", "confidence": max(route["confidence"], 0.6), "reason": "staff look-up"}
    return route


def workflow_reply(pred: Prediction, text: str, ents: Entities, agent: str) -> bool:
    """Whether a turn answers the waiting workflow, rather than asking something else in between."""
    if agent != "loan_scoring_graph":
        # A customer's action waits for a choice, a yes or a code; a new request of theirs is not a reply.
        if cancels(text) or one_time_code(text) is not None:
            return True
        return len(text.split()) <= WORKFLOW_REPLY_WORDS and read_request(text, ents) is None
    if pred.label == agent or cancels(text) or len(text.split()) <= WORKFLOW_REPLY_WORDS:
        return True
    return pred.confidence < 0.6 or (pred.label not in STAFF_AGENTS and bool(ents.get("amount") or ents.get("ids")))


def customer_request(route: Route, text: str, ents: Entities, caller: Caller) -> Route:
    """A signed-in customer asking about their own accounts, cards or transfers: their records answer."""
    if not caller.is_customer or (route["agent"] == "policy_guard" and route.get("reason") != "out_of_scope"):
        return route
    if read_request(text, ents) is not None:
        return {"agent": "servicing_graph", "confidence": max(route["confidence"], 0.7), "reason": "own records"}
    if plan(text, ents):
        # Staff records (another customer's profile, a customer list): a customer token reaches only its own.
        return {"agent": "policy_guard", "confidence": 0.9, "reason": "other_person_data"}
    return route
