"""The web page in headless Chromium (Debian's, driven by Playwright): a question streams in, then the answer."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags this closed network needs: no background look-ups, no QUIC (see `make browser`).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip

# Records every text the answer bubbles were given, one per mutation record, so texts painted within one
# task (tokens read in one network chunk) are each seen, not only the last.
WATCH = """() => {
  window.__seen = [];
  new MutationObserver(records => {
    for (const r of records) {
      if (!r.target.classList || !r.target.classList.contains('bot')) continue;
      for (const n of r.addedNodes) if (n.nodeType === Node.TEXT_NODE) window.__seen.push(n.textContent);
    }
  }).observe(document.getElementById('log'), {subtree: true, childList: true});
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def answer_of(api_url: str, text: str, language: str = "en") -> dict[str, Any]:
    body = {"session_id": f"page-check-{language}", "user_message": text, "channel": "web", "language": language}
    reply = httpx.post(f"{api_url}/api/chat", json=body, timeout=30)
    assert reply.status_code == 200
    return dict(reply.json())


def ask(page: Any, text: str) -> str:
    """Type `text`, send it, and return the answer bubble's text once its meta line (the `done` event) shows."""
    bots = page.locator("#log .msg.bot")
    before = bots.count()
    page.fill("#q", text)
    page.keyboard.press("Enter")
    bubble = bots.nth(before)
    bubble.locator(".meta").wait_for(timeout=30_000)
    return str(bubble.evaluate("b => b.firstChild.textContent"))


def test_an_answer_streams_in_and_ends_as_the_api_answer(browser: Any, api_url: str) -> None:
    page = browser.new_page()
    page.goto(api_url)
    page.evaluate(WATCH)
    question = "Can a 16-year-old with 5,000 taka open Prime First Account?"
    shown = ask(page, question)
    expected = answer_of(api_url, question)
    assert shown == expected["message"]
    meta = page.locator("#log .msg.bot .meta").last.inner_text()
    assert "eligibility_graph" in meta and "prime_first_account.md" in meta
    # Token by token: the bubble was given growing prefixes of the answer before the whole of it (a
    # deterministic answer's tokens arrive together, but each is painted as it is read).
    seen = [s for s in page.evaluate("window.__seen") if s != "…"]
    partial = [s for s in seen if s != shown]
    assert len(partial) >= 3 and all(shown.startswith(s.rstrip()) for s in partial) and seen[-1] == shown
    assert [len(s) for s in partial] == sorted(len(s) for s in partial)
    page.close()


def test_refusals_and_bangla_show_as_the_api_gives_them(browser: Any, api_url: str) -> None:
    page = browser.new_page()
    page.goto(f"{api_url}/?lang=bn")
    shown = ask(page, "মুদারাবা কী?")
    assert shown == answer_of(api_url, "মুদারাবা কী?", "bn")["message"]
    assert any("\u0980" <= ch <= "\u09ff" for ch in shown)
    refusal = ask(page, "Which gives more profit, Islami DPS or conventional DPS?")
    assert "policy_guard" in page.locator("#log .msg.bot .meta").last.inner_text()
    assert page.locator("#log .msg.bot").last.get_attribute("class") == "msg bot refusal" and refusal
    page.close()


def test_a_rejected_request_shows_the_contract_error(browser: Any, api_url: str) -> None:
    import json

    page = browser.new_page()
    page.goto(api_url)

    def bad_channel(route: Any) -> None:  # the real server answers a request it must refuse
        body = json.loads(route.request.post_data)
        route.continue_(post_data=json.dumps({**body, "channel": "fax"}))

    page.route("**/api/chat/stream", bad_channel)
    page.fill("#q", "What is Mudaraba?")
    page.keyboard.press("Enter")
    bubble = page.locator("#log .msg.bot").last
    bubble.locator(".meta code").wait_for(timeout=30_000)
    assert bubble.locator(".meta code").inner_text() == "VALIDATION_ERROR"
    assert bubble.get_attribute("class") == "msg bot refusal" and "channel" in bubble.inner_text()
    page.close()
