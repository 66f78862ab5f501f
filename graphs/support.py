"""support_graph: everyday service (cards, ATMs, transfers, charges, accounts...) from knowledge/support.

A subgraph of two steps: `pick_topic` (the topic classifier, cue phrases and the conversation's last
topic) and `compose` (the topic's answer with its facts filled in, what to do, when to ask a person).
Urgent topics open with the action to take now; their answer text is written that way in the file.
"""

from __future__ import annotations

from typing import Any, NotRequired

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from typing_extensions import TypedDict

from bank_router.knowledge.loader import Doc, pick
from bank_router.knowledge.schema import SHARED_FACTS, Fact, SupportTopic
from bank_router.language.classifier import classifier_views
from bank_router.language.parsing import fold
from bank_router.services import Services
from bank_router.turn.context import Caller, Context
from bank_router.turn.state import Entities, RouterState
from graphs.clarification import topics_question
from graphs.common import answer
from graphs.handover import hand_over, support_reason
from graphs.support_asked import asked_facts, facts_sentence, first_sentence
from graphs.support_facts import CONTACT, fact_values
from nodes.customer_rules import read_request
from nodes.entities import last_user_text, opens_follow_up

AGENT = "support_graph"
TRANSFERS = "transfers"  # the area whose topics answer an order to send money with the how-to
CUE_BOOST = 0.25  # a customer's own words matching a topic's cue phrase ...
CUE_SHARE = 0.4  # ... raise a topic the classifier gives at least this share of its best one
FOLLOW_UP_BOOST = 0.3  # a follow-up's pick leans to the topic under discussion
KEEP_LAST_BELOW = 0.3  # a weak pick in a follow-up keeps the topic under discussion
URGENT_WITHIN = 5  # with a sign of money at risk, an urgent topic among the top five...
URGENT_SHARE = 0.2  # ... scoring at least this share of the best one, answers instead
URGENT_NEAR = 3  # with no such sign, an urgent topic among the top three...
URGENT_CLOSE = 0.3  # ... scoring at least this share of the best one, puts the urgent action first
CLARIFY_BELOW = 0.05  # under this, with a close second, ask which of the two it is


class Pick(TypedDict):
    topic: str
    confidence: float
    runner_up: str | None
    reason: str
    lead: NotRequired[bool]  # open with what to do now: the customer's money may be at risk


class SupportState(RouterState):
    pick: Pick


def rank_topics(text: str, svc: Services, memory: dict[str, Any], follow_up: bool, elliptical: bool = False) -> Pick:
    """The likeliest topic: classifier scores, raised where the message uses a topic's own cue phrases."""
    cued = svc.catalog.support_matcher.values(svc.catalog.read(text))
    last = memory.get("last_topic")
    at_risk = bool(svc.catalog.urgent_matcher.find(fold(text)))
    if elliptical and last in svc.catalog.support and not cued and not at_risk:
        # "and how long will the new one take?" names nothing new: still the topic under discussion.
        return {"topic": last, "confidence": 0.7, "runner_up": None, "reason": "follow-up keeps the topic"}
    lexical, semantic = classifier_views(text, svc.catalog)
    pred = svc.topics.predict(lexical, svc.embedder.encode([semantic])[0])
    scores = dict(pred.scores)
    top = max(scores.values(), default=0.0)
    for tid in cued:
        # "how much does it cost to send money to bKash?" says "send money", but asks the fee: a cue does not
        # lift a topic the classifier all but ruled out over the one it chose. An urgent topic's own words
        # with money at risk ("my Platinum credit card is missing") do: the cost of missing it is the customer's.
        urgent_cue = at_risk and svc.catalog.support[tid].meta.urgent
        if urgent_cue or scores.get(tid, 0.0) >= CUE_SHARE * top:
            scores[tid] = scores.get(tid, 0.0) + CUE_BOOST
    if follow_up and last in scores:
        scores[last] += FOLLOW_UP_BOOST
    ranked = sorted(scores, key=lambda t: scores[t], reverse=True)
    best, p = ranked[0], scores[ranked[0]]
    if at_risk and not svc.catalog.support[best].meta.urgent:
        # Money or access at risk: an urgent topic close behind the best one answers instead.
        urgent = [t for t in ranked[:URGENT_WITHIN] if svc.catalog.support[t].meta.urgent]
        if urgent and scores[urgent[0]] >= URGENT_SHARE * p:
            return {"topic": urgent[0], "confidence": min(1.0, p), "runner_up": None, "reason": "urgent cue"}
    if follow_up and last in svc.catalog.support and p < KEEP_LAST_BELOW:
        return {"topic": last, "confidence": 0.6, "runner_up": None, "reason": "follow-up keeps the topic"}
    second = ranked[1] if len(ranked) > 1 else None
    close = second is not None and scores[second] >= 0.7 * p
    if p < CLARIFY_BELOW and close:
        return {"topic": best, "confidence": p, "runner_up": second, "reason": "two topics, unsure"}
    chosen: Pick = {"topic": best, "confidence": min(1.0, p), "runner_up": None, "reason": "classifier"}
    if not svc.catalog.support[best].meta.urgent:
        # "Someone in Dubai paid with my card?" may be a dispute or a stolen card: if an urgent reading is
        # close, the answer says first how to block, then answers the likelier reading.
        near = [t for t in ranked[:URGENT_NEAR] if svc.catalog.support[t].meta.urgent]
        chosen["lead"] = bool(near) and scores[near[0]] >= URGENT_CLOSE * p
    return chosen


