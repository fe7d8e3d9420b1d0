"""Vultr Serverless Inference client: the model list, chat, and streaming chat with timings.

It shares the management client's pacing, retry policy and error mapping (``vultr_core.http``)
but has its own send loop, for two reasons the JSON helper cannot serve: a stream must be
handed over open, and a reply's timings start when the request leaves, not when a retry loop
or the rate limiter started waiting.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from vultr_core.config import (
    DEFAULT_INFERENCE_API_URL,
    DEFAULT_INFERENCE_DEADLINE_S,
    DEFAULT_INFERENCE_REQUESTS_PER_MINUTE,
    DEFAULT_INFERENCE_TIMEOUT_S,
    Secret,
)
from vultr_core.errors import (
    ApiError,
    AuthenticationError,
    ConnectionError,
    InvalidRequestError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TimeoutError,
    VultrError,
    error_class_for_status,
)
from vultr_core.http import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_MAX_ATTEMPTS,
    Clock,
    Limiter,
    RateLimiter,
    Retrier,
    RetryPolicy,
    Sleep,
    api_error_message,
    build_http_client,
    error_for_response,
    error_for_transport_failure,
)
from vultr_core.parsing import mapping, mappings, parse_datetime, parse_int, parse_str
from vultr_core.sse import SseDecoder

logger = logging.getLogger(__name__)

DEFAULT_MAX_RETRIES = DEFAULT_MAX_ATTEMPTS - 1
DONE_MARKER = "[DONE]"
MAX_DRAIN_BYTES = 64 * 1024
EVENT_STREAM = "text/event-stream"

ChatMessage = Mapping[str, str]
"""``{"role": "system" | "user" | "assistant", "content": "..."}``, as the API takes it."""


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


class InferenceClient:
    """The OpenAI-compatible Serverless Inference API; safe to share between threads.

    Every request goes through one limiter (``requests_per_minute`` by default, or the one
    given, e.g. a Valkey-backed limiter shared by replicas) and the shared retry policy:
    429, 5xx and network failures are retried, other 4xx never, and a stream never once it
    has been handed to the caller.
    """

    def __init__(
        self,
        api_key: Secret | str | None,
        *,
        base_url: str = DEFAULT_INFERENCE_API_URL,
        transport: httpx.BaseTransport | None = None,
        requests_per_minute: int = DEFAULT_INFERENCE_REQUESTS_PER_MINUTE,
        max_retries: int = DEFAULT_MAX_RETRIES,
        deadline_s: float = DEFAULT_INFERENCE_DEADLINE_S,
        limiter: Limiter | None = None,
        connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
        read_timeout_s: float = DEFAULT_INFERENCE_TIMEOUT_S,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        key = Secret(api_key) if isinstance(api_key, str) else api_key
        self._client = build_http_client(
            base_url,
            key,
            transport=transport,
            connect_timeout_s=connect_timeout_s,
            read_timeout_s=read_timeout_s,
        )
        self._limiter = limiter or RateLimiter.per_minute(
            requests_per_minute, clock=clock, sleep=sleep
        )
        self._retrier = Retrier(
            RetryPolicy(max_attempts=max_retries + 1, deadline_s=deadline_s),
            clock=clock,
            sleep=sleep,
            rng=rng,
        )
        self._clock = clock

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> InferenceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def list_models(self) -> list[Model]:
        """The models this key may use, as ``GET /models`` lists them."""
        response, _ = self._send("GET", "models", None, stream=False)
        data = _json_body(response).get("data")
        if not isinstance(data, list):
            raise MalformedResponseError("GET /models answered without the 'data' list")
        return [Model.from_api(item) for item in mappings(data) if item.get("id")]

    def chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        temperature: float | None = None,
        max_tokens: int | None = None,
        top_p: float | None = None,
        frequency_penalty: float | None = None,
        presence_penalty: float | None = None,
        stop: Sequence[str] | None = None,
        seed: int | None = None,
    ) -> ChatReply:
        """One complete reply. Only the parameters given are sent; the API's defaults apply
        to the rest."""
        body = chat_body(
            messages,
            model=model,
            temperature=temperature,
            max_tokens=max_tokens,
            top_p=top_p,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            stop=stop,
            seed=seed,
        )
        response, sent_at = self._send("POST", "chat/completions", body, stream=False)
        total_s = self._clock() - sent_at
        return _reply_from_completion(_json_body(response), model, total_s)

    def stream_chat(
        self,
        messages: Sequence[ChatMessage],
        *,
        model: str,
        temperature: float | None = None,
        max_tokens: int | None = None,
        top_p: float | None = None,
        frequency_penalty: float | None = None,
        presence_penalty: float | None = None,
        stop: Sequence[str] | None = None,
        seed: int | None = None,
    ) -> ChatStream:
        """A reply as it is generated: iterate the returned stream for text deltas, then read
        its ``reply`` for the usage and timings.

        The request is sent (and retried if need be) before this returns, so a bad key or a
        429 storm raises here; a failure while reading raises from the iteration, unretried.
        """
        body = chat_body(
            messages,
            model=model,
            temperature=temperature,
            max_tokens=max_tokens,
            top_p=top_p,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            stop=stop,
            seed=seed,
        )
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
        response, sent_at = self._send("POST", "chat/completions", body, stream=True)
        return ChatStream(response, model=model, sent_at=sent_at, clock=self._clock)

    # The send loop

    def _send(
        self, method: str, path: str, body: Mapping[str, Any] | None, *, stream: bool
    ) -> tuple[httpx.Response, float]:
        """A 2xx response (open when ``stream``) and the clock reading when it was sent."""
        return self._retrier.call(
            lambda remaining_s: self._send_once(method, path, body, remaining_s, stream=stream),
            what=f"{method} /{path}",
        )

    def _send_once(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        remaining_s: float,
        *,
        stream: bool,
    ) -> tuple[httpx.Response, float]:
        self._limiter.acquire()
        timeout = self._client.timeout
        read_s = timeout.read or DEFAULT_INFERENCE_TIMEOUT_S
        if not stream:
            # A stream's read timeout is per chunk; a whole reply must fit the deadline.
            read_s = min(read_s, max(remaining_s, 0.001))
        request = self._client.build_request(
            method,
            path,
            json=body,
            timeout=httpx.Timeout(read_s, connect=min(timeout.connect or read_s, read_s)),
        )
        sent_at = self._clock()
        try:
            response = self._client.send(request, stream=True)
        except httpx.TransportError as err:
            raise error_for_transport_failure(err, request) from err
        try:
            if not response.is_success:
                response.read()
                raise error_for_response(response)
            if not stream:
                response.read()
        except httpx.TransportError as err:
            raise error_for_transport_failure(err, request) from err
        finally:
            if not stream or not response.is_success:
                response.close()
        return response, sent_at


class ChatStream:
    """An open streamed reply: iterating yields text deltas; ``reply`` is set once it ends.

    ``close()`` (or leaving a ``with`` block) stops reading and frees the connection; the
    reply then holds the text received so far, with ``finish_reason`` ``"stopped"``.
    """

    def __init__(
        self, response: httpx.Response, *, model: str, sent_at: float, clock: Clock
    ) -> None:
        self._response = response
        self._model = model
        self._sent_at = sent_at
        self._clock = clock
        self._parts: list[str] = []
        self._first_token_at: float | None = None
        self._finish_reason: str | None = None
        self._usage: TokenUsage | None = None
        self._reply: ChatReply | None = None
        self._deltas: Generator[str, None, None] = self._read()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return next(self._deltas)

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def reply(self) -> ChatReply | None:
        """The finished (or stopped) reply; None while deltas are still coming."""
        return self._reply

    @property
    def text(self) -> str:
        """The text received so far."""
        return "".join(self._parts)

    def close(self) -> None:
        """Stop reading: the connection is released and the reply keeps what arrived."""
        if self._reply is None:
            self._finish_reason = self._finish_reason or "stopped"
        self._deltas.close()
        self._response.close()
        self._finish()

    def _read(self) -> Generator[str, None, None]:
        request = self._response.request
        try:
            content_type = self._response.headers.get("content-type", "")
            if not content_type.startswith(EVENT_STREAM):
                # A server that ignored stream=true and sent the whole completion at once.
                self._response.read()
                body = _json_body(self._response)
                completion = _reply_from_completion(body, self._model, 0.0)
                self._first_token_at = self._clock()
                self._finish_reason, self._usage = completion.finish_reason, completion.usage
                if completion.text:
                    self._parts.append(completion.text)
                    yield completion.text
                return
            decoder = SseDecoder()
            chunks = self._response.iter_bytes()
            for chunk in chunks:
                for event in decoder.feed(chunk):
                    if event.data.strip() == DONE_MARKER:
                        _drain(chunks)
                        return
                    yield from self._chunk(event.data)
            for event in decoder.finish():
                if event.data.strip() != DONE_MARKER:
                    yield from self._chunk(event.data)
        except httpx.TransportError as err:
            raise _broken_stream_error(err, request, len(self.text)) from err
        finally:
            self._response.close()
            self._finish()

    def _chunk(self, data: str) -> Iterator[str]:
        try:
            chunk = json.loads(data)
        except json.JSONDecodeError:
            raise MalformedResponseError(
                f"a chat stream event is not JSON ({len(data)} characters)"
            ) from None
        if not isinstance(chunk, Mapping):
            raise MalformedResponseError("a chat stream event is not a JSON object")
        if "error" in chunk:
            raise _stream_error(chunk, self._response.request)
        self._usage = TokenUsage.from_api(chunk.get("usage")) or self._usage
        for choice in mappings(chunk.get("choices")):
            self._finish_reason = parse_str(choice.get("finish_reason")) or self._finish_reason
            content = mapping(choice.get("delta")).get("content")
            if isinstance(content, str) and content:
                if self._first_token_at is None:
                    self._first_token_at = self._clock()
                self._parts.append(content)
                yield content

    def _finish(self) -> None:
        if self._reply is not None:
            return
        ended_at = self._clock()
        total_s = ended_at - self._sent_at
        ttft_s = None if self._first_token_at is None else self._first_token_at - self._sent_at
        self._reply = ChatReply(
            text=self.text,
            model=self._model,
            finish_reason=self._finish_reason,
            usage=self._usage,
            timings=ReplyTimings(
                time_to_first_token_s=ttft_s,
                total_s=total_s,
                tokens_per_s=_rate(self._usage, total_s - (ttft_s or 0.0)),
            ),
        )


def chat_body(
    messages: Sequence[ChatMessage],
    *,
    model: str,
    temperature: float | None = None,
    max_tokens: int | None = None,
    top_p: float | None = None,
    frequency_penalty: float | None = None,
    presence_penalty: float | None = None,
    stop: Sequence[str] | None = None,
    seed: int | None = None,
) -> dict[str, Any]:
    """The ``/chat/completions`` request body with exactly the parameters given.

    Public because the chat page's "view code" shows this very body.
    """
    optional: dict[str, object] = {
        "temperature": temperature,
        "max_tokens": max_tokens,
        "top_p": top_p,
        "frequency_penalty": frequency_penalty,
        "presence_penalty": presence_penalty,
        "stop": list(stop) if stop else None,
        "seed": seed,
    }
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    return body


def _json_body(response: httpx.Response) -> Mapping[str, Any]:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    if not isinstance(body, Mapping):
        raise MalformedResponseError(
            f"{response.request.method} {response.request.url.path} returned HTTP "
            f"{response.status_code} with a body that is not a JSON object "
            f"({len(response.content)} bytes)",
            status=response.status_code,
        )
    return body


def _reply_from_completion(body: Mapping[str, Any], model: str, total_s: float) -> ChatReply:
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
            time_to_first_token_s=total_s, total_s=total_s, tokens_per_s=_rate(usage, total_s)
        ),
    )


def _rate(usage: TokenUsage | None, seconds: float) -> float | None:
    if usage is None or usage.output_tokens < 1 or seconds <= 0:
        return None
    return usage.output_tokens / seconds


def _drain(chunks: Iterator[bytes]) -> None:
    """Read the rest after ``[DONE]`` (normally just the end of the body) so that httpx can
    reuse the connection, as the openai SDK does; a server still talking gets cut off."""
    received = 0
    for chunk in chunks:
        received += len(chunk)
        if received > MAX_DRAIN_BYTES:
            return


def _broken_stream_error(
    error: httpx.TransportError, request: httpx.Request, received_chars: int
) -> ApiError:
    """A stream that failed after it began: never retried, since part of it was delivered."""
    where = f"{request.method} {request.url.path}"
    after = f"after {received_chars} characters of the reply"
    if isinstance(error, httpx.TimeoutException):
        return TimeoutError(
            f"{where}: the stream stalled {after}", method=request.method, path=request.url.path
        )
    return ConnectionError(
        f"{where}: the stream broke off {after} ({type(error).__name__})",
        method=request.method,
        path=request.url.path,
    )


def _stream_error(chunk: Mapping[str, Any], request: httpx.Request) -> ApiError:
    """An error the server sent inside a stream that had already begun (OpenRouter does)."""
    error = mapping(chunk.get("error"))
    status = parse_int(error.get("code")) or 502
    message = api_error_message(chunk) or "the stream reported an error"
    error_class = error_class_for_status(status if 400 <= status < 600 else 502)
    return error_class(
        f"{request.method} {request.url.path} failed mid-stream: {message}",
        status=status,
        api_message=message,
        method=request.method,
        path=request.url.path,
    )


def describe_error(error: VultrError, model: str) -> str:
    """What went wrong, as one plain sentence for the chat page: no status codes to decode."""
    detail = f" ({error.api_message})" if isinstance(error, ApiError) and error.api_message else ""
    if isinstance(error, AuthenticationError):
        return (
            "The inference API key was refused. Check VULTR_INFERENCE_API_KEY: it is the "
            "subscription's own key, not the account's API key."
        )
    if isinstance(error, PermissionDeniedError):
        return f"This key is not allowed to use {model}{detail}."
    if isinstance(error, RateLimitError):
        wait = (
            f"try again in {error.retry_after_s:.0f} seconds"
            if error.retry_after_s is not None
            else "wait a minute and try again"
        )
        return f"Vultr is rate limiting this key: {wait}."
    if isinstance(error, InvalidRequestError) and _about_context(error):
        return (
            f"The conversation is too long for {model}'s context window. Start a new "
            "conversation, shorten the prompt or lower max tokens."
        )
    if isinstance(error, NotFoundError | ServerError):
        return f"{model} is unavailable right now{detail}. Try again shortly or pick another model."
    if isinstance(error, InvalidRequestError):
        return f"Vultr rejected the request{detail}. Check the parameters in the sidebar."
    if isinstance(error, TimeoutError):
        return f"{model} did not answer in time: {error}."
    if isinstance(error, ConnectionError):
        return f"The connection to the inference API failed: {error}."
    return f"The inference API failed: {error}."


def _about_context(error: ApiError) -> bool:
    text = (error.api_message or error.message).lower()
    return "context" in text and ("length" in text or "window" in text)
