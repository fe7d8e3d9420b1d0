"""One active round trip per service, each within its own timeout: PostgreSQL and Valkey
write, read back and clean up; the management and inference APIs are read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from vultr_core.api.management import ManagementClient
from vultr_core.config import Settings
from vultr_core.health.checks import inference_health, management_health
from vultr_core.health.registry import postgres_probe, valkey_probe
from vultr_core.health.service_health import LABELS, SERVICES, ServiceHealth
from vultr_core.health.service_runner import (
    DEFAULT_TIMEOUTS_S,
    run_services,
    with_inference,
    with_management,
)
from vultr_core.inference.client import InferenceClient


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
        "management": lambda: with_management(settings, _management_trip),
        "inference": lambda: with_inference(settings, _inference_trip),
    }
    wanted = [name for name in services if name in trips]
    results = run_services(settings, {name: trips[name] for name in wanted}, limits)
    return RoundTripReport(
        datetime.now(UTC), tuple(_as_round_trip(results[name]) for name in wanted)
    )


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
