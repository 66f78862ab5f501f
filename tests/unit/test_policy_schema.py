"""policy/guard.yaml is validated on load: unknown keys, bad regexes and dead rules are errors naming file and key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from bank_router.policy import PolicyBook, PolicyError
from bank_router.settings import ROOT

GUARD = ROOT / "policy" / "guard.yaml"


@pytest.fixture
def guard_copy(tmp_path: Path) -> Path:
    """A copy of the real file in `tmp_path/policy/`, to be broken one way per test."""
    (tmp_path / "policy").mkdir()
    return Path(shutil.copy(GUARD, tmp_path / "policy" / "guard.yaml"))


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _load_error(path: Path) -> str:
    with pytest.raises(PolicyError) as info:
        PolicyBook.load(path.parent)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_the_real_file_loads_with_every_rule_and_message() -> None:
    book = PolicyBook.load(GUARD.parent)
    ids = [r.id for r in book.rules]
    assert ids == [
        "prompt_injection",
        "system_prompt",
        "islami_conventional_comparison",
        "other_person_data",
        "illegal_activity",
        "claimed_authority",
    ]
    assert set(book.messages) == {*ids, "out_of_scope", "policy", "missing_permission"}
    assert all(set(m) == {"en", "bn"} for m in book.messages.values())
    assert book.refusal_confidence == 0.98
    assert all(isinstance(p, re.Pattern) for r in book.rules for p in r.patterns + r.raw_patterns)
    cross = book.rules[2]
    assert cross.cross_domain == ("islami", "conventional") and cross.report_domain == "nrb"
    assert [perm for perm, _ in book.permission_hints] == [
        "insights:read",
        "loan:score",
        "transaction:read",
        "staff:read",
        "loan:read",
        "customer:read",
    ]
    assert book.permission_for("show failed transactions") == "insights:read"
    assert "`loan:read`" in book.message("missing_permission", "en", permission="loan:read")


def test_a_misspelt_rule_key_is_named_with_its_path_and_rule(guard_copy: Path) -> None:
    # The first `patterns:` of the second rule (system_prompt, rules.1).
    text = guard_copy.read_text(encoding="utf-8")
    second = text.index("- id: system_prompt")
    guard_copy.write_text(text[:second] + text[second:].replace("patterns:", "patern:", 1), encoding="utf-8")
    msg = _load_error(guard_copy)
    assert "policy/guard.yaml" in msg
    assert "rules.1.patern" in msg and "system_prompt" in msg
    assert "extra inputs are not permitted" in msg.lower()


def test_a_misspelt_top_level_or_nested_key_is_named(guard_copy: Path) -> None:
    _break(guard_copy, "refusal_confidence:", "refusal_confidnce:")
    _break(guard_copy, "  hints:", "  hint:")
    msg = _load_error(guard_copy)
    assert "policy/guard.yaml: refusal_confidnce:" in msg
    assert "missing_permission.hint:" in msg


def test_a_misspelt_language_is_named(guard_copy: Path) -> None:
    _break(guard_copy, '    bn: "এই প্রশ্নটি', '    bd: "এই প্রশ্নটি')
    msg = _load_error(guard_copy)
    assert "out_of_scope.message.bd" in msg and "out_of_scope.message.bn: Field required" in msg


def test_a_bad_regex_is_reported_with_its_rule_id(guard_copy: Path) -> None:
    _break(guard_copy, "      - '\\bwhat were you told\\b'", "      - '(what were you told'")
    msg = _load_error(guard_copy)
    assert "policy/guard.yaml" in msg
    assert "rules.1.patterns.2 (rule 'system_prompt')" in msg
    assert "invalid regular expression" in msg and "(what were you told" in msg


def test_a_bad_hint_regex_is_reported_with_its_permission(guard_copy: Path) -> None:
    _break(guard_copy, "'(লেনদেন)'", "'(লেনদেন'")
    msg = _load_error(guard_copy)
    assert "missing_permission.hints.transaction:read.1: invalid regular expression" in msg


def test_an_unknown_applies_to_is_an_error(guard_copy: Path) -> None:
    _break(guard_copy, "applies_to: anonymous", "applies_to: anonymus")
    msg = _load_error(guard_copy)
    assert "rules.3.applies_to (rule 'other_person_data')" in msg


def test_a_key_given_twice_is_an_error(guard_copy: Path) -> None:
    _break(guard_copy, "refusal_confidence: 0.98", "refusal_confidence: 0.98\nrefusal_confidence: 0.5")
    msg = _load_error(guard_copy)
    assert "policy/guard.yaml" in msg and "duplicate key 'refusal_confidence'" in msg


def test_an_unknown_placeholder_in_a_message_is_an_error(guard_copy: Path) -> None:
    _break(guard_copy, "`{permission}`", "`{permision}`")
    msg = _load_error(guard_copy)
    assert "missing_permission.message.en" in msg and "{permision}" in msg


def test_a_duplicate_rule_id_is_an_error(guard_copy: Path) -> None:
    _break(guard_copy, "- id: system_prompt", "- id: prompt_injection")
    msg = _load_error(guard_copy)
    assert "rules: " in msg and "share the id 'prompt_injection'" in msg


def test_a_missing_refusal_is_named(guard_copy: Path) -> None:
    _break(guard_copy, "policy:\n  message:", "policy_:\n  message:")
    msg = _load_error(guard_copy)
    assert "policy: Field required" in msg and "policy_: Extra inputs are not permitted" in msg
