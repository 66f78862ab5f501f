"""product_info_graph's model path: a question the templates cannot answer, answered from retrieved chunks.

The chunks go to the model as numbered, delimited data; the answer must cite them ([1], [2]...), and only
the cited files become its sources. The template answer (or the question back) stays the fallback.
"""

from __future__ import annotations

import re
from typing import Any

import structlog
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime

from bank_router.llm.prompts import RETRIEVAL_SYSTEM, delimit, language_name
from bank_router.turn.context import Context
from bank_router.turn.state import RouterState
from graphs.common import answer, answer_confidence
from nodes.entities import last_user_text
from nodes.llm_turn import turn_key
from nodes.phrase import REJECTED, language_ok

log = structlog.get_logger(__name__)

CHUNKS = 4
NO_ANSWER = "NO_ANSWER"
_CITE = re.compile(r"\[(\d{1,2})\]")


def from_chunks(state: RouterState, runtime: Runtime[Context], fallback: dict[str, Any]) -> dict[str, Any] | None:
    """The model's cited answer over the top chunks, carrying `fallback`; None when there is none to give."""
    svc, lang = runtime.context.services, state["language"]
    if svc.llm is None or not runtime.context.options.include_rag:
        return None
    text = last_user_text(state)
    hits = svc.retriever.search(text, "model_excerpts", k=CHUNKS)
    if not hits:
        return None
    excerpts = "\n\n".join(delimit(f"[{i}] {h.path}", h.text) for i, h in enumerate(hits, 1))
    system = runtime.context.options.system(RETRIEVAL_SYSTEM.format(language=language_name(lang)))
    question = delimit("customer_question", text)
    messages = [SystemMessage(system), HumanMessage(f"{question}\n\n{excerpts}")]
    reply = svc.llm.text(turn_key(state), "retrieval", messages)
    if reply is None or NO_ANSWER in reply:
        return None
    cited = [int(n) for n in _CITE.findall(reply)]
    why = None
    if not cited or any(not 1 <= n <= len(hits) for n in cited):
        why = "citations"
    elif not language_ok(reply, lang):
        why = "language"
    if why:
        REJECTED.labels(why).inc()
        log.info("llm_retrieval_rejected", reason=why)
        return None
    docs = [d for n in dict.fromkeys(cited) if (d := svc.catalog.doc(hits[n - 1].path)) is not None]
    conf = answer_confidence(state) * min(1.0, 0.5 + hits[0].score)
    out = answer("product_info_graph", reply.strip(), docs, conf)
    out["answer"]["evidence"] = [hits[n - 1].text for n in dict.fromkeys(cited)]
    out["answer"]["deterministic"] = fallback["answer"]
    svc.llm.accept(turn_key(state), "text")
    return out
