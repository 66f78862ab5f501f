"""servicing_graph: staff look-ups through the platform tools, chosen by rules and run as the caller;
a signed-in customer's own records and actions (graphs/servicing_customer.py).

The tools are picked by `nodes.servicing_rules.plan` (no model), each runs through the tool executor
under the caller's permissions and tenant, and the answer is composed from the records: key fields, or
a short table for lists. The tool results' JSON is the evidence the output guard checks numbers against.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from pydantic import BaseModel

from bank_router.language.templates import Templates
from bank_router.tools import (
    TOOLS,
    RecordNotFound,
    ToolArgumentError,
    ToolError,
    ToolForbidden,
    ToolNotFound,
    execute,
)
from bank_router.tools.executor import AGENT_PERMISSION, resolve
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.common import answer
from graphs.servicing_customer import serve_customer
from graphs.servicing_llm import model_calls
from nodes.entities import last_user_text
from nodes.servicing_rules import Call, plan

AGENT = "servicing_graph"
CONFIDENCE = 0.9
NOT_FOUND_CONFIDENCE = 0.8
CLARIFY_CONFIDENCE = 0.45  # a question back reports under 0.5 (CONTRACT.md)
MAX_ROWS = 10

# Key fields of a single record, by tool (absent: every field).
FIELDS: dict[str, tuple[str, ...]] = {
    "get_customer_kyc": (
        "identity_id",
        "full_name",
        "kyc_status",
        "kyc_verified_at",
        "risk_rating",
        "nid",
        "phone",
        "district",
        "occupation",
    ),
    "get_transaction_by_id": (
        "id",
        "reference_id",
        "customer_id",
        "amount",
        "currency",
        "type",
        "channel",
        "status",
        "failure_reason",
        "risk_score",
        "created_at",
    ),
    "get_loan": (
        "id",
        "customer_id",
        "product_id",
        "principal",
        "interest_rate",
        "tenure_months",
        "installment_amount",
        "outstanding_principal",
        "status",
        "disbursed_at",
    ),
    "get_blacklist_status": ("customer_id", "blacklisted"),
}

_TXN_COLUMNS = ("reference_id", "created_at", "customer_id", "amount", "type", "channel", "status")
_STAFF_COLUMNS = ("identity_id", "name", "store_id", "region", "status")
# Table columns of a list, by tool.
COLUMNS: dict[str, tuple[str, ...]] = {
    "list_customers": ("identity_id", "full_name", "kyc_status", "risk_rating", "district"),
    "get_transactions": _TXN_COLUMNS,
    "get_failed_transactions": (*_TXN_COLUMNS[:-1], "failure_reason"),
    "get_suspicious_transactions": (*_TXN_COLUMNS[:-1], "risk_score"),
    "list_loans": ("id", "customer_id", "product_id", "principal", "outstanding_principal", "status"),
    "list_loan_applications": ("id", "customer_id", "product_id", "amount", "tenure_months", "status", "created_at"),
    "list_loan_products": ("id", "name", "category", "interest_rate", "min_amount", "max_amount", "max_tenure_months"),
    "get_loan_repayments": ("paid_at", "amount", "method"),
    "get_loan_installments": ("number", "due_date", "amount", "status", "paid_at"),
    "list_collection_cases": ("id", "loan_id", "customer_id", "status", "days_past_due", "amount_overdue", "opened_at"),
    "get_loan_score_history": ("scored_at", "score", "band", "decision", "product_id", "amount"),
    "list_agents": _STAFF_COLUMNS,
    "list_operators": (*_STAFF_COLUMNS[:2], "role", *_STAFF_COLUMNS[2:]),
    "list_stores": ("id", "name", "district", "region", "status"),
    "get_reconciliation_reports": (
        "report_date",
        "total_transactions",
        "total_amount",
        "failed_count",
        "mismatches",
        "status",
    ),
}
_BLACKLIST_ENTRY_COLUMNS = ("reason", "listed_at", "active")

MONEY = frozenset(
    {
        "amount",
        "principal",
        "outstanding_principal",
        "installment_amount",
        "min_amount",
        "max_amount",
        "total_repaid",
        "amount_overdue",
        "next_due_amount",
        "total_amount",
        "monthly_income",
        "min_monthly_income",
    }
)

_ACRONYMS = {"id": "ID", "kyc": "KYC", "nid": "NID"}


def _label(field: str) -> str:
    words = [_ACRONYMS.get(w, w) for w in field.split("_")]
    return " ".join([words[0][:1].upper() + words[0][1:], *words[1:]])


def _cell(field: str, value: Any, tpl: Templates, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return tpl.t("servicing_yes" if value else "servicing_no", lang)
    if isinstance(value, float):
        if field in MONEY:
            return f"{value:,.2f}"
        return f"{value:g}%" if field == "interest_rate" else f"{value:g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    # Masked digits show as bullets: asterisks would turn into emphasis wherever the text is read as markdown.
    return str(value).replace("|", "/").replace("*", "•").replace("\n", " ")


def _table(rows: list[BaseModel], columns: tuple[str, ...], tpl: Templates, lang: str) -> str:
    head = "| " + " | ".join(_label(c) for c in columns) + " |"
    rule = "|" + "---|" * len(columns)
    cells = [[_cell(c, getattr(r, c, None), tpl, lang) for c in columns] for r in rows[:MAX_ROWS]]
    body = ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join([head, rule, *body])


def _fields(record: BaseModel, fields: tuple[str, ...], tpl: Templates, lang: str) -> str:
    return "\n".join(f"- {_label(f)}: {_cell(f, getattr(record, f, None), tpl, lang)}" for f in fields)


def render(tool: str, result: BaseModel, tpl: Templates, lang: str) -> str:
    """One tool's section: its title, then key fields or a table of at most MAX_ROWS rows."""
    key = f"servicing_title_{tool}"
    title = tpl.t(key, lang) if key in tpl.table else tool
    items = getattr(result, "items", None)
    if isinstance(items, list):
        if not items:
            return f"**{title}**: {tpl.t('servicing_none', lang)}"
        columns = COLUMNS.get(tool) or tuple(type(items[0]).model_fields)
        total, shown = getattr(result, "total", len(items)), min(len(items), MAX_ROWS)
        count = tpl.t("servicing_count", lang, total=total, shown=shown)
        return f"**{title}** ({count})\n\n{_table(items, columns, tpl, lang)}"
    fields = FIELDS.get(tool) or tuple(f for f in type(result).model_fields if f != "created_at")
    out = f"**{title}**\n\n{_fields(result, fields, tpl, lang)}"
    entries = getattr(result, "entries", None)
    if isinstance(entries, list) and entries:
        out += "\n\n" + _table(entries, _BLACKLIST_ENTRY_COLUMNS, tpl, lang)
    return out


