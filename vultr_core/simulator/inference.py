"""Vultr Serverless Inference (`/v1/...`), OpenAI-compatible, as vultr-api.md section 3 describes.

`GET /v1/models`, `POST /v1/chat/completions` (whole or streamed as server-sent events, with
usage in a last chunk when `stream_options.include_usage` is set) and `GET /v1/health`.
Errors use OpenRouter's envelope (section 3.5) except a missing key, which gets the plain
`{"message": "No API key provided"}` seen in the wild. The pace of a reply (time to first
token, time per token), a stream breaking off, unavailable models and hostile replies
(inference_hostile.py) are fault knobs.

Keys: the simulator's own inference key, and the `api_key` of every subscription that
`GET /v2/inference` lists, as on Vultr (vultr-api.md 2.17, 3.1).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from .faults import FaultInjector, ReplyFaults
from .inference_hostile import BEACON, beacon_text, check_mode, hostile_body, hostile_events
from .inference_replies import (
    MODELS,
    find_model,
    prompt_tokens,
    reply_text,
    split_tokens,
)
from .messages import (
    JSON_CONTENT_TYPE,
    ConnectionDroppedError,
    JsonObject,
    SimRequest,
    SimResponse,
)

PREFIX = "/v1/"
CHAT_PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"
HEALTH_PATH = "/v1/health"
EVENT_STREAM = "text/event-stream; charset=utf-8"

ROLES = frozenset({"system", "user", "assistant", "tool", "developer"})
MAX_STOP_SEQUENCES = 4
# Parameter ranges from the 2024 reference (vultr-api.md 3.3).
RANGES = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "frequency_penalty": (-2.0, 2.0),
    "presence_penalty": (-2.0, 2.0),
}

ERROR_MESSAGES = {
    400: "Bad request",
    401: "Invalid API key",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    422: "Validation error",
    429: "Rate limit exceeded",
    500: "Internal server error",
    502: "Model unreachable",
    503: "Service unavailable",
    504: "Model timed out",
}
ERROR_TYPES = {
    400: "bad_request",
    401: "authentication_error",
    404: "not_found",
    422: "validation_error",
    429: "rate_limit_exceeded",
    502: "model_unreachable",
    504: "model_timeout",
}
NO_KEY_BODY = {"message": "No API key provided"}

DEMO_REPLY_PACE: dict[str, float] = {"first_token_ms": 400.0, "token_ms": 25.0}
"""Fault knobs giving the demo a hosted model's pace (0.4 s to first token, 40 tokens/s), so
its time-to-first-token and tokens-per-second figures read like real ones."""

Sleep = Callable[[float], None]


def error_response(
    status: int, message: str | None = None, error_type: str | None = None
) -> SimResponse:
    """OpenRouter's envelope: `{"error": {"code", "message", "type", "metadata": {...}}}`."""
    kind = error_type or ERROR_TYPES.get(status, "api_error")
    error = {
        "code": status,
        "message": message or ERROR_MESSAGES.get(status, f"HTTP error {status}"),
        "type": kind,
        "metadata": {"error_type": kind},
    }
    return SimResponse.json({"error": error}, status=status)


class RequestError(Exception):
    """Raised while reading a request to answer with the envelope."""

    def __init__(self, status: int, message: str, error_type: str | None = None) -> None:
        super().__init__(message)
        self.response = error_response(status, message, error_type)


@dataclass(frozen=True)
class ChatRequest:
    """A validated `/chat/completions` body (only what the simulator acts on)."""

    model: str
    messages: list[JsonObject]
    max_tokens: int | None
    stop: tuple[str, ...]
    seed: int | None
    stream: bool
    include_usage: bool


