"""What the Serverless Inference API answers: model entries and chat replies, parsed.

Shared by the client (whole replies) and the stream reader (a server that ignored
``stream=true``), so both read a completion the same way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from vultr_core.api.errors import MalformedResponseError
from vultr_core.api.parsing import mapping, mappings, parse_datetime, parse_int, parse_str


@dataclass(frozen=True, slots=True)
class Model:
    """One entry of ``GET /v1/models``; the optional metadata is None when not sent."""

    id: str
    owned_by: str | None
    created: datetime | None
    context_length: int | None
    features: tuple[str, ...]

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Model:
        features = data.get("features")
        return cls(
            id=parse_str(data.get("id")),
            owned_by=parse_str(data.get("owned_by")) or None,
            created=parse_datetime(data.get("created")),
            context_length=parse_int(data.get("max_context_length") or data.get("context_length")),
            features=tuple(str(f) for f in features) if isinstance(features, list) else (),
        )


@dataclass(frozen=True, slots=True)
class TokenUsage:
    """Tokens as the API counted them (``usage.prompt_tokens`` / ``completion_tokens``)."""

    input_tokens: int
    output_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @classmethod
    def from_api(cls, data: object) -> TokenUsage | None:
        usage = mapping(data)
        input_tokens = parse_int(usage.get("prompt_tokens"))
        output_tokens = parse_int(usage.get("completion_tokens"))
        if input_tokens is None and output_tokens is None:
            return None
        return cls(input_tokens or 0, output_tokens or 0)


@dataclass(frozen=True, slots=True)
class ReplyTimings:
    """How fast a reply came, measured from the moment the request left (after any pacing).

    ``tokens_per_s`` is the generation rate: output tokens over the time after the first token
    for a stream (what OpenRouter and llm-bench call throughput), over the whole time otherwise.
    """

    time_to_first_token_s: float | None
    total_s: float
    tokens_per_s: float | None


@dataclass(frozen=True, slots=True)
class ChatReply:
    """A finished reply: text, why it stopped, the API's token counts and our timings."""

    text: str
    model: str
    finish_reason: str | None
    usage: TokenUsage | None
    timings: ReplyTimings


def json_body(content: bytes, response: httpx.Response) -> Mapping[str, Any]:
    """``content`` (the body of ``response``, read within limits) as a JSON object."""
    try:
        body = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, Mapping):
        raise MalformedResponseError(
            f"{response.request.method} {response.request.url.path} returned HTTP "
            f"{response.status_code} with a body that is not a JSON object "
            f"({len(content)} bytes)",
            status=response.status_code,
        )
    return body


def reply_from_completion(body: Mapping[str, Any], model: str, total_s: float) -> ChatReply:
    choices = mappings(body.get("choices"))
    if not choices:
        raise MalformedResponseError("the chat completion has no choices")
    message = mapping(choices[0].get("message"))
    usage = TokenUsage.from_api(body.get("usage"))
    return ChatReply(
        text=parse_str(message.get("content")),
        model=parse_str(body.get("model")) or model,
        finish_reason=parse_str(choices[0].get("finish_reason")) or None,
        usage=usage,
        timings=ReplyTimings(
            time_to_first_token_s=total_s,
            total_s=total_s,
            tokens_per_s=output_tokens_per_s(usage, total_s),
        ),
    )


def output_tokens_per_s(usage: TokenUsage | None, seconds: float) -> float | None:
    if usage is None or usage.output_tokens < 1 or seconds <= 0:
        return None
    return usage.output_tokens / seconds
