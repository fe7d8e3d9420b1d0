"""What both Vultr clients share: httpx construction, pacing, retries and error mapping.

The retry predicate and the status → error mapping each live in exactly one function here, so
the management and inference clients cannot drift apart.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, TypeVar

import httpx

from vultr_core import __version__, telemetry
from vultr_core.api.bounded_body import ACCEPTED_ENCODINGS
from vultr_core.api.deadline import DeadlineTransport, environment_proxy
from vultr_core.api.errors import (
    ApiError,
    ConnectionError,
    RateLimitError,
    ServerError,
    TimeoutError,
    TlsError,
    VultrError,
    error_class_for_status,
)
from vultr_core.api.paths import sent_path
from vultr_core.config import DEFAULT_API_DEADLINE_S, DEFAULT_API_TIMEOUT_S
from vultr_core.redaction import Secret
from vultr_core.url_credentials import host_port

logger = logging.getLogger(__name__)
T = TypeVar("T")

USER_AGENT = f"vultr-dashboard/{__version__}"
DEFAULT_CONNECT_TIMEOUT_S = 5.0
DEFAULT_MAX_CONNECTIONS = 16
DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_BASE_DELAY_S = 0.5
# The ansible vultr.cloud collection caps its backoff at 12 s (vultr-api.md §1.4).
MAX_RETRY_DELAY_S = 12.0
# A Retry-After larger than this is not worth waiting for inside one page load.
MAX_RETRY_AFTER_S = 60.0

Clock = Callable[[], float]
Sleep = Callable[[float], None]


def build_http_client(
    base_url: str,
    api_key: Secret | None,
    *,
    transport: httpx.BaseTransport | None = None,
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
    read_timeout_s: float = DEFAULT_API_TIMEOUT_S,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> httpx.Client:
    """An httpx client with our base URL, timeouts, User-Agent and bearer auth.

    ``transport`` lets tests and demo mode talk to the in-process simulator; without one, the
    client's sockets honour each call's Deadline (``vultr_core.api.deadline``).
    """
    headers = {
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
        "Accept-Encoding": ACCEPTED_ENCODINGS,
    }
    if api_key is not None:
        headers["Authorization"] = f"Bearer {api_key.reveal()}"
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections
    )
    if transport is None:
        transport = DeadlineTransport(limits=limits, proxy=environment_proxy(base_url))
    return httpx.Client(
        base_url=base_url.rstrip("/") + "/",
        headers=headers,
        timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
        limits=limits,
        transport=transport,
        follow_redirects=False,
    )


class Limiter(Protocol):
    """Anything that paces requests: blocks until one more may go, returns the wait in s."""

    def acquire(self) -> float: ...


class RateLimiter:
    """A thread-safe token bucket: ``rate_per_s`` sustained, ``burst`` at once.

    Callers reserve a token under the lock and sleep outside it, so waiting threads do not
    serialise each other. At most ``burst + rate_per_s × T`` requests pass in any window T.
    """

    def __init__(
        self,
        rate_per_s: float,
        burst: int,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be > 0 and burst >= 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = threading.Lock()

    @classmethod
    def per_minute(
        cls, requests: int, *, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> RateLimiter:
        """At most ``requests`` in any rolling minute: refill one per 60/requests seconds,
        with no burst beyond the single token a quiet bucket holds."""
        return cls(requests / 60.0, 1, clock=clock, sleep=sleep)

    def acquire(self) -> float:
        with self._lock:
            now = self._clock()
            self._tokens = min(
                float(self.burst), self._tokens + (now - self._updated) * self.rate_per_s
            )
            self._updated = now
            self._tokens -= 1.0
            wait_s = -self._tokens / self.rate_per_s if self._tokens < 0 else 0.0
        if wait_s > 0:
            self._sleep(wait_s)
        return wait_s


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, bounded in attempts and in total time."""

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    base_delay_s: float = DEFAULT_BASE_DELAY_S
    max_delay_s: float = MAX_RETRY_DELAY_S
    deadline_s: float = DEFAULT_API_DEADLINE_S
    max_retry_after_s: float = MAX_RETRY_AFTER_S

    def is_retryable(self, error: VultrError) -> bool:
        """429, 5xx, timeouts and network failures; never another 4xx, a bad body or TLS."""
        if isinstance(error, TlsError):
            return False
        return isinstance(error, RateLimitError | ServerError | TimeoutError | ConnectionError)

    def delay_s(self, attempt: int, error: VultrError, rng: random.Random) -> float:
        """Wait before retry number ``attempt`` (1-based): the server's Retry-After when it
        sent one, else a uniform draw from [0, min(max_delay, base × 2^(attempt-1))]."""
        if isinstance(error, RateLimitError) and error.retry_after_s is not None:
            return min(error.retry_after_s, self.max_retry_after_s)
        ceiling = min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1))
        return rng.uniform(0.0, ceiling)


