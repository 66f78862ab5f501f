"""The agent table: every answering agent of the contract, once, with what the router needs to know of it.

Every list of agents elsewhere (graph nodes, routing targets, the model's choices and help text, which
answers are remembered for follow-ups or phrased by a model) is derived from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Audience = Literal["public", "staff"]


@dataclass(frozen=True, kw_only=True)
class AgentSpec:
    name: str
    node: str  # "module:attribute" of its node or compiled subgraph, imported by the router graph only
    audience: Audience = "public"  # staff agents need a signed-in caller with the tools' permissions
    about_products: bool = False  # answers about named products (eligibility, comparison...)
    remembered: bool = False  # its answer is the topic of the next turn's follow-up
    phrased: bool = False  # a model may rephrase its template answer
    model_route: bool = False  # the model may pick it for an unsure turn
    help: str  # what it answers, for the model's routing prompt and for people


AGENT_TABLE: tuple[AgentSpec, ...] = (
    AgentSpec(
        name="eligibility_graph",
        node="graphs.eligibility:eligibility_graph",
        about_products=True,
        remembered=True,
        phrased=True,
        model_route=True,
        help="can this person (age, balance, residency, income) get a named product",
    ),
    AgentSpec(
        name="comparison_graph",
        node="graphs.comparison:comparison_graph",
        about_products=True,
        remembered=True,
        phrased=True,
        model_route=True,
        help="how two or more products differ",
    ),
    AgentSpec(
        name="product_info_graph",
        node="graphs.product_info:product_info_graph",
        about_products=True,
        remembered=True,
        phrased=True,
        model_route=True,
        help="what a product or banking term is, its rates, fees, features, documents",
    ),
    AgentSpec(
        name="onboarding_graph",
        node="graphs.onboarding:onboarding_graph",
        about_products=True,
        remembered=True,
        phrased=True,
        model_route=True,
        help="how to open an account or become a customer, step by step",
    ),
    AgentSpec(
        name="support_graph",
        node="graphs.support:support_graph",
        remembered=True,
        phrased=True,
        model_route=True,
        help="everyday service: cards, ATMs and cash, transfers, charges and refunds, account care, "
        "identity checks, the app, fraud and security, greetings",
    ),
    AgentSpec(
        name="loan_scoring_graph",
        node="graphs.loan_scoring:loan_scoring_graph",
        audience="staff",
        help="staff: the multi-step loan scoring workflow for a customer",
    ),
    AgentSpec(
        name="servicing_graph",
        node="graphs.servicing:servicing_graph",
        audience="staff",
        phrased=True,
        model_route=True,
        help="staff look-ups of platform records: customers, KYC, transactions, loans, staff, stores",
    ),
    AgentSpec(
        name="policy_guard",
        node="graphs.policy_guard:policy_guard",
        help="refusals: policy, injection, out of scope, missing permission",
    ),
    AgentSpec(
        name="clarification_agent",
        node="graphs.clarification:clarification_agent",
        model_route=True,
        help="the message is too vague; ask a question back",
    ),
)

AGENTS: dict[str, AgentSpec] = {a.name: a for a in AGENT_TABLE}
AGENT_NAMES: tuple[str, ...] = tuple(AGENTS)
PRODUCT_AGENTS: tuple[str, ...] = tuple(a.name for a in AGENT_TABLE if a.about_products)
STAFF_AGENTS: tuple[str, ...] = tuple(a.name for a in AGENT_TABLE if a.audience == "staff")
REMEMBERED_AGENTS: tuple[str, ...] = tuple(a.name for a in AGENT_TABLE if a.remembered)
PHRASED_AGENTS: tuple[str, ...] = tuple(a.name for a in AGENT_TABLE if a.phrased)
MODEL_ROUTES: tuple[str, ...] = tuple(a.name for a in AGENT_TABLE if a.model_route)
