"""The web page in headless Chromium (Debian's, driven by Playwright), at desktop and phone sizes, in English
and Bangla: answers stream in and render as safe markdown, sources are titled chips that open the knowledge
file as a page, the app's own Bengali font loads, nothing scrolls sideways, feedback reaches the store, the
conversation list and staff sign-in work, and axe-core finds no serious accessibility violation.

Screenshots land in each test's tmp_path (pytest's output folder for that test)."""

from __future__ import annotations

import http.client
import json
import shutil
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from api.deps import mint_token
from api.routes.pages import knowledge_file, safe_html
from bank_router.settings import ROOT
from tests.integration.conftest import free_port, serve, server_env

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Flags this closed network needs: no background look-ups, no QUIC (see `make browser`).
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SECRET = "integration-secret-0123456789abcdef0123"  # server_env's AUTH_JWT_SECRET
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
COMPARE = {
    "en": "Compare Prime Visa Gold and Prime Visa Platinum credit cards",
    "bn": "প্রাইম ভিসা গোল্ড আর প্রাইম ভিসা প্লাটিনাম ক্রেডিট কার্ডের তুলনা করুন",
}
REFUSE = {
    "en": "Which gives more profit, Islami DPS or conventional DPS?",
    "bn": "ইসলামী ডিপিএস না প্রচলিত ডিপিএস, কোনটায় বেশি মুনাফা?",
}
URGENT = {"en": "I lost my card", "bn": "আমার কার্ড হারিয়ে গেছে"}
VAGUE = {"en": "I want something safe", "bn": "আমি নিরাপদ কিছু চাই"}
GOLD = "knowledge/products/conventional/credit_card/cards/prime_visa_gold_credit_card.md"

# Records what each render gave an answer body, one entry per mutation record (a render replaces the body's
# children), so renders within one task (tokens read in one network chunk) are each seen, not only the last.
WATCH = """() => {
  window.__seen = [];
  new MutationObserver(records => {
    for (const r of records) {
      if (!r.target.classList || !r.target.classList.contains('md') || !r.addedNodes.length) continue;
      window.__seen.push([...r.addedNodes].map(n => n.textContent).join(''));
    }
  }).observe(document.getElementById('log'), {subtree: true, childList: true});
}"""
FONT_LOADED = """() => [...document.fonts].some(f => f.family.replace(/"/g, '') === 'Noto Sans Bengali'
  && f.status === 'loaded')"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app on loopback with its own data folder, so the test can read its store back."""
    port = free_port()
    data_dir = tmp_path_factory.mktemp("page-data")
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)]
    with serve(cmd, f"{url}/healthz", server_env(data_dir), data_dir / "server.log"):
        yield url, data_dir


@pytest.fixture(scope="module")
def url(server: tuple[str, Path]) -> str:
    return server[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=VIEWPORTS["desktop"])
    pg = context.new_page()
    yield pg
    context.close()


def watch_failures(pg: Any) -> list[str]:
    """Every request of the page that failed or was answered 4xx/5xx (a missing favicon, font, script…)."""
    failed: list[str] = []
    # A finished answer stream that is still closing when the page navigates away is aborted, harmlessly.
    pg.on("requestfailed", lambda r: None if r.url.endswith("/api/chat/stream") else failed.append(f"failed {r.url}"))
    pg.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return failed


def answer_of(url: str, text: str, language: str = "en") -> dict[str, Any]:
    body = {"session_id": f"page-check-{language}", "user_message": text, "channel": "web", "language": language}
    reply = httpx.post(f"{url}/api/chat", json=body, timeout=30)
    assert reply.status_code == 200
    return dict(reply.json())


def ask(pg: Any, text: str) -> Any:
    """Type `text`, send it with Enter, and return the answer bubble once it is finished (its meta line shows)."""
    bots = pg.locator("#log .msg.bot")
    before = bots.count()
    pg.fill("#q", text)
    pg.keyboard.press("Enter")
    bubble = bots.nth(before)
    bubble.locator(".meta").wait_for(timeout=30_000)
    return bubble


