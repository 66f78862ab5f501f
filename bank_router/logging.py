"""Structured JSON logs; personal numbers are masked before anything is written."""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import structlog

# NIDs (10, 13 or 17 digits), card and account numbers: keep the last four digits only.
_LONG_NUMBER = re.compile(r"(?<![\d])(\d[\d -]{8,}\d)(?![\d])")
_SAFE_KEYS = ("timestamp", "trace_id", "seconds")
_SECRET_KEYS = ("token", "authorization", "secret", "password", "api_key")


def mask_numbers(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group(1))
        return m.group(1) if len(digits) < 10 else "*" * (len(digits) - 4) + digits[-4:]

    return _LONG_NUMBER.sub(repl, text)


def _redact(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if any(s in key.lower() for s in _SECRET_KEYS):
            event[key] = "[redacted]"
        elif isinstance(value, str) and key not in _SAFE_KEYS:
            event[key] = mask_numbers(value)
    return event


def configure_logging(level: str = "INFO") -> None:
    logging.basicConfig(format="%(message)s", level=level.upper())
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
