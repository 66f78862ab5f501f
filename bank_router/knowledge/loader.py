"""Read markdown knowledge files, validate their front matter, report bad files."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import structlog
import yaml
from pydantic import BaseModel, ValidationError

from bank_router.knowledge.schema import GlossaryTerm, OnboardingGuide, PolicyDoc, Product, SupportTopic

log = structlog.get_logger(__name__)

# libyaml's safe loader reads the knowledge's front matter about ten times faster than the pure-Python one.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

M = TypeVar("M", bound=BaseModel)

KINDS: dict[str, type[BaseModel]] = {
    "products": Product,
    "glossary": GlossaryTerm,
    "onboarding": OnboardingGuide,
    "policies": PolicyDoc,
    "support": SupportTopic,
}


@dataclass(frozen=True)
class Doc(Generic[M]):
    """One knowledge file: validated facts, customer prose and where it lives."""

    path: str  # repo-relative, as cited in `sources`
    meta: M
    body: str
    text: str  # the whole file, for grounding checks
    sha: str


@dataclass(frozen=True)
class LoadError:
    path: str
    field: str
    message: str


def split_front_matter(text: str) -> tuple[dict[str, object], str]:
    if not text.startswith("---"):
        raise ValueError("missing front matter")
    _, fm, body = text.split("---", 2)
    data = yaml.load(fm, Loader=SafeLoader)  # noqa: S506 - a safe loader (libyaml's, when built)
    if not isinstance(data, dict):
        raise ValueError("front matter is not a mapping")
    return data, body.strip()


def _check_path(kind: str, rel: Path, meta: BaseModel) -> None:
    if getattr(meta, "id", None) != rel.stem:
        raise ValueError(f"id must equal the file name {rel.stem!r}")
    if isinstance(meta, Product):
        expected = ("knowledge", kind, meta.domain, meta.vertical, meta.group)
        if rel.parts[:-1] != expected:
            raise ValueError(f"product must live under {'/'.join(expected)}/")
    if isinstance(meta, SupportTopic) and rel.parts[:-1] != ("knowledge", kind, meta.area):
        raise ValueError(f"support topic must live under knowledge/{kind}/{meta.area}/")


def load_kind(root: Path, kind: str) -> tuple[list[Doc[BaseModel]], list[LoadError]]:
    """Load every file of one kind; a malformed file is reported and skipped."""
    model = KINDS[kind]
    docs: list[Doc[BaseModel]] = []
    errors: list[LoadError] = []
    for file in sorted((root / kind).rglob("*.md")):
        rel = file.relative_to(root.parent)
        raw = file.read_text(encoding="utf-8")
        try:
            data, body = split_front_matter(raw)
            meta = model.model_validate(data)
            _check_path(kind, rel, meta)
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "(root)"
                errors.append(LoadError(str(rel), field, err["msg"]))
            continue
        except (ValueError, yaml.YAMLError) as exc:
            errors.append(LoadError(str(rel), "(front matter)", str(exc).splitlines()[0]))
            continue
        sha = hashlib.sha256(raw.encode()).hexdigest()
        docs.append(Doc(str(rel), meta, body, raw, sha))
    for e in errors:
        log.warning("knowledge_file_invalid", path=e.path, field=e.field, error=e.message)
    return docs, errors


def name(p: Doc[Any], language: str) -> str:
    m = p.meta
    if hasattr(m, "name"):
        return str(m.name_bn if language == "bn" else m.name)
    if hasattr(m, "term"):
        return str(m.term_bn if language == "bn" else m.term)
    return str(m.title_bn if language == "bn" else m.title)


def pick(meta: Any, field: str, language: str) -> Any:
    """The Bangla variant of a field when answering in Bangla and it exists."""
    if language == "bn":
        bn = getattr(meta, f"{field}_bn", None)
        if bn:
            return bn
    return getattr(meta, field)


def lower_title(title: str) -> str:
    """A title inside a sentence: "Lost or stolen card" -> "lost or stolen card"; "ATM fees" stays."""
    return title[:1].lower() + title[1:] if title[1:2].islower() or title[1:2] == " " else title