def _refusal(state: RouterState, runtime: Runtime[Context], permission: str) -> dict[str, Any]:
    policy = runtime.context.services.policy
    msg = policy.message("missing_permission", state["language"], permission=permission)
    out: dict[str, Any] = answer("policy_guard", msg, [], policy.refusal_confidence, refusal=True)
    route = {**state["route"], "agent": "policy_guard", "reason": "missing_permission", "permission": permission}
    return {**out, "route": route}


def _key(call: Call) -> Any:
    return next(iter(call.args.values()), "")


class ServicingState(RouterState):
    calls: list[dict[str, Any]]  # the tools the request needs, with their arguments
    missing: str | None  # the first permission the caller lacks for them
    sections: list[str]  # each tool's result, rendered
    evidence: list[str]  # each result as JSON, which the output guard grounds figures in
    confidence: float


def plan_calls(state: ServicingState, runtime: Runtime[Context]) -> dict[str, Any]:
    # Rules first; the model chooses tools only when they find none.
    calls = plan(last_user_text(state), state["entities"]) or model_calls(state, runtime)
    return {"calls": [{"tool": c.tool, "args": c.args} for c in calls]}


def check_permission(state: ServicingState, runtime: Runtime[Context]) -> dict[str, Any]:
    # No tool runs unless every one the turn needs is allowed: a partial answer would hide the refusal.
    caller, options = runtime.context.caller, runtime.context.options
    for call in state["calls"]:
        try:
            # A registered tool (the model may pick one) is the caller's tenant's; unknown ones go nowhere.
            permission = resolve(call["tool"], caller, runtime.context.services.tools).permission
        except ToolNotFound:
            return {"missing": AGENT_PERMISSION}
        if permission and not caller.can(permission):
            return {"missing": permission}
        if not options.allows(call["tool"]):
            # Outside the role's tool set (seed 001): refused like a permission the caller lacks.
            return {"missing": permission or AGENT_PERMISSION}
    return {"missing": None}


