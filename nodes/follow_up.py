"""Whether a turn follows up the one before, and which applicant facts carry over."""

from __future__ import annotations

from bank_router.turn.state import RouterState

# Facts about the applicant that carry over to a follow-up turn.
PERSON_FACTS = ("age", "amount", "income", "residency", "gender")


def is_follow_up(state: RouterState) -> bool:
    memory = state.get("memory") or {}
    ents = state["entities"]
    return bool(ents.get("follow_up") or ents.get("refers") or (memory.get("pending") and memory["pending"] in ents))
