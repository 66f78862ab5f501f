"""The policy files (`policy/*.yaml`) read and validated: pydantic models that forbid unknown keys.

A misspelt key, a wrong type, an invalid regular expression, a key given twice or a rule that could never
fire stops the load with a `PolicyError` naming the file and the key path (`rules.2.patern`), instead of
being silently ignored. `bank_router.policy` compiles the validated file into the book the guard checks.
"""

from __future__ import annotations

import re
import string
from collections.abc import Hashable
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import PydanticCustomError

# Messages are always formatted with `permission=` (see `PolicyBook.message` callers): no other field may appear.
MESSAGE_FIELDS = frozenset({"permission"})
# Message keys the book adds after the rules: a rule may not take one of these ids.
REFUSALS = ("out_of_scope", "policy", "missing_permission")


class PolicyError(ValueError):
    """A policy file that cannot be read or does not match the schema; `problems` lists `path: key: what`."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid policy:\n  " + "\n  ".join(problems))


# ---- schema ---------------------------------------------------------------------------------------------------


def _regex(value: Any) -> Any:
    """Compile a pattern once, at load; a bad one is reported at its key path (and so with its rule)."""
    if not isinstance(value, str):
        return value  # the Pattern validator rejects it with its own message
    try:
        return re.compile(value)
    except re.error as exc:
        raise PydanticCustomError(
            "regex", "invalid regular expression ({error}): {pattern}", {"error": str(exc), "pattern": repr(value)}
        ) from exc


Regex = Annotated[re.Pattern[str], BeforeValidator(_regex)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Message(_Strict):
    """A refusal in each language the assistant speaks."""

    en: str = Field(min_length=1)
    bn: str = Field(min_length=1)

    @field_validator("en", "bn")
    @classmethod
    def _placeholders(cls, text: str) -> str:
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        except ValueError as exc:  # a lone `{` or `}`
            raise PydanticCustomError("message_format", "bad format string: {error}", {"error": str(exc)}) from exc
        if unknown := sorted(names - MESSAGE_FIELDS):
            raise PydanticCustomError(
                "message_format",
                "unknown placeholder(s) {unknown}; only {allowed} can be filled in",
                {"unknown": ", ".join(f"{{{n}}}" for n in unknown), "allowed": "{permission}"},
            )
        return text


class RuleSpec(_Strict):
    """One input-guard rule: refuse on a pattern, or on a comparison across domains."""

    id: str = Field(min_length=1)
    applies_to: Literal["everyone", "anonymous"] = "everyone"
    message: Message
    patterns: list[Regex] = Field(default_factory=list)
    raw_patterns: list[Regex] = Field(default_factory=list)
    cross_domain: list[str] = Field(default_factory=list)
    evaluative_cues: list[Regex] = Field(default_factory=list)
    comparison_cues: list[Regex] = Field(default_factory=list)
    numeric_cues: list[Regex] = Field(default_factory=list)
    # The message leans on earlier turns ("and Prime DPS? which is more?"): the products of the
    # conversation's recent answers count as named.
    memory_cues: list[Regex] = Field(default_factory=list)
    # The message spans every domain ("rank all your DPS"): a bare product type puts each domain in play.
    spans_cues: list[Regex] = Field(default_factory=list)
    # Words that put both domains in play by themselves ("Islamic ones included", "halal or not").
    both_cues: list[Regex] = Field(default_factory=list)
    # Ways of naming a domain the lexicon does not list ("the interest one"), per domain; the guard's only.
    domain_cues: dict[str, list[Regex]] = Field(default_factory=dict)
    # A figure asked of products named on each side is a comparison, whatever the wording.
    figures_of_both: bool = False
    # The output guard never sends an answer quoting figures of products of more than one of the domains.
    check_answer: bool = False
    report_domain: str | None = None

    @model_validator(mode="after")
    def _can_fire(self) -> RuleSpec:
        cues = {
            "evaluative_cues": self.evaluative_cues,
            "comparison_cues": self.comparison_cues,
            "numeric_cues": self.numeric_cues,
            "memory_cues": self.memory_cues,
            "spans_cues": self.spans_cues,
            "both_cues": self.both_cues,
            "domain_cues": self.domain_cues,
            "figures_of_both": self.figures_of_both,
            "check_answer": self.check_answer,
            "report_domain": self.report_domain,
        }
        if self.cross_domain:
            if len(set(self.cross_domain)) < 2 or len(set(self.cross_domain)) != len(self.cross_domain):
                raise PydanticCustomError("cross_domain", "cross_domain needs two or more distinct domains")
            if not (self.evaluative_cues or self.comparison_cues):
                raise PydanticCustomError(
                    "cross_domain", "a cross_domain rule needs evaluative_cues or comparison_cues, or it never fires"
                )
            if unknown := sorted(set(self.domain_cues) - set(self.cross_domain)):
                raise PydanticCustomError(
                    "cross_domain", "domain_cues for {unknown}: not among cross_domain", {"unknown": ", ".join(unknown)}
                )
        elif used := [k for k, v in cues.items() if v]:
            raise PydanticCustomError(
                "cross_domain", "{keys} only take effect with cross_domain", {"keys": ", ".join(used)}
            )
        elif not (self.patterns or self.raw_patterns):
            raise PydanticCustomError(
                "never_fires", "a rule needs patterns, raw_patterns or cross_domain, or it never fires"
            )
        return self


class Refusal(_Strict):
    """A refusal decided after classification: just its message."""

    message: Message


class MissingPermission(Refusal):
    """The staff-tools refusal, with the hints that name the permission a request needs (first match wins)."""

    hints: dict[str, list[Regex]] = Field(default_factory=dict)


class GuardFile(_Strict):
    """Every key the policy files may hold (merged across `policy/*.yaml`)."""

    refusal_confidence: float = Field(default=0.98, gt=0, le=1)
    # Leetspeak read back as letters ("1gn0r3" -> "ignore") in a view of the message the rules also see:
    # one table per view, a character to the letter it stands for.
    leetspeak: list[dict[str, str]] = Field(default_factory=list)
    rules: list[RuleSpec] = Field(default_factory=list)
    out_of_scope: Refusal
    policy: Refusal
    missing_permission: MissingPermission

    @field_validator("leetspeak")
    @classmethod
    def _single_characters(cls, tables: list[dict[str, str]]) -> list[dict[str, str]]:
        for i, table in enumerate(tables):
            bad = [k for k, v in table.items() if len(k) != 1 or len(v) != 1 or not v.isalpha() or k.isalpha()]
            if bad:
                raise PydanticCustomError(
                    "leetspeak", "table {i}: {bad}: each key a non-letter, each value one letter", {"i": i, "bad": bad}
                )
        return tables

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: list[RuleSpec]) -> list[RuleSpec]:
        seen: dict[str, int] = {}
        for i, rule in enumerate(rules):
            if rule.id in REFUSALS:
                raise PydanticCustomError(
                    "rule_id",
                    "rule {i} takes the id {id}, which names a built-in refusal",
                    {"i": i, "id": repr(rule.id)},
                )
            if rule.id in seen:
                raise PydanticCustomError(
                    "rule_id", "rules {a} and {b} share the id {id}", {"a": seen[rule.id], "b": i, "id": repr(rule.id)}
                )
            seen[rule.id] = i
        return rules


# ---- reading the files ----------------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that refuses a key given twice in one mapping (PyYAML would keep the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key!r}",
                        key_node.start_mark,
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _read(f: Path) -> dict[str, Any]:
    try:
        data = yaml.load(f.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PolicyError([f"{f}: {exc}"]) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PolicyError([f"{f}: the top level must be a mapping of keys, not {type(data).__name__}"])
    return data


def _where(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """`rules.2.patern (rule 'other_person_data')`: the key path, and the rule it is in where it has an id."""
    path = ".".join(str(p) for p in loc) or "(top level)"
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        rules = data.get("rules")
        rule = rules[loc[1]] if isinstance(rules, list) and loc[1] < len(rules) else None
        if isinstance(rule, dict) and isinstance(rule.get("id"), str):
            path += f" (rule {rule['id']!r})"
    return path


def load_guard_file(policy_dir: Path) -> GuardFile:
    """Every `policy/*.yaml`, merged by top-level key and validated; a `PolicyError` lists every problem."""
    files = sorted(policy_dir.glob("*.yaml"))
    data: dict[str, Any] = {}
    source: dict[str, Path] = {}
    clashes: list[str] = []
    for f in files:
        for key, value in _read(f).items():
            if key in source:
                clashes.append(f"{f}: {key}: already set in {source[key]}")
            data[key], source[key] = value, f
    if clashes:
        raise PolicyError(clashes)
    try:
        return GuardFile.model_validate(data)
    except ValidationError as exc:
        everywhere = ", ".join(str(f) for f in files) or f"{policy_dir}/*.yaml (no files)"
        problems = []
        for err in exc.errors(include_url=False):
            loc = err["loc"]
            where = str(source[loc[0]]) if loc and isinstance(loc[0], str) and loc[0] in source else everywhere
            problems.append(f"{where}: {_where(loc, data)}: {err['msg']}")
        raise PolicyError(problems) from exc
