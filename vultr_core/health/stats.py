"""The app's own connections to the watched servers, read without touching the network."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vultr_core.config import Settings
from vultr_core.health.postgres_pool import PoolStats
from vultr_core.health.registry import opened_probes
from vultr_core.health.valkey import ValkeyProbe


@dataclass(frozen=True)
class ConnectionStats:
    """The app's own connections: the PostgreSQL pool's counters, valkey-py's pool sizes."""

    postgres: PoolStats | None
    valkey: Mapping[str, int] | None


def get_stats(settings: Settings) -> ConnectionStats:
    """The app-side pools of the probes this process has opened; no network traffic."""
    postgres, valkey = opened_probes(settings)
    return ConnectionStats(
        postgres=postgres.pool_stats() if postgres else None,
        valkey=_valkey_pool_stats(valkey) if valkey else None,
    )


def _valkey_pool_stats(probe: ValkeyProbe) -> dict[str, int]:
    pool: Any = probe.client.connection_pool
    # valkey-py exposes no statistics call; these attributes are its pool's own counters.
    return {
        "created": int(getattr(pool, "_created_connections", 0)),
        "available": len(getattr(pool, "_available_connections", ())),
        "in_use": len(getattr(pool, "_in_use_connections", ())),
        "max": int(getattr(pool, "max_connections", 0)),
    }
