"""Reading a streamed chat reply: text deltas as they arrive, then the finished reply.

A stream is never retried once handed over, so a failure while reading becomes an error that
says how much of the reply had arrived. Every stream ends by its call's deadline, and after
``idle_s`` without an event: a server sending only ``: keep-alive`` comments, or nothing at
all. The reader checks both after every chunk, and each socket read is capped by the nearer of
the two (``vultr_core.api.deadline``). ``close()`` (Stop) may come from another thread while
this one is blocked reading: it shuts the socket down, which wakes the read at once, and the
reading thread closes the response itself. (Closing the reading generator from another thread
while it ran is what raised "generator already executing" on Stop.)
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from collections.abc import Generator, Iterator, Mapping
from typing import Any

import httpx

from vultr_core.api.bounded_body import read_body
from vultr_core.api.deadline import Deadline
from vultr_core.api.errors import (
    ApiError,
    ConnectionError,
    MalformedResponseError,
    TimeoutError,
    error_class_for_status,
)
from vultr_core.api.http import Clock, api_error_message
from vultr_core.api.json_api import MAX_RESPONSE_SETTING
from vultr_core.api.parsing import mapping, mappings, parse_int, parse_str
from vultr_core.inference.replies import (
    ChatReply,
    ReplyTimings,
    TokenUsage,
    json_body,
    output_tokens_per_s,
    reply_from_completion,
)
from vultr_core.inference.sse import DEFAULT_MAX_EVENT_BYTES, SseDecoder

DONE_MARKER = "[DONE]"
MAX_DRAIN_BYTES = 64 * 1024
EVENT_STREAM = "text/event-stream"
# Streams are asked for uncompressed: an inflated read has no size bound before the SSE cap.
STREAM_ENCODING = "identity"


class ChatStream:
    """An open streamed reply: iterating yields text deltas; ``reply`` is set once it ends.

    ``close()`` (or leaving a ``with`` block) stops reading and frees the connection; the
    reply then holds the text received so far, with ``finish_reason`` ``"stopped"``. It may
    be called from any thread, also while another thread waits for the next delta: that
    thread's iteration then ends.
    """

    def __init__(
        self,
        response: httpx.Response,
        *,
        model: str,
        sent_at: float,
        clock: Clock,
        deadline: Deadline,
        idle_s: float,
        max_body_bytes: int,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._response = response
        self._model = model
        self._sent_at = sent_at
        self._clock = clock
        self._deadline = deadline
        self._idle_s = idle_s
        self._max_body_bytes = max_body_bytes
        self._max_event_bytes = max_event_bytes
        self._progress_at = clock()
        self._parts: list[str] = []
        self._first_token_at: float | None = None
        self._finish_reason: str | None = None
        self._usage: TokenUsage | None = None
        self._reply: ChatReply | None = None
        self._stopped = threading.Event()
        # _state guards the text, the reply and the socket's end; _reading is held by the
        # thread inside __next__, so close() knows whether it may close the generator.
        self._state = threading.Lock()
        self._reading = threading.Lock()
        self._response_closed = False
        self._deltas: Generator[str, None, None] = self._read()

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        with self._reading:
            if self._stopped.is_set():
                self._end_reading()
                raise StopIteration
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
        with self._state:
            return "".join(self._parts)

    def close(self) -> None:
        """Stop reading: the connection is released and the reply keeps what arrived."""
        self._stopped.set()
        with self._state:
            if self._reply is None:
                self._finish_reason = self._finish_reason or "stopped"
            self._finish_locked()
        if self._reading.acquire(blocking=False):
            try:
                self._end_reading()
            finally:
                self._reading.release()
            return
        with self._state:
            if not self._response_closed:
                _shut_down_socket(self._response)

    def _end_reading(self) -> None:
        """Close the generator and the response; only with ``_reading`` held."""
        self._deltas.close()
        self._close_response()

    def _close_response(self) -> None:
        with self._state:
            self._response_closed = True
            self._response.close()
            self._finish_locked()

    def _read(self) -> Generator[str, None, None]:
        request = self._response.request
        try:
            if not self._response.headers.get("content-type", "").startswith(EVENT_STREAM):
                yield from self._whole_reply()
                return
            encoding = self._response.headers.get("content-encoding", STREAM_ENCODING)
            if encoding.strip().lower() != STREAM_ENCODING:
                raise MalformedResponseError(
                    f"{request.method} {request.url.path} sent its stream compressed "
                    f"({encoding}) although it was asked not to"
                )
            decoder = SseDecoder(self._max_event_bytes)
            chunks = self._response.iter_raw()
            while (chunk := self._next_chunk(chunks)) is not None:
                if self._stopped.is_set():
                    return
                events = decoder.feed(chunk)
                if events:
                    self._progress_at = self._clock()
                for event in events:
                    if event.data.strip() == DONE_MARKER:
                        self._drain(chunks)
                        return
                    yield from self._chunk(event.data)
                self._check_limits()
            for event in decoder.finish():
                if event.data.strip() != DONE_MARKER:
                    yield from self._chunk(event.data)
        except httpx.TransportError as err:
            if self._stopped.is_set():
                return
            self._check_limits()
            raise _broken_stream_error(err, request, len(self.text)) from err
        finally:
            self._close_response()

    def _next_chunk(self, chunks: Iterator[bytes]) -> bytes | None:
        """The next read, its socket wait capped by the deadline and the idle limit."""
        idle_left_s = self._progress_at + self._idle_s - self._clock()
        limit = Deadline(
            min(self._deadline.remaining_s(), idle_left_s),
            total_s=self._deadline.total_s,
            clock=self._clock,
        )
        with limit.active():
            return next(chunks, None)

    def _drain(self, chunks: Iterator[bytes]) -> None:
        """Read the rest after ``[DONE]`` (normally just the end of the body) so that httpx
        can reuse the connection, as the openai SDK does; a server still talking is cut off."""
        received = 0
        while received <= MAX_DRAIN_BYTES and (chunk := self._next_chunk(chunks)) is not None:
            received += len(chunk)

    def _check_limits(self) -> None:
        """Raise when the deadline has passed, or nothing but comments came for idle_s."""
        request = self._response.request
        after = f"after {len(self.text):,} characters of the reply"
        if self._deadline.passed():
            what = f"the reply passed the call's {self._deadline.total_s:g} s deadline, {after}"
        elif self._clock() - self._progress_at >= self._idle_s:
            what = f"no tokens for {self._idle_s:g} s, {after}"
        else:
            return
        raise TimeoutError(
            f"{request.method} {request.url.path}: {what}",
            method=request.method,
            path=request.url.path,
        )

    def _whole_reply(self) -> Iterator[str]:
        """A server that ignored stream=true and sent the whole completion at once."""
        with self._deadline.active():
            content = read_body(
                self._response,
                deadline=self._deadline,
                max_bytes=self._max_body_bytes,
                setting=MAX_RESPONSE_SETTING,
            )
        completion = reply_from_completion(json_body(content, self._response), self._model, 0.0)
        self._first_token_at = self._clock()
        self._finish_reason, self._usage = completion.finish_reason, completion.usage
        if completion.text:
            with self._state:
                self._parts.append(completion.text)
            yield completion.text

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
                with self._state:
                    if self._reply is not None:
                        return  # stopped meanwhile: the reply is settled
                    if self._first_token_at is None:
                        self._first_token_at = self._clock()
                    self._parts.append(content)
                yield content

    def _finish_locked(self) -> None:
        if self._reply is not None:
            return
        ended_at = self._clock()
        total_s = ended_at - self._sent_at
        ttft_s = None if self._first_token_at is None else self._first_token_at - self._sent_at
        self._reply = ChatReply(
            text="".join(self._parts),
            model=self._model,
            finish_reason=self._finish_reason,
            usage=self._usage,
            timings=ReplyTimings(
                time_to_first_token_s=ttft_s,
                total_s=total_s,
                tokens_per_s=output_tokens_per_s(self._usage, total_s - (ttft_s or 0.0)),
            ),
        )


def _shut_down_socket(response: httpx.Response) -> None:
    """Wake a read blocked on this response's socket (none with an in-process transport).
    The plain-socket call, not SSLSocket's, which would drop TLS state under the reader."""
    stream = response.extensions.get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


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
