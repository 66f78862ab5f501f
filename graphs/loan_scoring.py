"""loan_scoring_graph: seed 000's loan scoring workflow, one step per turn.

Customer (exists, KYC verified, not blacklisted) -> product (listed when none is given) -> amount (within
the product's limits) -> score from the scorecard in knowledge/policies/loan_scoring_method.md, saved
to the score history. Each step runs `start_loan_scoring_workflow` with what is known so far; when it
needs more, the answer asks for it and the graph waits in `await_reply` (LangGraph `interrupt()`), so
the next turn of the session resumes the workflow. Everything given at once is scored in one turn.
The user can cancel, or change an answer ("product 2", "make it 80,000", "customer 456 instead").
A borderline score (band B: refer) raises a human-intervention event for a credit officer.
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import HumanMessage
from langgraph.config import get_config
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from bank_router.events import DECISION_MADE, HUMAN_INTERVENTION
from bank_router.parsing import fold, normalize_digits, parse_amounts
from bank_router.tools import RecordNotFound, ToolArgumentError, ToolError, ToolForbidden, execute
from bank_router.tools.scoring import ScoringWorkflowResult
from bank_router.turn.context import Context
from bank_router.turn.state import Entities, RouterState, Workflow
from graphs import loan_scoring_text as txt
from graphs.common import answer
from nodes.entities import last_user_text
from nodes.workflow import cancels

AGENT = "loan_scoring_graph"
TOOL = "start_loan_scoring_workflow"
POLICY = "knowledge/policies/loan_scoring_method.md"
CONFIDENCE = 0.9
_BARE = re.compile(r"\s*(?:id|no\.?|number|#)?\s*(\d{1,9})\s*[.!]?\s*")
# "change the product to 5", "customer should be 456": the id parser wants the id right after the noun.
_CHANGE_TO = re.compile(r"\b(customer|product)\b[^\d]{0,20}?\b(?:to|is|be|as)\s+(?:id\s*|no\.?\s*|#\s*)?(\d{1,9})\b")
_NAMED = re.compile(r"\b(?:named|called|name is|name)\s+(.+)$|নাম\s*(.+)$")


def read_reply(text: str, ents: Entities, wf: Workflow) -> Workflow:
    """The workflow's inputs after this turn: ids and amounts stated now override earlier answers."""
    new: Workflow = {k: v for k, v in wf.items() if k in ("customer_id", "product_id", "amount", "choices")}  # type: ignore[assignment]
    ids, needs = dict(ents.get("ids") or {}), wf.get("needs")
    for noun, value in _CHANGE_TO.findall(normalize_digits(text).lower()):
        ids.setdefault(f"{noun}_id", value)
    if "customer_id" in ids and int(ids["customer_id"]) != new.get("customer_id"):
        new = {"customer_id": int(ids["customer_id"])}  # another customer: start again
    if "product_id" in ids:
        new["product_id"] = int(ids["product_id"])
    amounts = [ents["amount"]] if "amount" in ents else parse_amounts(text, cued=True)
    if amounts:
        new["amount"] = float(amounts[0])
    bare = _BARE.fullmatch(normalize_digits(text).lower())
    if bare and not ids and not amounts:
        key = {"customer": "customer_id", "product": "product_id"}.get(str(needs))
        if key:
            new[key] = int(bare[1])  # type: ignore[literal-required]
    if needs == "product" and "product_id" not in ids and not bare:
        named = named_product(text, wf.get("choices") or [])
        if named is not None:
            new["product_id"] = named
    return new


def named_product(text: str, choices: list[list[Any]]) -> int | None:
    """The id of the offered product whose name the text uses ("the Education Loan", "two-wheeler")."""
    folded = fold(text)
    for pid, pname in sorted(choices, key=lambda c: -len(str(c[1]))):
        name = fold(str(pname))
        if name in folded or name.removesuffix(" loan") in folded:
            return int(pid)
    return None


def _publish(runtime: Runtime[Context], kind: str, data: dict[str, Any]) -> None:
    caller = runtime.context.caller
    configurable = get_config().get("configurable") or {}
    session = configurable.get("session_id") or configurable.get("thread_id")
    runtime.context.services.events.publish(kind, data, tenant=caller.tenant, sub=caller.sub, session_id=session)


