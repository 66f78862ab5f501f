"""ConversationStore: conversations, messages, feedback and usage, always read through their owner."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

import structlog
from sqlalchemy import ColumnElement, Engine, and_, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bank_router.store import idempotency
from bank_router.store.engine import WRITE
from bank_router.store.idempotency import IdempotencyKey, Replay
from bank_router.store.models import Conversation, Feedback, Message, UsageLog
from bank_router.store.outage import StoreUnavailable, is_outage
from bank_router.store.owner import Owner, thread_of
from bank_router.store.records import (
    PurgeResult,
    StoredTurn,
    TurnRecord,
    message_dict,
    summary,
)
from bank_router.store.turns import new_id, write_turn
from bank_router.store.usage import usage_totals

log = structlog.get_logger(__name__)
T = TypeVar("T")


class ConversationStore:
    """Blocking SQL: async callers use a worker thread. Every read is filtered by its owner."""

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], float] = time.time,
        forget_thread: Callable[[str], None] | None = None,
        key_ttl: timedelta = timedelta(hours=24),
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.key_ttl = key_ttl  # how long an idempotency key is replayed
        # Deleting a conversation also drops its session's graph memory (the checkpoint thread).
        self.forget_thread = forget_thread
        self._writer = engine.execution_options(**WRITE)

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC).replace(tzinfo=None)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read session; an unreachable database is StoreUnavailable (the API's 503), not a bare driver error."""
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                yield session
        except Exception as exc:
            if is_outage(exc) and not isinstance(exc, StoreUnavailable):
                raise StoreUnavailable() from exc
            raise

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one write transaction; a unique-key race (another worker inserted first) retries once.
        An unreachable database is StoreUnavailable: the transaction is rolled back (or never began)."""
        for attempt in (1, 2):
            try:
                with Session(self._writer, expire_on_commit=False) as session, session.begin():
                    return work(session)
            except IntegrityError:
                if attempt == 2:
                    raise
            except Exception as exc:
                if is_outage(exc) and not isinstance(exc, StoreUnavailable):
                    raise StoreUnavailable() from exc
                raise
        raise AssertionError("unreachable")

    @staticmethod
    def _owned(owner: Owner) -> ColumnElement[bool]:
        if owner.is_staff:
            return Conversation.owner_key == owner.key
        return and_(Conversation.owner_key == owner.key, Conversation.session_id == (owner.session_id or ""))

    # -- conversations -------------------------------------------------------------------------------------

    def list(self, owner: Owner, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
        """(total, one page newest first) of the owner's conversations."""
        with self._read() as s:
            total = s.scalar(select(func.count()).select_from(Conversation).where(self._owned(owner))) or 0
            rows = s.scalars(
                select(Conversation)
                .where(self._owned(owner))
                .order_by(Conversation.updated_at.desc(), Conversation.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return total, [summary(c) for c in rows]

    def get(self, owner: Owner, conversation_id: str) -> dict[str, Any] | None:
        """The conversation with its messages in order, or None when it is not the owner's (or absent)."""
        with self._read() as s:
            conv = s.scalar(select(Conversation).where(Conversation.id == conversation_id, self._owned(owner)))
            if conv is None:
                return None
            messages = s.scalars(select(Message).where(Message.conversation_id == conv.id).order_by(Message.seq)).all()
        return {**summary(conv), "messages": [message_dict(m) for m in messages]}

    def delete(self, owner: Owner, conversation_id: str) -> bool:
        """Delete the owner's conversation with its messages and feedback; False when it is not theirs."""

        def work(s: Session) -> str | None:
            conv = s.scalar(select(Conversation).where(Conversation.id == conversation_id, self._owned(owner)))
            if conv is None:
                return None
            s.execute(delete(Conversation).where(Conversation.id == conv.id))
            return thread_of(conv.owner_key, conv.session_id)

        thread = self._write(work)
        if thread is None:
            return False
        if self.forget_thread is not None:
            try:
                self.forget_thread(thread)
            except Exception as exc:
                log.warning("checkpoint_thread_not_deleted", error_type=type(exc).__name__)
        return True

    # -- turns -----------------------------------------------------------------------------------------------

    def sessions(self) -> tuple[tuple[str, str], ...]:
        """Every stored (owner key, session id): the sessions whose graph memory a thread migration moves."""
        with self._read() as s:
            rows = s.execute(select(Conversation.owner_key, Conversation.session_id).distinct())
            return tuple((str(owner), str(session)) for owner, session in rows)

    def record_turn(self, turn: TurnRecord, retried: bool = False) -> StoredTurn:
        """Store the question, its answer (if any) and its idempotency key (if any) in one transaction; the
        first turn creates the conversation. `retried`: a turn an earlier attempt stored is not stored again.
        IdempotencyConflict (nothing stored) when another request stored the same key first."""
        asked = datetime.fromtimestamp(turn.asked_at, UTC).replace(tzinfo=None)

        def work(s: Session) -> StoredTurn:
            now = max(self._now(), asked)
            stored = write_turn(s, turn, asked, now, retried)
            key, response = turn.idempotency, turn.response
            if key is not None and response is not None and stored.message_id is not None:
                since = self._now() - self.key_ttl
                idempotency.store(s, key, response, since, now, stored.conversation_id, stored.message_id)
            return stored

        return self._write(work)

    # -- idempotency keys ------------------------------------------------------------------------------------

    def replay(self, key: IdempotencyKey) -> Replay | None:
        """The response stored under a live key; IdempotencyMismatch when it was stored for another request."""
        with self._read() as s:
            return idempotency.find(s, key, self._now() - self.key_ttl)

    def remember(self, key: IdempotencyKey, response: dict[str, Any]) -> None:
        """Store a response (a tool execution's) under its key; IdempotencyConflict if one is stored already."""
        now = self._now()
        self._write(lambda s: idempotency.store(s, key, response, now - self.key_ttl, now))

    def purge_keys(self) -> int:
        """Delete the idempotency keys older than the key TTL; how many."""
        cutoff = self._now() - self.key_ttl
        return self._write(lambda s: idempotency.purge(s, cutoff))

    # -- feedback and usage ----------------------------------------------------------------------------------

    def feedback(self, owner: Owner, message_id: str, rating: int, comment: str | None) -> dict[str, Any] | None:
        """Rate one of the owner's answers (a new rating replaces the old); None when it is not theirs."""

        def work(s: Session) -> dict[str, Any] | None:
            found = s.scalar(
                select(Message.id)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .where(Message.id == message_id, Message.role == "assistant", self._owned(owner))
            )
            if found is None:
                return None
            now = self._now()
            row = s.scalar(select(Feedback).where(Feedback.message_id == message_id))
            if row is None:
                row = Feedback(id=new_id("fb"), message_id=message_id, owner_key=owner.key, created_at=now)
                s.add(row)
            row.rating, row.comment, row.updated_at = rating, comment, now
            return {"id": row.id, "message_id": message_id, "rating": rating, "feedback": comment}

        return self._write(work)

    def usage(self, owner: Owner | None, tenant: str | None, since: date, until: date) -> dict[str, Any]:
        """Totals by provider, model, agent and day: the owner's turns, or (owner None) a tenant's staff turns."""
        if owner is not None:
            scope = [UsageLog.owner_key == owner.key]
            if not owner.is_staff:
                scope.append(UsageLog.session_id == (owner.session_id or ""))
        else:
            scope = [UsageLog.tenant == (tenant or "")]
        with self._read() as s:
            return usage_totals(s, scope, since, until)

    # -- retention -------------------------------------------------------------------------------------------

    def purge(self, before: datetime) -> PurgeResult:
        """Delete every conversation last active before `before` (naive UTC), with its messages and feedback."""

        def work(s: Session) -> PurgeResult:
            old = s.execute(
                select(Conversation.id, Conversation.owner_key, Conversation.session_id).where(
                    Conversation.updated_at < before
                )
            )
            rows = old.all()
            ids = [r.id for r in rows]
            messages = feedback = 0
            for chunk in _chunks(ids, 500):
                messages += s.scalar(select(func.count()).where(Message.conversation_id.in_(chunk))) or 0
                feedback += (
                    s.scalar(
                        select(func.count())
                        .select_from(Feedback)
                        .join(Message, Message.id == Feedback.message_id)
                        .where(Message.conversation_id.in_(chunk))
                    )
                    or 0
                )
                s.execute(delete(Conversation).where(Conversation.id.in_(chunk)))
            # One thread per conversation (unique owner and session): each purged one takes its thread along.
            threads = frozenset(thread_of(r.owner_key, r.session_id) for r in rows)
            return PurgeResult(len(ids), messages, feedback, threads)

        return self._write(work)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
