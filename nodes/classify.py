"""Intent classification: the local classifier, follow-up context and the caller's permissions."""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal

from langgraph.runtime import Runtime
from langgraph.types import Command

from bank_router.language.classifier import OUT_OF_SCOPE, Prediction, classifier_views
from bank_router.language.parsing import fold
from bank_router.turn.agents import PRODUCT_AGENTS, STAFF_AGENTS
from bank_router.turn.context import Context
from bank_router.turn.state import Entities, Route, RouterState
from nodes.entities import last_user_text
from nodes.llm_intent import could_help, model_route, needs_model
from nodes.route_access import customer_request, gate_staff, staff_lookup, workflow_reply
from nodes.route_support import NEARLY, SUPPORT, VAGUE_WORDS, doubted_but_sure, vague_service
from nodes.servicing_rules import asks_records
from nodes.workflow import waiting

Next = Literal[
    "eligibility_graph",
    "comparison_graph",
    "product_info_graph",
    "onboarding_graph",
    "support_graph",
    "servicing_graph",
    "loan_scoring_graph",
    "policy_guard",
    "clarification_agent",
]
# Asking for records: one's own or a customer's (the staff tools' business).
_OWN_DATA = re.compile(
    r"\b(my|our|customer|customers|client|borrower)\b.{0,25}\b(balance|transactions?|statement|repayments?|"
    r"installments?|instalments?|outstanding|score|history|kyc|status|blacklist|owe|due|paid|deducted)"
    r"|\b(i|we) (still )?(owe|paid|have to pay)\b"
    r"|(আমার|গ্রাহক|কাস্টমার|গ্রাহকের|কাস্টমারের).{0,25}(ব্যালেন্স|লেনদেন|কিস্তি|বাকি|স্কোর|স্ট্যাটাস|কেটেছে|কেওয়াইসি)"
)
# One's own money: "my balance", "did my salary come in", "আমার ব্যালেন্স".
_MY_RECORDS = re.compile(
    r"\b(my|our|amar)\b\s+(\w+\s+){0,2}(balance|account|accounts|transactions?|statement|money|salary|deposit|"
    r"payments?|charges?|spending|card|cards|transfer|transfers|limit|savings)\b"
    r"|(আমার|আমাদের)\s+(\S+\s+){0,2}(ব্যালেন্স|হিসাব|অ্যাকাউন্ট|একাউন্ট|লেনদেন|টাকা|বেতন|স্টেটমেন্ট|কার্ড)"
)
# A wrong done to the customer, and the customer asking where to report it.
_REPORTS_WRONG = re.compile(
    r"^(?=.*\b(asked me|asking me|asks me|demanded|demanding|wanted|threatened me|threatening me|forced me|"
    r"pressured me|offered me|told me to)\b).*\b(report|complain|complaint|whom do i tell|who do i tell|where do i go)"
    r"\b"
)
# "Has my credit card application been approved yet?": the state of an application already made, which the
# support topic answers (decision times, tracking), not the guide to applying.
_APPLICATION_STATUS = re.compile(
    r"^(?=.*\b(application|applied)\b).*\b(status|processed|approved|reviewed|review|decision|heard back|progress|"
    r"pending|track|tracking|update|going)\b|(আবেদন).{0,25}(অবস্থা|কী হলো|কি হলো|অনুমোদন|কতদূর|হয়েছে কি)"
    r"|\bapplication (er|ta) (ki|kothay|obostha)\b|\bapprove (hoise|hoyeche|holo)\b"
)
# Routes a staff member's record look-up may replace: the classifier found no banking intent in it.
FACT_SHEET_ASPECTS = 2  # a named product's facts asked this many at once are its fact sheet's to answer
SCORING_CLOSE = 0.3  # loan scoring this likely, beside a servicing pick that asks for no record
PRODUCT_OVER_SUPPORT = 0.15  # a named product's best agent at this score answers instead of support
SUPPORT_UNSURE = 0.4  # an unsure support pick still answers when it is this likely (else a question back)
SUPPORT_LEANS = 0.2  # the support score at which an unsure or out-of-scope banking turn is served, not refused
URGENT_OVER_POLICY = 0.85  # a sign of money at risk outweighs a policy backstop less sure than this
_BANKING_KEYS = ("products", "terms", "guides", "policies", "types", "verticals", "domains")


