"""Is everything up, and how fast: every service checked at once, each within its own timeout.

``check_health`` probes PostgreSQL, Valkey, the management API and the inference API
concurrently; ``test_services`` makes one active round trip on each; ``get_stats`` reads the
app-side connection pools without touching the network.

A service is ``up``, ``degraded`` (reachable, but a check is outside its threshold), ``down``
(unreachable, refused, or no answer within its timeout) or ``not configured``. In demo mode
every service is the embedded or simulated one; with a real API key, PostgreSQL, Valkey and
inference are watched only when their own setting is given, so an embedded server is never
reported as the team's database.

A check that outlives its timeout is reported ``down`` at once and left to end on its own
client timeouts, in a daemon thread: it never holds up the other checks, the page or the
command line's exit.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from vultr_core import clients
from vultr_core.bounded import CheckTimeoutError, run_bounded
from vultr_core.config import Settings
from vultr_core.errors import ConfigurationError, VultrError
from vultr_core.health_history import HealthHistory, HealthSample, Status
from vultr_core.health_registry import (
    NOT_CONFIGURED_REASONS,
    health_history,
    is_configured,
    opened_probes,
    postgres_probe,
    valkey_probe,
)
from vultr_core.inference import InferenceClient
from vultr_core.management import ManagementClient
from vultr_core.postgres import PoolStats, PostgresReport
from vultr_core.probing import CheckResult
from vultr_core.valkey import ValkeyProbe, ValkeyReport

__all__ = [
    "DEFAULT_TIMEOUTS_S",
    "LABELS",
    "NOT_CONFIGURED_REASONS",
    "SERVICES",
    "ConnectionStats",
    "HealthReport",
    "RoundTrip",
    "RoundTripReport",
    "ServiceHealth",
    "check_health",
    "get_stats",
    "health_history",
    "inference_health",
    "is_configured",
    "management_health",
    "postgres_health",
    "postgres_probe",
    "postgres_report",
    "samples_of",
    "test_services",
    "valkey_health",
    "valkey_probe",
    "valkey_report",
]

T = TypeVar("T")
logger = logging.getLogger(__name__)

SERVICES = ("postgres", "valkey", "management", "inference")
LABELS = {
    "postgres": "PostgreSQL",
    "valkey": "Valkey",
    "management": "Management API",
    "inference": "Inference API",
}
# PostgreSQL's worst case is a pool wait (2 s) then a direct connect attempt (2 s).
DEFAULT_TIMEOUTS_S = {"postgres": 6.0, "valkey": 5.0, "management": 5.0, "inference": 8.0}
# Starting the embedded servers (demo mode, first call only) is not part of a check's time.
PREPARE_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ServiceHealth:
    """One service's state: a status, its latency (p50 for multi-sample probes), one figure
    for a card, every figure for ``--json``, and the reason in a sentence."""

    service: str
    status: Status
    reason: str
    latency_ms: float | None = None
    key_figure: str | None = None
    figures: Mapping[str, Any] = field(default_factory=dict)
    checks: tuple[CheckResult, ...] = ()
    misconfigured: bool = False

    @property
    def label(self) -> str:
        return LABELS.get(self.service, self.service)


@dataclass(frozen=True)
class HealthReport:
    checked_at: datetime
    services: tuple[ServiceHealth, ...]

    @property
    def any_down(self) -> bool:
        return any(s.status == "down" for s in self.services)

    def service(self, name: str) -> ServiceHealth:
        return next(s for s in self.services if s.service == name)


@dataclass(frozen=True)
class RoundTrip:
    """One active round trip: passed (None when the service is not configured), and how."""

    service: str
    passed: bool | None
    detail: str
    latency_ms: float | None = None
    misconfigured: bool = False

    @property
    def label(self) -> str:
        return LABELS.get(self.service, self.service)


@dataclass(frozen=True)
class RoundTripReport:
    tested_at: datetime
    results: tuple[RoundTrip, ...]

    @property
    def all_passed(self) -> bool:
        return all(r.passed is not False for r in self.results)


@dataclass(frozen=True)
class ConnectionStats:
    """The app's own connections: the PostgreSQL pool's counters, valkey-py's pool sizes."""

    postgres: PoolStats | None
    valkey: Mapping[str, int] | None