def run_tools(state: ServicingState, runtime: Runtime[Context]) -> dict[str, Any]:
    if state["missing"] or not state["calls"]:
        return {"sections": [], "evidence": [], "confidence": CLARIFY_CONFIDENCE}
    caller, lang, tpl = runtime.context.caller, state["language"], runtime.context.services.templates
    sections: list[str] = []
    evidence: list[str] = []
    confidence = CONFIDENCE
    for raw in state["calls"]:
        call = Call(raw["tool"], raw["args"])
        try:
            result = execute(call.tool, call.args, caller, runtime.context.services.tools)
        except ToolForbidden as exc:
            return {"missing": exc.permission, "sections": [], "evidence": [], "confidence": 0.0}
        except RecordNotFound as exc:
            sections.append(tpl.t("servicing_not_found", lang, kind=exc.kind, record=_key(call)))
            confidence = min(confidence, NOT_FOUND_CONFIDENCE)
            continue
        except ToolArgumentError:
            sections.append(tpl.t("servicing_invalid", lang))
            confidence = min(confidence, CLARIFY_CONFIDENCE)
            continue
        except ToolError:
            sections.append(tpl.t("servicing_failed", lang))
            confidence = min(confidence, 0.3)
            continue
        evidence.append(result.result.model_dump_json())
        sections.append(render(call.tool, result.result, tpl, lang))
    return {"sections": sections, "evidence": evidence, "confidence": confidence}


def compose(state: ServicingState, runtime: Runtime[Context]) -> dict[str, Any]:
    lang, tpl = state["language"], runtime.context.services.templates
    if state["missing"]:
        return _refusal(state, runtime, state["missing"])
    if not state["calls"]:
        return answer(AGENT, tpl.t("servicing_clarify", lang), [], CLARIFY_CONFIDENCE)
    sections, evidence = state["sections"], state["evidence"]
    tools = [c["tool"] for c in state["calls"]]
    message = "\n\n".join([tpl.t("servicing_lead", lang), *sections]) if evidence else "\n\n".join(sections)
    vertical = "loan" if all(t in TOOLS and TOOLS[t].category == "loan" for t in tools) else None
    out = answer(
        AGENT,
        message,
        [],
        state["confidence"],
        domain=None,
        vertical=vertical,
        extra_sources=[f"tool:{t}" for t in tools],
    )
    # answer() reads a vertical of None as "work it out from the documents"; there are none here.
    out["answer"]["vertical"] = vertical
    out["answer"]["tools_used"] = list(dict.fromkeys(tools))
    out["answer"]["evidence"] = evidence
    return out


def _who(state: ServicingState, runtime: Runtime[Context]) -> str:
    return "serve_customer" if runtime.context.caller.is_customer else "plan"


def _build() -> Any:
    """Staff: plan -> check_permission -> run_tools -> compose. A signed-in customer: serve_customer."""
    builder = StateGraph(ServicingState, context_schema=Context)
    staff = (
        ("plan", plan_calls),
        ("check_permission", check_permission),
        ("run_tools", run_tools),
        ("compose", compose),
    )
    for name, node in staff:
        builder.add_node(name, node)
    builder.add_node("serve_customer", serve_customer)
    builder.add_conditional_edges(START, _who, ["plan", "serve_customer"])
    for (a, _), (b, _) in itertools.pairwise(staff):
        builder.add_edge(a, b)
    builder.add_edge("compose", END)
    builder.add_edge("serve_customer", END)
    return builder.compile(name=AGENT)


servicing_graph = _build()