def _has_banking_cue(ents: Entities) -> bool:
    return any(ents.get(k) for k in _BANKING_KEYS)


def _best_answering(pred: Prediction, ents: Entities) -> tuple[str, float]:
    """The likeliest agent that can answer; eligibility and comparison need a product to work on."""
    has_product = bool(ents.get("products") or ents.get("implied"))
    pool: tuple[str, ...] = PRODUCT_AGENTS if has_product else ("product_info_graph", "onboarding_graph")
    if not has_product and len(ents.get("terms", [])) >= 2:
        pool = (*pool, "comparison_graph")
    label = max(pool, key=lambda a: pred.scores.get(a, 0.0))
    return label, pred.scores.get(label, 0.0)


def decide(
    pred: Prediction,
    ents: Entities,
    memory: dict[str, Any],
    clarify_below: float,
    folded: str,
    small_talk: frozenset[str] = frozenset(),
) -> Route:
    """Turn the classifier's scores into a route; every branch says why in `reason`. `small_talk` are the
    support topics of greetings and questions about the assistant."""
    label, p = pred.label, pred.confidence
    last = memory.get("last_agent")
    named = bool(ents.get("products") or ents.get("terms") or ents.get("implied") or ents.get("policies"))
    cue = _has_banking_cue(ents)

    pending = memory.get("pending")
    if pending and pending in ents and last in PRODUCT_AGENTS and p < 0.9:
        return {"agent": last, "confidence": 0.85, "reason": f"answers pending {pending}"}
    if (
        last == SUPPORT
        and (ents.get("follow_up") or ents.get("refers"))
        and not named
        and (p < 0.9 or label == OUT_OF_SCOPE)
    ):
        return {"agent": SUPPORT, "confidence": max(p, 0.7), "reason": "support follow-up"}
    elliptical = (
        ents.get("follow_up") and last in PRODUCT_AGENTS and label not in (OUT_OF_SCOPE, "policy_guard", *STAFF_AGENTS)
    )
    if elliptical and (label == last or p < 0.6):
        return {"agent": str(last), "confidence": max(p, 0.75), "reason": "follow-up"}

    products = len(ents.get("products", [])) + len(ents.get("implied", []))
    if (
        products >= 2
        and ents.get("compares")
        and label in ("product_info_graph", "clarification_agent", "policy_guard", OUT_OF_SCOPE)
    ):
        return {"agent": "comparison_graph", "confidence": max(p, 0.6), "reason": "two products, compared"}

    domains = {*ents.get("domains", []), *ents.get("product_domains", [])} & {"islami", "conventional"}
    if label == "policy_guard" and len(domains) == 1:
        # "Which Islamic deposit has the highest profit rate?" or "and the Prime Fixed Deposit, which pays more?"
        # read like the cross-domain comparisons the classifier learnt to refuse, but name one domain; the input
        # guard's rule (which counts the session's earlier turns too) passed, and decides that.
        alt, q = _best_answering(pred, ents)
        return {"agent": alt, "confidence": max(q, 0.5), "reason": "one domain, comparison rule passed"}
    reported = _REPORTS_WRONG.search(folded) and not ents.get("ids")
    if reported and (label in STAFF_AGENTS or (label == "policy_guard" and p < URGENT_OVER_POLICY)):
        # "A bank officer asked me for a bribe, where do I report him?" names the wrong the backstop learnt to
        # refuse, and "a collection agent threatened me over a loan" a staff tool's loan, but the customer is
        # reporting a wrong done to them; the rules in policy/ have already passed the turn.
        return {"agent": SUPPORT, "confidence": 0.6, "reason": "reports a wrong done to them"}
    if label == "policy_guard" and ents.get("urgent") and p < URGENT_OVER_POLICY:
        # "I already read him the code, what now?" sounds like the scams the backstop learnt to refuse,
        # but the customer is the one at risk; the rules in policy/ have already passed the turn.
        return {"agent": SUPPORT, "confidence": 0.6, "reason": "money at risk"}
    if label in (OUT_OF_SCOPE, "policy_guard"):
        # The rules in policy/ catch the refusals that matter; the classifier adds a backstop that
        # must be sure, and must not be talking about our products.
        if label == "policy_guard" and p >= (0.8 if named else 0.6):
            return {"agent": "policy_guard", "confidence": 0.5 + p / 2, "reason": "policy"}
        support = pred.scores.get(SUPPORT, 0.0)
        service = label == OUT_OF_SCOPE and ents.get("service")
        # A product word, or a support topic's own cue phrase ("card delivery"); a small-talk cue ("hello",
        # "your name") is no banking word: "how do you say hello in Japanese" needs the router to lean further.
        worded = cue or ents.get("topics")
        lean = SUPPORT_UNSURE if not cue and set(ents.get("topics", [])) <= small_talk else SUPPORT_LEANS
        if label == OUT_OF_SCOPE and (service or (worded and support >= lean)):
            # Banking vocabulary is never out of scope: an everyday-service question the classifier doubted.
            return {"agent": SUPPORT, "confidence": max(0.55, support), "reason": "banking words, served"}
        # "Something for my family": a vague banking ask (the clarification class) is nearly as likely.
        torn = label == OUT_OF_SCOPE and pred.scores.get("clarification_agent", 0.0) >= NEARLY * p
        # "How long does it take?" asks a fact of something unnamed: in a bank's chat, ask what it is.
        of_it = ents.get("aspects") and ents.get("refers") and len(folded.split()) <= VAGUE_WORDS
        if not cue and not torn and not of_it and not (ents.get("banking") and p < 0.75):
            return {"agent": "policy_guard", "confidence": 0.5 + p / 2, "reason": "out_of_scope"}
        alt, q = _best_answering(pred, ents)
        if named and q >= 0.1:
            return {"agent": alt, "confidence": max(q, 0.5), "reason": "named product over refusal"}
        return {"agent": "clarification_agent", "confidence": min(p, 0.45), "reason": "banking cue, unclear intent"}

    support_p = pred.scores.get(SUPPORT, 0.0)
    scoring = pred.scores.get("loan_scoring_graph", 0.0) >= SCORING_CLOSE
    if label == "servicing_graph" and scoring and not asks_records(folded, ents):
        # "Assess customer 123 for a loan" names a customer but asks for no record: the workflow.
        return {"agent": "loan_scoring_graph", "confidence": p, "reason": "scoring, not a look-up"}
    if label in STAFF_AGENTS and p < clarify_below and ents.get("topics") and support_p >= SUPPORT_LEANS:
        # "I want to talk to someone in customer care": a support topic's own words, and a staff tool
        # the classifier was unsure of.
        return {"agent": SUPPORT, "confidence": 0.55, "reason": "support cue over an unsure staff pick"}
    if label in STAFF_AGENTS:
        about_product = ents.get("products") or ents.get("implied") or ents.get("types")
        if label == "servicing_graph" and about_product and not ents.get("ids") and not _OWN_DATA.search(folded):
            # "What documents do I need for a car loan?" is about the product, not anyone's records.
            alt, q = _best_answering(pred, ents)
            return {"agent": alt, "confidence": max(q, 0.5), "reason": "product question, no record asked"}
        return {"agent": label, "confidence": p, "reason": "classifier"}

    if label == "clarification_agent" or p < clarify_below:
        if ents.get("urgent") and (label == SUPPORT or support_p >= SUPPORT_LEANS):
            # "I left my debit card in an Uber and can't find it" names a product, but the card is at risk now.
            return {"agent": SUPPORT, "confidence": max(0.55, support_p), "reason": "money at risk"}
        only_terms = not (ents.get("products") or ents.get("implied"))
        if named and only_terms and pred.scores.get(SUPPORT, 0.0) >= _best_answering(pred, ents)[1]:
            # "e-KYC keeps failing" names a term, but asks for service, not a definition.
            return {"agent": SUPPORT, "confidence": 0.55, "reason": "term named, service asked"}
        if named:
            alt, q = _best_answering(pred, ents)
            return {"agent": alt, "confidence": max(q, p, 0.5), "reason": "named product, unsure intent"}
        if label in PRODUCT_AGENTS and p >= 0.25 and (ents.get("types") or ents.get("verticals")):
            return {"agent": label, "confidence": 0.5, "reason": "product kind named, leaning"}
        if (label == SUPPORT and p >= SUPPORT_UNSURE) or (ents.get("topics") and pred.scores.get(SUPPORT, 0.0) >= 0.2):
            return {"agent": SUPPORT, "confidence": 0.55, "reason": "everyday banking, leaning"}
        return {"agent": "clarification_agent", "confidence": min(p, 0.45), "reason": "unsure"}

    if (
        label == "onboarding_graph"
        and _APPLICATION_STATUS.search(folded)
        and (ents.get("topics") or support_p >= SUPPORT_LEANS)
    ):
        return {"agent": SUPPORT, "confidence": max(p, 0.6), "reason": "status of an application"}
    unguided = not (ents.get("guides") or named or ents.get("types"))
    if label == "onboarding_graph" and unguided and (ents.get("topics") or pred.scores.get(SUPPORT, 0.0) >= 0.25):
        # "How do I activate my card?": no account-opening guide fits; a support topic does.
        return {"agent": SUPPORT, "confidence": max(p, 0.6), "reason": "how-to of a service, no guide"}
    kindless = unguided and not (ents.get("verticals") or ents.get("domains") or ents.get("refers"))
    if label == "onboarding_graph" and kindless and len(folded.split()) <= VAGUE_WORDS:
        # "I want to apply": for what? Ask before walking through the wrong guide.
        return {"agent": "clarification_agent", "confidence": min(p, 0.45), "reason": "apply for what"}
    named_products = ents.get("products") or ents.get("implied")
    alt, q = _best_answering(pred, ents)
    service_cue = ents.get("topics") or ents.get("urgent")
    if label == SUPPORT and ents.get("products") and ents.get("aspects") and not ents.get("urgent"):
        # "How much can I withdraw a day with the Youth account?" names the product and asks one of its facts.
        return {"agent": alt, "confidence": max(q, 0.6), "reason": "product fact asked"}
    if label == SUPPORT and named_products and not service_cue and q >= PRODUCT_OVER_SUPPORT:
        # "How much can I withdraw a day with the Youth account?": the product's own facts answer it.
        return {"agent": alt, "confidence": max(q, 0.6), "reason": "named product over service"}
    if label == SUPPORT and ents.get("types") and ents.get("gender") and not service_cue:
        # "Which savings accounts are there for women?": a kind of product and who it is for, not a service.
        return {"agent": alt, "confidence": max(q, 0.6), "reason": "product kind for someone"}
    if label == SUPPORT and ents.get("guides") and not ents.get("urgent") and not _APPLICATION_STATUS.search(folded):
        # "How do I get a debit card?" names an onboarding guide: its steps answer it.
        return {"agent": "onboarding_graph", "confidence": max(p, 0.6), "reason": "guide named"}
    return {"agent": label, "confidence": p, "reason": "classifier"}