class Retrier:
    """Runs attempts under a RetryPolicy: the one retry loop both Vultr clients share.

    Thread-safe: the RNG that draws the jitter is behind a lock.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
        api: str = "management",
    ) -> None:
        self.policy = policy
        self._api = api
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._rng_lock = threading.Lock()

    def call(self, attempt: Callable[[float], T], *, what: str) -> T:
        """``attempt(remaining_s)`` until it succeeds, fails for good, or time runs out.

        ``remaining_s`` is what is left of the deadline, so an attempt can cap its timeout.

        Raises:
            ApiError: the last attempt's failure; when that was a timeout on a try the deadline
                cut short, the API's last real answer (a 429 storm reads as one).
        """
        started = self._clock()
        number = 1
        answered: ApiError | None = None
        first_failure: ApiError | None = None
        while True:
            remaining_s = self.policy.deadline_s - (self._clock() - started)
            try:
                return attempt(remaining_s)
            except ApiError as error:
                delay_s = self._next_delay(number, error, started)
                if delay_s is None:
                    earlier = answered or first_failure
                    if isinstance(error, TimeoutError) and earlier is not None:
                        # A late try had only the deadline's remainder (or spent it waiting
                        # for its turn): what the API did before says what is wrong.
                        raise earlier from error
                    raise
                first_failure = first_failure or error
                if not isinstance(error, TimeoutError):
                    answered = error
                logger.debug(
                    "retrying %s after %s in %.2f s (attempt %d of %d)",
                    what,
                    type(error).__name__,
                    delay_s,
                    number + 1,
                    self.policy.max_attempts,
                )
                telemetry.record_retry(self._api)
                self._sleep(delay_s)
                number += 1

    def _next_delay(self, number: int, error: ApiError, started: float) -> float | None:
        """The wait before the next attempt, or None when we must give up now."""
        if not self.policy.is_retryable(error) or number >= self.policy.max_attempts:
            return None
        with self._rng_lock:
            delay_s = self.policy.delay_s(number, error, self._rng)
        if self._clock() - started + delay_s >= self.policy.deadline_s:
            logger.debug("giving up: a %.2f s wait would pass the deadline", delay_s)
            return None
        return delay_s


def api_error_message(body: object) -> str | None:
    """The API's own words from an error body, in any of the shapes Vultr uses.

    Management: ``{"error": "...", "status": N}``; inference: ``{"error": {"message": ...}}``
    or ``{"message": "..."}`` (vultr-api.md §1.3, §3.5).
    """
    if not isinstance(body, Mapping):
        return None
    error = body.get("error")
    if isinstance(error, str) and error:
        return error
    if isinstance(error, Mapping) and isinstance(error.get("message"), str):
        return str(error["message"])
    message = body.get("message")
    return message if isinstance(message, str) and message else None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_for_response(response: httpx.Response, content: bytes | None = None) -> ApiError:
    """The typed error for a non-2xx response, carrying status and the API's message.

    ``content``: the body when the caller read it itself; else the response's own, read.
    """
    try:
        body: object = json.loads(response.content if content is None else content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    api_message = api_error_message(body)
    method, path = response.request.method, sent_path(response.request)
    status = response.status_code
    reason = api_message or response.reason_phrase or "no message"
    message = f"{method} {path} failed with HTTP {status}: {reason}"
    error_class = error_class_for_status(status)
    if error_class is RateLimitError:
        return RateLimitError(
            message,
            status=status,
            api_message=api_message,
            method=method,
            path=path,
            retry_after_s=parse_retry_after(response.headers.get("Retry-After")),
        )
    return error_class(message, status=status, api_message=api_message, method=method, path=path)


def error_for_transport_failure(error: httpx.TransportError, request: httpx.Request) -> ApiError:
    """The typed error for a request that got no response at all."""
    method, path = request.method, sent_path(request)
    where = host_port(str(request.url), with_default_port=True)
    # TLS is negotiated while connecting; a TLS error on a later read is a broken connection.
    tls_reason = _tls_reason(error) if isinstance(error, httpx.ConnectError) else None
    if tls_reason is not None:
        return TlsError(
            f"{method} {path} could not reach {where}: {tls_reason}",
            method=method,
            path=path,
        )
    if isinstance(error, httpx.TimeoutException):
        return TimeoutError(
            f"{method} {path} timed out ({type(error).__name__})", method=method, path=path
        )
    return ConnectionError(
        f"{method} {path} could not reach {where}: {type(error).__name__}",
        method=method,
        path=path,
    )


def _tls_reason(error: BaseException) -> str | None:
    """OpenSSL's reason when TLS itself failed (somewhere in the cause chain), else None.

    A connection closed midway through a handshake (SSLEOFError) is a network failure, not
    a TLS refusal: it stays retryable.
    """
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"certificate verify failed: {cause.verify_message}"
        if isinstance(cause, ssl.SSLError) and not isinstance(
            cause, ssl.SSLEOFError | ssl.SSLZeroReturnError
        ):
            reason = cause.reason or str(cause)
            return f"TLS handshake failed: {reason.replace('_', ' ').lower()}"
        cause = cause.__cause__ or cause.__context__
    return None
