"""Scripted chat models for unit tests: replies from a list or a function, every exchange recorded."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

from bank_router.llm import LLM, CircuitBreaker
from bank_router.services import Services

USAGE = {"input_tokens": 100, "output_tokens": 20, "total_tokens": 120}


class ScriptedChatModel(FakeMessagesListChatModel):
    """`bind_tools` returns the model itself; a reply may be a message, an exception, or a function of the prompt."""

    responses: list[Any] = Field(default_factory=list)
    reply: Callable[[list[BaseMessage]], Any] | None = None
    received: list[list[BaseMessage]] = Field(default_factory=list)
    bound: list[list[Any]] = Field(default_factory=list)

    def bind_tools(self, tools: Any, **kwargs: Any) -> Any:
        self.bound.append(list(tools))
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.received.append(list(messages))
        out = self.reply(messages) if self.reply is not None else self.responses[min(self.i, len(self.responses) - 1)]
        self.i += 1
        if isinstance(out, BaseException):
            raise out
        if isinstance(out, str):
            out = AIMessage(content=out, usage_metadata=USAGE)
        return ChatResult(generations=[ChatGeneration(message=out)])


def tool_call(name: str, **args: Any) -> AIMessage:
    return AIMessage(content="", tool_calls=[{"name": name, "args": args, "id": f"call_{name}"}], usage_metadata=USAGE)


def make_llm(model: ScriptedChatModel, **kw: Any) -> LLM:
    kw.setdefault("sleep", lambda s: None)
    kw.setdefault("breaker", CircuitBreaker(failures=3, cooldown=30))
    return LLM(model, model_name="gpt-4o-mini", **kw)


def with_llm(services: Services, llm: LLM | None, phrasing: str = "all") -> Services:
    """The session services with a model and a phrasing mode, for one test."""
    settings = services.settings.model_copy(update={"llm_phrasing": phrasing})
    return dataclasses.replace(services, llm=llm, settings=settings)


def prompt_text(messages: list[BaseMessage]) -> tuple[str, str]:
    """(system text, user text) of one exchange."""
    system = "\n".join(str(m.content) for m in messages if m.type == "system")
    user = "\n".join(str(m.content) for m in messages if m.type == "human")
    return system, user


class StatusError(Exception):
    """What the OpenAI client raises for an HTTP error status."""

    def __init__(self, status_code: int) -> None:
        super().__init__(f"status {status_code}")
        self.status_code = status_code
