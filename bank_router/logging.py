"""Structured JSON logs; personal numbers and secrets are masked before anything is written.

Two paths reach the output: structlog events (masked by a processor) and standard `logging` records,
uvicorn's access log among them, which print a request line with its query string. Those are masked
by a record factory installed at start, so every record of every logger is masked when it is made,
whichever handler or formatter later writes it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import structlog

# NIDs (10, 13 or 17 digits), card and account numbers: keep the last four digits only.
_LONG_NUMBER = re.compile(r"(?<![\d])(\d[\d -]{8,}\d)(?![\d])")
_SAFE_KEYS = ("timestamp", "trace_id", "seconds")
_SECRET_KEYS = ("token", "authorization", "secret", "password", "api_key", "session")
# A query parameter that carries a credential or a session: `?token=`, `&session_id=`, `access_token=`...
_SECRET_PARAM = re.compile(
    r"(?i)([?&;][^=&\s\"'#]*(?:token|session|secret|password|api_key|apikey|auth)[^=&\s\"'#]*=)[^&\s\"'#]*"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]+")
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


def mask_numbers(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(1))
        return m.group(1) if len(digits) < 10 else "*" * (len(digits) - 4) + digits[-4:]

    return _LONG_NUMBER.sub(repl, text)


def mask_secrets(text: str) -> str:
    """Query-string credentials and session ids, bearer tokens and bare JWTs become `[redacted]`."""
    text = _SECRET_PARAM.sub(r"\1[redacted]", text)
    text = _BEARER.sub(r"\1\2[redacted]", text)
    return _JWT.sub("[redacted]", text)


def mask(text: str) -> str:
    return mask_numbers(mask_secrets(text))


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if any(s in key.lower() for s in _SECRET_KEYS):
            event[key] = "[redacted]"
        elif isinstance(value, str) and key not in _SAFE_KEYS:
            event[key] = mask(value)
    return event


def _masked_arg(value: object) -> object:
    # Only strings change: uvicorn's access formatter unpacks the args and needs the status code an int.
    return mask(value) if isinstance(value, str) else value


def install_record_masking() -> None:
    """Mask the message and string arguments of every `logging` record as it is created (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "masks_secrets", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_masked_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _masked_arg(v) for k, v in record.args.items()}
        return record

    factory.masks_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(format="%(message)s", level=level.upper())
    install_record_masking()
    # httpx logs every request URL at INFO, and a core-banking query string may carry a searched phone number.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso"),
            _redact,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
