"""The SSE decoder: whatever way the network splits the bytes, the same events come out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vultr_core.api.errors import MalformedResponseError, ResponseTooLargeError
from vultr_core.inference.sse import (
    DEFAULT_MAX_EVENT_BYTES,
    ServerSentEvent,
    SseDecoder,
    iter_events,
)

# Event text may hold anything but line breaks (a line break ends an SSE line).
line_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=40
)
events = st.lists(
    st.builds(
        ServerSentEvent,
        data=st.lists(line_text, min_size=1, max_size=3).map("\n".join),
        event=st.sampled_from(["message", "error", "ping"]),
    ),
    max_size=6,
)
line_breaks = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def wire(draw: st.DrawFn, sent: list[ServerSentEvent]) -> bytes:
    """The events as a server might write them: any line ending (one per stream: a CR then an
    LF would be one break), comments, keep-alives, optional spaces after the colon."""
    end = draw(line_breaks)
    out: list[str] = []
    for event in sent:
        out += [": keep-alive" + end] * draw(st.integers(0, 2))
        if draw(st.booleans()):
            out.append(end)
        if event.event != "message" or draw(st.booleans()):
            out.append(f"event: {event.event}{end}")
        for line in event.data.split("\n"):
            # One space after the colon is dropped, so a value starting with one needs it.
            separator = ":" if not line.startswith(" ") and draw(st.booleans()) else ": "
            out.append(f"data{separator}{line}{end}")
        out.append(end)
    return "".join(out).encode()


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({min(cut, len(data)) for cut in cuts})
    return [data[a:b] for a, b in zip([0, *points], [*points, len(data)], strict=True)]


@given(st.data(), events, st.lists(st.integers(0, 400), max_size=12))
def test_same_events_however_the_bytes_are_split(
    data: st.DataObject, sent: list[ServerSentEvent], cuts: list[int]
) -> None:
    raw = data.draw(wire(sent))
    assert list(iter_events(split_at(raw, cuts))) == sent


@given(st.data(), events)
def test_one_byte_at_a_time(data: st.DataObject, sent: list[ServerSentEvent]) -> None:
    raw = data.draw(wire(sent))
    assert list(iter_events(raw[i : i + 1] for i in range(len(raw)))) == sent


def test_crlf_split_between_reads_is_one_line_break() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b"data: a\r") == []
    # Were "\r" and "\n" two breaks, this blank line would be seen here and "a" dispatched.
    assert decoder.feed(b"\ndata: b\r") == []
    assert decoder.feed(b"\n\r\n") == [ServerSentEvent("a\nb")]


def test_comments_and_keep_alives_produce_nothing() -> None:
    decoder = SseDecoder()
    assert decoder.feed(b": ping\n\n:\n\n\n") == []
    assert decoder.finish() == []


def test_last_event_without_its_blank_line_still_counts() -> None:
    """A server that closes right after a whole event (no [DONE], no blank line)."""
    assert list(iter_events([b'data: {"usage": 1}\n'])) == [ServerSentEvent('{"usage": 1}')]


def test_a_line_cut_off_at_the_end_is_dropped() -> None:
    assert list(iter_events([b"data: one\n\n", b'data: {"half'])) == [ServerSentEvent("one")]


def test_byte_order_mark_at_the_start_is_ignored() -> None:
    assert list(iter_events([b"\xef\xbb", b"\xbfdata: x\n\n"])) == [ServerSentEvent("x")]


def test_field_without_colon_and_unknown_fields_are_ignored() -> None:
    raw = b"retry: 10\nid: 7\ndata\nfoo: bar\ndata: x\n\n"
    assert list(iter_events([raw])) == [ServerSentEvent("\nx")]


@pytest.mark.parametrize("cut", [0, 9, 10, 11, 30])
def test_invalid_utf8_is_a_clear_error_wherever_the_read_splits(cut: int) -> None:
    raw = b"data: ok\n\ndata: caf\xe9 \xff\n\n"
    with pytest.raises(MalformedResponseError) as caught:
        list(iter_events(split_at(raw, [cut])))
    assert "not valid UTF-8" in str(caught.value)
    assert "offset 19" in str(caught.value)
    assert "\\xe9" not in str(caught.value)


def decode(chunks: list[bytes]) -> list[ServerSentEvent] | MalformedResponseError:
    try:
        return list(iter_events(chunks))
    except MalformedResponseError as error:
        return error


@given(st.binary(max_size=200), st.lists(st.integers(0, 200), max_size=6))
def test_any_bytes_give_events_or_the_clear_error(raw: bytes, cuts: list[int]) -> None:
    """Never a UnicodeDecodeError or an IndexError: events, or our one clear error."""
    outcome = decode(split_at(raw, cuts))
    if isinstance(outcome, MalformedResponseError):
        assert "not valid UTF-8" in str(outcome)
    else:
        assert outcome == decode([raw])


# The size cap: one event, or one line, past it is refused; many small events are not.


@pytest.mark.parametrize("read_size", [7, 4096, 10**6])
@pytest.mark.parametrize(
    "raw",
    [
        b"data: " + b"x" * 200 + b"\n\n",
        b"data: " + b"x" * 60 + b"\ndata: " + b"x" * 60 + b"\ndata: " + b"x" * 60 + b"\n\n",
        b": " + b"k" * 200 + b"\n",
        b"data: " + b"x" * 200,
    ],
    ids=["one data line", "three data lines", "a comment", "a line never ended"],
)
def test_an_event_past_the_cap_is_refused_however_it_arrives(raw: bytes, read_size: int) -> None:
    chunks = [raw[i : i + read_size] for i in range(0, len(raw), read_size)]
    with pytest.raises(ResponseTooLargeError, match="passed the 128 bytes limit"):
        list(iter_events(chunks, max_event_bytes=128))


def test_the_cap_is_per_event_not_per_stream() -> None:
    raw = b"".join(b"data: " + b"x" * 100 + b"\n\n" for _ in range(1000))
    events = list(iter_events([raw[i : i + 4096] for i in range(0, len(raw), 4096)], 128))
    assert events == [ServerSentEvent("x" * 100)] * 1000


def test_the_default_cap_is_one_mib() -> None:
    fits = b"data: " + b"x" * (DEFAULT_MAX_EVENT_BYTES - 100) + b"\n\n"
    assert [len(e.data) for e in iter_events([fits])] == [DEFAULT_MAX_EVENT_BYTES - 100]
    with pytest.raises(ResponseTooLargeError, match="1 MiB"):
        list(iter_events([b"data: " + b"x" * DEFAULT_MAX_EVENT_BYTES + b"\n\n"]))


@given(st.data(), events, st.lists(st.integers(0, 400), max_size=12))
def test_events_under_a_tight_cap_still_decode_whatever_the_split(
    data: st.DataObject, sent: list[ServerSentEvent], cuts: list[int]
) -> None:
    """A cap just above the largest event changes nothing (it counts bytes, not chunks)."""
    raw = data.draw(wire(sent))
    largest_line = max((len(line) for line in raw.splitlines()), default=0)
    cap = 3 * (largest_line + len(": keep-alive")) + 16
    assert list(iter_events(split_at(raw, cuts), max_event_bytes=cap)) == sent
