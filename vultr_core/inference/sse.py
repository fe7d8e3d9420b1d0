"""Server-sent events, decoded incrementally from whatever byte chunks the network delivers.

The inference API streams chat replies as ``text/event-stream`` (vultr-api.md §3.4). Reads
split events, lines and even CRLF pairs anywhere, so the decoder keeps what it has not yet
seen the end of and emits an event only at its blank line, as the WHATWG spec says.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vultr_core.api.errors import MalformedResponseError

_BOM = "\ufeff"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    """One dispatched event: its data lines joined by newlines, and its type."""

    data: str
    event: str = "message"


class SseDecoder:
    """Bytes in, events out: ``feed`` each chunk as it arrives, ``finish`` at end of stream.

    Comment lines (``: keep-alive``) and events without data are skipped. Text must be UTF-8;
    anything else raises ``MalformedResponseError`` naming the offset, never the bytes.
    """

    def __init__(self) -> None:
        self._pending = b""
        self._pending_offset = 0
        self._after_cr = False
        self._first_line = True
        self._data: list[str] = []
        self._event = ""

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """The events this chunk completes (often none, sometimes several)."""
        if self._after_cr and chunk.startswith(b"\n"):
            # The CR that ended the previous chunk and this LF are one line break.
            chunk = chunk[1:]
            self._pending_offset += 1
        self._after_cr = False
        buffer, base = self._pending + chunk, self._pending_offset
        events: list[ServerSentEvent] = []
        start = 0
        while (end := _next_line_break(buffer, start)) >= 0:
            event = self._line(buffer[start:end], base + start)
            if event is not None:
                events.append(event)
            start = end + 1
            if buffer[end] == ord("\r"):
                if start == len(buffer):
                    self._after_cr = True
                elif buffer[start] == ord("\n"):
                    start += 1
        self._pending, self._pending_offset = buffer[start:], base + start
        return events

    def finish(self) -> list[ServerSentEvent]:
        """Events still owed at end of stream.

        A last event whose lines all ended but whose blank line never came is dispatched: its
        data is whole, and servers that close right after it exist. A last line cut off before
        its line break is dropped, because it may be half a JSON document.
        """
        self._pending = b""
        event = self._dispatch()
        return [event] if event is not None else []

    def _line(self, raw: bytes, offset: int) -> ServerSentEvent | None:
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
        elif name == "event":
            self._event = value
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event = self._data, self._event
        self._data, self._event = [], ""
        if not data:
            return None
        return ServerSentEvent("\n".join(data), event or "message")


def _next_line_break(buffer: bytes, start: int) -> int:
    """Index of the next CR or LF at or after ``start``, or -1."""
    lf = buffer.find(b"\n", start)
    cr = buffer.find(b"\r", start)
    if cr < 0:
        return lf
    if lf < 0:
        return cr
    return min(cr, lf)


def iter_events(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    """Every event of a whole stream, as soon as each one is complete."""
    decoder = SseDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.finish()
