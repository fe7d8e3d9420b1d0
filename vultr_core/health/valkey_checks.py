"""Valkey's own figures, read the way Redis Insight and redis-stat read them, and judged.

``INFO`` gives lifetime counters; rates and the hit ratio come from the difference between two
samples (redis-stat's method: ANCHORS.md §3.2, §3.4), because a hit ratio since the server
started says nothing about the last minute. Works with Valkey (``valkey_version``) and with
Redis 7 (``redis_version``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from vultr_core.health.probing import CheckResult, ratio

# Ours: a PING slower than this at p95 is felt by every cached page.
LATENCY_P95_THRESHOLD_MS = 100.0
# Ours: past 90 % of maxmemory the eviction policy starts to decide what the cache keeps.
MEMORY_USAGE_THRESHOLD = 0.9
# Valkey's docs call a fragmentation ratio above 1.5 significant; below ~100 MB of waste it is
# the allocator's fixed overhead on a small dataset, not a problem (our guard).
FRAGMENTATION_RATIO_THRESHOLD = 1.5
FRAGMENTATION_MIN_WASTE_BYTES = 100 * 1024 * 1024
# allkeys-* may evict a tag set while its members live on, so invalidation by tag misses keys
# (Symfony's cache requires noeviction or volatile-*: ANCHORS.md §4).
TAG_UNSAFE_POLICY_PREFIX = "allkeys-"


@dataclass(frozen=True)
class KeyspaceDb:
    db: int
    keys: int
    expires: int
    avg_ttl_ms: int


@dataclass(frozen=True)
class ValkeyInfo:
    """The INFO fields the Valkey page shows; ``maxmemory_bytes`` is None for no limit."""

    server: str
    version: str
    run_id: str
    uptime_s: int
    role: str
    connected_replicas: int
    master_link_status: str | None
    connected_clients: int
    blocked_clients: int
    rejected_connections: int
    used_memory_bytes: int
    used_memory_peak_bytes: int
    used_memory_rss_bytes: int
    maxmemory_bytes: int | None
    maxmemory_policy: str
    fragmentation_ratio: float | None
    ops_per_s: int
    input_kbps: float
    output_kbps: float
    keyspace_hits: int
    keyspace_misses: int
    evicted_keys: int
    expired_keys: int
    keyspace: tuple[KeyspaceDb, ...]

    @property
    def memory_usage(self) -> float | None:
        """Used / maxmemory, or None without a limit."""
        return (
            None if self.maxmemory_bytes is None else self.used_memory_bytes / self.maxmemory_bytes
        )

    @property
    def total_keys(self) -> int:
        return sum(db.keys for db in self.keyspace)

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> ValkeyInfo:
        """From valkey-py's parsed ``INFO`` (default sections)."""
        is_valkey = "valkey_version" in info
        maxmemory = _int(info, "maxmemory")
        return cls(
            server="valkey" if is_valkey else "redis",
            version=str(info.get("valkey_version") or info.get("redis_version") or "unknown"),
            run_id=str(info.get("run_id", "")),
            uptime_s=_int(info, "uptime_in_seconds"),
            role=str(info.get("role", "unknown")),
            connected_replicas=_int(info, "connected_slaves"),
            master_link_status=info.get("master_link_status"),
            connected_clients=_int(info, "connected_clients"),
            blocked_clients=_int(info, "blocked_clients"),
            rejected_connections=_int(info, "rejected_connections"),
            used_memory_bytes=_int(info, "used_memory"),
            used_memory_peak_bytes=_int(info, "used_memory_peak"),
            used_memory_rss_bytes=_int(info, "used_memory_rss"),
            maxmemory_bytes=maxmemory or None,
            maxmemory_policy=str(info.get("maxmemory_policy", "unknown")),
            fragmentation_ratio=_float_or_none(info.get("mem_fragmentation_ratio")),
            ops_per_s=_int(info, "instantaneous_ops_per_sec"),
            input_kbps=float(info.get("instantaneous_input_kbps", 0.0)),
            output_kbps=float(info.get("instantaneous_output_kbps", 0.0)),
            keyspace_hits=_int(info, "keyspace_hits"),
            keyspace_misses=_int(info, "keyspace_misses"),
            evicted_keys=_int(info, "evicted_keys"),
            expired_keys=_int(info, "expired_keys"),
            keyspace=_keyspace(info),
        )


