"""Hand-overs to a person: staff with `handover:manage` see their tenant's open requests and take one."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from api.deps import CallerDep
from api.errors import AppError
from api.schemas import ErrorResponse
from bank_router.events.handovers import PERMISSION, HandoverDesk
from bank_router.store.owner import CUSTOMER_ROLE
from bank_router.turn.context import Caller

router = APIRouter(prefix="/api", tags=["handovers"])
_ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorResponse} for c in (401, 403, 404, 409, 422, 503)}


class HandoverOut(BaseModel):
    id: str
    customer: str | None
    session_id: str | None
    reason: str
    context: dict[str, Any]
    status: Literal["open", "taken"]
    taken_by: str | None
    created_at: str
    taken_at: str | None


class HandoverList(BaseModel):
    data: list[HandoverOut]
    total: int


def _staff(caller: Caller) -> str:
    if not caller.is_staff:
        raise AppError(401, "UNAUTHORIZED", "Hand-overs need a staff token: 'Authorization: Bearer <token>'.")
    if PERMISSION not in caller.permissions or caller.role == CUSTOMER_ROLE or not caller.tenant:
        raise AppError(403, "FORBIDDEN", f"The permission '{PERMISSION}' is required to see hand-overs.")
    return caller.tenant


def _desk(request: Request) -> HandoverDesk:
    desk: HandoverDesk | None = getattr(request.app.state, "handovers", None)
    if desk is None:
        raise AppError(503, "SERVICE_UNAVAILABLE", "Hand-overs are not available.")
    return desk


@router.get("/handovers", response_model=HandoverList, responses=_ERRORS)
async def list_handovers(
    caller: CallerDep,
    request: Request,
    status: Annotated[Literal["open", "taken", "all"], Query(description="Only this status, or all")] = "open",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,
) -> HandoverList:
    """The caller's tenant's hand-overs, newest first (open ones unless `status` says otherwise)."""
    tenant = _staff(caller)
    wanted = None if status == "all" else status
    rows, total = await asyncio.to_thread(_desk(request).page, tenant, wanted, limit, offset)
    return HandoverList(data=[HandoverOut(**r.public()) for r in rows], total=total)


@router.post("/handovers/{handover_id}/take", response_model=HandoverOut, responses=_ERRORS)
async def take_handover(handover_id: str, caller: CallerDep, request: Request) -> HandoverOut:
    """Take an open hand-over: it is then the caller's; another tenant's id is 404, a taken one 409."""
    tenant = _staff(caller)
    taken = await asyncio.to_thread(_desk(request).take, tenant, handover_id[:32], caller.sub or "")
    if taken is None:
        raise AppError(404, "NOT_FOUND", "No such hand-over.")
    if taken is False:
        raise AppError(409, "CONFLICT", "Someone else has already taken this hand-over.")
    return HandoverOut(**taken.public())  # type: ignore[union-attr]
