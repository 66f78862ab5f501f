"""Intent and entities from the model, only when the local classifier is unsure; validated, never a refusal."""

from __future__ import annotations

import difflib
import functools
from typing import Any

import structlog
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from bank_router.knowledge.catalog import Catalog
from bank_router.language.classifier import Prediction
from bank_router.language.grounding import ungrounded
from bank_router.language.parsing import canonical, fold, numbers_in
from bank_router.llm.prompts import INTENT_SYSTEM, delimit
from bank_router.turn.agents import AGENTS, MODEL_ROUTES
from bank_router.turn.context import Caller, Context
from bank_router.turn.state import Entities, Route, RouterState
from nodes.entities import last_user_text
from nodes.llm_turn import turn_key

log = structlog.get_logger(__name__)

MIN_CONFIDENCE = 0.6  # a model pick under this keeps the question back
MAX_CONFIDENCE = 0.85
PUBLIC_AGENTS = tuple(a for a in MODEL_ROUTES if AGENTS[a].audience == "public")
STAFF_ROUTES = tuple(a for a in MODEL_ROUTES if AGENTS[a].audience == "staff")


class IntentChoice(BaseModel):
    """Which specialist agent should answer the message, and the facts the message states."""

    agent: str = Field(description="One of the agents listed in the instructions.")
    confidence: float = Field(ge=0.0, le=1.0, description="How sure you are, 0 to 1.")
    products: list[str] = Field(default_factory=list, description="Product names as written in the message.")
    age: int | None = Field(None, description="The customer's age in years, if the message states it.")
    amount: float | None = Field(None, description="Deposit or balance amount in taka, if stated.")
    monthly_income: float | None = Field(None, description="Monthly income in taka, if stated.")


def offered(caller: Caller) -> tuple[str, ...]:
    """Agents the model may pick: staff look-ups only for staff with the agent permission; never a refusal."""
    staff = STAFF_ROUTES if caller.is_staff and "ai_agent" in caller.permissions else ()
    return (*PUBLIC_AGENTS, *staff)


def _close(word: str, words: list[str]) -> bool:
    """`word` is in `words`, perhaps misspelt; a short word must be exact ("sme" is not "some", "gold" not "good")."""
    if len(word) < 5:
        return word in words
    return bool(difflib.get_close_matches(word, words, n=1, cutoff=0.75))


def _in_message(name: str, words: list[str], common: frozenset[str]) -> bool:
    """A product the model read must be in the message (perhaps misspelt), not invented: every distinctive word."""
    parts = [w for w in fold(name).split() if len(w) >= 3]
    distinctive = [w for w in parts if w not in common] or parts
    return all(_close(w, words) for w in distinctive)


def merge_entities(ents: Entities, choice: IntentChoice, text: str, catalog: Catalog) -> Entities:
    """Fill only what the parsers missed, and only with what the message itself supports."""
    out: Entities = dict(ents)  # type: ignore[assignment]
    words = fold(text).split()
    if not ents.get("products") and choice.products:
        found: list[str] = []
        common = catalog.common_name_words
        for product in choice.products[:3]:
            if _in_message(product, words, common):
                found += [p for p in catalog.product_matcher.values(fold(product)) if p not in found]
        if found:
            out["products"] = found
    figures: dict[str, Any] = {"age": choice.age, "amount": choice.amount, "income": choice.monthly_income}
    for key, value in figures.items():
        if value is None or key in ents or value <= 0 or (key == "age" and value > 120):
            continue
        if not ungrounded(canonical(value), [text]):  # the figure must be in the user's own words
            out[key] = int(value) if key == "age" else float(value)  # type: ignore[literal-required]
    return out


def _supported(agent: str, before: Entities, after: Entities, pred: Prediction, agents: tuple[str, ...]) -> bool:
    """A pick must bring checked evidence: products the parsers missed and the message contains.

    A vague message stays a question back whatever the model says, so a confident but wrong model cannot
    turn a clarification into an answer. Staff look-ups need a record id and the classifier's lean.
    """
    if agent == "servicing_graph":
        lean = max((a for a in agents if a != "clarification_agent"), key=lambda a: pred.scores.get(a, 0.0))
        return bool(after.get("ids")) and lean == agent
    found = [p for p in after.get("products", []) if p not in before.get("products", [])]
    if agent == "comparison_graph":
        return bool(found) and len(after.get("products", [])) + len(after.get("implied", [])) >= 2
    return bool(found)