# --- checks of one service -------------------------------------------------------------------


def postgres_health(report: PostgresReport) -> ServiceHealth:
    server = report.server
    counts = server.connections
    figure = f"{counts.total} of {counts.usable} connections" if counts else None
    return _judged(
        "postgres",
        report.checks,
        latency_ms=report.latency.p50_ms,
        key_figure=figure,
        figures={
            "where": report.where,
            "version": server.version,
            "database": server.database,
            "size_bytes": server.size_bytes,
            "connections": counts.total if counts else None,
            "max_connections": counts.max_connections if counts else None,
            "latency_ms_p50": report.latency.p50_ms,
            "latency_ms_p95": report.latency.p95_ms,
            "latency_ms_p99": report.latency.p99_ms,
            "latency_ms_max": report.latency.max_ms,
            "pool_saturation": report.pool.saturation,
            "is_replica": server.is_replica,
            "ssl": server.ssl_in_use,
        },
    )


def valkey_health(report: ValkeyReport) -> ServiceHealth:
    info, rates = report.info, report.rates
    figure = None
    if info is not None:
        limit = f" of {info.maxmemory_bytes / 2**20:.0f} MiB" if info.maxmemory_bytes else ""
        figure = f"{info.used_memory_bytes / 2**20:.1f} MiB used{limit}"
    figures: dict[str, Any] = {
        "where": report.where,
        "latency_ms_p50": report.latency.p50_ms,
        "latency_ms_p95": report.latency.p95_ms,
        "latency_ms_p99": report.latency.p99_ms,
        "latency_ms_max": report.latency.max_ms,
        "hit_ratio": rates.hit_ratio if rates else None,
        "unavailable": dict(report.unavailable),
    }
    if info is not None:
        figures |= {
            "server": info.server,
            "version": info.version,
            "role": info.role,
            "connected_clients": info.connected_clients,
            "used_memory_bytes": info.used_memory_bytes,
            "maxmemory_bytes": info.maxmemory_bytes,
            "maxmemory_policy": info.maxmemory_policy,
            "ops_per_s": info.ops_per_s,
            "keys": info.total_keys,
        }
    return _judged(
        "valkey",
        report.checks,
        latency_ms=report.latency.p50_ms,
        key_figure=figure,
        figures=figures,
    )


def management_health(client: ManagementClient) -> ServiceHealth:
    """An account call: proves the key is valid and times one real API round trip."""
    started = time.perf_counter()
    account = client.account()
    latency_ms = (time.perf_counter() - started) * 1000.0
    return ServiceHealth(
        "management",
        "up",
        "The API key is valid",
        latency_ms=latency_ms,
        key_figure=f"Account {account.name}",
        figures={"account": account.name, "latency_ms": latency_ms},
    )


def inference_health(client: InferenceClient) -> ServiceHealth:
    """Lists the models: proves the inference key works and something can be chatted with."""
    started = time.perf_counter()
    models = client.list_models()
    latency_ms = (time.perf_counter() - started) * 1000.0
    if not models:
        return ServiceHealth(
            "inference",
            "degraded",
            "The inference API lists no models for this key",
            latency_ms=latency_ms,
            key_figure="0 models",
            figures={"models": 0, "latency_ms": latency_ms},
        )
    return ServiceHealth(
        "inference",
        "up",
        f"{len(models)} models available",
        latency_ms=latency_ms,
        key_figure=f"{len(models)} models",
        figures={"models": len(models), "latency_ms": latency_ms},
    )


def _judged(
    service: str,
    checks: tuple[CheckResult, ...],
    *,
    latency_ms: float,
    key_figure: str | None,
    figures: Mapping[str, Any],
) -> ServiceHealth:
    warnings = [c for c in checks if c.verdict == "warning"]
    if warnings:
        reason = "; ".join(c.message for c in warnings)
        return ServiceHealth(service, "degraded", reason, latency_ms, key_figure, figures, checks)
    passed = sum(1 for c in checks if c.verdict == "ok")
    skipped = len(checks) - passed
    reason = f"All {passed} checks pass" + (f"; {skipped} not available here" if skipped else "")
    return ServiceHealth(service, "up", reason, latency_ms, key_figure, figures, checks)


