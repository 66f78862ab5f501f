"""Signed webhooks for the domain events (seed 002): registrations and their delivery."""

from bank_router.events.delivery import SIGNATURE_HEADER, RetryPolicy, WebhookDispatcher, payload, sign, verify
from bank_router.events.registry import Registration, Webhook, WebhookBase, WebhookRegistry

__all__ = [
    "SIGNATURE_HEADER",
    "Registration",
    "RetryPolicy",
    "Webhook",
    "WebhookBase",
    "WebhookDispatcher",
    "WebhookRegistry",
    "payload",
    "sign",
    "verify",
]
