"""Is everything up, and how fast: every service checked at once, each within its own timeout.

``check_health`` probes PostgreSQL, Valkey, the management API and the inference API
concurrently (``vultr_core.health.service_runner``) and judges each into a ``ServiceHealth``;
every result joins the health history.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from vultr_core.api.errors import VultrError
from vultr_core.api.management import ManagementClient
from vultr_core.config import Settings
from vultr_core.health.history import HealthHistory, HealthSample
from vultr_core.health.postgres import PostgresReport
from vultr_core.health.probing import CheckResult
from vultr_core.health.registry import health_history, postgres_probe, valkey_probe
from vultr_core.health.service_health import SERVICES, HealthReport, ServiceHealth
from vultr_core.health.service_runner import (
    DEFAULT_TIMEOUTS_S,
    down,
    run_services,
    with_inference,
    with_management,
)
from vultr_core.health.valkey import ValkeyReport
from vultr_core.inference.client import InferenceClient

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
    reason = f"All {passed} checks pass"
    if skipped := [c for c in checks if c.verdict != "ok"]:
        reason += f"; {len(skipped)} not available here: {_named(skipped)}"
    return ServiceHealth(service, "up", reason, latency_ms, key_figure, figures, checks)


def _named(skipped: list[CheckResult]) -> str:
    """Which checks could not run, and why when they share one reason: "cache hit rate (not
    enough table reads yet to judge)"."""
    names = ", ".join(c.name for c in skipped)
    reasons = {c.message for c in skipped}
    if len(reasons) != 1:
        return names
    why = reasons.pop()
    return f"{names} ({why[:1].lower()}{why[1:]})"


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
        "management": lambda: with_management(settings, management_health),
        "inference": lambda: with_inference(settings, inference_health),
    }
    wanted = [name for name in services if name in checks]
    results = run_services(settings, {name: checks[name] for name in wanted}, limits)
    report = HealthReport(datetime.now(UTC), tuple(results[name] for name in wanted))
    (history or health_history(settings)).append(samples_of(report))
    return report


def postgres_report(settings: Settings) -> PostgresReport:
    """The full PostgreSQL probe for the Databases page; its sample joins the history.

    Raises:
        VultrError: the database could not be checked.
    """
    try:
        report = postgres_probe(settings).check()
    except VultrError as error:
        _record(settings, down("postgres", error))
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
        _record(settings, down("valkey", error))
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
