"""The API with a model configured: a local OpenAI-compatible server on loopback, scripted per test."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from evals.fake_openai import FakeOpenAIServer, Latency
from tests.integration.conftest import free_port, serve, server_env

pytestmark = pytest.mark.integration

TIMEOUT = 2.0  # OPENAI_TIMEOUT for the API under test
# Long enough that a slow machine still sees the breaker open after a faulty script's turns.
COOLDOWN = 4.0
INVENTED = ("11.75", "2,500", "2031")
TURNS = [
    ("Can a 16-year-old with 5,000 taka open Prime First Account?", "en"),
    ("What's the difference between Prime First Account and Prime Youth Account?", "en"),
    ("What is Mudaraba?", "en"),
    ("How do I open a savings account?", "en"),
    ("প্রাইম ফার্স্ট অ্যাকাউন্টের সুদের হার কত?", "bn"),
    ("prme frsst acct for a teen, good idea?", "en"),  # unsure: the model is asked to route it
]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer("grounded", Latency(per_call=0.01, per_token=0.0005)) as server:
        yield server


@pytest.fixture(scope="module")
def api(fake: FakeOpenAIServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port, data_dir = free_port(), tmp_path_factory.mktemp("llm-api")
    env = server_env(
        data_dir,
        OPENAI_API_KEY="sk-fake-integration",
        OPENAI_BASE_URL=fake.base_url,
        OPENAI_TIMEOUT=str(TIMEOUT),
        LLM_PHRASING="all",
        LLM_BREAKER_COOLDOWN=str(COOLDOWN),
        RATE_LIMIT_ENABLED="false",
    )
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    url = f"http://127.0.0.1:{port}"
    with serve(cmd, f"{url}/healthz", env, data_dir / "server.log"):
        yield url


def chat(api: str, text: str, language: str = "en", session: str = "s") -> tuple[httpx.Response, float]:
    body = {
        "session_id": f"{session}-{time.monotonic_ns()}",
        "user_message": text,
        "channel": "web",
        "language": language,
    }
    t0 = time.monotonic()
    resp = httpx.post(f"{api}/api/chat", json=body, timeout=30)
    return resp, time.monotonic() - t0


def use(fake: FakeOpenAIServer, api: str, script: str) -> None:
    # An open breaker (left by a faulty script) half-opens after COOLDOWN; the next turn probes the new script.
    deadline = time.monotonic() + COOLDOWN + 5
    while httpx.get(f"{api}/healthz").json()["llm"]["breaker"] == "open":
        assert time.monotonic() < deadline, "the breaker never half-opened"
        time.sleep(0.1)
    fake.set_script(script)
    resp, _ = chat(api, TURNS[0][0])  # the probe
    assert resp.status_code == 200
    fake.requests.clear()


def test_healthz_reports_llm_mode(api: str) -> None:
    body = httpx.get(f"{api}/healthz").json()
    assert body["mode"] == "llm" and body["llm"]["model"] == "gpt-4o-mini"


def test_grounded_model_streams_usage_into_the_response(fake: FakeOpenAIServer, api: str) -> None:
    use(fake, api, "grounded")
    resp, _ = chat(api, TURNS[0][0])
    body = resp.json()
    assert body["mode"] == "llm" and body["agent"] == "eligibility_graph"
    assert body["usage"]["input_tokens"] > 0 and body["usage"]["output_tokens"] > 0
    assert body["usage"]["provider"] == "openai" and body["usage"]["estimated_cost"] > 0
    phrase = fake.requests[-1]
    assert phrase["stream"] is True and phrase["stream_options"] == {"include_usage": True}
    assert "sk-fake-integration" not in resp.text


@pytest.mark.parametrize("script", ["invent", "nonsense"])
def test_no_invented_figure_reaches_a_response(fake: FakeOpenAIServer, api: str, script: str) -> None:
    use(fake, api, script)
    for text, language in TURNS:
        resp, _ = chat(api, text, language)
        assert resp.status_code == 200
        body = resp.json()
        for figure in (*INVENTED, "31337", "424242", "200"):
            assert figure not in body["message"], (text, body["message"])
    assert fake.requests  # the model was asked, and overruled


def test_refusal_makes_no_model_call(fake: FakeOpenAIServer, api: str) -> None:
    use(fake, api, "grounded")
    resp, _ = chat(api, "Which gives more profit, Islami DPS or conventional DPS?")
    body = resp.json()
    assert body["refusal"] is True and body["mode"] == "deterministic" and body.get("usage") is None
    assert fake.requests == []


@pytest.mark.parametrize("script", ["down", "timeout", "malformed", "unknown_tool", "rate_limited"])
def test_model_faults_still_answer_in_time(fake: FakeOpenAIServer, api: str, script: str) -> None:
    use(fake, api, script)
    answers: list[dict[str, Any]] = []
    for text, language in TURNS:
        resp, seconds = chat(api, text, language)
        assert resp.status_code == 200 and seconds <= TIMEOUT + 1.0, (script, text, seconds)
        answers.append(resp.json())
    assert all(a["message"] for a in answers)
    if script in ("down", "timeout"):
        assert httpx.get(f"{api}/healthz").json()["llm"]["breaker"] == "open"
        sent = len(fake.requests)
        chat(api, TURNS[0][0])
        assert len(fake.requests) == sent  # open: the model is skipped
