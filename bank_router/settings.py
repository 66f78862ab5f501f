"""Service configuration from environment variables (and `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-secret-change-me-0123456789abcdef"  # noqa: S105 - refused outside development by Settings.check


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: str = Field("development", description="development | production")
    data_dir: Path = ROOT / "data"
    knowledge_dir: Path = ROOT / "knowledge"
    policy_dir: Path = ROOT / "policy"
    training_file: Path = ROOT / "evals" / "datasets" / "train.jsonl"
    clinc_file: Path = ROOT / "evals" / "datasets" / "clinc150_out_of_scope_train.jsonl"
    database_url: str | None = None
    chroma_url: str | None = Field(None, description="http://host:port of a Chroma server")
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    auth_jwt_secret: str = DEV_SECRET
    rate_limit_enabled: bool = True
    require_ai_agent: bool = Field(False, description="every chat call needs a staff token with ai_agent (seed 000)")
    max_body_bytes: int = 64 * 1024
    clarify_below: float = Field(0.5, description="classifier confidence under which we ask back")
    log_level: str = "INFO"
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