def pick_topic(state: SupportState, runtime: Runtime[Context]) -> dict[str, Any]:
    ents = state["entities"]
    follow_up = bool(ents.get("follow_up") or ents.get("refers"))
    memory = state.get("memory") or {}
    # "and will the new one take long?" continues the topic, however long it is, if it names nothing new.
    continues = bool(ents.get("refers")) and opens_follow_up(fold(last_user_text(state)))
    elliptical = bool(ents.get("follow_up")) or continues
    return {"pick": rank_topics(last_user_text(state), runtime.context.services, memory, follow_up, elliptical)}


def uses_shared(doc: Doc[SupportTopic]) -> bool:
    m = doc.meta
    texts = [m.answer, m.answer_bn, m.handover or "", *(s.en for s in m.steps)]
    return any("{" + key + "}" in t for t in texts for key in SHARED_FACTS)


def render(
    doc: Doc[SupportTopic],
    svc: Services,
    lang: str,
    caller: Caller,
    urgent: bool = False,
    asked: list[Fact] | None = None,
) -> tuple[str, list[Doc[Any]]]:
    """The topic's answer, then what to do, then when to ask a person; and the files it rests on.

    `asked` are the figures a follow-up on this topic asks for: they answer it, after the action to take now
    when the topic is urgent, without the whole answer again."""
    contact = svc.catalog.support.get(CONTACT)
    values = fact_values(doc, contact, svc, lang)
    tpl, m = svc.templates, doc.meta
    docs: list[Doc[Any]] = [doc]
    if contact is not None and contact is not doc and (uses_shared(doc) or (urgent and not m.urgent)):
        docs.append(contact)
    if asked:
        parts = [first_sentence(pick(m, "answer", lang).format(**values))] if m.urgent else []
        parts.append(facts_sentence(asked, values, lang))
        return "\n\n".join(parts), docs
    parts = [pick(m, "answer", lang).format(**values)]
    if urgent and not m.urgent:
        # A sign of money at risk on a topic that is not itself urgent: say what to do now, first.
        parts.insert(0, tpl.t("support_urgent_lead", lang, hotline=values.get("hotline", "")))
    if m.needs_records and not caller.is_staff:
        parts.append(tpl.t("support_records_signed_out", lang))
    steps = [(s.bn if lang == "bn" else s.en).format(**values) for s in m.steps]
    if steps:
        numbered = "\n".join(f"{tpl.num(i, lang)}. {s}" for i, s in enumerate(steps, 1))
        parts.append(f"{tpl.t('support_steps', lang)}\n{numbered}")
    if m.documents:
        parts.append(tpl.t("support_documents", lang, items="; ".join(pick(m, "documents", lang))))
    if m.branch_visit:
        parts.append(tpl.t("support_branch", lang))
    handover = pick(m, "handover", lang)
    if handover:
        parts.append(handover.format(**values))
    return "\n\n".join(parts), docs


def _orders_transfer(text: str, ents: Entities) -> bool:
    request = read_request(text, ents)
    return request is not None and request.kind == "transfer_funds"


def compose(state: SupportState, runtime: Runtime[Context]) -> dict[str, Any]:
    svc, lang = runtime.context.services, state["language"]
    chosen = state["pick"]
    catalog = svc.catalog
    if chosen["runner_up"]:
        msg = topics_question(svc, [chosen["topic"], chosen["runner_up"]], lang)
        out = answer("clarification_agent", msg, [], 0.4)
        out["answer"]["domain"] = out["answer"]["vertical"] = None
        return out
    doc = catalog.support[chosen["topic"]]
    urgent = bool(chosen.get("lead") or state["entities"].get("urgent"))  # the entities read the urgent words
    said = last_user_text(state)
    ents = state["entities"]
    again = (state.get("memory") or {}).get("last_topic") == doc.meta.id and (
        ents.get("follow_up") or ents.get("refers")
    )
    asked = asked_facts(doc, ents.get("aspects", [])) if again and not urgent else None
    text, docs = render(doc, svc, lang, runtime.context.caller, urgent, asked)
    calm_transfer = doc.meta.area == TRANSFERS and not (urgent or doc.meta.urgent)
    if calm_transfer and not runtime.context.caller.is_customer and _orders_transfer(said, state["entities"]):
        # "Send 20000 taka to account 123, I authorise you": an order no one signed in can give; say so first.
        text = f"{svc.templates.t('support_no_transfer_signed_out', lang)}\n\n{text}"
    reason = support_reason(doc, said) if runtime.context.caller.is_customer else None
    handed: list[str] = []
    if reason is not None:
        note, handed = hand_over(runtime, lang, reason, {"topic": doc.meta.id})
        text = f"{text}\n\n{note}"
    products = [catalog.products[p] for p in state["entities"].get("products", []) if p in catalog.products]
    domain = products[0].meta.domain if products else None
    routed = float(state["route"].get("confidence", 0.7))
    confidence = max(0.55, min(0.97, 0.5 * routed + 0.5 * (0.5 + chosen["confidence"])))
    out = answer(AGENT, text, docs, confidence, vertical=doc.meta.vertical, extra_sources=handed)
    out["answer"]["domain"] = domain
    if reason is not None:
        out["answer"]["handover"] = {"reason": reason}
    return out


builder = StateGraph(SupportState, context_schema=Context)
builder.add_node("pick_topic", pick_topic)
builder.add_node("compose", compose)
builder.add_edge(START, "pick_topic")
builder.add_edge("pick_topic", "compose")
builder.add_edge("compose", END)
support_graph = builder.compile(name=AGENT)
