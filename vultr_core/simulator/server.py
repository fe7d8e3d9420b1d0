"""The simulator over real HTTP/1.1 (or HTTPS) on loopback, for clients that cannot take a
transport.

`http.server.ThreadingHTTPServer` with daemon handler threads: a hung request never blocks
`close()`, and concurrent requests are served concurrently (latency faults overlap). Over TLS,
each connection's handshake runs in its handler thread, so a client that refuses the
certificate never blocks the accept loop.
"""

from __future__ import annotations

import socket
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from .announce import ANNOUNCE_PATH, SIMULATOR_HEADER
from .messages import ConnectionDroppedError, RequestHandler, SimRequest

Sleep = Callable[[float], None]

SHUTDOWN_POLL_S = 0.05
"""How often the accept loop checks for `close()`; it bounds how long closing takes."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops SYNs under a concurrent client (retried a
    # second later), which shows up as random one-second stalls in cold page loads.
    request_queue_size = 128
    handle_request_with: RequestHandler
    sleep: Sleep = time.sleep
    tls_context: ssl.SSLContext | None = None

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.tls_refusals = 0
        self._refusals_lock = threading.Lock()

    def finish_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        """Over TLS: the handshake first; a client that refuses our certificate is counted."""
        if self.tls_context is None:
            super().finish_request(request, client_address)
            return
        try:
            secured = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            with self._refusals_lock:
                self.tls_refusals += 1
            return
        try:
            super().finish_request(secured, client_address)
        finally:
            secured.close()

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (e.g. closing a stream it stopped reading) is normal."""
        if isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _PacedWriter:
    """Writes one byte at a time, ``pace_s`` apart: the slow-headers fault on the wire."""

    def __init__(self, inner: BufferedIOBase, pace_s: float, sleep: Sleep) -> None:
        self._inner, self._pace_s, self._sleep = inner, pace_s, sleep

    def write(self, data: bytes) -> int:
        for position in range(len(data)):
            self._sleep(self._pace_s)
            self._inner.write(data[position : position + 1])
        return len(data)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Streamed replies are many small writes; Nagle's algorithm would hold each one back.
    disable_nagle_algorithm = True
    server: _Server
    _header_pace_s = 0.0

    def _serve(self) -> None:
        url = urlsplit(self.path)
        if url.path == ANNOUNCE_PATH:
            self._announce()
            return
        length = int(self.headers.get("content-length") or 0)
        request = SimRequest(
            method=self.command,
            path=url.path,
            query=parse_qs(url.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        try:
            response = self.server.handle_request_with(request, None)
        except ConnectionDroppedError:
            # Write nothing; closing the socket is the whole fault.
            self.close_connection = True
            return
        self._header_pace_s = response.header_pace_s
        try:
            self.send_response(response.status)
            self.send_header(SIMULATOR_HEADER, "1")
            for name, value in response.headers:
                self.send_header(name, value)
            if response.stream is not None:
                self._send_chunked(response.stream)
                return
            if response.status != 204:
                # RFC 9110: no Content-Length on 204.
                self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (its read timeout fired during a hang): nobody to answer.
            self.close_connection = True

    def _announce(self) -> None:
        """Say what this server is, outside the simulation: no fault, no log entry."""
        body = b'{"simulator": true}'
        self._header_pace_s = 0.0
        self.send_response(200)
        self.send_header(SIMULATOR_HEADER, "1")
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _send_chunked(self, pieces: Iterable[bytes]) -> None:
        """HTTP/1.1 chunked body, each piece on the wire as soon as it exists; a drop closes
        the socket before the last chunk, which clients report as an incomplete body."""
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        try:
            for piece in pieces:
                if piece:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        except ConnectionDroppedError:
            self.close_connection = True
            return
        self.wfile.write(b"0\r\n\r\n")

    def end_headers(self) -> None:
        """Send the status line and headers, byte by byte under the slow-headers fault."""
        if self._header_pace_s <= 0:
            super().end_headers()
            return
        plain = self.wfile
        self.wfile = _PacedWriter(plain, self._header_pace_s, self.server.sleep)  # type: ignore[assignment]
        try:
            super().end_headers()
        finally:
            self.wfile = plain

    # http.server dispatches on these exact names.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default stderr access log; the simulator keeps its own request log."""


class SimulatorServer:
    """A running HTTP simulator; use as a context manager, or call `close()`."""

    def __init__(
        self,
        handle: RequestHandler,
        host: str,
        port: int,
        *,
        sleep: Sleep = time.sleep,
        tls: bool = False,
    ) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.handle_request_with = handle
        self._server.sleep = sleep
        self.certificate_pem: bytes | None = None
        if tls:
            # Imported here: only a TLS server needs cryptography.
            from .tls import self_signed_certificate, server_context

            self.certificate_pem, key_pem = self_signed_certificate()
            self._server.tls_context = server_context(self.certificate_pem, key_pem)
        bound_host, bound_port = self._server.server_address[:2]
        scheme = "https" if tls else "http"
        self.base_url = f"{scheme}://{bound_host!s}:{bound_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(SHUTDOWN_POLL_S,),
            name="vultr-simulator",
            daemon=True,
        )
        self._thread.start()

    @property
    def tls_refusals(self) -> int:
        """Connections whose TLS handshake failed: each is one client attempt refused."""
        return self._server.tls_refusals

    def close(self) -> None:
        """Stop accepting requests and release the port (hung handlers are left to die)."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> SimulatorServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