@dataclass(frozen=True)
class CounterSample:
    """The lifetime counters of one INFO, and when (monotonic seconds) it was taken."""

    taken_at_s: float
    run_id: str
    keyspace_hits: int
    keyspace_misses: int
    evicted_keys: int
    expired_keys: int

    @classmethod
    def from_info(cls, info: ValkeyInfo, taken_at_s: float) -> CounterSample:
        return cls(
            taken_at_s,
            info.run_id,
            info.keyspace_hits,
            info.keyspace_misses,
            info.evicted_keys,
            info.expired_keys,
        )


@dataclass(frozen=True)
class IntervalRates:
    """What happened between two samples: the hit ratio (None without reads), per-second rates."""

    interval_s: float
    hits: int
    misses: int
    hit_ratio: float | None
    evicted_per_s: float
    expired_per_s: float

    @classmethod
    def between(cls, before: CounterSample, after: CounterSample) -> IntervalRates | None:
        """None when the samples cannot be compared: no time between them, or the server
        restarted (a new run_id resets every counter)."""
        elapsed = after.taken_at_s - before.taken_at_s
        if elapsed <= 0 or before.run_id != after.run_id:
            return None
        hits = after.keyspace_hits - before.keyspace_hits
        misses = after.keyspace_misses - before.keyspace_misses
        return cls(
            interval_s=elapsed,
            hits=hits,
            misses=misses,
            hit_ratio=ratio(hits, hits + misses),
            evicted_per_s=(after.evicted_keys - before.evicted_keys) / elapsed,
            expired_per_s=(after.expired_keys - before.expired_keys) / elapsed,
        )


@dataclass(frozen=True)
class SlowlogEntry:
    """One SLOWLOG entry. Only the command and its key are kept: the other arguments are
    values, which may be anybody's data."""

    id: int
    started_at: datetime
    duration_ms: float
    command: str
    client_address: str
    client_name: str


@dataclass(frozen=True)
class LatencyEvent:
    """One LATENCY LATEST row: the latest and the worst spike of an event, in ms."""

    event: str
    last_at: datetime
    last_ms: int
    max_ms: int


def parse_slowlog(raw: Sequence[Any]) -> tuple[SlowlogEntry, ...]:
    """From the raw ``SLOWLOG GET`` reply: [id, unix time, µs, [args], address, name]."""
    entries = []
    for row in raw:
        args = [_text(arg) for arg in row[3]]
        shown = " ".join(args[:2]) + (f" … (+{len(args) - 2} args)" if len(args) > 2 else "")
        entries.append(
            SlowlogEntry(
                id=int(row[0]),
                started_at=datetime.fromtimestamp(int(row[1]), UTC),
                duration_ms=int(row[2]) / 1000.0,
                command=shown,
                client_address=_text(row[4]) if len(row) > 4 else "",
                client_name=_text(row[5]) if len(row) > 5 else "",
            )
        )
    return tuple(entries)


def parse_latency_latest(raw: Sequence[Any]) -> tuple[LatencyEvent, ...]:
    """From the raw ``LATENCY LATEST`` reply: [event, unix time, last ms, max ms, …]."""
    return tuple(
        LatencyEvent(
            event=_text(row[0]),
            last_at=datetime.fromtimestamp(int(row[1]), UTC),
            last_ms=int(row[2]),
            max_ms=int(row[3]),
        )
        for row in raw
    )


# --- verdicts --------------------------------------------------------------------------------


