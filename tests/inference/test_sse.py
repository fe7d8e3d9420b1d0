"""The SSE decoder: whatever way the network splits the bytes, the same events come out."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vultr_core.api.errors import MalformedResponseError
from vultr_core.inference.sse import ServerSentEvent, SseDecoder, iter_events

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
