"""A call's deadline, enforced down to every socket operation.

httpx's timeouts are per operation: a server that sends one byte a second, of its headers or
of its body, never trips a 30 s read timeout and holds a call for as long as it likes. A
``Deadline`` is set once per attempt; while it is active on a thread (``Deadline.active``),
``DeadlineTransport``'s sockets shorten every connect, TLS handshake, read and write to what is
left of it, and fail at once when nothing is. The caller checks the same deadline between the
pieces of a body (``Deadline.check``), so the in-process simulator's transport, which has no
sockets, is bounded as well.
"""

from __future__ import annotations

import contextlib
import contextvars
import ssl
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from vultr_core.api.errors import TimeoutError

Clock = Callable[[], float]

# The real monotonic time by which this thread's socket operations must be over (None: none).
_SOCKET_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "vultr_socket_deadline", default=None
)


class Deadline:
    """The end of one attempt: ``remaining_s`` from now, on ``clock`` (injectable in tests)
    and on the real monotonic clock that sockets wait on. ``total_s`` is the whole call's
    deadline, for messages."""

    def __init__(
        self, remaining_s: float, *, total_s: float, clock: Clock = time.monotonic
    ) -> None:
        self.total_s = total_s
        self._clock = clock
        self._at = clock() + remaining_s
        self._socket_at = time.monotonic() + remaining_s

    def remaining_s(self) -> float:
        return self._at - self._clock()

    def passed(self) -> bool:
        return self.remaining_s() <= 0

    def check(self, method: str, path: str, doing: str) -> None:
        """Raises the error below when no time is left."""
        if self.passed():
            raise self.error(method, path, doing)

    def error(self, method: str, path: str, doing: str) -> TimeoutError:
        """The project's timeout error for a call that ran out of time while ``doing``."""
        return TimeoutError(
            f"{method} {path} timed out ({doing}): no complete answer within the call's "
            f"{self.total_s:g} s deadline",
            method=method,
            path=path,
        )

    def timeout(self, configured: httpx.Timeout) -> httpx.Timeout:
        """``configured``, with every part (connect, read, write, pool) capped by what is left."""
        left_s = max(self.remaining_s(), 0.001)

        def cap(value: float | None) -> float:
            return left_s if value is None else min(value, left_s)

        return httpx.Timeout(
            connect=cap(configured.connect),
            read=cap(configured.read),
            write=cap(configured.write),
            pool=cap(configured.pool),
        )

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Within the block, this thread's sockets (DeadlineTransport's) end at the deadline."""
        token = _SOCKET_DEADLINE.set(self._socket_at)
        try:
            yield
        finally:
            _SOCKET_DEADLINE.reset(token)


def _capped(timeout: float | None, fail: type[httpcore.TimeoutException]) -> float | None:
    """``timeout`` shortened to the active deadline; raises ``fail`` when it has passed."""
    deadline = _SOCKET_DEADLINE.get()
    if deadline is None:
        return timeout
    left_s = deadline - time.monotonic()
    if left_s <= 0:
        raise fail("the call's deadline passed")
    return left_s if timeout is None else min(timeout, left_s)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _capped(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _capped(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        capped = _capped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, capped))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own sockets, each operation capped by the thread's active deadline."""

    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        capped = _capped(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, capped, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        capped = _capped(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, capped, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport (pool, TLS, proxy, error mapping) on sockets that honour the
    active Deadline; without one it behaves exactly like ``httpx.HTTPTransport``."""

    def __init__(self, *, limits: httpx.Limits, proxy: str | None = None) -> None:
        super().__init__(limits=limits, proxy=proxy)
        # httpx takes no network backend; httpcore's pool does, under this attribute.
        pool = self._pool
        pool._network_backend = _DeadlineBackend(pool._network_backend)


def environment_proxy(url: str) -> str | None:
    """The proxy the environment names for ``url`` (HTTPS_PROXY, ALL_PROXY…, minus NO_PROXY):
    httpx reads these itself only when it builds its own transport."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if not proxy or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy
