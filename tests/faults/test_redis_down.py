"""Redis dies mid-run: chats keep answering, and the rate limit still holds (a local fallback limiter).

Redis holds only the shared rate-limit counters (bank_router/ratelimit.py), so losing it must cost
neither an answer nor the limit: issue #12 found "admit all" when Redis was down. The Redis here is a
private redis-server on a free port, killed with SIGKILL; the shared one is never touched.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.faults.support import Api, RedisServer, chat, copy_data, eventually, stored_messages
from tests.integration.conftest import server_env

pytestmark = pytest.mark.integration

LIMIT = 30  # chats per minute per caller; every request here comes from one address and one session
QUESTION = "What is Mudaraba?"


@pytest.fixture
def api_on_redis(seeded_data: Path, tmp_path: Path) -> tuple[Api, RedisServer]:
    redis = RedisServer(tmp_path / "redis.log").start()
    env = server_env(copy_data(seeded_data, tmp_path / "data"), REDIS_URL=redis.url, RATE_LIMIT_CHAT=f"{LIMIT}/minute")
    api = Api(env, tmp_path / "api.log")
    try:
        api.start()
    except BaseException:
        redis.stop()
        raise
    return api, redis


def test_chats_answer_and_are_limited_while_redis_is_killed(api_on_redis: tuple[Api, RedisServer]) -> None:
    api, redis = api_on_redis
    session = f"redis-down-{uuid.uuid4().hex[:8]}"
    try:
        before = [chat(api.url, session, f"{QUESTION} ({n})") for n in range(3)]
        assert [r.status_code for r in before] == [200] * 3
        assert redis.keys(), "the limiter never counted in Redis"

        # Killed while turns are in flight; those and the ones after it are answered all the same.
        with ThreadPoolExecutor(3) as pool:
            during = [pool.submit(chat, api.url, session, f"{QUESTION} ({n})") for n in range(3, 6)]
            redis.kill()
            responses = [f.result() for f in during]
        responses += [chat(api.url, session, f"{QUESTION} ({n})") for n in range(6, 9)]
        assert [r.status_code for r in responses] == [200] * 6
        assert all(r.json()["message"] for r in responses)
        messages = stored_messages(api.url, session)
        assert [m["role"] for m in messages] == ["user", "assistant"] * 9
        assert sorted(m["content"] for m in messages[::2]) == sorted(f"{QUESTION} ({n})" for n in range(9))

        # A burst beyond the limit: refused with the contract's 429, never admitted wholesale or failed.
        burst = [chat(api.url, session, f"{QUESTION} (burst {n})") for n in range(LIMIT + 5)]
        codes = [r.status_code for r in burst]
        assert set(codes) <= {200, 429}, codes
        refused = [r for r in burst if r.status_code == 429]
        assert refused, "Redis down: every request was admitted (no local fallback limiter)"
        body = refused[0].json()
        assert body["error_code"] == "RATE_LIMITED" and body["trace_id"]
        assert int(refused[0].headers["Retry-After"]) >= 1
        assert "Traceback" not in api.log()

        # Redis back on the same port: the limiter counts there again (redis-py reconnects by itself).
        redis = RedisServer(redis.log_path, port=redis.port).start()
        eventually(
            lambda: (
                chat(api.url, f"redis-back-{uuid.uuid4().hex[:8]}", QUESTION).status_code in (200, 429)
                and bool(redis.keys())
            ),
            20,
            "the limiter did not go back to Redis",
            every=0.5,
        )
    finally:
        api.stop()
        redis.stop()