class InferenceApi:
    """The `/v1` service; stateless apart from its knobs, so it needs no lock."""

    prefix = PREFIX

    def __init__(
        self,
        api_key: str | None,
        injector: FaultInjector,
        created: int,
        sleep: Sleep,
        subscription_keys: Sequence[str] = (),
    ) -> None:
        """``api_key`` None serves anyone; otherwise it and ``subscription_keys`` are accepted."""
        self._api_key = api_key
        self._keys = frozenset(() if api_key is None else (api_key, *subscription_keys))
        self._injector = injector
        self._created = created
        self._sleep = sleep

    def handle(self, request: SimRequest) -> SimResponse:
        routes = {
            MODELS_PATH: ("GET", self._models),
            CHAT_PATH: ("POST", self._chat),
            HEALTH_PATH: ("GET", self._health),
        }
        route = routes.get(request.path.rstrip("/"))
        if route is None:
            return error_response(404)
        method, handler = route
        if request.method != method:
            return error_response(405)
        refusal = self._refusal(request, public=request.path.rstrip("/") == MODELS_PATH)
        if refusal is not None:
            return refusal
        try:
            return handler(request)
        except RequestError as err:
            return err.response

    def error(self, status: int, message: str | None = None) -> SimResponse:
        return error_response(status, message)

    def _refusal(self, request: SimRequest, *, public: bool) -> SimResponse | None:
        """Bearer auth; `GET /v1/models` also answers without a key (vultr-api.md 3.1)."""
        if self._api_key is None:
            return None
        header = request.headers.get("authorization", "").strip()
        if not header:
            # An empty `Authorization:` header is no key at all.
            return None if public else SimResponse.json(NO_KEY_BODY, status=401)
        scheme, _, key = header.partition(" ")
        if scheme.lower() == "bearer" and key.strip() in self._keys:
            return None
        return error_response(401)

    def _models(self, request: SimRequest) -> SimResponse:
        return SimResponse.json({"object": "list", "data": [m.as_json() for m in MODELS]})

    def _health(self, request: SimRequest) -> SimResponse:
        return SimResponse.json({"status": "healthy"})

    def _chat(self, request: SimRequest) -> SimResponse:
        chat = _read_chat(request.body)
        faults = self._injector.reply_faults(request.path, streaming=chat.stream)
        model = find_model(chat.model)
        if model is None:
            raise RequestError(404, f"The model `{chat.model}` does not exist", "model_not_found")
        if chat.model in faults.unavailable_models:
            raise RequestError(502, f"Model {chat.model} is unreachable, try again later")
        input_tokens = prompt_tokens(chat.messages)
        requested = input_tokens + (chat.max_tokens or 0)
        if requested > model.context_length:
            raise RequestError(
                400,
                f"This model's maximum context length is {model.context_length} tokens. "
                f"However, you requested {requested} tokens ({input_tokens} in the messages, "
                f"{chat.max_tokens or 0} in the completion). Please reduce the length of the "
                "messages or completion.",
                "context_length_exceeded",
            )
        pieces, finish_reason = _reply(chat)
        if faults.hostile is not None:
            check_mode(faults.hostile)
        if faults.hostile == BEACON:
            pieces, finish_reason = split_tokens(beacon_text(chat.messages)), "stop"
        usage = {
            "prompt_tokens": input_tokens,
            "completion_tokens": len(pieces),
            "total_tokens": input_tokens + len(pieces),
        }
        reply_id = "chatcmpl-" + hashlib.sha256(request.body).hexdigest()[:24]
        if chat.stream:
            events = self._events(chat, reply_id, pieces, finish_reason, usage, faults)
            if faults.hostile not in (None, BEACON):
                events = self._hostile_events(chat, reply_id, pieces, faults)
            return SimResponse(
                200,
                headers=(("content-type", EVENT_STREAM), ("cache-control", "no-cache")),
                stream=events,
            )
        generation_s = faults.first_token_s + faults.token_s * (len(pieces) - 1)
        if pieces and generation_s > 0:
            self._sleep(generation_s)
        message = {"role": "assistant", "content": "".join(pieces).lstrip()}
        completion = {
            "id": reply_id,
            "object": "chat.completion",
            "created": self._created,
            "model": chat.model,
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": usage,
        }
        if faults.hostile not in (None, BEACON):
            body = hostile_body(faults.hostile, completion, faults.hostile_interval_s, self._sleep)
            return SimResponse(200, headers=(("content-type", JSON_CONTENT_TYPE),), stream=body)
        return SimResponse.json(completion)

    def _hostile_events(
        self, chat: ChatRequest, reply_id: str, pieces: Sequence[str], faults: ReplyFaults
    ) -> Iterator[bytes]:
        def chunk(delta: JsonObject) -> bytes:
            choice = {"index": 0, "delta": delta, "finish_reason": None}
            return _event(self._chunk(chat, reply_id, [choice]))

        mode = faults.hostile or ""
        return hostile_events(mode, chunk, pieces, faults.hostile_interval_s, self._sleep)

    def _events(
        self,
        chat: ChatRequest,
        reply_id: str,
        pieces: Sequence[str],
        finish_reason: str,
        usage: JsonObject,
        faults: ReplyFaults,
    ) -> Iterator[bytes]:
        """The SSE body: a role chunk at once, then one chunk per token at the model's pace."""

        def chunk(delta: JsonObject, finish: str | None = None) -> bytes:
            choice = {"index": 0, "delta": delta, "finish_reason": finish}
            return _event(self._chunk(chat, reply_id, [choice]))

        yield chunk({"role": "assistant", "content": ""})
        break_at = len(pieces) // 2 if faults.break_midway else None
        for index, piece in enumerate(pieces):
            if index == break_at:
                raise ConnectionDroppedError
            wait_s = faults.first_token_s if index == 0 else faults.token_s
            if wait_s > 0:
                self._sleep(wait_s)
            yield chunk({"content": piece.lstrip() if index == 0 else piece})
        yield chunk({}, finish_reason)
        if chat.include_usage:
            yield _event(self._chunk(chat, reply_id, []) | {"usage": usage})
        yield b"data: [DONE]\n\n"

    def _chunk(self, chat: ChatRequest, reply_id: str, choices: list[JsonObject]) -> JsonObject:
        return {
            "id": reply_id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": chat.model,
            "choices": choices,
        }


