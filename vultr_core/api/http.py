"""What both Vultr clients share: httpx construction, pacing, retries and error mapping.

The retry predicate and the status → error mapping each live in exactly one function here, so
the management and inference clients cannot drift apart.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, TypeVar

import httpx

from vultr_core import __version__
from vultr_core.api.errors import (
    ApiError,
    ConnectionError,
    MalformedResponseError,
    RateLimitError,
    ServerError,
    TimeoutError,
    VultrError,
    error_class_for_status,
)
from vultr_core.config import DEFAULT_API_DEADLINE_S, DEFAULT_API_TIMEOUT_S, Secret

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

    ``transport`` lets tests and demo mode talk to the in-process simulator.
    """
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if api_key is not None:
        headers["Authorization"] = f"Bearer {api_key.reveal()}"
    return httpx.Client(
        base_url=base_url.rstrip("/") + "/",
        headers=headers,
        timeout=httpx.Timeout(read_timeout_s, connect=connect_timeout_s),
        limits=httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        ),
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
        """429, 5xx, timeouts and network failures; never another 4xx or a bad body."""
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
    ) -> None:
        self.policy = policy
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
        while True:
            remaining_s = self.policy.deadline_s - (self._clock() - started)
            try:
                return attempt(remaining_s)
            except ApiError as error:
                delay_s = self._next_delay(number, error, started)
                if delay_s is None:
                    if isinstance(error, TimeoutError) and answered is not None:
                        # A late try had only the deadline's remainder to be answered in:
                        # what the API answered before says what is wrong.
                        raise answered from error
                    raise
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


def error_for_response(response: httpx.Response) -> ApiError:
    """The typed error for a non-2xx response, carrying status and the API's message."""
    try:
        body: object = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = None
    api_message = api_error_message(body)
    method, path = response.request.method, response.request.url.path
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
    where = f"{request.method} {request.url.path}"
    if isinstance(error, httpx.TimeoutException):
        return TimeoutError(
            f"{where} timed out ({type(error).__name__})",
            method=request.method,
            path=request.url.path,
        )
    return ConnectionError(
        f"{where} could not reach {request.url.host}: {type(error).__name__}",
        method=request.method,
        path=request.url.path,
    )


class JsonApi:
    """Sends JSON requests with pacing and retries, and turns every failure into a VultrError.

    Thread-safe: the httpx client, the limiter and the RNG (under a lock) are shared.
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        limiter: Limiter | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client
        self.limiter = limiter
        self.retry = retry or RetryPolicy()
        self._retrier = Retrier(self.retry, clock=clock, sleep=sleep, rng=rng)

    def request_json(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Mapping[str, Any] | None = None,
    ) -> Any:
        """The decoded JSON body (None for 204), after retries within the deadline.

        Raises:
            ApiError: the subclass for the failure that ended the attempts.
        """
        return self._retrier.call(
            lambda remaining_s: self._send_once(method, path, params, json_body, remaining_s),
            what=f"{method} /{path.lstrip('/')}",
        )

    def _send_once(
        self,
        method: str,
        path: str,
        params: Mapping[str, str | int] | None,
        json_body: Mapping[str, Any] | None,
        remaining_s: float,
    ) -> Any:
        if self.limiter is not None:
            self.limiter.acquire()
        timeout = self.client.timeout
        read_s = min(timeout.read or DEFAULT_API_TIMEOUT_S, max(remaining_s, 0.001))
        request = self.client.build_request(
            method,
            path.lstrip("/"),
            params=params,
            json=json_body,
            timeout=httpx.Timeout(read_s, connect=min(timeout.connect or read_s, read_s)),
        )
        try:
            response = self.client.send(request)
        except httpx.TransportError as err:
            raise error_for_transport_failure(err, request) from err
        if not response.is_success:
            raise error_for_response(response)
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise MalformedResponseError(
                f"{method} {request.url.path} returned HTTP {response.status_code} "
                f"with a body that is not valid JSON ({len(response.content)} bytes)",
                status=response.status_code,
                method=method,
                path=request.url.path,
            ) from err

    def close(self) -> None:
        self.client.close()
