"""The simulator's own request/response types, shared by every served API and both front ends.

The transport (httpx, in-process) and the HTTP server translate to and from these, so the routing,
fault and logging code never depends on how a request arrived.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

JsonObject = dict[str, Any]

JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class SimRequest:
    """One request as the simulator sees it: header names lower-case, query already split."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def param(self, name: str) -> str | None:
        """The first value of query parameter `name`, as most APIs read repeated parameters."""
        values = self.query.get(name)
        return values[0] if values else None


@dataclass(frozen=True)
class SimResponse:
    """An answer: status, extra headers and the exact body bytes.

    A streamed answer (server-sent events) has ``stream`` instead of ``body``: the front end
    sends each piece as the iterable yields it, pauses included; raising
    ``ConnectionDroppedError`` from it breaks the connection off mid-body.
    """

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    stream: Iterable[bytes] | None = field(default=None, compare=False)
    # Seconds between two bytes of the status line and headers (the slow-headers fault).
    header_pace_s: float = 0.0

    @classmethod
    def json(cls, payload: object, status: int = 200) -> SimResponse:
        """Serialise compactly, as Vultr does, so byte-level determinism checks are meaningful."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, body, (("content-type", JSON_CONTENT_TYPE),))

    @classmethod
    def no_content(cls) -> SimResponse:
        """Vultr's answer to actions and deletes: 204 and not a single body byte."""
        return cls(204)

    def with_header(self, name: str, value: str) -> SimResponse:
        return dataclasses.replace(self, headers=(*self.headers, (name.lower(), value)))


@dataclass(frozen=True)
class LoggedRequest:
    """A request the simulator received, with the status it answered (0 = no response sent)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int


NO_RESPONSE_STATUS = 0
"""Status recorded for a request that got no response (dropped connection or client timeout)."""


class ConnectionDroppedError(Exception):
    """The simulated server closed the connection without answering."""


class ReadTimeoutError(Exception):
    """The client's read timeout ran out while the simulated server was stalling."""


RequestHandler = Callable[[SimRequest, float | None], SimResponse]
"""`Simulator.handle`: a request and the client's read timeout in seconds (None = no limit)."""
