"""A Python client of bank-router's contract paths (`/api/chat`, `/api/chat/stream`, conversations, feedback,
tools): `Client` (sync) and `AsyncClient`, typed responses, one exception class per error kind, and retries of
chat and tool execution on 503/429/connection errors with the same Idempotency-Key, honouring Retry-After.

    from bank_router.client import Client

    with Client("http://127.0.0.1:8000", token=staff_jwt) as client:
        answer = client.chat("What is the KYC status for customer 123?", session_id="s1")
        for event in client.stream("And is customer 456 blacklisted?", session_id="s1"):
            print(event.text, end="")
"""

from bank_router.client._base import Retry
from bank_router.client.aio import AsyncClient
from bank_router.client.errors import (
    ApiError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    ServerError,
    ServiceUnavailable,
    Unauthorized,
    ValidationFailed,
)
from bank_router.client.models import (
    ChatResponse,
    ConversationDetail,
    ConversationPage,
    ConversationSummary,
    FeedbackResult,
    StreamEvent,
    ToolInfo,
    ToolResult,
    Usage,
)
from bank_router.client.sync import Client

__all__ = [
    "ApiError",
    "AsyncClient",
    "BadRequest",
    "ChatResponse",
    "Client",
    "Conflict",
    "ConversationDetail",
    "ConversationPage",
    "ConversationSummary",
    "FeedbackResult",
    "Forbidden",
    "NotFound",
    "PayloadTooLarge",
    "RateLimited",
    "Retry",
    "ServerError",
    "ServiceUnavailable",
    "StreamEvent",
    "ToolInfo",
    "ToolResult",
    "Unauthorized",
    "Usage",
    "ValidationFailed",
]
