"""Webhook registrations (seed 002): staff register a URL for their tenant's events, list and remove them."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import CallerDep
from api.errors import AppError
from api.schemas import ErrorResponse
from bank_router.events import WebhookRegistry
from bank_router.turn.context import Caller

router = APIRouter(prefix="/api", tags=["webhooks"])

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

    url: str = Field(max_length=2048, description="http(s) URL that receives the signed POSTs")
    events: list[EventName] = Field(min_length=1)
    secret: str = Field(min_length=8, max_length=256, description="HMAC-SHA256 key; never returned")

    @field_validator("url")
    @classmethod
    def _http_url(cls, v: str) -> str:
        v = v.strip()
        scheme, sep, rest = v.partition("://")
        if not sep or scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
            raise ValueError("must be an http:// or https:// URL")
        return v


class WebhookOut(BaseModel):
    id: str
    url: str
    events: list[str]
    active: bool
    created_at: str


class WebhookList(BaseModel):
    data: list[WebhookOut]


_ERRORS: dict[int | str, dict[str, Any]] = {c: {"model": ErrorResponse} for c in (401, 403, 404, 422)}


def _staff(caller: Caller) -> str:
    """The caller's tenant; webhooks are a staff feature."""
    if not caller.is_staff:
        raise AppError(401, "UNAUTHORIZED", "Webhooks need a staff token: 'Authorization: Bearer <token>'.")
    if "ai_agent" not in caller.permissions:
        raise AppError(403, "FORBIDDEN", "The permission 'ai_agent' is required to manage webhooks.")
    return caller.tenant or ""


def _registry(request: Request) -> WebhookRegistry:
    registry: WebhookRegistry | None = getattr(request.app.state, "webhooks", None)
    if registry is None:
        raise AppError(503, "SERVICE_UNAVAILABLE", "Webhooks are not available.")
    return registry


@router.post("/webhooks", status_code=201, response_model=WebhookOut, responses=_ERRORS)
async def register_webhook(body: WebhookCreate, caller: CallerDep, request: Request) -> WebhookOut:
    """Deliver these events of the caller's tenant to `url`, signed `X-Webhook-Signature: sha256=<hmac>`."""
    tenant = _staff(caller)
    hook = await asyncio.to_thread(
        _registry(request).create, tenant, caller.sub or "", body.url, list(body.events), body.secret
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