def _reply(
    message: str, lang: str, wf: Workflow | None, confidence: float = CONFIDENCE, **extra: Any
) -> dict[str, Any]:
    """An answer for this step; a waiting workflow says what it waits for (CONTRACT.md's optional extra)."""
    out: dict[str, Any] = answer(AGENT, message, [], confidence, domain=None, vertical="loan", **extra)
    out["answer"]["vertical"] = "loan"
    out["answer"]["tools_used"] = [TOOL]
    if wf and wf.get("needs"):
        out["answer"]["message"] = f"{message}\n\n{txt.t('cancel_hint', lang)}"
        out["answer"]["fallback"] = out["answer"]["message"]
        awaiting = {k: v for k, v in wf.items() if k in ("needs", "customer_id", "product_id", "amount")}
        out["answer"]["awaiting"] = {"workflow": "loan_scoring", **awaiting}
    out["workflow"] = wf
    return out


def _find_customer(text: str, runtime: Runtime[Context], lang: str, wf: Workflow, reply: bool) -> dict[str, Any]:
    """No id given: search by name when the caller may, else ask for the id.

    A name is read from "named ..." anywhere, or from a short reply to the question for the customer.
    """
    named = _NAMED.search(text.strip())
    query = next((g for g in named.groups() if g), "") if named else ""
    if not query and reply and len(text.split()) <= 4 and not re.search(r"\d", text):
        query = text
    query = query.strip(" .?!\"'")
    if len(query) < 2 or not runtime.context.caller.can("customer:read"):
        return _reply(txt.t("ask_customer", lang), lang, {**wf, "needs": "customer"})
    try:
        found = execute(
            "list_customers",
            {"search_string": query, "page_size": 10},
            runtime.context.caller,
            runtime.context.services.tools,
        )
    except ToolError:
        return _reply(txt.t("ask_customer", lang), lang, {**wf, "needs": "customer"})
    rows = list(found.result.items)  # type: ignore[attr-defined]
    if len(rows) == 1:
        return _step({**wf, "customer_id": rows[0].identity_id}, runtime, lang)
    if not rows:
        return _reply(txt.t("no_match", lang), lang, {**wf, "needs": "customer"})
    out = _reply(f"{txt.t('matches', lang)}\n\n{txt.customer_table(rows, lang)}", lang, {**wf, "needs": "customer"})
    out["answer"]["evidence"] = [found.result.model_dump_json()]
    out["answer"]["tools_used"] = ["list_customers"]
    out["answer"]["sources"] = ["tool:list_customers"]
    return out


def _step(wf: Workflow, runtime: Runtime[Context], lang: str) -> dict[str, Any]:
    """Run the workflow tool with what is known, and say what comes next."""
    args: dict[str, Any] = {k: v for k, v in wf.items() if k in ("customer_id", "product_id", "amount")}
    caller, deps = runtime.context.caller, runtime.context.services.tools
    try:
        run = execute(TOOL, args, caller, deps)
    except ToolForbidden as exc:
        policy = runtime.context.services.policy
        msg = policy.message("missing_permission", lang, permission=exc.permission)
        out: dict[str, Any] = answer("policy_guard", msg, [], policy.refusal_confidence, refusal=True)
        return {**out, "workflow": None}
    except RecordNotFound as exc:
        if exc.kind == "customer":
            return _reply(txt.t("not_found", lang, customer=args["customer_id"]), lang, None, 0.8)
        retry = _step({k: v for k, v in wf.items() if k != "product_id"}, runtime, lang)  # type: ignore[arg-type]
        head = txt.t("bad_product", lang, product=args.get("product_id"))
        retry["answer"]["message"] = head + retry["answer"]["message"].split(":", 1)[-1]
        retry["answer"]["fallback"] = retry["answer"]["message"]
        return retry
    except ToolArgumentError:
        needs = "amount" if "amount" in args else "customer"
        hint = txt.t("ask_customer", lang) if needs == "customer" else txt.t("cancel_hint", lang)
        return _reply(txt.t("invalid", lang, hint=hint), lang, {**wf, "needs": needs}, 0.6)
    except ToolError:
        return _reply(txt.t("failed", lang), lang, {**wf, "needs": wf.get("needs") or "customer"}, 0.3)
    result: ScoringWorkflowResult = run.result  # type: ignore[assignment]
    out = _compose(result, wf, runtime, lang)
    out["answer"]["evidence"] = [result.model_dump_json()]
    out["answer"]["sources"] = [f"tool:{TOOL}", *([POLICY] if result.status == "scored" else [])]
    return out


