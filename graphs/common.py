"""Helpers the agents share: which products a turn is about, names, answer assembly."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_config
from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from bank_router.knowledge.loader import Doc
from bank_router.knowledge.schema import Product
from bank_router.services import Services
from bank_router.turn.context import Context
from bank_router.turn.state import Answer, Entities, RouterState
from nodes.follow_up import PERSON_FACTS, is_follow_up


def turn_entities(state: RouterState) -> Entities:
    """This turn's entities; a follow-up inherits the applicant's facts from memory."""
    ents: Entities = dict(state["entities"])  # type: ignore[assignment]
    if not is_follow_up(state):
        return ents
    memory = state.get("memory") or {}
    facts = memory.get("facts") or {}
    for key in PERSON_FACTS:
        if key not in ents and key in facts:
            ents[key] = facts[key]  # type: ignore[literal-required]
    return ents


def turn_products(state: RouterState, svc: Services, want: int = 1) -> list[Doc[Product]]:
    """Products named now; if fewer than wanted, the ones the conversation was about."""
    catalog = svc.catalog
    ents = state["entities"]
    ids = [*ents.get("products", []), *ents.get("implied", [])]
    memory = state.get("memory") or {}
    kinds = set(ents.get("types", [])) | set(ents.get("verticals", []))
    for pid in memory.get("last_products", []):
        if len(ids) >= want:
            break
        last = catalog.products.get(pid)
        # "Can I get a credit card?" asks about a new kind of product, not the one discussed before.
        if last and pid not in ids and (not kinds or kinds & {last.meta.type, last.meta.vertical}):
            ids.append(pid)
    return [catalog.products[i] for i in ids if i in catalog.products]


def candidates(svc: Services, ents: Entities) -> list[Doc[Product]]:
    """Products matching the type, vertical and domain cues of a turn with no product named."""
    domains: list[str | None] = [*ents.get("domains", [])] or [None]
    types: list[str | None] = [*ents.get("types", [])] or [None]
    verticals: list[str | None] = [*ents.get("verticals", [])] or [None]
    out: list[Doc[Product]] = []
    for d in domains:
        for t in types:
            # A type cue is more specific than a vertical cue; use the vertical only without one.
            for v in verticals if t is None else [None]:
                for p in svc.catalog.products_of(domain=d, vertical=v, type_=t):
                    if p not in out:
                        out.append(p)
    if "nrb" not in (ents.get("domains") or []) and ents.get("residency") != "non_resident":
        non_nrb = [p for p in out if p.meta.domain != "nrb"]
        out = non_nrb or out
    if ents.get("gender") == "female":
        # "...for women": the products made for them come first (a girl of 15 may still fit only the others).
        out = sorted(out, key=lambda p: p.meta.eligibility.gender != "female")
    return out


def common(values: list[str | None]) -> str | None:
    return values[0] if values and all(v == values[0] for v in values) else None


def answer(
    agent: str,
    message: str,
    docs: list[Doc[Any]] | None = None,
    confidence: float = 0.9,
    *,
    refusal: bool = False,
    domain: str | None = None,
    vertical: str | None = None,
    extra_sources: list[str] | None = None,
) -> dict[str, Answer]:
    docs = docs or []
    if domain is None:
        domain = common([getattr(d.meta, "domain", None) for d in docs])
    if vertical is None:
        vertical = common([getattr(d.meta, "vertical", None) for d in docs])
    sources = list(dict.fromkeys([d.path for d in docs] + (extra_sources or [])))
    return {
        "answer": {
            "message": message,
            "domain": domain,
            "vertical": vertical,
            "agent": agent,
            "sources": sources,
            "confidence": round(max(0.0, min(1.0, confidence)), 2),
            "refusal": refusal,
            "fallback": message,
        }
    }


def answer_confidence(state: RouterState) -> float:
    """Map the route's classifier probability onto the answering band [0.5, 1.0]."""
    return min(0.97, 0.5 + 0.5 * float(state["route"].get("confidence", 0.5)))


def steps(name: str, state: type[Any], *nodes: tuple[str, Any]) -> Any:
    """An agent as a compiled subgraph of named steps run in order: Studio and xray show each one."""
    builder = StateGraph(state, context_schema=Context)
    previous = START
    for step, node in nodes:
        builder.add_node(step, node)
        builder.add_edge(previous, step)
        previous = step
    builder.add_edge(previous, END)
    return builder.compile(name=name)


def publish(runtime: Runtime[Context], kind: str, data: dict[str, Any]) -> None:
    """Publish a domain event (webhooks, WebSocket) for this turn's caller and session."""
    caller = runtime.context.caller
    configurable = get_config().get("configurable") or {}
    session = configurable.get("session_id") or configurable.get("thread_id")
    runtime.context.services.events.publish(kind, data, tenant=caller.tenant, sub=caller.sub, session_id=session)
