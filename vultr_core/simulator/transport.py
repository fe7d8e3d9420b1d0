"""An httpx transport that answers in-process from the simulator (no sockets, any host name)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import parse_qs

import httpx

from .hostile_wire import header_block
from .messages import (
    ConnectionDroppedError,
    ReadTimeoutError,
    RequestHandler,
    SimRequest,
    SimResponse,
)

DROPPED_MESSAGE = "Server disconnected without sending a response."
"""What httpx (h11) says when a server closes the connection before answering."""
BROKEN_BODY_MESSAGE = "peer closed connection without sending complete message body"
"""What httpx (h11) says when a server closes the connection halfway through a body."""


class SimulatorTransport(httpx.BaseTransport):
    """Turns httpx requests into `SimRequest`s and simulator faults into httpx exceptions.

    Holds no per-request state, so one instance may serve many threads at once.
    """

    def __init__(
        self, handle: RequestHandler, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self._handle = handle
        self._sleep = sleep

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sim_request = SimRequest(
            method=request.method,
            # As sent, percent-escapes kept: a server routes on the raw path, as the HTTP
            # front end does, so an escaped `/` inside an id stays inside that id.
            path=request.url.raw_path.split(b"?", 1)[0].decode("ascii"),
            query=parse_qs(request.url.query.decode(), keep_blank_values=True),
            headers={name.lower(): value for name, value in request.headers.items()},
            body=request.read(),
        )
        timeouts = request.extensions.get("timeout", {})
        try:
            response = self._handle(sim_request, timeouts.get("read"))
        except ConnectionDroppedError as err:
            raise httpx.RemoteProtocolError(DROPPED_MESSAGE, request=request) from err
        except ReadTimeoutError as err:
            raise httpx.ReadTimeout("The read operation timed out", request=request) from err
        if response.header_pace_s > 0:
            # Each header byte arrives within any read timeout: only a deadline ends the wait.
            self._sleep(len(header_block(response)) * response.header_pace_s)
        # Always a stream, as from a socket: httpx reads in-memory content on the spot, and
        # a client must be able to read (or refuse) a body piece by piece.
        pieces = response.stream if response.stream is not None else (response.body,)
        return httpx.Response(
            response.status,
            headers=_with_length(response),
            stream=_PieceStream(pieces, request),
            request=request,
        )


def _with_length(response: SimResponse) -> list[tuple[str, str]]:
    """The headers, with Content-Length for a body in one piece (RFC 9110: none on 204)."""
    headers = list(response.headers)
    if response.stream is None and response.status != 204:
        headers.append(("content-length", str(len(response.body))))
    return headers


class _PieceStream(httpx.SyncByteStream):
    """A streamed simulator body, read lazily; a mid-body drop becomes httpx's own error."""

    def __init__(self, pieces: Iterable[bytes], request: httpx.Request) -> None:
        self._pieces = pieces
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        try:
            yield from self._pieces
        except ConnectionDroppedError as err:
            raise httpx.RemoteProtocolError(BROKEN_BODY_MESSAGE, request=self._request) from err

    def close(self) -> None:
        close = getattr(self._pieces, "close", None)
        if callable(close):
            close()
