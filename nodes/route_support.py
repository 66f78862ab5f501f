"""Everyday-service routes the router doubts: a support question too vague to answer, or an out-of-scope reading
that one support topic is sure of. Each returns the route unchanged, or the route it should be."""

from __future__ import annotations

from collections.abc import Callable

from bank_router.knowledge.catalog import SMALL_TALK_AREA
from bank_router.language.classifier import OUT_OF_SCOPE, Prediction
from bank_router.services import Services
from bank_router.turn.state import Entities, Route

SUPPORT = "support_graph"
NEARLY = 0.75  # a second reading this share of the first is nearly as likely: ask, do not pick or refuse
VAGUE_SERVICE_WORDS = 4
VAGUE_WORDS = 6  # a support question this short that names nothing may be too vague to answer
VAGUE_TOPIC = 0.3  # ... and is, when no support topic is this likely
VAGUE_OUT = 0.75  # ... and out of scope when that reading is nearly as likely and no banking word is used
VAGUE_SUPPORT = 0.7  # or when the router itself is this unsure that it is everyday service
SMALL_TALK_SURE = 0.5  # a short turn the topics read this surely as small talk is answered as small talk
TOPIC_SURE = 0.8  # a support topic this sure (small talk aside) is not refused as out of scope ...
TOPIC_SURE_SUPPORT = 0.3  # ... when the router gives everyday service at least this
CUED_TOPIC_SURE = 0.5  # a topic whose own cue phrase the message uses, read as that topic this surely ...
CUED_TOPIC_SUPPORT = 0.1  # ... is served when the router gives everyday service at least this


def _vague(text: str, ents: Entities) -> bool:
    """A short question that names nothing: no topic cue, product, term or kind of product."""
    keys = ("topics", "products", "implied", "terms", "types", "verticals", "guides", "urgent")
    words = len(text.split())
    # A service word ("card", "কার্ড") names enough, unless it is nearly all the message says ("I need a card").
    named = any(ents.get(k) for k in keys) or (ents.get("service") and words > VAGUE_SERVICE_WORDS)
    return words <= VAGUE_WORDS and not named


def _sure_topic(top: Prediction, svc: Services) -> bool:
    """The topic classifier is sure of one everyday-service topic, not small talk."""
    return top.confidence >= TOPIC_SURE and svc.catalog.support[top.label].meta.area != SMALL_TALK_AREA


def doubted_but_sure(
    route: Route, pred: Prediction, svc: Services, topics: Callable[[], Prediction], ents: Entities
) -> Route:
    """An out-of-scope refusal the router was not sure of, of a question one support topic answers surely:
    the topic classifier is sure of it, or uses the topic's own cue phrase and reads it as that topic. And the
    product menu offered to a banking question ("what's my balance?") the router leant to support on but
    doubted, when one topic is sure of it."""
    support = pred.scores.get(SUPPORT, 0.0)
    if route.get("reason") == "unsure" and ents.get("service") and support >= TOPIC_SURE_SUPPORT:
        if _sure_topic(topics(), svc):
            return {"agent": SUPPORT, "confidence": 0.5, "reason": "support topic sure"}
        return route
    if route.get("reason") != "out_of_scope" or support < CUED_TOPIC_SUPPORT:
        return route
    top = topics()
    # Small talk ("make your name Steve") has no facts to give; a service topic (the hotline) has.
    factual = bool(svc.catalog.support[top.label].meta.facts)
    cued = top.label in ents.get("topics", []) and top.confidence >= CUED_TOPIC_SURE and factual
    if (support >= TOPIC_SURE_SUPPORT and _sure_topic(top, svc)) or cued:
        return {"agent": SUPPORT, "confidence": 0.55, "reason": "support topic sure"}
    return route


def vague_service(
    route: Route, pred: Prediction, svc: Services, topics: Callable[[], Prediction], text: str, ents: Entities
) -> Route:
    """A support pick the router doubted, or too short to name anything: answer, ask back, or refuse."""
    rescued = route.get("reason") == "banking words, served"
    if not (rescued or _vague(text, ents)):
        return route
    top = topics()
    if top.confidence >= SMALL_TALK_SURE and svc.catalog.support[top.label].meta.area == SMALL_TALK_AREA:
        # "Who's behind this chat?" is short and names nothing, but a greeting or a question about the
        # assistant is answered as such, never asked about.
        return route
    plain = not (ents.get("service") or ents.get("banking"))
    support = pred.scores.get(SUPPORT, 0.0)
    # "When will it get delivered?" names no card, but one support topic is sure of it: asked about, not refused.
    sure = _sure_topic(top, svc) and support >= TOPIC_SURE_SUPPORT
    if plain and not rescued and not sure and pred.scores.get(OUT_OF_SCOPE, 0.0) >= VAGUE_OUT * support:
        # Short, names nothing, no banking word, and out of scope is a close reading: refuse.
        return {"agent": "policy_guard", "confidence": 0.6, "reason": "out_of_scope"}
    options = sorted(top.scores, key=lambda t: top.scores[t], reverse=True)[:2]
    # "What are the charges?": the two likeliest topics are nearly tied.
    torn = len(options) > 1 and top.scores[options[1]] >= NEARLY * top.scores[options[0]]
    # "What's my balance?" is short, but says "balance", and one topic is sure of it: answered, not asked.
    answered = sure and bool(ents.get("service"))
    if not answered and (top.confidence < VAGUE_TOPIC or torn or (not rescued and support < VAGUE_SUPPORT)):
        # Everyday banking, but which charge? Ask, offering the likeliest two.
        return {"agent": "clarification_agent", "confidence": 0.4, "reason": "vague service", "options": options}
    return route