def needs_model(route: Route, ents: Entities) -> bool:
    """Unsure turns, and turns routed to an agent that needs a product the parsers did not find."""
    if route["agent"] == "clarification_agent":
        return True
    return route["agent"] in ("eligibility_graph", "comparison_graph") and not (
        ents.get("products") or ents.get("implied")
    )


@functools.lru_cache(maxsize=4)
def _name_words(phrases: frozenset[str], common: frozenset[str]) -> tuple[tuple[tuple[str, ...], ...], tuple[str, ...]]:
    """Per product name, the words `_in_message` needs in a message before the name counts; the long ones."""
    needs = []
    for phrase in phrases:
        parts = [w for w in phrase.split() if len(w) >= 3]
        if parts:
            needs.append(tuple(w for w in parts if w not in common) or tuple(parts))
    return tuple(needs), tuple(sorted({w for need in needs for w in need if len(w) >= 5}))


def _names_a_product(text: str, catalog: Catalog) -> bool:
    """Whether some product name has every word it needs in the message (as `_in_message` reads it)."""
    needs, vocabulary = _name_words(catalog.product_matcher.phrases, catalog.common_name_words)
    words = fold(text).split()
    present = set(words)  # short words: exact
    for w in words:  # long ones, perhaps misspelt (one matcher per message word, as `_close` scores them)
        if len(w) >= 4:
            present.update(difflib.get_close_matches(w, vocabulary, n=len(vocabulary), cutoff=0.75))
    return any(all(w in present for w in need) for need in needs)


def could_help(route: Route, ents: Entities, text: str, caller: Caller, catalog: Catalog) -> bool:
    """Whether any reply of the model could be accepted, given that it may only add what the message holds.

    A product needs its name in the message (perhaps misspelt), a figure a number the parsers left unused,
    a staff look-up a staff caller and a record id. "I need some advice" holds none: no call, same answer.
    """
    parsed: set[str] = set()
    for key in ("age", "amount", "income"):
        if isinstance(value := ents.get(key), int | float):
            parsed |= numbers_in(canonical(value))
    if numbers_in(text) - parsed:
        return True
    if route["agent"] == "clarification_agent" and ents.get("ids") and "servicing_graph" in offered(caller):
        return True
    return not ents.get("products") and _names_a_product(text, catalog)


def model_route(
    route: Route, pred: Prediction, state: RouterState, runtime: Runtime[Context]
) -> tuple[Route, Entities]:
    """Ask the model about a turn the classifier could not place; keep `route` unless the pick holds up."""
    svc, ents = runtime.context.services, state["entities"]
    llm = svc.llm
    if llm is None:
        return route, ents
    turn, text = turn_key(state), last_user_text(state)
    agents = offered(runtime.context.caller)
    prompt = INTENT_SYSTEM.format(agents="\n".join(f"- {a}: {AGENTS[a].help}" for a in agents))
    choice = llm.structured(
        turn, "intent", IntentChoice, [SystemMessage(prompt), HumanMessage(delimit("customer_message", text))]
    )
    if choice is None:
        return route, ents
    merged = merge_entities(ents, choice, text, svc.catalog)
    if merged != ents:
        llm.accept(turn, "entities")
    if route["agent"] != "clarification_agent":
        return route, merged  # the classifier was sure of the agent: the model only fills in the entities
    ok = (
        choice.agent in agents
        and choice.agent != "clarification_agent"
        and choice.confidence >= MIN_CONFIDENCE
        and _supported(choice.agent, ents, merged, pred, agents)
    )
    if not ok:
        log.info("llm_intent_declined", agent=choice.agent[:40], offered=choice.agent in agents)
        return route, merged
    llm.accept(turn, "intent")
    conf = round(min(MAX_CONFIDENCE, max(0.5, choice.confidence)), 2)
    return {"agent": choice.agent, "confidence": conf, "reason": "model"}, merged
