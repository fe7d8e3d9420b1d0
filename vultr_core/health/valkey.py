"""Valkey: one way to connect, the cache's atomic read-and-remove, and the health probe.

Works with Valkey and with Redis 7 (same protocol); ``rediss://`` for TLS, as Vultr's managed
Valkey requires. The probe times N PINGs, reads INFO, and asks for SLOWLOG and LATENCY LATEST
only as far as the service allows: managed services may refuse admin commands, and then the
report says "not available on this service" instead of failing (ANCHORS.md §3.4).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import valkey
from valkey.backoff import NoBackoff
from valkey.exceptions import AuthenticationError as ValkeyAuthenticationError
from valkey.exceptions import ConnectionError as ValkeyConnectionError
from valkey.exceptions import ResponseError, ValkeyError
from valkey.exceptions import TimeoutError as ValkeyTimeoutError
from valkey.retry import Retry

from vultr_core.api.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionError,
    ServiceError,
    TimeoutError,
    VultrError,
)
from vultr_core.config import Secret, mask_url_password
from vultr_core.health.probing import CheckResult, LatencySummary, latency_check, time_round_trips
from vultr_core.health.valkey_checks import (
    LATENCY_P95_THRESHOLD_MS,
    MEMORY_USAGE_THRESHOLD,
    CounterSample,
    IntervalRates,
    LatencyEvent,
    SlowlogEntry,
    ValkeyInfo,
    eviction_policy_check,
    evictions_check,
    fragmentation_check,
    memory_check,
    parse_latency_latest,
    parse_slowlog,
    replication_check,
)
from vultr_core.url_credentials import split_credentials

T = TypeVar("T")

DEFAULT_SOCKET_TIMEOUT_S = 5.0
DEFAULT_CONNECT_TIMEOUT_S = 3.0
# Uses that have a way around Valkey (the shared management cache, the shared inference budget,
# the health history) wait no longer than this: a cache slower than that costs more than it saves,
# and a Valkey that accepts connections but never answers must not hold every page up.
FALLBACK_SOCKET_TIMEOUT_S = 0.5
FALLBACK_CONNECT_TIMEOUT_S = 1.0


def connect_valkey(
    url: Secret | str,
    *,
    socket_timeout_s: float = DEFAULT_SOCKET_TIMEOUT_S,
    connect_timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S,
    reconnect_once: bool = False,
    client_name: str | None = None,
) -> valkey.Valkey:
    """A client for the URL with bounded timeouts (valkey-py's default is to wait forever).

    Connecting is lazy: the first command reaches the server. With ``reconnect_once`` a
    command that finds its pooled connection closed (a server restarted since) reconnects and
    tries once more, instead of failing; timeouts are never retried. That replaces the idle
    PING health check, which valkey-py cannot combine with retries: a PING failing while a
    connection is set up reconnects, which PINGs again, without end.

    The user info is split at the last ``@`` and encoded again first: valkey-py reads the URL
    with ``urlsplit``, which a ``#``, ``/`` or ``?`` in a password cuts short, and then quotes
    a piece of the password in "Port could not be cast to integer value as …".

    Raises:
        ValueError: the URL cannot be read (its message quotes no password).
    """
    raw_url = split_credentials(url.reveal() if isinstance(url, Secret) else url).normalised()
    options: dict[str, Any] = {"health_check_interval": 30}
    if reconnect_once:
        options = {
            "health_check_interval": 0,
            "retry": Retry(NoBackoff(), 1, supported_errors=(ValkeyConnectionError,)),
            "retry_on_error": [ValkeyConnectionError],
        }
    return valkey.Valkey.from_url(
        raw_url,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=connect_timeout_s,
        client_name=client_name,
        **options,
    )


def valkey_error(error: ValkeyError, url: Secret | str, doing: str) -> VultrError:
    """Our error for a valkey-py failure: what we were doing, where, never the password."""
    where = mask_url_password(url.reveal() if isinstance(url, Secret) else url)
    if isinstance(error, ValkeyTimeoutError):
        return TimeoutError(f"Valkey at {where} did not answer in time while {doing}")
    if isinstance(error, ValkeyAuthenticationError) or _is_auth_refusal(error):
        return AuthenticationError(
            f"Valkey at {where} rejected the user name or password while {doing}: {error}"
        )
    if isinstance(error, ValkeyConnectionError):
        return ConnectionError(f"could not reach Valkey at {where} while {doing}: {error}")
    return ServiceError(f"Valkey at {where} refused {doing}: {error}")


def mget_and_delete(client: valkey.Valkey, keys: Sequence[str | bytes]) -> list[bytes | None]:
    """Read several keys and remove them in one atomic step: values in key order, None for
    a missing key. Nobody else can read a value this call returns, nor see half the keys gone.

    MULTI/EXEC rather than a Lua script: managed services may disable scripting, and a
    transaction has no argument-count limit (Lua's ``unpack`` stops near 8,000).
    """
    if not keys:
        return []
    with client.pipeline(transaction=True) as transaction:
        transaction.mget(keys)
        transaction.unlink(*keys)
        # valkey-py leaves Pipeline.execute unannotated.
        values, _removed = transaction.execute()  # type: ignore[no-untyped-call]
    return list(values)


def _is_auth_refusal(error: ValkeyError) -> bool:
    """WRONGPASS / NOAUTH replies, which some servers send as plain errors."""
    text = str(error).upper()
    return isinstance(error, ResponseError) and text.startswith(("WRONGPASS", "NOAUTH"))


# --- the health probe ------------------------------------------------------------------------

DEFAULT_PROBE_TIMEOUT_S = 2.0
DEFAULT_PING_SAMPLES = 20
DEFAULT_SLOWLOG_ENTRIES = 10
# The first check has no earlier INFO to compare with, so it takes two this far apart.
DEFAULT_FIRST_INTERVAL_S = 1.0
# An earlier sample older than this describes another part of the day: sample afresh.
MAX_INTERVAL_S = 600.0
PROBE_CLIENT_NAME = "vultr-dashboard-health"
ROUND_TRIP_KEY_PREFIX = "vultr-dashboard:health-test:"


@dataclass(frozen=True)
class ValkeyThresholds:
    """Every check's threshold in one place (see ``vultr_core.health.valkey_checks`` for why)."""

    latency_p95_ms: float = LATENCY_P95_THRESHOLD_MS
    memory_usage: float = MEMORY_USAGE_THRESHOLD


@dataclass(frozen=True)
class ValkeyReport:
    """One probe run. A figure the service refused is None, and ``unavailable`` says why."""

    where: str
    checked_at: datetime
    latency: LatencySummary
    info: ValkeyInfo | None
    rates: IntervalRates | None
    slowlog: tuple[SlowlogEntry, ...] | None
    latency_events: tuple[LatencyEvent, ...] | None
    unavailable: Mapping[str, str] = field(default_factory=dict)
    checks: tuple[CheckResult, ...] = ()

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if check.verdict == "warning")


class ValkeyProbe:
    """PING latency, INFO, interval rates, SLOWLOG and LATENCY LATEST for one server.

    Keeps the previous INFO sample, so each check's hit ratio covers the time since the last
    one. Thread-safe: valkey-py's client has its own connection pool.
    """

    def __init__(
        self,
        url: Secret | str,
        *,
        timeout_s: float = DEFAULT_PROBE_TIMEOUT_S,
        first_interval_s: float = DEFAULT_FIRST_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._url = url
        self.where = mask_url_password(url.reveal() if isinstance(url, Secret) else url)
        try:
            self.client = connect_valkey(
                url,
                socket_timeout_s=timeout_s,
                connect_timeout_s=timeout_s,
                reconnect_once=True,
                client_name=PROBE_CLIENT_NAME,
            )
        except ValueError as err:  # valkey-py's word for an option it cannot read
            raise ConfigurationError(
                f"VALKEY_URL {self.where!r} cannot be used: {err}", setting="VALKEY_URL"
            ) from None
        self._first_interval_s = first_interval_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._previous: CounterSample | None = None

    def check(
        self,
        *,
        ping_samples: int = DEFAULT_PING_SAMPLES,
        slowlog_entries: int = DEFAULT_SLOWLOG_ENTRIES,
        thresholds: ValkeyThresholds | None = None,
        wait_for_rates: bool = True,
    ) -> ValkeyReport:
        """Time the PINGs, then read what the service lets us read.

        Rates need two INFO samples: without a recent one, the check waits the first interval
        for a second, unless ``wait_for_rates`` is False (a status card that must be quick):
        then it has no rates this time and the next check measures from this one.

        Raises:
            VultrError: PING failed (unreachable, wrong password, no answer in time).
        """
        limits = thresholds or ValkeyThresholds()
        unavailable: dict[str, str] = {}
        try:
            latency = time_round_trips(self.client.ping, ping_samples)
            info = self._optional("server info", self._info, unavailable)
            rates = self._interval_rates(info, wait_for_rates) if info is not None else None
            slowlog = self._optional(
                "slow log",
                lambda: parse_slowlog(self._command("SLOWLOG", "GET", slowlog_entries)),
                unavailable,
            )
            events = self._optional(
                "latency monitor",
                lambda: parse_latency_latest(self._command("LATENCY", "LATEST")),
                unavailable,
            )
        except ValkeyError as err:
            raise valkey_error(err, self._url, "checking its health") from err
        return ValkeyReport(
            where=self.where,
            checked_at=datetime.now(UTC),
            latency=latency,
            info=info,
            rates=rates,
            slowlog=slowlog,
            latency_events=events,
            unavailable=unavailable,
            checks=(
                latency_check(latency, p95_threshold_ms=limits.latency_p95_ms, subject="PING is"),
                memory_check(info, usage_threshold=limits.memory_usage),
                eviction_policy_check(info),
                evictions_check(rates),
                fragmentation_check(info),
                replication_check(info),
            ),
        )

    def round_trip_test(self, *, ttl_s: int = 60) -> float:
        """SET a namespaced key with a TTL, GET it back, DEL it; milliseconds taken.

        Raises:
            VultrError: a step failed, or the value read back differs.
        """
        key = f"{ROUND_TRIP_KEY_PREFIX}{uuid.uuid4().hex}"
        token = uuid.uuid4().hex.encode()
        started = time.perf_counter()
        try:
            self.client.set(key, token, ex=ttl_s)
            read_back = self.client.get(key)
            self.client.delete(key)
        except ValkeyError as err:
            raise valkey_error(err, self._url, "writing a test key") from err
        if read_back != token:
            raise ServiceError(f"Valkey at {self.where} returned another value for {key}")
        return (time.perf_counter() - started) * 1000.0

    def close(self) -> None:
        self.client.close()  # type: ignore[no-untyped-call]  # valkey-py leaves it unannotated

    def _command(self, *args: str | int) -> Any:
        return self.client.execute_command(*args)  # type: ignore[no-untyped-call]

    def _info(self) -> ValkeyInfo:
        return ValkeyInfo.from_info(cast(Mapping[str, Any], self.client.info()))

    def _interval_rates(self, info: ValkeyInfo, wait: bool) -> IntervalRates | None:
        current = CounterSample.from_info(info, self._clock())
        with self._lock:
            previous = self._previous
        fresh = (
            previous is not None
            and previous.run_id == current.run_id
            and current.taken_at_s - previous.taken_at_s <= MAX_INTERVAL_S
        )
        if previous is None or not fresh:
            if not wait:
                self._remember(current)
                return None
            self._sleep(self._first_interval_s)
            previous, current = current, CounterSample.from_info(self._info(), self._clock())
        self._remember(current)
        return IntervalRates.between(previous, current)

    def _remember(self, sample: CounterSample) -> None:
        with self._lock:
            self._previous = sample

    @staticmethod
    def _optional(name: str, read: Callable[[], T], unavailable: dict[str, str]) -> T | None:
        """The figure, or None with the reason when the service refuses the command
        (NOPERM from an ACL, or an unknown/renamed command on a managed service)."""
        try:
            return read()
        except ResponseError as err:
            unavailable[name] = f"not available on this service ({_first_words(err)})"
            return None


def _first_words(error: ResponseError, limit: int = 80) -> str:
    text = str(error).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
