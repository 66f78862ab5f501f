"""The router graph's state: one LangGraph thread per session_id."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages
from typing_extensions import TypedDict

Language = Literal["en", "bn"]


class Entities(TypedDict, total=False):
    """What the parsers found in this turn (and, for follow-ups, what carried over)."""

    products: list[str]
    implied: list[str]  # products meant by a bare type ("a car loan" -> the conventional car loan)
    terms: list[str]
    guides: list[str]
    topics: list[str]  # support topics whose cue phrases the message uses
    aspects: list[str]  # what it asks about a product (rates, fees, limits...), product names left out
    product_domains: list[str]  # the domains of the products it names (or implies)
    policies: list[str]
    types: list[str]
    domains: list[str]
    verticals: list[str]
    age: int
    amount: float
    income: float
    residency: str
    gender: str
    ids: dict[str, str]
    limit: int
    tenure_months: int  # a term asked for ("for two years" -> 24)
    follow_up: bool  # elliptical: "and the Youth account?"
    refers: bool  # points back: "what's its rate?"
    banking: bool  # uses everyday banking vocabulary
    service: bool  # uses everyday-service vocabulary (card, ATM, PIN, transfer...): never out of scope
    urgent: bool  # signs that money or access is at risk now (stolen, fraud, "I didn't make this")
    compares: bool  # asks to compare ("vs", "difference", "তুলনা")


class Route(TypedDict, total=False):
    agent: str
    confidence: float
    reason: str  # policy rule id for refusals, or how the route was chosen
    label: str  # the classifier's raw label
    intent: str  # the agent chosen before the caller's permissions were applied
    permission: str
    domain: str | None  # reported domain for a refusal, when the rule fixes one
    options: list[str]  # support topics a clarifying question offers


class Answer(TypedDict, total=False):
    message: str
    domain: str | None
    vertical: str | None
    agent: str
    sources: list[str]
    confidence: float
    refusal: bool
    tools_used: list[str]
    evidence: list[str]  # texts other than sources that numbers may be grounded in
    fallback: str  # grounded template answer the output guard can fall back to
    pending: str | None  # the applicant fact the answer asked for
    deterministic: Answer  # on a model-written answer: the template answer the output guard falls back to
    usage: dict[str, Any]  # model usage of the turn (seed 001): provider, model, tokens, cost, latency
    mode: str  # "llm" when a model output shaped the answer, else "deterministic"
    awaiting: dict[str, Any]  # what a waiting workflow needs next (returned to the client)
    decision: dict[str, Any]  # a workflow's outcome: score, band, decision, score_id
    context: dict[str, Any]  # a customer's records answer (seed 002): masked account_number, last_updated
    handover: dict[str, Any]  # the turn handed the customer to a person: why


class Workflow(TypedDict, total=False):
    """A multi-step workflow waiting for input: what it knows and what it needs next.

    Loan scoring (staff) waits for a customer, product or amount; a signed-in customer's action
    (`agent` servicing_graph) waits for a card or payee choice, a yes, or a one-time code."""

    needs: str | None  # customer | product | amount | card | payee | confirm | code; None when nothing waits
    agent: str  # the agent the reply goes back to (absent: loan_scoring_graph)
    action: dict[str, Any]  # a customer action's draft: the tool, its arguments, the choices offered
    customer_id: int
    product_id: int
    amount: float
    choices: list[list[Any]]  # [id, name] of the products offered, so a reply can name one


class RouterState(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]
    language: Language
    entities: Entities
    route: Route
    answer: Answer
    memory: dict[str, Any]  # carried across turns: last products, agent, facts, pending slot
    workflow: NotRequired[Workflow | None]  # the loan scoring workflow, while it waits for input
    # The text this turn answers: the message, or for "say that again in Bangla" the question before it.
    question: NotRequired[str]


class RouterInput(TypedDict):
    """What a turn starts from: the conversation's messages and the answer language (default English)."""

    messages: Annotated[list[AnyMessage], add_messages]
    language: NotRequired[Language]


class RouterOutput(TypedDict):
    """What a turn ends with: the answer the API returns, and how it was routed."""

    answer: Answer
    route: Route
