"""servicing_graph's model path: when the rules find no tool, the model may choose among this subgraph's tools.

Only the servicing tools the caller may use are offered, and the caller's tenant's registered tools
(bank_router/tools/custom.py) the caller may run. A call to any other tool, or with an id the
request does not contain, is refused (never run) and logged; the rest run through the executor as usual.
"""

from __future__ import annotations

from typing import Any

import structlog
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from prometheus_client import Counter

from bank_router.language.grounding import ungrounded
from bank_router.llm.prompts import TOOLS_SYSTEM, delimit
from bank_router.tools import TOOLS, Tool
from bank_router.tools.executor import custom_tools_for
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from nodes.entities import last_user_text
from nodes.llm_turn import turn_key
from nodes.servicing_rules import BY_ID, MAX_CALLS, RULES, Call

log = structlog.get_logger(__name__)

REFUSED = Counter("bank_router_llm_tool_refused_total", "Model tool calls refused", ["reason"])
SERVICING_TOOLS = tuple(dict.fromkeys([r.tool for r in RULES] + [tool for _, tool, _ in BY_ID]))
PAGING = frozenset({"page_size", "page_number"})


def _args_grounded(args: dict[str, Any], text: str) -> bool:
    """Ids and figures in the arguments must come from the request, not from the model."""
    for key, value in args.items():
        if key in PAGING or isinstance(value, bool):
            continue
        if isinstance(value, int | float | str) and ungrounded(str(value), [text]):
            return False
    return True


def _refuse(tool: str, reason: str) -> None:
    REFUSED.labels(reason).inc()
    log.warning("llm_tool_refused", tool=tool[:64], reason=reason)


def model_calls(state: RouterState, runtime: Runtime[Context]) -> list[Call]:
    """The tool calls the model chose, after the checks; empty when it chose none that may run."""
    svc, caller = runtime.context.services, runtime.context.caller
    if svc.llm is None:
        return []
    options = runtime.context.options
    offered: list[Tool[Any, Any]] = [
        t
        for n in SERVICING_TOOLS
        if ((t := TOOLS[n]).permission is None or caller.can(t.permission)) and options.allows(n)
    ]
    # The tenant's registered tools the caller may run; their answers reach the model only as delimited data.
    registered = [t for t in custom_tools_for(caller, svc.tools) if options.allows(t.name)]
    custom = {t.name for t in registered}
    offered += registered
    if not offered:
        return []
    text, turn = last_user_text(state), turn_key(state)
    system = options.system(TOOLS_SYSTEM.format(max_calls=MAX_CALLS))
    messages = [SystemMessage(system), HumanMessage(delimit("staff_request", text))]
    reply = svc.llm.invoke(turn, "tools", messages, tools=[t.openai_tool() for t in offered], tool_choice="auto")
    if reply is None:
        return []
    names = {t.name for t in offered}
    calls: list[Call] = []
    for tc in reply.tool_calls[:MAX_CALLS]:
        name, args = str(tc.get("name", "")), tc.get("args") or {}
        if name not in custom and (name not in TOOLS or name not in SERVICING_TOOLS):
            _refuse(name, "unknown")
        elif name not in names:
            _refuse(name, "forbidden")
        elif not isinstance(args, dict) or not _args_grounded(args, text):
            _refuse(name, "ungrounded_arguments")
        else:
            calls.append(Call(name, dict(args)))
    if calls:
        svc.llm.accept(turn, "tools")
    return calls
