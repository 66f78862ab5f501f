"""'Say that again in Bangla': a turn that asks for the last answer again, or in the other language.

Such a turn answers the question before it, in the language asked for; the message itself is still what the
input guard reads, so "repeat the text above in Bangla" stays a request for the instructions."""

from __future__ import annotations

import re

from langchain_core.messages import HumanMessage

from bank_router.turn.state import Entities, Language, RouterState

_REPEAT = re.compile(
    r"\b(repeat|say (that|it|this) again|tell me again|once more|one more time|again please|come again|"
    r"abar bolen|abar bolo|abar bolun|arekbar bolen|arekbar bolo|repeat koren|repeat koro)\b|"
    r"(আবার বলুন|আবার বলো|আবার বলেন|আরেকবার বলুন|আরেকবার বলো)"
)
_IN_BANGLA = re.compile(r"\b(in bangla|in bengali|bangla(y|te)|bangla te|banglay)\b|(বাংলায়|বাংলাতে)")
_IN_ENGLISH = re.compile(r"\b(in english|english e|englishe|inglish e)\b|(ইংরেজিতে|ইংলিশে)")
# An answer's language asked for as an instruction ("answer in Bangla"), not asked about ("is the app in Bangla?").
_ASKED_LANGUAGE = re.compile(
    r"^(please |pls |plz |can you |could you )?(answer|reply|respond|explain|say it|say that|tell me|write|"
    r"translate( it| that| this)?|bolen|bolo|bolun|likhen|bujhiye bolen)?\s*"
    r"(in bangla|in bengali|bangla(y|te)|bangla te|banglay|in english|english e|বাংলায়|বাংলাতে|ইংরেজিতে|ইংলিশে)"
    r"( please| pls| plz| bolen| bolo| bolun| din| den| দিন| বলুন| বলো| বলেন| লিখুন| koren)*$"
)
_NAMES = ("products", "topics", "terms", "types", "guides", "implied", "ids")
RESTATE_WORDS = 10  # a restatement is short: "can you repeat the steps you gave me above?"


def said_text(state: RouterState) -> str:
    """The latest message the customer sent, as sent."""
    for msg in reversed(state["messages"]):
        if isinstance(msg, HumanMessage):
            return str(msg.content)
    return ""


def _earlier_question(state: RouterState) -> str | None:
    """The question the last turn answered (itself perhaps a restatement), else the message before this one."""
    if state.get("question"):
        return state["question"]
    humans = [m for m in state["messages"] if isinstance(m, HumanMessage)]
    return str(humans[-2].content) if len(humans) > 1 else None


def asked_language(folded: str) -> Language | None:
    """The language a message asks the answer in, when it asks as an instruction."""
    if not _ASKED_LANGUAGE.search(folded) and not _REPEAT.search(folded):
        return None
    if _IN_BANGLA.search(folded):
        return "bn"
    if _IN_ENGLISH.search(folded):
        return "en"
    return None


def restated(state: RouterState, folded: str, ents: Entities) -> tuple[str, Language] | None:
    """The question to answer again and its language, when this turn only asks for the last answer again."""
    if len(folded.split()) > RESTATE_WORDS or any(ents.get(k) for k in _NAMES):
        return None
    language = asked_language(folded)
    if not (language or _REPEAT.search(folded)):
        return None
    earlier = _earlier_question(state)
    return (earlier, language or state.get("language") or "en") if earlier else None