def axe_violations(pg: Any) -> list[dict[str, Any]]:
    from axe_playwright_python.base import AXE_FILE_PATH

    pg.add_script_tag(path=str(AXE_FILE_PATH))
    result = pg.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def no_sideways_scroll(pg: Any) -> None:
    widths = pg.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], widths


def stored_feedback(data_dir: Path, message_id: str) -> tuple[int, str | None] | None:
    with sqlite3.connect(f"file:{data_dir / 'platform.sqlite'}?mode=ro", uri=True) as db:
        row = db.execute("SELECT rating, comment FROM feedback WHERE message_id = ?", (message_id,)).fetchone()
    return None if row is None else (int(row[0]), row[1])


# ---- the server side: assets, knowledge pages, labels ---------------------------------------------------------


def raw_status(url: str, path: str) -> int:
    """GET `path` exactly as written (no client-side dot-segment clean-up), for path-traversal checks."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def test_assets_knowledge_pages_and_labels_are_served(url: str) -> None:
    for path, kind in [
        ("/favicon.ico", "image/svg+xml"),
        ("/static/favicon.svg", "image/svg+xml"),
        ("/static/app.css", "text/css"),
        ("/static/app.js", "javascript"),
        ("/static/fonts/noto-sans-bengali-bengali-400-normal.woff2", "font/woff2"),
        ("/static/fonts/OFL.txt", "text/plain"),
    ]:
        reply = httpx.get(url + path)
        assert reply.status_code == 200 and kind in reply.headers["content-type"], path
    page = httpx.get(f"{url}/{GOLD}")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<title>Prime Visa Gold Credit Card" in page.text and "<script" not in page.text
    bn = httpx.get(f"{url}/knowledge/products/conventional/save/deposit_accounts/prime_first_account.md?lang=bn")
    assert '<html lang="bn">' in bn.text and "প্রাইম ফার্স্ট অ্যাকাউন্ট" in bn.text
    # Only .md files under knowledge/: no traversal (plain or encoded), no absolute paths, no other files.
    for path in [
        "/knowledge/../README.md",
        "/knowledge/products/../../README.md",
        "/knowledge/%2e%2e/README.md",
        "/knowledge/..%2FREADME.md",
        "/knowledge//etc/passwd",
        "/knowledge//etc/hostname.md",
        "/knowledge/%2Fetc%2Fpasswd",
        f"/knowledge/{ROOT}/README.md",
        "/knowledge/lexicon.yaml",
        "/knowledge/products/nope.md",
        "/knowledge/.hidden.md",
        "/static/../main.py",
        "/static/%2e%2e/main.py",
    ]:
        assert raw_status(url, path) == 404, path
    labels = httpx.get(f"{url}/api/page/labels").json()
    assert labels["documents"][GOLD]["title"] == {"en": "Prime Visa Gold Credit Card", "bn": "প্রাইম ভিসা গোল্ড ক্রেডিট কার্ড"}
    assert labels["documents"]["knowledge/support/cards/lost_or_stolen_card.md"]["urgent"] is True
    rules = {r["rule"]: r for r in labels["refusals"]}
    policy = "knowledge/policies/islami_conventional_comparison.md"
    assert rules["islami_conventional_comparison"]["policy_document"] == policy


def test_knowledge_paths_and_markdown_are_checked() -> None:
    root = ROOT / "knowledge"
    assert knowledge_file(root, "glossary/mudaraba.md") == root / "glossary" / "mudaraba.md"
    for bad in ["../README.md", "glossary/../../README.md", "/etc/passwd.md", "//etc/passwd.md", "glossary/", "",
                "lexicon.yaml", ".git/config.md", "glossary/nope.md", "glossary\\mudaraba.md"]:  # fmt: skip
        assert knowledge_file(root, bad) is None, bad
    html = safe_html(
        "**bold** <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
        "[x](javascript:alert(1)) [ok](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<strong>bold</strong>" in html and "<script" not in html and "<img" not in html
    assert 'href="javascript' not in html and "&lt;script&gt;" in html and '<div class="table-wrap"' in html
    assert "<td>1</td>" in html


# ---- the page in a browser -------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "bn"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_page_at_each_size_and_language(
    browser: Any, server: tuple[str, Path], tmp_path: Path, size: str, lang: str
) -> None:
    url, data_dir = server
    context = browser.new_context(viewport=VIEWPORTS[size], device_scale_factor=1)
    pg = context.new_page()
    failed = watch_failures(pg)
    pg.goto(f"{url}/?lang={lang}")
    pg.wait_for_load_state("networkidle")
    # The page's own words follow the language.
    assert pg.evaluate("document.documentElement.lang") == lang
    placeholder = pg.get_attribute("#q", "placeholder") or ""
    chips = pg.locator("#chips button").all_inner_texts()
    labels = pg.locator("#f button, #new-conv, #signin-toggle, #convs summary").evaluate_all(
        "els => els.map(e => e.textContent)"
    )
    if lang == "bn":
        assert all(any("\u0980" <= ch <= "\u09ff" for ch in s) for s in [placeholder, *chips, *labels])
    else:
        assert placeholder.startswith("Ask about") and "Send" in labels

    # A comparison renders as a real table, scrolling inside its bubble; sources are titled chips.
    table_answer = ask(pg, COMPARE[lang])
    assert table_answer.locator(".md table").count() == 1
    assert table_answer.locator(".md table th").count() >= 3 and "|---" not in table_answer.inner_text()
    assert table_answer.locator(".md li").count() >= 2  # the "- …" lines are a list
    chip = table_answer.locator(f'.sources a.chip[title="{GOLD}"]')
    title = "প্রাইম ভিসা গোল্ড ক্রেডিট কার্ড" if lang == "bn" else "Prime Visa Gold Credit Card"
    assert chip.inner_text() == title and chip.get_attribute("href", timeout=1000).startswith(f"/{GOLD}")
    assert table_answer.get_attribute("data-agent") == "comparison_graph"

    # A refusal shows the policy's reason and a link to the policy, not a domain label (the API says nrb/save).
    refusal = ask(pg, REFUSE[lang])
    assert "refusal" in (refusal.get_attribute("class") or "") and refusal.get_attribute("data-domain") == "nrb"
    assert refusal.get_attribute("data-rule") == "islami_conventional_comparison"
    meta = refusal.locator(".meta").inner_text()
    assert "NRB" not in meta and "এনআরবি" not in meta and "nrb" not in meta.lower()
    assert refusal.locator(".reason").inner_text()
    assert refusal.locator("a.chip").get_attribute("href").startswith("/knowledge/policies/islami_conventional")

    urgent = ask(pg, URGENT[lang])
    assert "urgent" in (urgent.get_attribute("class") or "") and urgent.locator(".badge").inner_text()
    vague = ask(pg, VAGUE[lang])
    if vague.get_attribute("data-agent") == "clarification_agent":
        assert "clarify" in (vague.get_attribute("class") or "")

    # The app's own Bengali font is loaded and draws ৳ (no font for Bengali on this machine otherwise).
    pg.evaluate("() => document.fonts.ready")
    assert pg.evaluate(FONT_LOADED)
    assert pg.evaluate("() => document.fonts.check('16px \"Noto Sans Bengali\"', '৳১২৩ বাংলা')")
    no_sideways_scroll(pg)

    # Feedback by keyboard: thumbs down, then a comment; both reach the store.
    message_id = table_answer.get_attribute("data-message-id")
    table_answer.locator("button.thumb[data-rating='1']").focus()
    pg.keyboard.press("Enter")
    table_answer.locator(".fb[data-saved='1']").wait_for(timeout=10_000)
    assert stored_feedback(data_dir, message_id) == (1, None)
    comment = f"table was too wide on {size}"
    table_answer.locator(".fb input").fill(comment)
    table_answer.locator(".fb input").press("Enter")
    deadline = time.monotonic() + 10
    while stored_feedback(data_dir, message_id) != (1, comment) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stored_feedback(data_dir, message_id) == (1, comment)

    assert axe_violations(pg) == []
    pg.screenshot(path=str(tmp_path / f"chat-{size}-{lang}.png"), full_page=True)
    table_answer.screenshot(path=str(tmp_path / f"table-{size}-{lang}.png"))

    # A source chip opens the knowledge file as a page of the app, in the answer's language.
    chip.click()
    pg.wait_for_load_state("networkidle")
    assert urlsplit(pg.url).path == f"/{GOLD}" and pg.locator("h1").inner_text() == title
    assert pg.evaluate("document.documentElement.lang") == lang
    no_sideways_scroll(pg)
    assert axe_violations(pg) == []
    pg.screenshot(path=str(tmp_path / f"knowledge-{size}-{lang}.png"), full_page=True)
    assert failed == [], failed  # no 404 (favicon, font, scripts) on any load
    context.close()


def test_an_answer_streams_in_and_ends_as_the_api_answer(page: Any, url: str) -> None:
    page.goto(url)
    page.evaluate(WATCH)
    question = "Can a 16-year-old with 5,000 taka open Prime First Account?"
    bubble = ask(page, question)
    expected = answer_of(url, question)
    assert bubble.locator(".md").get_attribute("data-raw") == expected["message"]
    shown = bubble.locator(".md").inner_text()
    assert shown.split() == expected["message"].split()  # plain prose: rendered text is the message
    assert bubble.get_attribute("data-agent") == "eligibility_graph"
    assert bubble.locator(".sources a.chip").inner_text() == "Prime First Account"
    assert bubble.get_attribute("aria-busy") == "false" and page.get_attribute("#log", "aria-live") == "polite"
    # Token by token: the body was rendered from growing prefixes of the answer before the whole of it.
    seen = [s for s in page.evaluate("window.__seen") if s != "…"]
    final = seen[-1]
    partial = [s for s in seen if s != final]
    assert len(partial) >= 3 and all(final.startswith(s.rstrip()) for s in partial)
    assert [len(s) for s in partial] == sorted(len(s) for s in partial)


def test_answers_are_rendered_safely(page: Any, url: str) -> None:
    """Markdown with raw HTML and a javascript: link in an answer is shown as text, never run or inserted."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    evil = (
        '**Bold** and <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>\n\n'
        '[click](javascript:window.__xss=3) <a href="javascript:window.__xss=4">a</a>\n\n'
        "| a | b |\n|---|---|\n| <b onclick=1>x</b> | 2 |"
    )
    sources = ["tool:get_customer_kyc", "tool:get_transactions", "knowledge/glossary/kyc.md"]
    done: dict[str, Any] = {"message": evil, "agent": "servicing_graph", "sources": sources, "confidence": 0.9}
    done.update(domain=None, vertical=None, refusal=False, message_id=None)
    events = (
        "".join(
            f"event: token\ndata: {json.dumps({'text': piece})}\n\n"
            for piece in (evil[i : i + 7] for i in range(0, len(evil), 7))
        )
        + f"event: done\ndata: {json.dumps(done)}\n\n"
    )
    page.route("**/api/chat/stream", lambda r: r.fulfill(status=200, content_type="text/event-stream", body=events))
    bubble = ask(page, "anything")
    body = bubble.locator(".md")
    assert body.locator("strong").inner_text() == "Bold" and body.locator("table").count() == 1
    assert body.locator("img, script, b, [onclick], [onerror]").count() == 0
    assert "<img" in body.inner_text() and "<script>" in body.inner_text()
    hrefs = body.locator("a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert not any(h and h.lower().startswith("javascript") for h in hrefs)
    for link in body.locator("a").all():
        link.click()
    assert page.evaluate("window.__xss") is None
    # Platform data is "from your records" (once), a knowledge file is its title.
    chips = bubble.locator(".sources .chip")
    assert chips.all_inner_texts() == ["KYC (Know Your Customer)", "From your records"]
    assert bubble.locator(".chip.records").get_attribute("title") == "get_customer_kyc, get_transactions"


def test_a_rejected_request_shows_the_contract_error(page: Any, url: str) -> None:
    page.goto(url)

    def bad_channel(route: Any) -> None:  # the real server answers a request it must refuse
        body = json.loads(route.request.post_data)
        route.continue_(post_data=json.dumps({**body, "channel": "fax"}))

    page.route("**/api/chat/stream", bad_channel)
    page.fill("#q", "What is Mudaraba?")
    page.keyboard.press("Enter")
    bubble = page.locator("#log .msg.bot").last
    bubble.locator(".meta code").wait_for(timeout=30_000)
    assert bubble.locator(".meta code").inner_text() == "VALIDATION_ERROR"
    assert "error" in (bubble.get_attribute("class") or "") and "channel" in bubble.inner_text()


def test_conversations_new_conversation_and_staff_sign_in(page: Any, url: str, tmp_path: Path) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    items = page.locator("#conv-list button")
    ask(page, "What is Mudaraba?")
    items.first.wait_for()
    assert items.count() == 1 and "Mudaraba" in items.first.inner_text()
    assert items.first.get_attribute("aria-current") == "true"
    page.click("#new-conv")
    assert page.locator("#log .msg").count() == 0
    ask(page, "What is a DPS?")
    page.wait_for_function("document.querySelectorAll('#conv-list button').length === 2")
    # The older conversation opens with its messages, and chatting goes on in it.
    page.locator("#conv-list button", has_text="Mudaraba").click()
    page.locator("#log .msg.me", has_text="Mudaraba").wait_for()
    assert page.locator("#log .msg.me").count() == 1 and page.locator("#log .msg.bot .meta").count() == 1
    assert page.locator("#log .msg.bot .fb button.thumb").count() == 2
    first_session = page.locator("#conv-list button", has_text="Mudaraba").get_attribute("data-session")
    assert page.evaluate("localStorage.getItem('sessionId')") == first_session
    assert page.locator("#conv-list button[aria-current='true']").get_attribute("data-session") == first_session

    # Staff sign-in with a pasted token: kept in sessionStorage, the list is then the staff member's own.
    token = mint_token(SECRET, "staff-7", "tenant-a", ["ai_agent", "customer:read"])
    page.click("#signin-toggle")
    assert page.evaluate("document.activeElement.id") == "token"
    page.fill("#token", "not-a-token")
    page.click("#signin-go")
    page.locator("#signin-status", has_text="not accepted").wait_for()
    page.fill("#token", token)
    page.keyboard.press("Enter")
    page.locator("#who", has_text="staff-7").wait_for()
    assert page.is_hidden("#signin") and page.get_attribute("#signin-toggle", "aria-expanded") == "false"
    assert page.evaluate("sessionStorage.getItem('staffToken')") == token
    assert page.evaluate("localStorage.getItem('staffToken')") is None
    assert page.locator("#log .msg").count() == 0
    ask(page, "What is KYC?")
    page.wait_for_function("document.querySelectorAll('#conv-list button').length === 1")
    assert "KYC" in page.locator("#conv-list button").first.inner_text()
    listed = httpx.get(f"{url}/api/conversations", headers={"Authorization": f"Bearer {token}"}).json()
    assert [c["title"] for c in listed["data"]] == [page.locator("#conv-list button").first.inner_text().split("\n")[0]]
    assert axe_violations(page) == []
    page.screenshot(path=str(tmp_path / "staff-signed-in.png"), full_page=True)
    page.click("#signin-toggle")
    page.click("#signout")
    assert page.evaluate("sessionStorage.getItem('staffToken')") is None
    page.wait_for_function("document.querySelectorAll('#conv-list button').length === 2")
