"""Reading a streamed chat reply: text deltas as they arrive, then the finished reply.

A stream is never retried once handed over, so a failure while reading becomes an error that
says how much of the reply had arrived.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Mapping
from typing import Any

import httpx

from vultr_core.api.errors import (
    ApiError,
    ConnectionError,
    MalformedResponseError,
    TimeoutError,
    error_class_for_status,
)
from vultr_core.api.http import Clock, api_error_message
from vultr_core.api.parsing import mapping, mappings, parse_int, parse_str
from vultr_core.inference.replies import (
    ChatReply,
    ReplyTimings,
    TokenUsage,
    json_body,
    output_tokens_per_s,
    reply_from_completion,
)
from vultr_core.inference.sse import SseDecoder

DONE_MARKER = "[DONE]"
MAX_DRAIN_BYTES = 64 * 1024
EVENT_STREAM = "text/event-stream"


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
                body = json_body(self._response)
                completion = reply_from_completion(body, self._model, 0.0)
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
                tokens_per_s=output_tokens_per_s(self._usage, total_s - (ttft_s or 0.0)),
            ),
        )


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
