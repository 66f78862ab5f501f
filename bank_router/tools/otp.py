"""One-time codes for actions that move money (seed 002's `requires_2fa`): make, send, keep only an HMAC, check.

The code itself goes to the customer through a `CodeSender` and nowhere else: not into the database
(only HMAC-SHA256 over the challenge id and the code, keyed by a server secret), a tool result, an event
or the application log. In development `OutboxSender` appends it to DATA_DIR/outbox/codes.jsonl (0600),
which is where a tester, or a test, reads it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from bank_router.settings import Settings

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=5)
MAX_ATTEMPTS = 3


class CodeSender(Protocol):
    """Delivers a one-time code to the customer (SMS, app push, e-mail...); must not log the code."""

    def send(self, tenant: str, customer_id: int, challenge_id: str, code: str) -> None: ...


class OutboxSender:
    """Development sender: one JSON line per code in a file only this user can read."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def send(self, tenant: str, customer_id: int, challenge_id: str, code: str) -> None:
        line = {
            "tenant": tenant,
            "customer_id": customer_id,
            "challenge_id": challenge_id,
            "code": code,
            "sent_at": datetime.now(UTC).isoformat(),
        }
        with self._lock:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (json.dumps(line) + "\n").encode())
            finally:
                os.close(fd)


def outbox_path(settings: Settings) -> Path:
    return settings.data_dir / "outbox" / "codes.jsonl"


def make_sender(settings: Settings) -> CodeSender:
    """The sender OTP_SENDER names ("outbox", the development default)."""
    if settings.otp_sender == "outbox":
        return OutboxSender(outbox_path(settings))
    raise ValueError(f"unknown OTP_SENDER {settings.otp_sender!r}")


def derive_key(server_secret: str) -> bytes:
    """The codes' HMAC key, derived from the server secret so it is never the token-signing key itself."""
    return hmac.new(server_secret.encode(), b"bank-router:one-time-codes", hashlib.sha256).digest()


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def new_challenge_id() -> str:
    return secrets.token_urlsafe(18)


def code_hash(secret: bytes, challenge_id: str, code: str) -> str:
    """HMAC-SHA256 of the code, bound to its challenge, so a stored hash is no use for any other challenge."""
    return hmac.new(secret, f"{challenge_id}:{code.strip()}".encode(), hashlib.sha256).hexdigest()


def code_matches(secret: bytes, challenge_id: str, code: str, stored: str) -> bool:
    """Constant-time comparison of HMACs."""
    return hmac.compare_digest(code_hash(secret, challenge_id, code), stored)
