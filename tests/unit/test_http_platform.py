"""HttpPlatform offline: how requests are encoded, when it is chosen, and an unreachable API as the contract's 503."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import httpx
import pytest

from api.deps import mint_token
from api.main import create_app
from bank_router.services import Services, build_platform
from bank_router.settings import Settings
from bank_router.tools import ToolUnavailable, execute
from bank_router.tools.adapter import Filters, PageRequest
from bank_router.tools.http_platform import ROUTES, HttpPlatform, query_of
from bank_router.turn.context import Caller
from tests.integration.conftest import free_port


@dataclass
class _Runtime:
    settings: Settings
    services: Services


def test_query_carries_set_filters_and_the_page() -> None:
    f = Filters(status="failed", customer_id=123, date_from=date(2026, 1, 2), suspicious_only=True)
    assert query_of(f, PageRequest(page_number=2, page_size=50)) == {
        "status": "failed",
        "customer_id": "123",
        "date_from": "2026-01-02",
        "suspicious_only": "true",
        "page_number": "2",
        "page_size": "50",
    }
    assert query_of(Filters(), as_of=date(2026, 11, 1)) == {"as_of": "2026-11-01"}


def test_every_adapter_method_has_one_route() -> None:
    methods = {m for m in dir(HttpPlatform) if not m.startswith("_") and m != "close"}
    assert methods == set(ROUTES)
    assert all(r.split(" ")[0] in ("GET", "POST") and r.split(" ")[1].startswith("/") for r in ROUTES.values())


def test_core_banking_url_selects_the_http_platform(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, core_banking_url="http://127.0.0.1:9/api/", core_banking_api_key="k")
    platform = build_platform(settings)
    assert isinstance(platform, HttpPlatform)
    assert not (tmp_path / "platform.sqlite").exists()  # no demo database is created for it
    platform.close()


def test_unreachable_api_is_a_503_with_the_contract_shape(settings: Settings, services: Services) -> None:
    down = HttpPlatform(f"http://127.0.0.1:{free_port()}", "secret-key-xyz", timeout=1.0)
    app = create_app(settings)
    app.state.runtime = _Runtime(settings, replace(services, tools=replace(services.tools, platform=down)))
    token = mint_token(settings.auth_jwt_secret, "staff-1", "demo", ["ai_agent", "customer:read"])

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.post(
                "/api/tools/get_customer_kyc/execute",
                json={"parameters": {"identity_id": 123}},
                headers={"Authorization": f"Bearer {token}"},
            )

    r = asyncio.run(go())
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["error_code"] == "SERVICE_UNAVAILABLE" and "get_customer_kyc" in body["message"]
    assert "127.0.0.1" not in r.text and "secret-key-xyz" not in r.text
    with pytest.raises(ToolUnavailable):
        execute(
            "get_customer_kyc",
            {"identity_id": 123},
            Caller(sub="s", tenant="demo", permissions=frozenset({"ai_agent", "customer:read"})),
            replace(services.tools, platform=down),
        )
    down.close()
