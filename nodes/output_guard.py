"""Output guard and turn bookkeeping: check the answer's numbers and policy, then remember the turn."""

from __future__ import annotations

from typing import Any

import structlog
from langchain_core.messages import AIMessage, HumanMessage, RemoveMessage
from langgraph.runtime import Runtime
from prometheus_client import Counter

from bank_router.language.grounding import ungrounded
from bank_router.turn.agents import REMEMBERED_AGENTS
from bank_router.turn.context import Context
from bank_router.turn.state import Answer, RouterState
from nodes.answer_figures import mixes_domains
from nodes.follow_up import PERSON_FACTS, is_follow_up
from nodes.llm_turn import turn_key
from nodes.phrase import phrase

log = structlog.get_logger(__name__)

REPLACED = Counter("bank_router_output_guard_replaced_total", "Answers replaced for ungrounded numbers")
REFUSED = Counter("bank_router_output_guard_refused_total", "Answers refused for the figures they quote", ["rule"])
HISTORY_WINDOW = 10  # messages kept in the checkpoint: the context of a turn (seed 001: the last 10)
RECENT_PRODUCTS = 6  # products of the recent answers kept for the cross-domain rule (newest first)


def evidence_for(ans: Answer, state: RouterState, runtime: Runtime[Context]) -> list[str]:
    catalog = runtime.context.services.catalog
    # The user's own words in this conversation ground the figures they gave (age, amount).
    texts = [str(m.content) for m in state["messages"] if isinstance(m, HumanMessage)]
    texts += [str(v) for v in ((state.get("memory") or {}).get("facts") or {}).values()]
    texts += ans.get("evidence", [])
    for path in ans.get("sources", []):
        doc = catalog.doc(path)
        if doc is not None:
            texts.append(doc.text)
    return texts


def checked(ans: Answer, state: RouterState, runtime: Runtime[Context]) -> Answer:
    """Replace an answer whose numbers are not all grounded by its grounded fallback."""
    evidence = evidence_for(ans, state, runtime)
    bad = ungrounded(ans["message"], evidence)
    if not bad:
        return ans
    REPLACED.inc()
    log.warning("output_guard_replaced", agent=ans.get("agent"), ungrounded=len(bad), model="deterministic" in ans)
    base = ans.get("deterministic")
    if base is not None:
        # A model-written answer falls back to the whole template answer (agent, sources and all).
        if (llm := runtime.context.services.llm) is not None:
            llm.retract(turn_key(state), "text")
        return checked(base, state, runtime)
    fallback = ans.get("fallback", "")
    if fallback and not ungrounded(fallback, evidence):
        return {**ans, "message": fallback}
    tpl = runtime.context.services.templates
    return {**ans, "message": tpl.t("not_configured_fallback", state["language"]), "confidence": 0.3}


def policed(ans: Answer, state: RouterState, runtime: Runtime[Context]) -> Answer:
    """Refuse an answer whose figures break a cross-domain rule (Islami and conventional side by side)."""
    svc = runtime.context.services
    for rule in svc.policy.answer_rules():
        if mixes_domains(dict(ans), rule.cross_domain, svc.catalog):
            REFUSED.labels(rule=rule.id).inc()
            log.warning("output_guard_refused", agent=ans.get("agent"), rule=rule.id)
            return {
                "message": svc.policy.message(rule.id, state["language"]),
                "domain": rule.report_domain,
                "vertical": ans.get("vertical"),
                "agent": "policy_guard",
                "sources": [],
                "confidence": svc.policy.refusal_confidence,
                "refusal": True,
            }
    return ans


def _memory(state: RouterState, ans: Answer, runtime: Runtime[Context]) -> dict[str, Any]:
    memory = dict(state.get("memory") or {})
    # A new question starts a new applicant; a follow-up adds to the one we have.
    facts = dict(memory.get("facts") or {}) if is_follow_up(state) else {}
    for key in PERSON_FACTS:
        if key in state["entities"]:
            facts[key] = state["entities"][key]  # type: ignore[literal-required]
    memory["facts"] = facts
    products = runtime.context.services.catalog.products
    mentioned = [p.rsplit("/", 1)[-1][:-3] for p in ans.get("sources", [])]
    if ans["agent"] in REMEMBERED_AGENTS:
        memory["last_agent"] = ans["agent"]
        named = [m for m in mentioned if m in products]
        if named:
            memory["last_products"] = named
        # A comparison can be spread over turns: the cross-domain rule looks a few answers back.
        recent = [*named, *(memory.get("recent_products") or [])]
        memory["recent_products"] = list(dict.fromkeys(recent))[:RECENT_PRODUCTS]
        topics = [m for m in mentioned if m in runtime.context.services.catalog.support]
        memory["last_topic"] = topics[0] if topics else None
    memory["pending"] = ans.get("pending")
    return memory


def _model_report(state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    """The turn's mode and, when the model was called, its usage (seed 001)."""
    llm = runtime.context.services.llm
    if llm is None:
        return {"mode": "deterministic"}
    shaped, usage = llm.finish(turn_key(state))
    report: dict[str, Any] = {"mode": "llm" if shaped else "deterministic"}
    if usage is not None:
        report["usage"] = usage
    return report


def output_guard(state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    ans = policed(checked(phrase(state["answer"], state, runtime), state, runtime), state, runtime)
    public = {k: v for k, v in ans.items() if k not in ("fallback", "evidence", "pending", "deterministic")}
    public.update(_model_report(state, runtime))
    # The checkpoint keeps a short window; what a follow-up needs lives in `memory`.
    stale = state["messages"][: max(0, len(state["messages"]) + 1 - HISTORY_WINDOW)]
    return {
        "answer": public,
        "memory": _memory(state, ans, runtime),
        "messages": [
            *(RemoveMessage(id=m.id) for m in stale if m.id),
            AIMessage(content=ans["message"], name=ans["agent"]),
        ],
    }
