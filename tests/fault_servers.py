"""Unfriendly servers on loopback for the health tests: real sockets, not mocks.

``SilentServer`` accepts connections and never says a word (a hung host, a firewall that
swallows packets after the handshake). ``FaultProxy`` forwards to a real PostgreSQL or Valkey
and can be cut (every connection dropped and new ones closed at once, as during a restart)
and restored.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

Upstream = tuple[str, int] | str


class SilentServer:
    """Listens on 127.0.0.1, accepts every connection, reads nothing, answers nothing."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._accepted: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = self._listener.accept()
                self._accepted.append(connection)

    def close(self) -> None:
        self._listener.close()
        for connection in self._accepted:
            connection.close()


class FaultProxy:
    """A TCP proxy on 127.0.0.1 in front of ``upstream`` (host and port, or a Unix socket)."""

    def __init__(self, upstream: Upstream) -> None:
        self._upstream = upstream
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: list[socket.socket] = []
        self._cut = False
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Drop every connection, and close new ones at once, until ``restore``."""
        with self._lock:
            self._cut = True
            dropped, self._open = self._open, []
        for sock in dropped:
            _close(sock)

    def restore(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self.cut()
        self._listener.close()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self._listener.accept()
                with self._lock:
                    cut = self._cut
                if cut:
                    _close(client)
                    continue
                threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            server = _connect(self._upstream)
        except OSError:
            _close(client)
            return
        with self._lock:
            self._open += [client, server]
        threading.Thread(target=_pump, args=(server, client), daemon=True).start()
        _pump(client, server)


def postgres_upstream(url: str) -> Upstream:
    """Where a PostgreSQL URL points: its TCP address, or its Unix socket file."""
    parts = urlsplit(url)
    socket_dir = parse_qs(parts.query).get("host", [None])[0]
    if socket_dir and socket_dir.startswith("/"):
        return f"{socket_dir}/.s.PGSQL.{parts.port or 5432}"
    return (parts.hostname or "127.0.0.1", parts.port or 5432)


def with_host(url: str, port: int, *, user: str | None = None, password: str | None = None) -> str:
    """The PostgreSQL URL re-pointed at 127.0.0.1:port (the proxy), optionally as another user."""
    parts = urlsplit(url)
    user = user or parts.username or "postgres"
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return f"postgresql://{credentials}127.0.0.1:{port}{parts.path or '/postgres'}"


@contextlib.contextmanager
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    try:
        yield server
    finally:
        server.close()


def _connect(upstream: Upstream) -> socket.socket:
    if isinstance(upstream, str):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(upstream)
        return sock
    sock = socket.create_connection(upstream, timeout=5)
    sock.settimeout(None)  # only connecting is bounded: pooled connections idle for long
    return sock


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    _close(source)
    _close(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
