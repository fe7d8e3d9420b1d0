"""One probe per watched server and one health history per Valkey, shared by every thread
of the process (every Streamlit session, every check), and what counts as configured.

A probe owns a connection pool and the previous INFO sample, so it must outlive a page run:
it is keyed by its URL (hashed, never kept as text), not by the whole settings.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import TypeVar

from vultr_core import clients
from vultr_core.config import Secret, Settings
from vultr_core.health.history import HealthHistory, MemoryHistory, ValkeyStreamHistory
from vultr_core.health.postgres import PostgresProbe
from vultr_core.health.service_health import ServiceHealth
from vultr_core.health.valkey import (
    FALLBACK_CONNECT_TIMEOUT_S,
    FALLBACK_SOCKET_TIMEOUT_S,
    ValkeyProbe,
    connect_valkey,
)

P = TypeVar("P")

NOT_CONFIGURED_REASONS = {
    "postgres": "Set DATABASE_URL to watch your PostgreSQL",
    "valkey": "Set VALKEY_URL to watch your Valkey",
    "inference": "Set VULTR_INFERENCE_API_KEY to check Serverless Inference",
}

# With a real API key and a service's setting unset, what the app talks to instead: a short
# label for the card's badge, and a sentence that names it.
STAND_INS = {
    "valkey": (
        "Local throwaway",
        "Cache Tools use a throwaway Valkey on this machine, which is not watched.",
    ),
    "inference": (
        "Simulated",
        "Inference Chat answers from the simulator (demo replies), which is not checked.",
    ),
}

_lock = threading.Lock()
_postgres_probes: dict[str, PostgresProbe] = {}
_valkey_probes: dict[str, ValkeyProbe] = {}
_memory_history = MemoryHistory()
_stream_histories: dict[str, ValkeyStreamHistory] = {}


def is_configured(settings: Settings, service: str) -> bool:
    """Demo mode watches the embedded and simulated services. With a real API key only what
    is set is watched, so an embedded server is never reported as the team's database."""
    if settings.demo_mode or service == "management":
        return True
    return {
        "postgres": settings.database_url,
        "valkey": settings.valkey_url,
        "inference": settings.inference_api_key,
    }.get(service) is not None


def not_configured(settings: Settings, service: str) -> ServiceHealth:
    """A service that is not watched, saying what the app uses instead (if anything) and
    which setting makes it watch the real one."""
    how = NOT_CONFIGURED_REASONS[service]
    uses_stand_in = {
        "valkey": settings.valkey_url is None,
        "inference": settings.demo_inference,
    }.get(service, False)
    if service not in STAND_INS or not uses_stand_in:
        return ServiceHealth(service, "not configured", how)
    label, sentence = STAND_INS[service]
    return ServiceHealth(service, "not configured", f"{sentence} {how}.", stand_in=label)


def postgres_probe(settings: Settings) -> PostgresProbe:
    """This process's probe of the configured (or embedded) PostgreSQL.

    Raises:
        ConfigurationError: the URL cannot be read.
    """
    return _shared(_postgres_probes, clients.database_url(settings), PostgresProbe)


def valkey_probe(settings: Settings) -> ValkeyProbe:
    """This process's probe of the configured (or embedded) Valkey.

    Raises:
        ConfigurationError: the URL carries an option valkey-py cannot read.
    """
    return _shared(_valkey_probes, clients.valkey_url(settings), ValkeyProbe)


def opened_probes(settings: Settings) -> tuple[PostgresProbe | None, ValkeyProbe | None]:
    """The probes this process has already opened for these settings (no new connection):
    for the configured URLs, or any, when a URL is unset and the embedded server is used."""
    with _lock:
        return (
            _opened(_postgres_probes, settings.database_url),
            _opened(_valkey_probes, settings.valkey_url),
        )


def health_history(settings: Settings) -> HealthHistory:
    """The shared stream when VALKEY_URL is set; this process's memory otherwise."""
    if settings.valkey_url is None:
        return _memory_history
    key = _digest(settings.valkey_url)
    with _lock:
        history = _stream_histories.get(key)
        if history is None:
            client = connect_valkey(
                settings.valkey_url,
                socket_timeout_s=FALLBACK_SOCKET_TIMEOUT_S,
                connect_timeout_s=FALLBACK_CONNECT_TIMEOUT_S,
            )
            history = _stream_histories[key] = ValkeyStreamHistory(client, memory=_memory_history)
    return history


def _shared(probes: dict[str, P], url: Secret, make: Callable[[Secret], P]) -> P:
    """The probe of this URL, made on first use: one per server for the whole process."""
    key = _digest(url)
    with _lock:
        probe = probes.get(key)
        if probe is None:
            probe = probes[key] = make(url)
    return probe


def _opened(probes: dict[str, P], url: Secret | None) -> P | None:
    if url is not None:
        return probes.get(_digest(url))
    return next(iter(probes.values()), None)


def _digest(url: Secret) -> str:
    return hashlib.sha256(url.reveal().encode()).hexdigest()
