"""The app's own counters, exported on /metrics: what it asked of Vultr and how its cache did.

Process-wide, in a registry of their own (not prometheus_client's global one), so tests and
several App instances never collide.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

REGISTRY = CollectorRegistry(auto_describe=True)

vultr_requests = Counter(
    "vultr_api_requests",
    "Requests sent to Vultr's APIs, by the HTTP status of the answer ('error': none came).",
    ["api", "status"],
    registry=REGISTRY,
)
vultr_retries = Counter(
    "vultr_api_retries",
    "Requests to Vultr retried after a 429, a 5xx, a timeout or a dropped connection.",
    ["api"],
    registry=REGISTRY,
)
cache_reads = Counter(
    "vultr_dashboard_cache_reads",
    "Management API reads served from the shared Valkey cache ('hit') or from Vultr ('miss').",
    ["result"],
    registry=REGISTRY,
)


def record_request(api: str, status: int | None) -> None:
    vultr_requests.labels(api=api, status=str(status) if status is not None else "error").inc()


def record_retry(api: str) -> None:
    vultr_retries.labels(api=api).inc()


def record_cache_read(*, hit: bool) -> None:
    cache_reads.labels(result="hit" if hit else "miss").inc()
