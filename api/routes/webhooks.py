"""Webhook registrations (seed 002): staff with `webhooks:manage` register a URL for their tenant's events.

A target must be an http(s) URL whose host resolves to public addresses only (events/targets.py; checked
again at each delivery). A registration keeps the registering token's permissions, and receives only
the events those permissions may read (events/visibility.py).
"""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import CallerDep, runtime_of
from api.errors import AppError
from api.schemas import ErrorResponse
from bank_router.events import WebhookRegistry
from bank_router.events.targets import TargetGuard, UnsafeTarget, parse
from bank_router.store.owner import CUSTOMER_ROLE
from bank_router.turn.context import Caller

router = APIRouter(prefix="/api", tags=["webhooks"])
PERMISSION = "webhooks:manage"

EventName = Literal["conversation.started", "decision.made", "tool.executed", "human.intervention.requested"]


class WebhookCreate(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://your-app.example/webhooks/ai",
                    "events": ["conversation.started", "decision.made"],
                    "secret": "webhook-secret-key",
                }
            ]
        },
    )

    url: str = Field(
        max_length=2048,
        description="http(s) URL that receives the signed POSTs; its host must resolve to public addresses",
        json_schema_extra={"format": "uri", "pattern": "^\\s*[Hh][Tt][Tt][Pp][Ss]?://[^/]"},
    )
    events: list[EventName] = Field(min_length=1)
    secret: str = Field(min_length=8, max_length=256, description="HMAC-SHA256 key; never returned")

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        v = v.strip()
        scheme, sep, rest = v.partition("://")
        if not sep or scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
            raise ValueError("must be an http:// or https:// URL")
        try:
            parse(v)
        except UnsafeTarget as exc:
            raise ValueError(str(exc)) from None
        return v


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    active: bool
    created_at: str
    permissions: list[str] = Field(description="the registering token's: only events they may read are sent")


class WebhookList(BaseModel):
    data: list[WebhookOut]


_ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorResponse} for c in (401, 403, 404, 422, 503)}


def _staff(caller: Caller) -> str:
    """The caller's tenant; webhooks are a staff feature with a permission of their own."""
    if not caller.is_staff:
        raise AppError(401, "UNAUTHORIZED", "Webhooks need a staff token: 'Authorization: Bearer <token>'.")
    if PERMISSION not in caller.permissions or caller.role == CUSTOMER_ROLE:
        raise AppError(403, "FORBIDDEN", f"The permission '{PERMISSION}' is required to manage webhooks.")
    return caller.tenant or ""


async def _checked(request: Request, url: str) -> None:
    """422 on `url` unless its host resolves, now, to addresses a delivery may reach."""
    guard: TargetGuard | None = getattr(request.app.state, "webhook_guard", None)
    if guard is None:
        guard = TargetGuard(allow_private=runtime_of(request).settings.webhook_allow_private)
    try:
        await guard.check(url)
    except UnsafeTarget as exc:
        field = {"field": "url", "message": str(exc)}
        raise AppError(422, "VALIDATION_ERROR", f"Invalid field 'url': {exc}", {"fields": [field]}) from None


def _registry(request: Request) -> WebhookRegistry:
    registry: WebhookRegistry | None = getattr(request.app.state, "webhooks", None)
    if registry is None:
        raise AppError(503, "SERVICE_UNAVAILABLE", "Webhooks are not available.")
    return registry


@router.post("/webhooks", status_code=201, response_model=WebhookOut, responses=_ERRORS)
async def register_webhook(body: WebhookCreate, caller: CallerDep, request: Request) -> WebhookOut:
    """Deliver these events of the caller's tenant to `url`, signed `X-Webhook-Signature: sha256=<hmac>`."""
    tenant = _staff(caller)
    registry = _registry(request)
    await _checked(request, body.url)
    hook = await asyncio.to_thread(
        registry.create, tenant, caller.sub or "", body.url, list(body.events), body.secret, caller.permissions
    )
    return WebhookOut(**hook.public())


@router.get("/webhooks", response_model=WebhookList, responses=_ERRORS)
async def list_webhooks(caller: CallerDep, request: Request) -> WebhookList:
    """The caller's tenant's registrations, secrets left out."""
    hooks = await asyncio.to_thread(_registry(request).for_tenant, _staff(caller))
    return WebhookList(data=[WebhookOut(**h.public()) for h in hooks])


@router.delete("/webhooks/{webhook_id}", status_code=204, responses=_ERRORS)
async def delete_webhook(webhook_id: str, caller: CallerDep, request: Request) -> Response:
    """Stop deliveries to one registration; another tenant's id is 404, like an unknown one."""
    if not await asyncio.to_thread(_registry(request).delete, _staff(caller), webhook_id[:64]):
        raise AppError(404, "NOT_FOUND", "No such webhook.")
    return Response(status_code=204)