# --- all services at once --------------------------------------------------------------------


def check_health(
    settings: Settings,
    *,
    services: Iterable[str] = SERVICES,
    timeouts_s: Mapping[str, float] | None = None,
    history: HealthHistory | None = None,
    wait_for_rates: bool = True,
) -> HealthReport:
    """Every service's health, checked concurrently; each result within its own timeout.

    Samples go to ``history`` (``health_history(settings)`` unless given). Without
    ``wait_for_rates`` a first Valkey check skips the interval its hit ratio needs.
    """
    limits = {**DEFAULT_TIMEOUTS_S, **(timeouts_s or {})}
    checks = {
        "postgres": lambda: postgres_health(postgres_probe(settings).check()),
        "valkey": lambda: valkey_health(
            valkey_probe(settings).check(wait_for_rates=wait_for_rates)
        ),
        "management": lambda: _with_management(settings, management_health),
        "inference": lambda: _with_inference(settings, inference_health),
    }
    wanted = [name for name in services if name in checks]
    results = _run_services(settings, {name: checks[name] for name in wanted}, limits)
    report = HealthReport(datetime.now(UTC), tuple(results[name] for name in wanted))
    (history or health_history(settings)).append(samples_of(report))
    return report


# The name is DESIGN.md's; ruff's pytest rules mistake it for a test function.
def test_services(
    settings: Settings,
    *,
    services: Iterable[str] = SERVICES,  # noqa: PT028
    timeouts_s: Mapping[str, float] | None = None,  # noqa: PT028
) -> RoundTripReport:
    """One active round trip per service: Valkey SET/GET/DEL of a namespaced key with a TTL,
    PostgreSQL a temporary table in a rolled-back transaction, the management account, the
    inference model list."""
    limits = {**DEFAULT_TIMEOUTS_S, **(timeouts_s or {})}
    trips = {
        "postgres": lambda: _passed(
            "postgres",
            postgres_probe(settings).round_trip_test(),
            "Wrote, read back and rolled back a temporary table",
        ),
        "valkey": lambda: _passed(
            "valkey",
            valkey_probe(settings).round_trip_test(),
            "Set, read back and deleted a test key (60 s TTL)",
        ),
        "management": lambda: _with_management(settings, _management_trip),
        "inference": lambda: _with_inference(settings, _inference_trip),
    }
    wanted = [name for name in services if name in trips]
    results = _run_services(settings, {name: trips[name] for name in wanted}, limits)
    return RoundTripReport(
        datetime.now(UTC), tuple(_as_round_trip(results[name]) for name in wanted)
    )


def get_stats(settings: Settings) -> ConnectionStats:
    """The app-side pools of the probes this process has opened; no network traffic."""
    postgres, valkey = opened_probes(settings)
    return ConnectionStats(
        postgres=postgres.pool_stats() if postgres else None,
        valkey=_valkey_pool_stats(valkey) if valkey else None,
    )


def postgres_report(settings: Settings) -> PostgresReport:
    """The full PostgreSQL probe for the Databases page; its sample joins the history.

    Raises:
        VultrError: the database could not be checked.
    """
    try:
        report = postgres_probe(settings).check()
    except VultrError as error:
        _record(settings, _down("postgres", error))
        raise
    _record(settings, postgres_health(report))
    return report


def valkey_report(settings: Settings) -> ValkeyReport:
    """The full Valkey probe for the Valkey page; its sample joins the history.

    Raises:
        VultrError: the server could not be checked.
    """
    try:
        report = valkey_probe(settings).check()
    except VultrError as error:
        _record(settings, _down("valkey", error))
        raise
    _record(settings, valkey_health(report))
    return report


def _record(settings: Settings, service: ServiceHealth) -> None:
    report = HealthReport(datetime.now(UTC), (service,))
    health_history(settings).append(samples_of(report))


