"""A multi-step workflow waiting in the thread: is one waiting, and does the reply call it off."""

from __future__ import annotations

import re

from bank_router.language.parsing import fold
from bank_router.turn.state import RouterState

CANCEL = re.compile(r"\b(cancel|stop|abort|quit|never ?mind|forget (it|that))\b|বাতিল|থাক|বন্ধ করুন")


def waiting(state: RouterState) -> bool:
    return bool((state.get("workflow") or {}).get("needs"))


def cancels(text: str) -> bool:
    return bool(CANCEL.search(fold(text)))
