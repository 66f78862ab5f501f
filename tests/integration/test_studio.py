"""`langgraph dev` serves the router graph offline; one turn runs through its API."""

from __future__ import annotations

import sys
from pathlib import Path

import httpx
import pytest

from tests.integration.conftest import free_port, serve, server_env

pytestmark = pytest.mark.integration


def test_langgraph_dev_runs_a_turn(tmp_path: Path) -> None:
    port = free_port()
    cli = Path(sys.executable).parent / "langgraph"
    cmd = [
        str(cli),
        "dev",
        "--no-browser",
        "--no-reload",
        "--allow-blocking",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    url = f"http://127.0.0.1:{port}"
    with serve(cmd, f"{url}/ok", server_env(tmp_path), tmp_path / "studio.log"):
        assistants = httpx.post(f"{url}/assistants/search", json={"graph_id": "router"}, timeout=30).json()
        assert assistants and assistants[0]["graph_id"] == "router"
        assistant = assistants[0]["assistant_id"]
        schemas = httpx.get(f"{url}/assistants/{assistant}/schemas", timeout=30).json()
        # Studio draws its input form from these: the messages and the answer language.
        assert {"messages", "language"} <= set(schemas["input_schema"]["properties"])
        assert "caller" in schemas["context_schema"]["properties"]
        run = httpx.post(
            f"{url}/runs/wait",
            timeout=120,
            json={
                "assistant_id": "router",
                "input": {
                    "messages": [{"role": "user", "content": "Can a 16-year-old open Prime First Account?"}],
                    "language": "en",
                },
            },
        )
        assert run.status_code == 200, run.text
        assert "answer" in run.json(), run.text[:2000]
        answer = run.json()["answer"]
        assert answer["agent"] == "eligibility_graph" and answer["message"].startswith("Yes")
        # What a person types into Studio's form: messages alone, no language.
        typed = httpx.post(
            f"{url}/runs/wait",
            timeout=120,
            json={"assistant_id": "router", "input": {"messages": [{"role": "user", "content": "my card was stolen"}]}},
        )
        assert typed.status_code == 200, typed.text
        answer = typed.json()["answer"]
        assert answer["agent"] == "support_graph" and "16247" in answer["message"]
