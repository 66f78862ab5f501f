"""One DATA_DIR indexed once per run, copied by each fault test: a fresh index costs about a minute."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bank_router.services import Services
from tests.integration.conftest import server_env


@pytest.fixture(scope="session")
def seeded_data(services: Services, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Knowledge indexed and the demo platform seeded on SQLite; `services` trained the shared classifiers first."""
    data_dir = tmp_path_factory.mktemp("faults-seed")
    env = server_env(data_dir)
    subprocess.run([sys.executable, "-m", "bank_router.cli", "ingest"], env=env, check=True, capture_output=True)
    return data_dir
