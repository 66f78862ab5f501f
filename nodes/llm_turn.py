"""What the model-using nodes share: the turn's key for the client's ledger."""

from __future__ import annotations

import hashlib

from langchain_core.messages import HumanMessage

from bank_router.turn.state import RouterState


def turn_key(state: RouterState) -> str:
    """The id of this turn's user message (add_messages gives every message one)."""
    for msg in reversed(state["messages"]):
        if isinstance(msg, HumanMessage):
            if msg.id:
                return str(msg.id)
            return hashlib.sha1(f"{len(state['messages'])}:{msg.content}".encode(), usedforsecurity=False).hexdigest()
    return "no-turn"
