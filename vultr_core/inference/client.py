"""Vultr Serverless Inference client: the model list, chat, and streaming chat with timings.

It shares the management client's pacing, retry policy, deadlines, size cap and error mapping
(``vultr_core.api``) but has its own send loop, for two reasons the JSON helper cannot serve:
a stream must be handed over open, and a reply's timings start when the request leaves, not
when a retry loop or the rate limiter started waiting.

Every call may take a ``cancel`` event (the chat's Stop): a retry wait ends the moment it is
set, and no request goes out after it.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from vultr_core.api.bounded_body import BYTES_PER_MB, read_body
from vultr_core.api.deadline import Deadline
from vultr_core.api.errors import (
    ApiError,
    MalformedResponseError,
    RequestCancelledError,
    TimeoutError,
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
from vultr_core.api.json_api import MAX_RESPONSE_SETTING
from vultr_core.api.parsing import mappings
from vultr_core.config import (
    DEFAULT_API_MAX_RESPONSE_MB,
    DEFAULT_INFERENCE_API_URL,
    DEFAULT_INFERENCE_DEADLINE_S,
    DEFAULT_INFERENCE_IDLE_S,
    DEFAULT_INFERENCE_REQUESTS_PER_MINUTE,
    DEFAULT_INFERENCE_TIMEOUT_S,
    Secret,
)
from vultr_core.inference.replies import ChatReply, Model, json_body, reply_from_completion
from vultr_core.inference.streaming import EVENT_STREAM, STREAM_ENCODING, ChatStream

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
        idle_s: float = DEFAULT_INFERENCE_IDLE_S,
        max_response_mb: int = DEFAULT_API_MAX_RESPONSE_MB,
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
        self._policy = RetryPolicy(max_attempts=max_retries + 1, deadline_s=deadline_s)
        self._rng = rng or random.Random()
        self._retrier = Retrier(
            self._policy, clock=clock, sleep=sleep, rng=self._rng, api="inference"
        )
        self._clock = clock
        self._idle_s = idle_s
        self._max_response_bytes = max_response_mb * BYTES_PER_MB

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> InferenceClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def list_models(self, *, cancel: threading.Event | None = None) -> list[Model]:
        """The models this key may use, as ``GET /models`` lists them."""
        body, _ = self._send_json("GET", "models", None, cancel)
        data = body.get("data")
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
        cancel: threading.Event | None = None,
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
        completion, sent_at = self._send_json("POST", "chat/completions", body, cancel)
        total_s = self._clock() - sent_at
        return reply_from_completion(completion, model, total_s)

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
        cancel: threading.Event | None = None,
    ) -> ChatStream:
        """A reply as it is generated: iterate the returned stream for text deltas, then read
        its ``reply`` for the usage and timings.

        The request is sent (and retried if need be) before this returns, so a bad key or a
        429 storm raises here; a failure while reading raises from the iteration, unretried.
        The stream ends by the call's deadline, and after ``idle_s`` without an event.

        Raises:
            RequestCancelledError: ``cancel`` was set before the reply began.
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
        return self._retrier_for(cancel).call(
            lambda remaining_s: self._stream_once(body, model, remaining_s, cancel),
            what="POST /chat/completions",
        )

    # The send loop

    def _retrier_for(self, cancel: threading.Event | None) -> Retrier:
        """The shared retrier, or one whose waits end the moment ``cancel`` is set."""
        if cancel is None:
            return self._retrier

        def wait(seconds: float) -> None:
            cancel.wait(seconds)

        return Retrier(self._policy, clock=self._clock, sleep=wait, rng=self._rng, api="inference")

    def _send_json(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        cancel: threading.Event | None,
    ) -> tuple[Mapping[str, Any], float]:
        """A 2xx JSON object and the clock reading when its request was sent."""
        return self._retrier_for(cancel).call(
            lambda remaining_s: self._json_once(method, path, body, remaining_s, cancel),
            what=f"{method} /{path}",
        )

    def _json_once(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        remaining_s: float,
        cancel: threading.Event | None,
    ) -> tuple[Mapping[str, Any], float]:
        deadline = Deadline(remaining_s, total_s=self._policy.deadline_s, clock=self._clock)
        request = self._request(method, path, body, deadline, cancel)
        sent_at = self._clock()
        with deadline.active():
            response = self._open(request, deadline)
            try:
                content = self._read(response, deadline)
            finally:
                response.close()
        if not response.is_success:
            raise error_for_response(response, content)
        return json_body(content, response), sent_at

    def _stream_once(
        self,
        body: Mapping[str, Any],
        model: str,
        remaining_s: float,
        cancel: threading.Event | None,
    ) -> ChatStream:
        deadline = Deadline(remaining_s, total_s=self._policy.deadline_s, clock=self._clock)
        request = self._request("POST", "chat/completions", body, deadline, cancel)
        request.headers["Accept"] = EVENT_STREAM
        request.headers["Accept-Encoding"] = STREAM_ENCODING
        sent_at = self._clock()
        with deadline.active():
            response = self._open(request, deadline)
            try:
                if not response.is_success:
                    raise error_for_response(response, self._read(response, deadline))
                _raise_if_cancelled(cancel)
            except BaseException:
                response.close()
                raise
        return ChatStream(
            response,
            model=model,
            sent_at=sent_at,
            clock=self._clock,
            deadline=deadline,
            idle_s=self._idle_s,
            max_body_bytes=self._max_response_bytes,
        )

    def _request(
        self,
        method: str,
        path: str,
        body: Mapping[str, Any] | None,
        deadline: Deadline,
        cancel: threading.Event | None,
    ) -> httpx.Request:
        """The request, once the limiter lets it go: never after ``cancel``, nor late."""
        _raise_if_cancelled(cancel)
        self._limiter.acquire()
        _raise_if_cancelled(cancel)
        deadline.check(method, f"/{path}", "waiting for its turn under the rate limit")
        request = self._client.build_request(method, path, json=body)
        request.extensions["timeout"] = deadline.timeout(self._client.timeout).as_dict()
        return request

    def _open(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        """Send and wait for the headers; the body is left to read."""
        try:
            response = self._client.send(request, stream=True)
        except httpx.TransportError as err:
            raise _transport_failure(err, request, deadline) from err
        try:
            deadline.check(request.method, request.url.path, "waiting for the headers")
        except TimeoutError:
            response.close()
            raise
        return response

    def _read(self, response: httpx.Response, deadline: Deadline) -> bytes:
        """The whole body, within the deadline and the size cap."""
        try:
            return read_body(
                response,
                deadline=deadline,
                max_bytes=self._max_response_bytes,
                setting=MAX_RESPONSE_SETTING,
            )
        except httpx.TransportError as err:
            raise _transport_failure(err, response.request, deadline) from err


def _raise_if_cancelled(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise RequestCancelledError("stopped before the reply began")


def _transport_failure(
    error: httpx.TransportError, request: httpx.Request, deadline: Deadline
) -> ApiError:
    """The error for a failed connection; a timeout that was the deadline says so."""
    failure = error_for_transport_failure(error, request)
    if isinstance(failure, TimeoutError) and deadline.passed():
        return deadline.error(request.method, request.url.path, type(error).__name__)
    return failure


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
