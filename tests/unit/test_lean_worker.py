"""A serving worker never loads torch, transformers or sentence-transformers (about 200 MB resident together).

Only the one-off ONNX export needs them; the worker runs the cached export on ONNX Runtime.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bank_router.services import Services
from bank_router.settings import ROOT, Settings

HEAVY = ("torch", "transformers", "sentence_transformers")

# What a uvicorn worker does: import the app, run the lifespan's start-up, answer a turn.
WORKER = """
import asyncio, json, sys
import api.main
from api.runtime import open_runtime
from bank_router.settings import get_settings
from bank_router.turn.context import Caller

async def main():
    with open_runtime(get_settings()) as rt:
        vec = rt.services.embedder.encode(["What is the interest rate on a fixed deposit?"])
        answer = await rt.turn("lean", "What is the profit rate on a savings account?", "en", Caller())
        return vec.shape, sorted(answer)

shape, keys = asyncio.run(main())
print(json.dumps({"shape": shape, "answered": bool(keys),
                  "heavy": [m for m in %r if m in sys.modules]}))
"""


def test_worker_imports_no_torch(tmp_path: Path, settings: Settings, services: Services) -> None:
    # The session's services exported the model and trained the classifiers into the shared cache;
    # a copy of their index makes this start-up the one a deployed worker does (nothing to re-embed).
    assert (settings.model_cache_dir / "all-minilm-l6-v2.onnx").exists()
    assert type(services.embedder).__name__ == "OnnxMiniLMEmbedder"
    shutil.copytree(settings.chroma_path, tmp_path / "chroma")
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path),
        "MODEL_CACHE": str(settings.model_cache_dir),
        "ENVIRONMENT": "development",
        "LOG_LEVEL": "WARNING",
        "HF_HUB_OFFLINE": "1",
    }
    for name in ("DATABASE_URL", "CHROMA_URL", "CORE_BANKING_URL", "OPENAI_API_KEY", "REDIS_URL"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", WORKER % (HEAVY,)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["shape"] == [1, 384]
    assert result["answered"]
    assert result["heavy"] == [], f"a serving worker imported {result['heavy']}"
