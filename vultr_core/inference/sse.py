"""Server-sent events, decoded incrementally from whatever byte chunks the network delivers.

The inference API streams chat replies as ``text/event-stream`` (vultr-api.md §3.4). Reads
split events, lines and even CRLF pairs anywhere, so the decoder keeps what it has not yet
seen the end of and emits an event only at its blank line, as the WHATWG spec says.

Decoding is linear in the bytes received: each chunk is scanned once, and a line cut across
chunks is kept as a list of pieces joined once, at its end (joining at every chunk made a
16 MiB event in 4 KiB reads cost seconds of CPU). One event may hold at most
``max_event_bytes``; a server that sends more gets a clear error, not our memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NoReturn

from vultr_core.api.errors import MalformedResponseError, ResponseTooLargeError

_BOM = "\ufeff"
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# A chat chunk carries one or a few tokens: a few hundred bytes. 1 MiB is thousands of times
# that, and still small enough that a hostile server cannot make us hold much.
DEFAULT_MAX_EVENT_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event: its data lines joined by newlines, and its type."""

    data: str
    event: str = "message"


class SseDecoder:
    """Bytes in, events out: ``feed`` each chunk as it arrives, ``finish`` at end of stream.

    Comment lines (``: keep-alive``) and events without data are skipped. Text must be UTF-8;
    anything else raises ``MalformedResponseError`` naming the offset, never the bytes, and so
    does an event (or a single line) longer than ``max_event_bytes``.
    """

    def __init__(self, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        if max_event_bytes < 1:
            raise ValueError("max_event_bytes must be >= 1")
        self._max_event_bytes = max_event_bytes
        self._partial: list[bytes] = []
        self._partial_bytes = 0
        self._offset = 0
        self._after_cr = False
        self._first_line = True
        self._data: list[str] = []
        self._data_bytes = 0
        self._event = ""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events this chunk completes (often none, sometimes several)."""
        base = self._offset
        self._offset += len(chunk)
        start = 0
        if self._after_cr and chunk.startswith(b"\n"):
            # The CR that ended the previous chunk and this LF are one line break.
            start = 1
        self._after_cr = False
        events: list[ServerSentEvent] = []
        for line_break in _LINE_BREAK.finditer(chunk, start):
            event = self._line(chunk[start : line_break.start()], base + start)
            if event is not None:
                events.append(event)
            start = line_break.end()
            self._after_cr = line_break.group() == b"\r" and start == len(chunk)
        if start < len(chunk):
            self._partial.append(chunk[start:])
            self._partial_bytes += len(chunk) - start
            self._check_size(base + start)
        return events

    def finish(self) -> list[ServerSentEvent]:
        """Events still owed at end of stream.

        A last event whose lines all ended but whose blank line never came is dispatched: its
        data is whole, and servers that close right after it exist. A last line cut off before
        its line break is dropped, because it may be half a JSON document.
        """
        self._partial, self._partial_bytes = [], 0
        event = self._dispatch()
        return [event] if event is not None else []

    def _line(self, tail: bytes, tail_offset: int) -> ServerSentEvent | None:
        """One whole line: the pieces kept from earlier chunks, then ``tail``."""
        offset = tail_offset - self._partial_bytes
        if self._partial:
            self._partial.append(tail)
            raw = b"".join(self._partial)
            self._partial, self._partial_bytes = [], 0
        else:
            raw = tail
        if len(raw) > self._max_event_bytes:
            self._too_large(offset)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            raise MalformedResponseError(
                f"the event stream is not valid UTF-8 (bad byte at offset {offset + err.start})"
            ) from None
        if self._first_line:
            self._first_line = False
            line = line.removeprefix(_BOM)
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, colon, value = line.partition(":")
        if colon:
            value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
            self._data_bytes += len(raw)
            self._check_size(offset)
        elif name == "event":
            self._event = value
        return None

    def _check_size(self, offset: int) -> None:
        if self._data_bytes + self._partial_bytes > self._max_event_bytes:
            self._too_large(offset)

    def _too_large(self, offset: int) -> NoReturn:
        raise ResponseTooLargeError(
            f"a server-sent event passed the {_size(self._max_event_bytes)} limit "
            f"(at offset {offset}); the stream was cut off there"
        )

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._data_bytes, self._event = [], 0, ""
        if not data:
            return None
        return ServerSentEvent("\n".join(data), event or "message")


def _size(limit_bytes: int) -> str:
    mib = limit_bytes / (1024 * 1024)
    return f"{mib:g} MiB" if mib >= 1 else f"{limit_bytes:,} bytes"


def iter_events(
    chunks: Iterable[bytes], max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES
) -> Iterator[ServerSentEvent]:
    """Every event of a whole stream, as soon as each one is complete."""
    decoder = SseDecoder(max_event_bytes)
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.finish()