def _compose(r: ScoringWorkflowResult, wf: Workflow, runtime: Runtime[Context], lang: str) -> dict[str, Any]:
    c = r.customer
    if r.status == "ineligible":
        return _reply(
            txt.t("ineligible", lang, customer=c.identity_id, name=c.full_name, reasons="; ".join(r.reasons)),
            lang,
            None,
        )
    if r.status == "needs_input" and r.needs == "product":
        choices = [[p.id, p.name] for p in r.products]
        text = txt.t("ask_product", lang, customer=c.identity_id, name=c.full_name)
        msg = f"{text}\n\n{txt.product_table(r.products, lang)}"
        return _reply(msg, lang, {**wf, "customer_id": c.identity_id, "needs": "product", "choices": choices})
    if r.status == "needs_input":
        p = r.product
        assert p is not None
        kw = {
            "product": p.name,
            "id": p.id,
            "low": txt.money(float(p.min_amount), lang),
            "high": txt.money(float(p.max_amount), lang),
        }
        if r.amount is None:
            msg = txt.t("ask_amount", lang, **kw)
        else:
            msg = txt.t("bad_amount", lang, amount=txt.money(r.amount, lang), **kw)
        nxt: Workflow = {**wf, "customer_id": c.identity_id, "product_id": p.id, "needs": "amount"}
        nxt.pop("amount", None)
        return _reply(msg, lang, nxt)
    assert r.product is not None and r.score is not None and r.amount is not None
    head = txt.t(
        "scored",
        lang,
        customer=c.identity_id,
        name=c.full_name,
        product=r.product.name,
        amount=txt.money(r.amount, lang),
        score=txt.num(r.score, lang),
        band=r.band,
        decision=txt.t(str(r.decision), lang),
    )
    parts = [head, txt.factor_table(r.factors, lang)]
    extra = [x for x in r.reasons if not any(x.startswith(f.reason) for f in r.factors)]
    parts += [f"- {x}" for x in extra]
    decision = {
        "workflow": "loan_scoring",
        "customer_id": c.identity_id,
        "product_id": r.product.id,
        "amount": r.amount,
        "score": r.score,
        "band": r.band,
        "decision": r.decision,
        "score_id": r.score_id,
    }
    _publish(runtime, DECISION_MADE, decision)
    if r.decision == "refer":
        parts.append(txt.t("review", lang))
        _publish(runtime, HUMAN_INTERVENTION, {**decision, "reason": "borderline score: refer for human review"})
    parts.append(txt.t("saved", lang))
    out = _reply("\n\n".join(parts), lang, None)
    out["answer"]["decision"] = {k: decision[k] for k in ("score", "band", "decision", "score_id")}
    return out


def loan_scoring_graph(state: RouterState, runtime: Runtime[Context]) -> dict[str, Any]:
    lang, text = state["language"], last_user_text(state)
    wf: Workflow = dict(state.get("workflow") or {})  # type: ignore[assignment]
    if wf.get("needs") and cancels(text):
        return _reply(txt.t("cancelled", lang), lang, None)
    replying = wf.get("needs") == "customer"
    wf = read_reply(text, state["entities"], wf if wf.get("needs") else {})
    if "customer_id" not in wf:
        return _find_customer(text, runtime, lang, wf, replying)
    out = _step(wf, runtime, lang)
    nxt: Workflow = dict(out.get("workflow") or {})  # type: ignore[assignment]
    if nxt.get("needs") == "product" and (pid := named_product(text, nxt.get("choices") or [])) is not None:
        # The product was named in words before the list was shown: "... with the Two-Wheeler Loan".
        nxt["product_id"] = pid
        out = _step(nxt, runtime, lang)
    return out


def await_reply(state: RouterState) -> dict[str, Any]:
    """Pause the thread until the user answers the workflow's question; the answer is the next turn."""
    wf = state.get("workflow") or {}
    reply = interrupt({"workflow": "loan_scoring", "needs": wf.get("needs"), "question": state["answer"]["message"]})
    if isinstance(reply, dict):
        text, lang = str(reply.get("text", "")), reply.get("language") or state["language"]
    else:
        text, lang = str(reply), state["language"]
    return {"messages": [HumanMessage(content=text)], "language": lang}
