"""Vultr Serverless Inference client: the model list, chat, and streaming chat with timings.

It shares the management client's pacing, retry policy and error mapping (``vultr_core.api.http``)
but has its own send loop, for two reasons the JSON helper cannot serve: a stream must be
handed over open, and a reply's timings start when the request leaves, not when a retry loop
or the rate limiter started waiting.
"""

from __future__ import annotations

import random
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from vultr_core.api.errors import (
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
)
from vultr_core.api.http import (
    DEFAULT_CONNECT_TIMEOUT_S,
    DEFAULT_MAX_ATTEMPTS,
    Clock,
    Limiter,
    RateLimiter,
    Retrier,
    RetryPolicy,
    Sleep,
    build_http_client,
    error_for_response,
    error_for_transport_failure,
)
from vultr_core.api.parsing import mappings
from vultr_core.config import (
    DEFAULT_INFERENCE_API_URL,
    DEFAULT_INFERENCE_DEADLINE_S,
    DEFAULT_INFERENCE_REQUESTS_PER_MINUTE,
    DEFAULT_INFERENCE_TIMEOUT_S,
    Secret,
)
from vultr_core.inference.replies import ChatReply, Model, json_body, reply_from_completion
from vultr_core.inference.streaming import ChatStream

DEFAULT_MAX_RETRIES = DEFAULT_MAX_ATTEMPTS - 1

ChatMessage = Mapping[str, str]
"""``{"role": "system" | "user" | "assistant", "content": "..."}``, as the API takes it."""


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
        data = json_body(response).get("data")
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
        return reply_from_completion(json_body(response), model, total_s)

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
