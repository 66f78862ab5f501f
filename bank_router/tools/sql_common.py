"""What the SQL platform's query groups share: sessions, one-row and paged reads, search clauses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from bank_router.platform.models import Loan
from bank_router.tools.adapter import PageRequest
from bank_router.tools.records import Page

T = TypeVar("T", bound=BaseModel)


def day_start(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time())


def id_or_text(search: str, id_col: Any, *text_cols: Any) -> ColumnElement[bool]:
    """A search term matches any text column (case-insensitive), or the id when it is a number."""
    clauses = [c.icontains(search, autoescape=True) for c in text_cols]
    if search.isdigit() and len(search) <= 9:
        clauses.append(id_col == int(search))
    return or_(*clauses)


class SqlBase:
    """Sessions and the read helpers every query group uses; every query filters by tenant itself."""

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._sessions = session_factory

    def _one(self, record: type[T], stmt: Select[Any]) -> T | None:
        with self._sessions() as s:
            row = s.scalars(stmt).first()
            return record.model_validate(row) if row is not None else None

    def _page(
        self, page_type: type[Page[T]], record: type[T], stmt: Select[Any], order: Sequence[Any], page: PageRequest
    ) -> Page[T]:
        with self._sessions() as s:
            total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
            offset = (page.page_number - 1) * page.page_size
            rows = s.scalars(stmt.order_by(*order).limit(page.page_size).offset(offset)).all()
            items = [record.model_validate(r) for r in rows]
        return page_type(total=total, page_number=page.page_number, page_size=page.page_size, items=items)

    def _has_loan(self, s: Session, tenant: str, loan_id: int) -> bool:
        return s.scalar(select(Loan.id).where(Loan.tenant == tenant, Loan.id == loan_id)) is not None
