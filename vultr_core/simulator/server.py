"""The simulator over real HTTP/1.1 on loopback, for clients that cannot take a transport.

`http.server.ThreadingHTTPServer` with daemon handler threads: a hung request never blocks
`close()`, and concurrent requests are served concurrently (latency faults overlap).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from .messages import ConnectionDroppedError, RequestHandler, SimRequest

SHUTDOWN_POLL_S = 0.05
"""How often the accept loop checks for `close()`; it bounds how long closing takes."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    handle_request_with: RequestHandler


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _serve(self) -> None:
        url = urlsplit(self.path)
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
        try:
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            if response.status != 204:
                # RFC 9110: no Content-Length on 204.
                self.send_header("content-length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up first (its read timeout fired during a hang): nobody to answer.
            self.close_connection = True

    # http.server dispatches on these exact names.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        """Silence the default stderr access log; the simulator keeps its own request log."""


class SimulatorServer:
    """A running HTTP simulator; use as a context manager, or call `close()`."""

    def __init__(self, handle: RequestHandler, host: str, port: int) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.handle_request_with = handle
        bound_host, bound_port = self._server.server_address[:2]
        self.base_url = f"http://{bound_host!s}:{bound_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            args=(SHUTDOWN_POLL_S,),
            name="vultr-simulator",
            daemon=True,
        )
        self._thread.start()

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
