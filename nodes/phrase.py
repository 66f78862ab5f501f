"""Phrasing: the model rewrites the subgraph's answer from its facts; the template answer stays the fallback.

Checked here: the language, the length, the verdict sentence and the product names kept. The output guard
then checks every number (cite or refuse) and falls back to the template answer when one is not grounded.
"""

from __future__ import annotations

import re

import structlog
from langchain_core.messages import HumanMessage, SystemMessage
from langgraph.runtime import Runtime
from prometheus_client import Counter

from bank_router.knowledge.loader import name
from bank_router.llm.prompts import KEEP_VERBATIM, PHRASE_SYSTEM, delimit, language_name
from bank_router.turn.agents import PHRASED_AGENTS
from bank_router.turn.context import Context
from bank_router.turn.state import Answer, RouterState
from nodes.entities import last_user_text
from nodes.llm_turn import turn_key

log = structlog.get_logger(__name__)

REJECTED = Counter("bank_router_llm_rejected_total", "Model-written answers rejected before the guard", ["reason"])
MAX_EVIDENCE_CHARS = 6000
_BANGLA = re.compile(r"[\u0980-\u09ff]")
_LETTER = re.compile(r"[^\W\d_]")
_SENTENCE_END = re.compile(r"(?<=[.।?!])\s")


def bangla_share(text: str) -> float:
    letters = _LETTER.findall(text)
    return sum(1 for ch in letters if _BANGLA.match(ch)) / len(letters) if letters else 0.0


def language_ok(text: str, language: str) -> bool:
    share = bangla_share(text)
    return share >= 0.5 if language == "bn" else share < 0.1


def verdict_of(ans: Answer) -> str | None:
    """An eligibility verdict is decided by code: its first sentence must survive phrasing word for word."""
    if ans["agent"] != "eligibility_graph":
        return None
    return _SENTENCE_END.split(ans["message"].strip(), maxsplit=1)[0].split("\n", 1)[0]


def problems(text: str, draft: Answer, names: list[str], language: str) -> str | None:
    """Why a phrased text cannot replace the draft, or None."""
    if not language_ok(text, language):
        return "language"
    if len(text) > 3 * len(draft["message"]) + 400:
        return "length"
    keep = verdict_of(draft)
    if keep and not text.strip().startswith(keep):
        return "verdict"
    if any(n in draft["message"] and n not in text for n in names):
        return "names"
    return None


def should_phrase(ans: Answer, state: RouterState, runtime: Runtime[Context]) -> bool:
    llm, mode = runtime.context.services.llm, runtime.context.services.settings.llm_phrasing
    if llm is None or mode == "off" or ans.get("refusal") or "deterministic" in ans:
        return False
    if ans["agent"] not in PHRASED_AGENTS:
        return False
    # "auto": most turns make no model call at all; phrasing is added where the model already took part.
    return mode == "all" or llm.took_part(turn_key(state))


def phrase(ans: Answer, state: RouterState, runtime: Runtime[Context]) -> Answer:
    """The model's wording of `ans`, carrying `ans` as its fallback; `ans` itself when not worth it or unusable."""
    if not should_phrase(ans, state, runtime):
        return ans
    svc, lang, turn = runtime.context.services, state["language"], turn_key(state)
    assert svc.llm is not None
    keep = verdict_of(ans)
    system = PHRASE_SYSTEM.format(language=language_name(lang), keep=KEEP_VERBATIM.format(text=keep) if keep else "")
    blocks = [delimit("customer_question", last_user_text(state)), delimit("draft_answer", ans["message"])]
    evidence = "\n".join(ans.get("evidence", []))[:MAX_EVIDENCE_CHARS]
    if evidence:
        blocks.append(delimit("platform_records", evidence))
    system = runtime.context.options.system(system)
    text = svc.llm.text(turn, "phrase", [SystemMessage(system), HumanMessage("\n\n".join(blocks))])
    if text is None:
        return ans
    docs = [d for p in ans.get("sources", []) if (d := svc.catalog.doc(p)) is not None]
    why = problems(text.strip(), ans, [name(d, lang) for d in docs], lang)
    if why:
        REJECTED.labels(why).inc()
        log.info("llm_phrasing_rejected", agent=ans["agent"], reason=why)
        return ans
    svc.llm.accept(turn, "text")
    return {**ans, "message": text.strip(), "deterministic": ans}
