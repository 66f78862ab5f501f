"""Small pieces shared by the tool declarations."""

from __future__ import annotations

from datetime import date
from typing import TypeVar

from pydantic import Field, ValidationInfo, field_validator

from bank_router.tools.adapter import PageRequest
from bank_router.tools.spec import Args, PageArgs, RecordNotFound

V = TypeVar("V")


def page_of(args: PageArgs) -> PageRequest:
    return PageRequest(page_number=args.page_number, page_size=args.page_size)


def found(value: V | None, kind: str, key: object) -> V:
    """The record, or RecordNotFound when the caller's tenant has none."""
    if value is None:
        raise RecordNotFound(kind, key)
    return value


class DateRangeArgs(PageArgs):
    date_from: date | None = Field(None, description="Earliest date to include (YYYY-MM-DD).")
    date_to: date | None = Field(None, description="Latest date to include (YYYY-MM-DD).")

    @field_validator("date_to")
    @classmethod
    def _not_before_start(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("date_from")
        if value is not None and start is not None and value < start:
            raise ValueError("date_to must not be before date_from")
        return value


__all__ = ["Args", "DateRangeArgs", "PageArgs", "found", "page_of"]
