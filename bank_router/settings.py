"""Service configuration from environment variables (and `.env`)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-secret-change-me-0123456789abcdef"  # noqa: S105 - refused outside development by Settings.check


def _networks(value: str | list[str] | None) -> list[str]:
    """'10.0.0.0/8, 192.0.2.7' -> normalised networks; a typo fails at start rather than trusting nobody silently."""
    items = value.split(",") if isinstance(value, str) else value or []
    return [str(ipaddress.ip_network(str(i).strip(), strict=False)) for i in items if str(i).strip()]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = Field("development", description="development | production")
    data_dir: Path = ROOT / "data"
    knowledge_dir: Path = ROOT / "knowledge"
    policy_dir: Path = ROOT / "policy"
    training_file: Path = ROOT / "evals" / "datasets" / "train.jsonl"
    # Public everyday-banking train folds (evals/make_splits.py) and our Bangla and Banglish phrasings.
    public_dir: Path = ROOT / "evals" / "datasets" / "public"
    phrasings_dir: Path = ROOT / "evals" / "datasets" / "support_phrasings"
    database_url: str | None = None
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server")
    # Set: the staff tools read an existing core-banking REST API (bank_router/tools/http_platform.py).
    core_banking_url: str | None = Field(None, description="base URL; empty = the SQL demo platform")
    core_banking_api_key: SecretStr | None = Field(None, description="sent as 'Authorization: Bearer <key>'")
    core_banking_timeout: float = Field(5.0, gt=0, description="seconds per core-banking request")
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout: float = Field(15.0, gt=0, description="seconds a turn may spend on model calls in all")
    openai_max_retries: int = Field(2, ge=0, le=5, description="retries on 429 and 5xx, with backoff")
    openai_temperature: float | None = 0.0
    # Seed 002's `model` field of POST /api/ai/chat: the names a request may ask for (comma-separated).
    ai_allowed_models: str = Field(
        "gpt-4,gpt-4o,gpt-4o-mini,gpt-3.5-turbo,claude-3", description="models POST /api/ai/chat accepts"
    )
    llm_provider: str = Field("openai", description="reported in each response's usage")
    llm_breaker_failures: int = Field(3, ge=1, description="consecutive failures that open the circuit")
    llm_breaker_cooldown: float = Field(30.0, gt=0, description="seconds the model is skipped once open")
    llm_phrasing: Literal["auto", "all", "off"] = Field(
        "auto", description="auto: the model phrases turns it already took part in; all: every answer"
    )
    llm_prices_file: Path | None = Field(None, description="YAML price table, USD per 1M tokens, per model")
    auth_jwt_secret: str = DEV_SECRET
    auth_max_token_lifetime: int = Field(
        7 * 24 * 3600, gt=0, description="seconds; a token whose exp (or exp - iat) is further away is refused"
    )
    rate_limit_enabled: bool = True
    # Seed 002's table; "<count>/<second|minute|hour|day>", per caller (signed in: tenant+sub; anonymous: the
    # client IP, RATE_LIMIT_IP_FACTOR times the limit, and each session within it).
    rate_limit_chat: str = "60/minute"
    rate_limit_tools: str = "100/hour"
    rate_limit_conversations: str = "120/minute"
    # Seed 002: POST /api/ai/mcp/tools/register, per caller.
    rate_limit_tool_registration: str = "10/hour"
    # Every HTTP path, WebSocket connect and WebSocket message, per caller, on top of the limits above.
    rate_limit_requests: str = "600/minute"
    rate_limit_ip_factor: int = Field(
        2, ge=1, le=1000, description="anonymous callers of one client IP share this many times one session's limit"
    )
    trusted_proxies: Annotated[list[str], NoDecode, BeforeValidator(_networks)] = Field(
        default_factory=list, description="comma-separated IPs/CIDRs whose X-Forwarded-For is believed"
    )
    redis_url: str | None = Field(None, description="redis://host:port/db; rate-limit counters shared by workers")
    webhook_max_attempts: int = Field(5, ge=1, le=20, description="deliveries tried per event and registration")
    webhook_backoff_seconds: float = Field(1.0, ge=0, description="first retry delay; doubles on each retry")
    webhook_timeout_seconds: float = Field(5.0, gt=0)
    webhook_allow_private: bool = Field(
        False, description="development only: webhooks may target loopback and private addresses"
    )
    # Registered custom tools (seed 002): where they may call, and how long and how much they may answer.
    tool_endpoint_allowlist: str = Field(
        "", description="comma-separated host or host:port a custom tool may call even if private (loopback too)"
    )
    tool_endpoint_timeout_seconds: float = Field(5.0, gt=0, le=60, description="seconds per custom tool call")
    tool_endpoint_max_response_bytes: int = Field(
        256 * 1024, ge=1024, le=16 * 1024 * 1024, description="a custom tool's answer larger than this fails"
    )
    session_lock_timeout: float = Field(
        120.0, gt=0, description="seconds a turn waits for its session's previous turn, then 409 SESSION_BUSY"
    )
    idempotency_ttl_hours: float = Field(
        24.0, gt=0, le=24 * 30, description="hours a chat's or tool's Idempotency-Key is replayed, then purged"
    )
    store_write_retry_seconds: float = Field(
        5.0, ge=0, le=60, description="seconds an answered turn's store write is retried through an outage, then 503"
    )
    turn_threads: int = Field(
        0,
        ge=0,
        le=256,
        description="threads that run turns per worker; 0: one per CPU offline, 32 when a model is configured",
    )
    otp_sender: Literal["outbox"] = Field(
        "outbox", description="where one-time codes go; outbox: DATA_DIR/outbox/codes.jsonl (development)"
    )
    transfer_review_above: float = Field(
        500_000, gt=0, description="a customer's transfer over this many taka goes to a person, not a one-time code"
    )
    require_ai_agent: bool = Field(False, description="every chat call needs a staff token with ai_agent (seed 000)")
    max_body_bytes: int = 64 * 1024
    clarify_below: float = Field(0.5, description="classifier confidence under which we ask back")
    log_level: str = "INFO"
    embedding_model: str = Field(
        "sentence-transformers/all-MiniLM-L6-v2", description="sentence embedding model (bundled offline)"
    )
    embed_threads: int = Field(1, ge=1, le=16, description="ONNX Runtime threads per embedding query")
    model_cache: Path | None = Field(None, description="where the ONNX export and trained classifier live")

    @property
    def checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache or self.data_dir / "models"

    def check(self) -> None:
        """Refuse the development secret outside development."""
        if self.environment != "development" and self.auth_jwt_secret == DEV_SECRET:
            raise ValueError("AUTH_JWT_SECRET must be set outside development")


@lru_cache
def get_settings() -> Settings:
    return Settings()
