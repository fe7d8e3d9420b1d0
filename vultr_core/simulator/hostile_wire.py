"""Hostile wire: the fault modes where the simulated Vultr answers, but in a way meant to hold
or swamp its client (issue 12, "a hostile world").

Each is a `Faults` knob, off by default and limited to `path_prefix` like every other fault:

- ``drip_bytes_per_s``: 200 and headers at once, then whitespace at that many bytes a second
  for ``drip_for_s`` seconds before the real body (so a client without a deadline ends with
  the right answer, minutes late).
- ``slow_headers_bytes_per_s``: the status line and headers arrive at that many bytes a second.
- ``gzip_bomb_mb``: 200, ``Content-Encoding: gzip``, a body of about 1 KB per MB that inflates
  to that many MB of whitespace.
- ``endless_cursors``: every page of a paged list says there is a next page, with a cursor
  never seen before; each request with such a cursor gets the first page again.
- ``hostile_ids``: managed databases (list and single object) arrive with the ids
  ``../instances/<an instance id>/reboot#``, null and empty, in turn.

Waits go through the simulator's ``stall_sleep``, so tests can run them on a fake clock.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import itertools
import json
import zlib
from collections.abc import Callable, Iterable, Iterator

from .faults import Faults
from .messages import JSON_CONTENT_TYPE, SimRequest, SimResponse

Sleep = Callable[[float], None]

BOMB_PIECE_BYTES = 64 * 1024
"""A bomb goes out in pieces of this many compressed bytes, as a socket read would see it."""
_MB = 1024 * 1024
_ENDLESS_PREFIX = "next__endless-"
DATABASE_PATHS = ("/v2/databases",)


def hostile_id_for(position: int, victim_instance_id: str) -> str | None:
    """The hostile id of the database at ``position``: a path that would reboot an instance
    if sent unquoted, then null, then empty."""
    choices: tuple[str | None, ...] = (f"../instances/{victim_instance_id}/reboot#", None, "")
    return choices[position % len(choices)]


def answer_on_a_hostile_wire(
    faults: Faults,
    request: SimRequest,
    handle: Callable[[SimRequest], SimResponse],
    *,
    sleep: Sleep,
    victim_instance_id: str,
) -> SimResponse:
    """``handle(request)``, reshaped by whichever hostile wire modes apply to its path."""
    if not faults.matches(request.path):
        return handle(request)
    sent = _endless_number(request.param("cursor") or "")
    if faults.endless_cursors and sent is not None:
        request = _without_cursor(request)
    response = handle(request)
    if faults.endless_cursors:
        response = _with_endless_cursor(response, (sent or 0) + 1)
    if faults.hostile_ids and request.path.startswith(DATABASE_PATHS):
        response = _with_hostile_ids(response, victim_instance_id)
    if faults.gzip_bomb_mb > 0:
        response = _gzip_bomb(response, faults.gzip_bomb_mb)
    if faults.drip_bytes_per_s > 0:
        response = _dripping(response, faults.drip_bytes_per_s, faults.drip_for_s, sleep)
    if faults.slow_headers_bytes_per_s > 0:
        response = dataclasses.replace(
            response, header_pace_s=1.0 / faults.slow_headers_bytes_per_s
        )
    return response


def header_block(response: SimResponse) -> bytes:
    """The status line and headers as the HTTP server sends them (the in-process transport
    waits as long as these would take to arrive at a slow-headers pace)."""
    lines = [f"HTTP/1.1 {response.status} -", *(f"{n}: {v}" for n, v in response.headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# -- endless cursors ------------------------------------------------------------------------------


def _without_cursor(request: SimRequest) -> SimRequest:
    query = {name: values for name, values in request.query.items() if name != "cursor"}
    return dataclasses.replace(request, query=query)


def _with_endless_cursor(response: SimResponse, number: int) -> SimResponse:
    """A page whose ``meta.links.next`` is a cursor this chain has not sent before."""
    payload = _json_payload(response)
    meta = payload.get("meta") if isinstance(payload, dict) else None
    links = meta.get("links") if isinstance(meta, dict) else None
    if not isinstance(links, dict):
        return response
    links["next"] = _encode(f"{_ENDLESS_PREFIX}{number}")
    return _with_payload(response, payload)


def _endless_number(cursor: str) -> int | None:
    """The position of one of our endless cursors in its chain; None for any other cursor."""
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except ValueError:
        return None
    if not text.startswith(_ENDLESS_PREFIX):
        return None
    number = text.removeprefix(_ENDLESS_PREFIX)
    return int(number) if number.isdigit() else None


# -- hostile ids ----------------------------------------------------------------------------------


def _with_hostile_ids(response: SimResponse, victim_instance_id: str) -> SimResponse:
    payload = _json_payload(response)
    if not isinstance(payload, dict):
        return response
    databases = payload.get("databases")
    if isinstance(databases, list):
        for position, database in enumerate(databases):
            if isinstance(database, dict):
                database["id"] = hostile_id_for(position, victim_instance_id)
    elif isinstance(payload.get("database"), dict):
        payload["database"]["id"] = hostile_id_for(0, victim_instance_id)
    else:
        return response
    return _with_payload(response, payload)


# -- gzip bomb and drip ---------------------------------------------------------------------------


def _gzip_bomb(response: SimResponse, inflated_mb: int) -> SimResponse:
    compressed = bomb_bytes(inflated_mb)
    pieces = (
        compressed[start : start + BOMB_PIECE_BYTES]
        for start in range(0, len(compressed), BOMB_PIECE_BYTES)
    )
    headers = (("content-type", JSON_CONTENT_TYPE), ("content-encoding", "gzip"))
    return SimResponse(200, headers=headers, stream=pieces, header_pace_s=response.header_pace_s)


@functools.cache
def bomb_bytes(inflated_mb: int) -> bytes:
    """Gzip of ``inflated_mb`` MB of spaces: about 1 KB per MB (deflate's limit is ~1:1030)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    megabyte = b" " * _MB
    parts = [compressor.compress(megabyte) for _ in range(inflated_mb)]
    return b"".join(parts) + compressor.flush()


def _dripping(
    response: SimResponse, bytes_per_s: float, drip_for_s: float, sleep: Sleep
) -> SimResponse:
    body: Iterable[bytes] = response.stream if response.stream is not None else (response.body,)
    pieces = itertools.chain(_whitespace(bytes_per_s, drip_for_s, sleep), body)
    return dataclasses.replace(response, body=b"", stream=pieces)


def _whitespace(bytes_per_s: float, drip_for_s: float, sleep: Sleep) -> Iterator[bytes]:
    for _ in range(max(1, round(bytes_per_s * drip_for_s))):
        sleep(1.0 / bytes_per_s)
        yield b" "


# -- JSON bodies ----------------------------------------------------------------------------------


def _json_payload(response: SimResponse) -> object:
    if response.stream is not None or not 200 <= response.status < 300:
        return None
    try:
        return json.loads(response.body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _with_payload(response: SimResponse, payload: object) -> SimResponse:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return dataclasses.replace(response, body=body)


def _encode(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
