"""Hand-overs to a person (`human.intervention.requested`): kept until a member of staff takes one.

Every such event is written here by a bus subscriber (api/realtime.py), so a hand-over survives the
socket or webhook that announced it. Staff with `handover:manage` list their tenant's open hand-overs
and take one: the take is one conditional UPDATE, so two staff never take the same hand-over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import JSON, DateTime, Engine, Index, MetaData, String, func, inspect, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from bank_router.events.bus import HUMAN_INTERVENTION, Event
from bank_router.platform.models import NAMING_CONVENTION

log = structlog.get_logger(__name__)

PERMISSION = "handover:manage"
STATUSES = ("open", "taken")


class HandoverBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Handover(HandoverBase):
    __tablename__ = "handovers"
    __table_args__ = (Index("ix_handovers_tenant_status", "tenant", "status", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the event's id
    tenant: Mapped[str] = mapped_column(String(128))
    subject: Mapped[str | None] = mapped_column(String(128))  # who asked: the caller's sub
    session_id: Mapped[str | None] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(String(200))
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8))
    taken_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime)


@dataclass(frozen=True)
class HandoverView:
    id: str
    subject: str | None
    session_id: str | None
    reason: str
    context: dict[str, Any]
    status: str
    taken_by: str | None
    created_at: datetime
    taken_at: datetime | None

    def public(self) -> dict[str, Any]:
        def iso(d: datetime | None) -> str | None:
            return None if d is None else d.replace(tzinfo=UTC).isoformat()

        return {
            "id": self.id,
            "customer": self.subject,
            "session_id": self.session_id,
            "reason": self.reason,
            "context": self.context,
            "status": self.status,
            "taken_by": self.taken_by,
            "created_at": iso(self.created_at),
            "taken_at": iso(self.taken_at),
        }


def _view(row: Handover) -> HandoverView:
    return HandoverView(
        row.id,
        row.subject,
        row.session_id,
        row.reason,
        dict(row.context or {}),
        row.status,
        row.taken_by,
        row.created_at,
        row.taken_at,
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class HandoverDesk:
    """Open hand-overs per tenant; blocking SQL, so async callers use a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def ready(self) -> bool:
        return inspect(self.engine).has_table(Handover.__tablename__)

    def on_event(self, event: Event) -> None:
        """Bus handler: keep every hand-over request of a tenant (never raises into the publisher)."""
        if event.type != HUMAN_INTERVENTION or not event.tenant:
            return
        try:
            self.record(event)
        except Exception as exc:
            log.error("handover_not_stored", error_type=type(exc).__name__)

    def record(self, event: Event) -> None:
        data = event.data
        raw = data.get("context")
        context: dict[str, Any] = raw if isinstance(raw, dict) else {}
        extra = {k: v for k, v in data.items() if k not in ("reason", "context")}
        row = Handover(
            id=event.id,
            tenant=str(event.tenant),
            subject=event.sub,
            session_id=event.session_id,
            reason=str(data.get("reason") or "")[:200],
            context={**extra, **context},
            status="open",
            created_at=datetime.fromtimestamp(event.created_at, UTC).replace(tzinfo=None),
        )
        with self._sessions.begin() as s:
            s.add(row)

    def page(self, tenant: str, status: str | None, limit: int, offset: int) -> tuple[list[HandoverView], int]:
        where = [Handover.tenant == tenant, *([Handover.status == status] if status else [])]
        with self._sessions() as s:
            total = int(s.scalar(select(func.count()).select_from(Handover).where(*where)) or 0)
            rows = s.scalars(
                select(Handover)
                .where(*where)
                .order_by(Handover.created_at.desc(), Handover.id)
                .limit(limit)
                .offset(offset)
            ).all()
        return [_view(r) for r in rows], total

    def take(self, tenant: str, handover_id: str, staff: str) -> HandoverView | bool | None:
        """The taken hand-over; None when the tenant has no such hand-over; False when someone took it first."""
        with self._sessions.begin() as s:
            done = s.execute(
                update(Handover)
                .where(Handover.tenant == tenant, Handover.id == handover_id, Handover.status == "open")
                .values(status="taken", taken_by=staff, taken_at=_now())
            )
            row = s.scalar(select(Handover).where(Handover.tenant == tenant, Handover.id == handover_id))
            if row is None:
                return None
            return _view(row) if done.rowcount else False  # type: ignore[attr-defined]
