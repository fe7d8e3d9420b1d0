"""An httpx transport that answers in-process from the simulator (no sockets, any host name)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import parse_qs

import httpx

from .messages import ConnectionDroppedError, ReadTimeoutError, RequestHandler, SimRequest

DROPPED_MESSAGE = "Server disconnected without sending a response."
"""What httpx (h11) says when a server closes the connection before answering."""
BROKEN_BODY_MESSAGE = "peer closed connection without sending complete message body"
"""What httpx (h11) says when a server closes the connection halfway through a body."""


class SimulatorTransport(httpx.BaseTransport):
    """Turns httpx requests into `SimRequest`s and simulator faults into httpx exceptions.

    Holds no per-request state, so one instance may serve many threads at once.
    """

    def __init__(self, handle: RequestHandler) -> None:
        self._handle = handle

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sim_request = SimRequest(
            method=request.method,
            path=request.url.path,
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
        if response.stream is not None:
            return httpx.Response(
                response.status,
                headers=list(response.headers),
                stream=_PieceStream(response.stream, request),
                request=request,
            )
        return httpx.Response(
            response.status,
            headers=list(response.headers),
            content=response.body,
            request=request,
        )


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
