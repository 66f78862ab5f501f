"""Shared fixtures: real services over the real knowledge, built once per test session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from bank_router.services import Services, build_services
from bank_router.settings import ROOT, Settings

# Content-addressed (ONNX export, classifier keyed by its training data): safe to share across runs.
MODEL_CACHE = ROOT / "data" / "models"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh data directory; it starts from `./data`'s knowledge index when one exists (`make test` ingests
    first), since the index re-embeds only files whose content or embedding model changed."""
    path = tmp_path_factory.mktemp("data")
    ingested = ROOT / "data" / "chroma"
    if ingested.is_dir():
        shutil.copytree(ingested, path / "chroma")
    return path


@pytest.fixture(scope="session")
def settings(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, model_cache=MODEL_CACHE, environment="development")


# The session's knowledge index, once built: servers the suite starts copy it rather than re-embed every file
# (about a minute each on a busy machine). See `tests.integration.conftest.server_env`.
PREBUILT_INDEX: list[Path] = []


@pytest.fixture(scope="session")
def services(settings: Settings) -> Iterator[Services]:
    built = build_services(settings)
    PREBUILT_INDEX[:] = [settings.chroma_path]
    yield built