def _fact_sheet(route: Route, pred: Prediction, ents: Entities) -> Route:
    """Several facts of one named product ("the age limit, and what documents?"), with none of the asker's own
    figures to judge: the product's fact sheet answers them all, not the eligibility check or the guide."""
    named = len(ents.get("products", [])) == 1 and not ents.get("compares")
    asks = len(ents.get("aspects", [])) >= FACT_SHEET_ASPECTS and not any(k in ents for k in ("age", "income"))
    if route["agent"] in ("eligibility_graph", "onboarding_graph") and named and asks:
        q = pred.scores.get("product_info_graph", 0.0)
        return {"agent": "product_info_graph", "confidence": max(q, 0.55), "reason": "facts of one product"}
    return route


def classify_intent(state: RouterState, runtime: Runtime[Context]) -> Command[Next]:
    svc = runtime.context.services
    text = last_user_text(state)
    lexical, semantic = classifier_views(text, svc.catalog)
    vector = svc.embedder.encode([semantic])[0]
    pred = svc.classifier.predict(lexical, vector)

    @cache
    def topics() -> Prediction:
        """The support topics' reading, computed once and only for the turns that need it."""
        return svc.topics.predict(lexical, vector)

    waiting_for = str((state.get("workflow") or {}).get("agent") or "loan_scoring_graph")
    if waiting(state) and workflow_reply(pred, text, state["entities"], waiting_for):
        route: Route = {"agent": waiting_for, "confidence": 0.9, "reason": "workflow reply"}
    else:
        memory = state.get("memory") or {}
        small_talk = svc.catalog.small_talk_topics
        route = decide(pred, state["entities"], memory, svc.settings.clarify_below, fold(text), small_talk)
        route = staff_lookup(route, text, state["entities"], runtime.context.caller)
        route = customer_request(route, text, state["entities"], runtime.context.caller)
        route = doubted_but_sure(route, pred, svc, topics, state["entities"])
        route = _fact_sheet(route, pred, state["entities"])
    if route["agent"] == SUPPORT and not state["entities"].get("urgent") and route.get("reason") != "support follow-up":
        # Money at risk is answered, never asked about; a doubtful everyday question may be, unless it
        # continues the topic under discussion ("how much does it cost?" after a lost card).
        route = vague_service(route, pred, svc, topics, text, state["entities"])
    ents = state["entities"]
    searching = runtime.context.options.include_rag
    if searching and route["agent"] == "clarification_agent" and _has_banking_cue(ents):
        # A clear question the classifier was unsure of may still be answered by one document. "Which Islamic
        # savings scheme is good for a year?" names a kind of product and no support topic: a product page.
        kind = bool(ents.get("types") or ents.get("verticals") or ents.get("domains"))
        products_only = kind and not (ents.get("topics") or ents.get("urgent"))
        found = svc.retriever.route(text, vector, products_only=products_only)
        if found:
            route = {"agent": found[0], "confidence": found[1], "reason": "retrieval match"}
    if svc.llm and needs_model(route, ents) and could_help(route, ents, text, runtime.context.caller, svc.catalog):
        # An unsure turn, or one whose agent lacks the product it needs; the pick is validated, never a refusal.
        route, ents = model_route(route, pred, state, runtime)
    intent = route["agent"]
    caller = runtime.context.caller
    own = intent == "servicing_graph" and not caller.is_staff and not ents.get("ids") and _MY_RECORDS.search(fold(text))
    if own:
        # A signed-out customer asking about their own money is told how to see it, never refused.
        route = {"agent": SUPPORT, "confidence": max(route["confidence"], 0.6), "reason": "own records, signed out"}
        intent = SUPPORT
    if intent in STAFF_AGENTS and not (caller.is_customer and intent == "servicing_graph"):
        gated = gate_staff(route, runtime.context.caller, text, ents, runtime)
        if route.get("reason") == "model" and gated["agent"] == "policy_guard":
            intent = "clarification_agent"
            gated = {"agent": intent, "confidence": 0.4, "reason": "unsure"}
        route = gated
    route.setdefault("label", pred.label)
    route["intent"] = intent
    return Command(goto=route["agent"], update={"route": route, "entities": ents})  # type: ignore[arg-type]
