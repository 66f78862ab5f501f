"""Webhook registrations (seed 002): which URL receives which events of one tenant, signed with whose secret."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Engine, MetaData, String, inspect, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from bank_router.platform.models import NAMING_CONVENTION


class WebhookBase(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Webhook(WebhookBase):
    __tablename__ = "webhooks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(32), index=True)
    created_by: Mapped[str] = mapped_column(String(64))
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSON)
    # Kept as given: the HMAC needs it. It is never returned by the API nor written to a log.
    secret: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    # The registering token's permissions: deliveries are filtered by them (events/visibility.py).
    # Rows from before revision 0005 hold none, so they get only events that need no permission.
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))


@dataclass(frozen=True)
class Registration:
    """A registration as the dispatcher and the API see it."""

    id: str
    tenant: str
    url: str
    events: tuple[str, ...]
    secret: str
    active: bool
    created_at: datetime
    permissions: frozenset[str] = frozenset()

    def public(self) -> dict[str, Any]:
        """What its owner may read back: everything but the secret."""
        return {
            "id": self.id,
            "url": self.url,
            "events": list(self.events),
            "active": self.active,
            "created_at": self.created_at.replace(tzinfo=UTC).isoformat(),
            "permissions": sorted(self.permissions),
        }


def _registration(row: Webhook) -> Registration:
    granted = frozenset(p for p in (row.permissions or []) if isinstance(p, str))
    return Registration(row.id, row.tenant, row.url, tuple(row.events), row.secret, row.active, row.created_at, granted)


class WebhookRegistry:
    """Registrations per tenant; blocking SQL, so async callers use a worker thread."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def ready(self) -> bool:
        """Whether the migrations created the table with its permissions (Alembic revision 0005)."""
        found = inspect(self.engine)
        if not found.has_table(Webhook.__tablename__):
            return False
        return "permissions" in {c["name"] for c in found.get_columns(Webhook.__tablename__)}

    def _session(self) -> Session:
        return self._sessions()

    def create(
        self,
        tenant: str,
        created_by: str,
        url: str,
        events: list[str],
        secret: str,
        permissions: Collection[str] = frozenset(),
    ) -> Registration:
        """Register `url`; `permissions` are the registering token's, which bound what it will receive."""
        row = Webhook(
            id=f"wh_{uuid.uuid4().hex[:24]}",
            tenant=tenant,
            created_by=created_by,
            url=url,
            events=sorted(set(events)),
            secret=secret,
            active=True,
            created_at=datetime.now(UTC).replace(tzinfo=None),
            permissions=sorted(permissions),
        )
        with self._session() as session, session.begin():
            session.add(row)
        return _registration(row)

    def for_tenant(self, tenant: str) -> list[Registration]:
        with self._session() as session:
            rows = session.scalars(select(Webhook).where(Webhook.tenant == tenant).order_by(Webhook.created_at))
            return [_registration(r) for r in rows]

    def delete(self, tenant: str, webhook_id: str) -> bool:
        """Remove one of the tenant's registrations; False when the tenant has none with that id."""
        with self._session() as session, session.begin():
            row = session.get(Webhook, webhook_id)
            if row is None or row.tenant != tenant:
                return False
            session.delete(row)
            return True

    def matching(self, tenant: str, event_type: str) -> list[Registration]:
        """The tenant's active registrations that asked for this event type."""
        return [r for r in self.for_tenant(tenant) if r.active and event_type in r.events]