def samples_of(report: HealthReport) -> list[HealthSample]:
    return [
        HealthSample(
            at=report.checked_at,
            service=s.service,
            status=s.status,
            latency_ms=s.latency_ms,
            latency_ms_p95=s.figures.get("latency_ms_p95"),
        )
        for s in report.services
    ]


def _valkey_pool_stats(probe: ValkeyProbe) -> dict[str, int]:
    pool: Any = probe.client.connection_pool
    # valkey-py exposes no statistics call; these attributes are its pool's own counters.
    return {
        "created": int(getattr(pool, "_created_connections", 0)),
        "available": len(getattr(pool, "_available_connections", ())),
        "in_use": len(getattr(pool, "_in_use_connections", ())),
        "max": int(getattr(pool, "max_connections", 0)),
    }


def _with_management(settings: Settings, use: Callable[[ManagementClient], T]) -> T:
    with clients.management_client(settings) as client:
        return use(client)


def _with_inference(settings: Settings, use: Callable[[InferenceClient], T]) -> T:
    with clients.inference_client(settings) as client:
        return use(client)


def _management_trip(client: ManagementClient) -> RoundTrip:
    health = management_health(client)
    return RoundTrip(
        "management", True, f"Read the account ({health.key_figure})", health.latency_ms
    )


def _inference_trip(client: InferenceClient) -> RoundTrip:
    health = inference_health(client)
    return RoundTrip("inference", health.status == "up", health.reason, health.latency_ms)


def _passed(service: str, latency_ms: float, detail: str) -> RoundTrip:
    return RoundTrip(service, True, detail, latency_ms)


def _as_round_trip(result: ServiceHealth | RoundTrip) -> RoundTrip:
    if isinstance(result, RoundTrip):
        return result
    passed = None if result.status == "not configured" else False
    return RoundTrip(result.service, passed, result.reason, misconfigured=result.misconfigured)


# --- running checks side by side, each within its own time -----------------------------------


def _run_services(
    settings: Settings,
    calls: Mapping[str, Callable[[], T]],
    timeouts_s: Mapping[str, float],
) -> dict[str, T | ServiceHealth]:
    """Each configured service's call in its own daemon thread; failures become ``down``."""
    outcome: dict[str, T | ServiceHealth] = {}
    runnable: dict[str, Callable[[], T]] = {}
    for name, call in calls.items():
        if is_configured(settings, name):
            runnable[name] = call
        else:
            outcome[name] = ServiceHealth(name, "not configured", NOT_CONFIGURED_REASONS[name])
    failed = _prepare_embedded(settings, runnable)
    outcome |= {name: _down(name, error) for name, error in failed.items()}
    ready = {name: call for name, call in runnable.items() if name not in failed}
    default_s = max(DEFAULT_TIMEOUTS_S.values())
    for name, result in run_bounded(ready, timeouts_s, default_timeout_s=default_s).items():
        outcome[name] = _down(name, result) if isinstance(result, Exception) else result
    return {name: outcome[name] for name in calls}


def _prepare_embedded(settings: Settings, calls: Mapping[str, object]) -> dict[str, Exception]:
    """Start the embedded servers the checks will need, outside their timed window."""
    starters = {
        "postgres": lambda: clients.database_url(settings),
        "valkey": lambda: clients.valkey_url(settings),
    }
    needed = {name: starters[name] for name in calls if name in starters}
    results = run_bounded(needed, {}, default_timeout_s=PREPARE_TIMEOUT_S)
    return {name: r for name, r in results.items() if isinstance(r, Exception)}


def _down(service: str, error: Exception) -> ServiceHealth:
    if isinstance(error, ConfigurationError):
        return ServiceHealth(service, "down", str(error), misconfigured=True)
    if isinstance(error, VultrError | CheckTimeoutError):
        return ServiceHealth(service, "down", _sentence(str(error)))
    logger.debug("health check of %s failed unexpectedly", service, exc_info=error)
    return ServiceHealth(service, "down", f"The check failed unexpectedly ({type(error).__name__})")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text