def memory_check(
    info: ValkeyInfo | None, *, usage_threshold: float = MEMORY_USAGE_THRESHOLD
) -> CheckResult:
    if info is None:
        return CheckResult("memory", "unavailable", "Not available: INFO was refused")
    used = _mib(info.used_memory_bytes)
    usage = info.memory_usage
    if usage is None or info.maxmemory_bytes is None:
        return CheckResult("memory", "ok", f"{used} used, no maxmemory limit")
    shown = f"{used} of {_mib(info.maxmemory_bytes)} ({usage:.0%})"
    if usage >= usage_threshold:
        return CheckResult("memory", "warning", f"Memory nearly full: {shown}")
    return CheckResult("memory", "ok", f"Memory has room: {shown}")


def eviction_policy_check(info: ValkeyInfo | None) -> CheckResult:
    name = "eviction policy"
    if info is None:
        return CheckResult(name, "unavailable", "Not available: INFO was refused")
    policy = info.maxmemory_policy
    if policy.startswith(TAG_UNSAFE_POLICY_PREFIX):
        return CheckResult(
            name,
            "warning",
            f"{policy} may evict any key, tag sets included: invalidating by tag could then "
            "miss keys (use noeviction or a volatile-* policy)",
        )
    return CheckResult(name, "ok", f"{policy} keeps the cache's tag sets safe")


def evictions_check(rates: IntervalRates | None) -> CheckResult:
    if rates is None:
        return CheckResult("evictions", "unavailable", "Not available: no interval measured")
    if rates.evicted_per_s > 0:
        return CheckResult(
            "evictions",
            "warning",
            f"Keys are being evicted: {rates.evicted_per_s:.1f}/s over {rates.interval_s:.0f} s",
        )
    return CheckResult("evictions", "ok", f"No evictions in the last {rates.interval_s:.0f} s")


def fragmentation_check(
    info: ValkeyInfo | None,
    *,
    ratio_threshold: float = FRAGMENTATION_RATIO_THRESHOLD,
    min_waste_bytes: int = FRAGMENTATION_MIN_WASTE_BYTES,
) -> CheckResult:
    name = "fragmentation"
    if info is None or info.fragmentation_ratio is None:
        return CheckResult(name, "unavailable", "Not available: INFO was refused")
    waste = info.used_memory_rss_bytes - info.used_memory_bytes
    shown = f"ratio {info.fragmentation_ratio:.2f}"
    if info.fragmentation_ratio > ratio_threshold and waste >= min_waste_bytes:
        return CheckResult(name, "warning", f"High fragmentation: {shown}, {_mib(waste)} wasted")
    return CheckResult(name, "ok", f"Fragmentation is fine: {shown}")


def replication_check(info: ValkeyInfo | None) -> CheckResult:
    if info is None:
        return CheckResult("replication", "unavailable", "Not available: INFO was refused")
    if info.role == "slave" and info.master_link_status != "up":
        return CheckResult(
            "replication", "warning", f"Replica's link to its primary is {info.master_link_status}"
        )
    if info.role == "slave":
        return CheckResult("replication", "ok", "Replica, linked to its primary")
    return CheckResult("replication", "ok", f"Primary with {info.connected_replicas} replica(s)")


def _int(info: Mapping[str, Any], key: str) -> int:
    try:
        return int(info.get(key, 0))
    except (TypeError, ValueError):
        return 0


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _keyspace(info: Mapping[str, Any]) -> tuple[KeyspaceDb, ...]:
    dbs = []
    for key, value in info.items():
        if key.startswith("db") and key[2:].isdigit() and isinstance(value, Mapping):
            dbs.append(
                KeyspaceDb(
                    db=int(key[2:]),
                    keys=_int(value, "keys"),
                    expires=_int(value, "expires"),
                    avg_ttl_ms=_int(value, "avg_ttl"),
                )
            )
    return tuple(sorted(dbs, key=lambda db: db.db))


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _mib(size_bytes: int) -> str:
    return f"{size_bytes / 1024 / 1024:.1f} MiB"
