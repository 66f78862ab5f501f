"""Retention: delete conversations (messages, feedback, graph checkpoints) idle for longer than an age, and
idempotency keys older than their TTL (the store's `key_ttl`, IDEMPOTENCY_TTL_HOURS)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bank_router.store.repo import ConversationStore

_AGE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `2w` or `45s` as a timedelta; ValueError otherwise."""
    match = _AGE.match(text.lower())
    if not match:
        raise ValueError(f"expected an age such as 30d or 12h, got {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


@dataclass(frozen=True)
class PurgeReport:
    conversations: int
    messages: int
    feedback: int
    threads: int
    cutoff: datetime
    idempotency_keys: int = 0


def purge(store: ConversationStore, older_than: timedelta, delete_thread: Callable[[str], None] | None) -> PurgeReport:
    """Delete what was last active before now - `older_than`, then the checkpoint threads nobody uses now."""
    cutoff = datetime.fromtimestamp(store.clock(), UTC).replace(tzinfo=None) - older_than
    result = store.purge(cutoff)
    threads = 0
    if delete_thread is not None:
        for thread in sorted(result.threads):
            delete_thread(thread)
            threads += 1
    keys = store.purge_keys()  # after the conversations: their keys went with them (ON DELETE CASCADE)
    return PurgeReport(result.conversations, result.messages, result.feedback, threads, cutoff, keys)