def _event(payload: JsonObject) -> bytes:
    return b"data: " + json.dumps(payload, separators=(",", ":")).encode() + b"\n\n"


def _reply(chat: ChatRequest) -> tuple[list[str], str]:
    """The reply's token pieces and finish reason, after stop sequences and max_tokens."""
    text = reply_text(chat.model, chat.messages, chat.seed)
    cuts = [index for stop in chat.stop if (index := text.find(stop)) >= 0]
    if cuts:
        text = text[: min(cuts)]
    pieces = split_tokens(text)
    if chat.max_tokens is not None and len(pieces) > chat.max_tokens:
        return pieces[: chat.max_tokens], "length"
    return pieces, "stop"


def _read_chat(raw: bytes) -> ChatRequest:
    """Parse and validate a chat body; every problem becomes a 400 or 422 envelope."""
    try:
        body = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise RequestError(400, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise RequestError(400, "The request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise RequestError(422, "model: a model id is required")
    _check_ranges(body)
    stream_options = body.get("stream_options") or {}
    return ChatRequest(
        model=model,
        messages=_messages(body.get("messages")),
        max_tokens=_max_tokens(body),
        stop=_stop(body.get("stop")),
        seed=_int_or_none(body, "seed"),
        stream=body.get("stream") is True,
        include_usage=isinstance(stream_options, dict)
        and stream_options.get("include_usage") is True,
    )


def _check_ranges(body: dict[str, Any]) -> None:
    for name, (low, high) in RANGES.items():
        value = body.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RequestError(422, f"{name}: must be a number")
        if not low <= value <= high:
            raise RequestError(422, f"{name}: must be between {low:g} and {high:g}")


def _messages(value: object) -> list[JsonObject]:
    if not isinstance(value, list) or not value:
        raise RequestError(422, "messages: at least one message is required")
    for index, message in enumerate(value):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise RequestError(422, f"messages[{index}].role: must be one of {sorted(ROLES)}")
        if not isinstance(message.get("content"), str):
            raise RequestError(422, f"messages[{index}].content: must be a string")
    return value


def _max_tokens(body: dict[str, Any]) -> int | None:
    """The reply's token limit: `max_tokens` (2024) or `max_completion_tokens` (2026
    reference, vultr-api.md 3.3); when both are sent, the smaller holds."""
    limits = [
        limit
        for name in ("max_tokens", "max_completion_tokens")
        if (limit := _positive_int(body, name)) is not None
    ]
    return min(limits) if limits else None


def _positive_int(body: dict[str, Any], name: str) -> int | None:
    value = _int_or_none(body, name)
    if value is not None and value < 1:
        raise RequestError(422, f"{name}: must be at least 1")
    return value


def _int_or_none(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(422, f"{name}: must be an integer")
    return value


def _stop(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    stops = [value] if isinstance(value, str) else value
    if (
        not isinstance(stops, list)
        or len(stops) > MAX_STOP_SEQUENCES
        or not all(isinstance(s, str) and s for s in stops)
    ):
        raise RequestError(422, f"stop: a string or up to {MAX_STOP_SEQUENCES} strings")
    return tuple(stops)
