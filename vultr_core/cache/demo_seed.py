"""Sample contents for Cache Tools in demo mode: what a team's cache holds on an ordinary day.

Cached API responses, a month's spend report, feature flags and sessions, each with tags and a
TTL, and a few reads, so the page's figures (hit ratio, time saved) are numbers to look at.
The caller decides where this may go: only into the throwaway local Valkey the demo starts,
never into a configured VALKEY_URL. Seeding happens once per server, and again once the
shortest-lived sample has expired, so a long demo does not empty out; a marker outside the
namespace (so the key browser never lists it) says it was done.
"""

from __future__ import annotations

from dataclasses import dataclass

from vultr_core.cache.store import CacheHelper
from vultr_core.cache.valkey_calls import valkey_errors

MINUTE_S, HOUR_S = 60.0, 3600.0


@dataclass(frozen=True, slots=True)
class DemoEntry:
    key: str
    value: object
    tags: tuple[str, ...]
    ttl_s: float
    # What computing it cost, in ms; None: computed here on a miss (a session is cheap to make).
    compute_ms: float | None
    # Hits after it was stored.
    reads: int


DEMO_ENTRIES: tuple[DemoEntry, ...] = (
    DemoEntry(
        "api:status:regions",
        {"ams": "ok", "fra": "ok", "ewr": "degraded", "sjc": "ok", "nrt": "ok"},
        ("api", "status"),
        10 * MINUTE_S,
        420.0,
        9,
    ),
    DemoEntry(
        "api:exchange-rates:usd",
        {"base": "USD", "EUR": 0.92, "GBP": 0.79, "JPY": 151.2},
        ("api", "billing"),
        HOUR_S,
        310.0,
        6,
    ),
    DemoEntry(
        "api:github:releases:vultr/govultr",
        {"latest": "v3.31.0", "assets": 12},
        ("api", "github"),
        6 * HOUR_S,
        640.0,
        4,
    ),
    DemoEntry(
        "report:spend:month-to-date",
        {
            "total_usd": 1843.27,
            "top": [["instances", 1210.4], ["databases", 402.0], ["inference", 118.5]],
        },
        ("reports", "billing"),
        24 * HOUR_S,
        2350.0,
        3,
    ),
    DemoEntry(
        "flags:new-billing-page",
        {"enabled": True, "rollout_percent": 25},
        ("feature-flags",),
        15 * MINUTE_S,
        35.0,
        12,
    ),
    DemoEntry(
        "flags:dark-mode-default",
        {"enabled": False},
        ("feature-flags",),
        15 * MINUTE_S,
        35.0,
        8,
    ),
    DemoEntry(
        "flags:inference-compare",
        {"enabled": True, "rollout_percent": 100},
        ("feature-flags",),
        15 * MINUTE_S,
        35.0,
        6,
    ),
    DemoEntry(
        "session:7f3a9c2e",
        {"user": "ana@example.com", "roles": ["admin"]},
        ("sessions",),
        30 * MINUTE_S,
        None,
        2,
    ),
    DemoEntry(
        "session:b41d07e8",
        {"user": "ben@example.com", "roles": ["viewer"]},
        ("sessions",),
        30 * MINUTE_S,
        None,
        1,
    ),
    DemoEntry(
        "session:c92e5f11",
        {"user": "chen@example.com", "roles": ["viewer"]},
        ("sessions",),
        30 * MINUTE_S,
        None,
        0,
    ),
    DemoEntry(
        "api:dns:records:example.com",
        {"A": ["203.0.113.10"], "MX": ["mail.example.com"]},
        ("api", "dns"),
        HOUR_S,
        None,
        1,
    ),
)
DEMO_HITS = sum(entry.reads for entry in DEMO_ENTRIES)
DEMO_MISSES = sum(entry.compute_ms is None for entry in DEMO_ENTRIES)
# Long enough to keep what a visitor changed for a while, short enough that nothing expires
# for good: the shortest sample TTL.
RESEED_AFTER_S = min(entry.ttl_s for entry in DEMO_ENTRIES)


def marker_key(cache: CacheHelper) -> str:
    """Outside the namespace: the key browser lists the namespace only."""
    return f"demo-seed:{cache.namespace}"


def seed_demo_cache(cache: CacheHelper) -> bool:
    """Write the samples and their reads unless done within ``RESEED_AFTER_S``; True when
    written. Counters are flushed before returning, so the figures show at once.

    Raises:
        ConnectionError, TimeoutError, ServiceError: Valkey failed (the marker is removed, so
        the next call tries again).
    """
    marker = marker_key(cache)
    with valkey_errors(cache.client, "seeding the demo cache"):
        if not cache.client.set(marker, "1", nx=True, ex=round(RESEED_AFTER_S)):
            return False
    try:
        for entry in DEMO_ENTRIES:
            _store(cache, entry)
        for entry in DEMO_ENTRIES:
            for _read in range(entry.reads):
                cache.get_or_compute(entry.key, _unexpected, entry.ttl_s, tags=entry.tags)
        cache.flush_stats()
    except BaseException:
        with valkey_errors(cache.client, "seeding the demo cache"):
            cache.client.delete(marker)
        raise
    return True


def _store(cache: CacheHelper, entry: DemoEntry) -> None:
    if entry.compute_ms is None:
        cache.get_or_compute(entry.key, lambda: entry.value, entry.ttl_s, tags=entry.tags)
    else:
        cache.set_many(
            {entry.key: entry.value}, entry.tags, entry.ttl_s, compute_ms=entry.compute_ms
        )


def _unexpected() -> object:
    """A read right after the write finds the value; computing here would be a bug."""
    raise LookupError("a demo sample vanished while being seeded")
