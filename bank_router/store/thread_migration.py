"""Graph memory of sessions started before thread ids were hashed, moved to the thread each session runs in now.

An anonymous session's checkpoint thread used to be its session id, and a staff member's
"<owner key>:<session id>"; every thread is now `thread_of(owner key, session id)`, so after an upgrade an
older session would lose its follow-ups and its waiting workflow (its stored turns stay). `migrate_threads`
copies each stored conversation's old thread to its new one (every checkpoint in order, with its pending
writes) and then deletes the old one, through the checkpointer's own API, so SQLite and PostgreSQL migrate
alike. It runs once per deployment (`bank-router migrate-threads`) and again is a no-op.

An anonymous session id that spells a signed-in owner's old thread ("staff:<key>:<session>", the attack hashing
closed) never gets that memory; the owner does. A thread two conversations could otherwise both claim stays.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from bank_router.store.owner import ANONYMOUS, thread_of

_OWNER_PREFIXES = ("staff:", "customer:")


def legacy_thread(owner_key: str, session_id: str) -> str:
    """The thread id a session ran in before thread ids were hashed."""
    return session_id if owner_key == ANONYMOUS else f"{owner_key}:{session_id}"


@dataclass(frozen=True)
class MigrationReport:
    moved: int  # threads copied to their new id and deleted under the old
    refused: int  # old threads more than one conversation could claim: left where they are
    checkpoints: int


def _config(thread: str, ns: str = "", checkpoint_id: str | None = None) -> Any:
    conf: dict[str, Any] = {"thread_id": thread, "checkpoint_ns": ns}
    if checkpoint_id is not None:
        conf["checkpoint_id"] = checkpoint_id
    return {"configurable": conf}


def copy_thread(saver: BaseCheckpointSaver[str], old: str, new: str) -> int:
    """Copy every checkpoint of `old` (all namespaces, oldest first, parents kept) to `new`; returns the count."""
    saved = list(saver.list({"configurable": {"thread_id": old}}))
    for item in reversed(saved):  # list() gives the newest first; a child is written after its parent
        ns = item.config["configurable"].get("checkpoint_ns", "")
        parent = item.parent_config["configurable"].get("checkpoint_id") if item.parent_config else None
        stored = saver.put(
            _config(new, ns, parent), item.checkpoint, item.metadata, dict(item.checkpoint["channel_versions"])
        )
        by_task: dict[str, list[tuple[str, Any]]] = defaultdict(list)
        for task_id, channel, value in item.pending_writes or []:
            by_task[task_id].append((channel, value))
        for task_id, writes in by_task.items():
            saver.put_writes(stored, writes, task_id)
    return len(saved)


def migrate_threads(sessions: Iterable[tuple[str, str]], saver: BaseCheckpointSaver[str]) -> MigrationReport:
    """Move the old thread of each stored (owner key, session id) to its hashed thread, where it has none yet."""
    pairs = sorted(set(sessions))
    # An anonymous session id that spells a signed-in owner's thread never had that thread: it is not a claim.
    spoofed = {(o, s) for o, s in pairs if o == ANONYMOUS and s.startswith(_OWNER_PREFIXES)}
    claims = Counter(legacy_thread(owner, session) for owner, session in pairs if (owner, session) not in spoofed)
    moved = refused = checkpoints = 0
    for owner, session in pairs:
        old, new = legacy_thread(owner, session), thread_of(owner, session)
        if (owner, session) in spoofed or claims[old] > 1:
            refused += 1
            continue
        if saver.get_tuple(_config(old)) is None or saver.get_tuple(_config(new)) is not None:
            continue  # nothing to move, or the session already runs in its new thread
        checkpoints += copy_thread(saver, old, new)
        saver.delete_thread(old)
        moved += 1
    return MigrationReport(moved, refused, checkpoints)
