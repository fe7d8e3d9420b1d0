"""The app-side view of a PostgreSQL database: the psycopg_pool pool's counters and verdict."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from vultr_core.health.probing import CheckResult, ratio

POOL_STAT_KEYS = (
    "pool_min",
    "pool_max",
    "pool_size",
    "pool_available",
    "requests_waiting",
    "requests_num",
    "requests_queued",
    "requests_wait_ms",
    "requests_errors",
    "usage_ms",
    "returns_bad",
    "connections_num",
    "connections_ms",
    "connections_errors",
    "connections_lost",
)
# Ours: a pool this busy makes pages queue for connections.
POOL_SATURATION_THRESHOLD = 0.9


@dataclass(frozen=True)
class PoolStats:
    """Every ``get_stats()`` counter (psycopg omits zero counters: they are 0 here) and the
    three signals derived from them (ANCHORS.md §2.4)."""

    counters: Mapping[str, int]
    saturation: float | None
    mean_wait_ms: float | None
    error_rate: float | None

    @classmethod
    def from_pool_stats(cls, raw: Mapping[str, int]) -> PoolStats:
        counters = {key: int(raw.get(key, 0)) for key in POOL_STAT_KEYS}
        in_use = counters["pool_size"] - counters["pool_available"]
        return cls(
            counters=counters,
            saturation=ratio(in_use, counters["pool_max"]),
            mean_wait_ms=ratio(counters["requests_wait_ms"], counters["requests_queued"]),
            error_rate=ratio(counters["requests_errors"], counters["requests_num"]),
        )


def pool_check(
    pool: PoolStats, *, saturation_threshold: float = POOL_SATURATION_THRESHOLD
) -> CheckResult:
    """The app-side view: a saturated pool or failed requests make pages wait."""
    counters = pool.counters
    in_use = f"{counters['pool_size'] - counters['pool_available']} of {counters['pool_max']}"
    if counters["requests_errors"]:
        return CheckResult(
            "connection pool",
            "warning",
            f"{counters['requests_errors']} of {counters['requests_num']} connection requests "
            "failed",
        )
    if pool.saturation is not None and pool.saturation >= saturation_threshold:
        return CheckResult("connection pool", "warning", f"Pool nearly full: {in_use} in use")
    return CheckResult("connection pool", "ok", f"Pool has room: {in_use} connections in use")
