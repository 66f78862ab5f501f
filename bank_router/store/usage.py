"""Usage totals (seed 001): turns, tokens, cost and latency, grouped by provider, model, agent and day."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bank_router.store.models import UsageLog

_GROUPS: dict[str, tuple[InstrumentedAttribute[Any], ...]] = {
    "by_provider": (UsageLog.provider,),
    "by_model": (UsageLog.provider, UsageLog.model),
    "by_agent": (UsageLog.agent,),
    "by_day": (UsageLog.day,),
}


def _figures(requests: Any, tokens_in: Any, tokens_out: Any, cost: Any, latency: Any) -> dict[str, Any]:
    return {
        "requests": int(requests or 0),
        "input_tokens": int(tokens_in or 0),
        "output_tokens": int(tokens_out or 0),
        "estimated_cost": round(float(cost or 0.0), 6),
        "avg_latency_ms": round(float(latency or 0.0), 1),
    }


def usage_totals(s: Session, scope: list[ColumnElement[bool]], since: date, until: date) -> dict[str, Any]:
    """Totals over [since, until] (UTC days) of the usage rows `scope` selects."""
    where = [*scope, UsageLog.day >= since, UsageLog.day <= until]
    measures = (
        func.count(),
        func.sum(UsageLog.input_tokens),
        func.sum(UsageLog.output_tokens),
        func.sum(UsageLog.cost),
        func.avg(UsageLog.latency_ms),
    )
    total = s.execute(select(*measures).where(*where)).one()
    out: dict[str, Any] = {"from": since.isoformat(), "to": until.isoformat(), "total": _figures(*total)}
    for name, columns in _GROUPS.items():
        rows = s.execute(select(*columns, *measures).where(*where).group_by(*columns).order_by(*columns)).all()
        out[name] = [
            {
                **{c.key: _plain(v) for c, v in zip(columns, row[: len(columns)], strict=True)},
                **_figures(*row[len(columns) :]),
            }
            for row in rows
        ]
    return out


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
