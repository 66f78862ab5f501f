"""The web page's own parts: its static assets, the knowledge files rendered as pages, and the labels it shows.

- `GET /static/...`: the page's stylesheet, script, vendored libraries and Bengali web font (api/static/).
- `GET /favicon.ico`: the page's icon, so a browser's default request finds one.
- `GET /knowledge/<path>.md`: one knowledge file (only `.md` files under the knowledge folder) as an HTML page:
  its title and summary from the front matter, its markdown body rendered with raw HTML disabled, then
  sanitised. Anything else (`..`, absolute paths, other suffixes, hidden files) is a 404.
- `GET /api/page/labels`: what the page needs to present an answer: each knowledge file's title in English
  and Bangla (source chips) and whether it is urgent, and the refusal messages by policy rule (so a refusal
  shows its policy reason rather than a domain label).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import nh3
from fastapi import APIRouter, FastAPI, Query
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from markdown_it import MarkdownIt

from api.deps import RuntimeDep
from api.errors import AppError
from bank_router.knowledge.catalog import Catalog
from bank_router.knowledge.loader import split_front_matter

STATIC = Path(__file__).resolve().parent.parent / "static"
router = APIRouter(include_in_schema=False)

# One path segment of a knowledge file: no leading dot (hidden files, `..`), no separators or odd characters.
_SEGMENT = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_TAGS = {"h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "blockquote"}
_TAGS |= {"table", "thead", "tbody", "tr", "th", "td", "hr", "br", "a"}
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_LANG = Annotated[Literal["en", "bn"], Query(description="The page's language")]


def safe_html(markdown: str) -> str:
    """Markdown as HTML: raw HTML in the source is escaped by the renderer, and what it emits is sanitised."""
    rendered = _MD.render(markdown)
    clean = nh3.clean(
        rendered,
        tags=_TAGS,
        attributes={"a": {"href", "title"}, "th": {"style"}, "td": {"style"}},
        url_schemes={"http", "https", "mailto", "tel"},
        filter_style_properties={"text-align"},
        link_rel="noopener noreferrer nofollow",
    )
    # A wide table scrolls inside its own box (focusable, so a keyboard can scroll it), not the page.
    wrap = '<div class="table-wrap" tabindex="0" role="region" aria-label="Table"><table>'
    return clean.replace("<table>", wrap).replace("</table>", "</table></div>")


def knowledge_file(root: Path, rel: str) -> Path | None:
    """The file `rel` names under `root`, or None: only existing `.md` files inside it, named plainly."""
    parts = rel.split("/")
    if not rel.endswith(".md") or not all(_SEGMENT.fullmatch(p) for p in parts):
        return None
    base = root.resolve()
    path = base.joinpath(*parts).resolve()
    if not path.is_relative_to(base) or not path.is_file():
        return None
    return path


def _text(meta: dict[str, object], keys: tuple[str, ...], lang: str) -> str:
    for key in keys:
        value = meta.get(f"{key}_bn" if lang == "bn" else key) or meta.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def _title(meta: dict[str, object], lang: str, fallback: str) -> str:
    return _text(meta, ("name", "title", "term"), lang) or fallback


def _documents(catalog: Catalog) -> dict[str, dict[str, Any]]:
    """Every loaded knowledge file by its source path (`knowledge/...md`): titles in both languages, urgency."""
    found: dict[str, dict[str, Any]] = {}
    for doc in sorted(catalog.all_docs(), key=lambda d: d.path):
        meta = doc.meta.model_dump()
        fallback = doc.path.rsplit("/", 1)[-1].removesuffix(".md").replace("_", " ")
        found[doc.path] = {
            "title": {lang: _title(meta, lang, fallback) for lang in ("en", "bn")},
            "urgent": meta.get("urgent") is True,
        }
    return found


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


@router.get("/api/page/labels", tags=["page"])
async def page_labels(rt: RuntimeDep) -> dict[str, Any]:
    """Titles of the knowledge files and the refusal messages by rule, for the web page."""
    documents = _documents(rt.services.catalog)
    refusals = []
    for rule, texts in rt.services.policy.messages.items():
        doc = f"knowledge/policies/{rule}.md"
        refusals.append(
            {
                "rule": rule,
                "message": {lang: text for lang, text in texts.items() if lang in ("en", "bn")},
                "policy_document": doc if doc in documents else None,
            }
        )
    return {"documents": documents, "refusals": refusals}


_PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · bank-router</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
</head>
<body class="doc">
<header class="bar"><a class="home" href="/{home_query}">{back}</a></header>
<main class="doc-main">
<article class="doc-body" aria-labelledby="doc-title">
<h1 id="doc-title">{title}</h1>
{summary}
{body}
<p class="doc-path"><code>{source}</code></p>
</article>
</main>
</body>
</html>
"""


@router.get("/knowledge/{rel:path}", response_class=HTMLResponse)
async def knowledge_page(rt: RuntimeDep, rel: str, lang: _LANG = "en") -> HTMLResponse:
    """One knowledge file as a page; 404 for anything that is not a `.md` file under the knowledge folder."""
    path = knowledge_file(rt.settings.knowledge_dir, rel)
    if path is None:
        raise AppError(404, "NOT_FOUND", "No such knowledge page.")
    try:
        meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    except ValueError:
        meta, body = {}, path.read_text(encoding="utf-8")
    title = _title(meta, lang, path.stem.replace("_", " "))
    summary = _text(meta, ("summary", "definition"), lang)
    # The body's own first heading repeats the title shown above it.
    body = re.sub(r"\A#\s+[^\n]*\n", "", body.lstrip())
    page = _PAGE.format(
        lang=lang,
        title=html.escape(title),
        back="← ফিরে যান" if lang == "bn" else "← Back to the assistant",
        home_query="?lang=bn" if lang == "bn" else "",
        summary=f'<p class="doc-summary">{html.escape(summary)}</p>' if summary else "",
        body=safe_html(body),
        source=html.escape(f"knowledge/{rel}"),
    )
    return HTMLResponse(page)


def install(app: FastAPI) -> None:
    """Serve the page's static assets under /static and the routes above."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
