"""Build the clients the settings ask for: the real Vultr, or the simulator in demo mode."""

from __future__ import annotations

import threading
from typing import Any

import httpx

from vultr_core.api.http import Limiter, RateLimiter, RetryPolicy
from vultr_core.api.management import ManagementClient
from vultr_core.config import DEFAULT_DEMO_SIZE, Secret, Settings
from vultr_core.health.embedded import embedded_postgres_url, embedded_valkey_url
from vultr_core.health.valkey import (
    FALLBACK_CONNECT_TIMEOUT_S,
    FALLBACK_SOCKET_TIMEOUT_S,
    connect_valkey,
)
from vultr_core.inference.client import InferenceClient
from vultr_core.inference.limits import ValkeyRateLimiter, limiter_key
from vultr_core.simulator import DEMO_API_KEY, DEMO_INFERENCE_KEY, DEMO_REPLY_PACE, Simulator

# Demo clients talk to the in-process simulator through an httpx transport; this host name
# never resolves, so a demo request can never reach the network by mistake.
DEMO_MANAGEMENT_URL = "http://vultr-simulator.invalid/v2"
DEMO_REQUESTS_PER_S = 1_000_000.0
DEMO_BURST = 1_000
DEMO_INFERENCE_URL = "http://vultr-inference-simulator.invalid/v1"

_demo_lock = threading.Lock()
_demo_simulators: dict[str, Simulator] = {}


def demo_simulator(size: str = DEFAULT_DEMO_SIZE) -> Simulator:
    """The demo organisation of this size for this process, built on first use."""
    with _demo_lock:
        if size not in _demo_simulators:
            simulator = Simulator(size=size)
            simulator.set_faults(**DEMO_REPLY_PACE)
            _demo_simulators[size] = simulator
        return _demo_simulators[size]


def management_options(settings: Settings) -> dict[str, Any]:
    """ManagementClient's keyword arguments for the settings: the simulator in demo mode."""
    options: dict[str, Any] = {
        "api_key": settings.management_api_key,
        "base_url": settings.management_api_url,
        "retry": RetryPolicy(deadline_s=settings.api_deadline_s),
        "read_timeout_s": settings.api_timeout_s,
        "max_response_mb": settings.api_max_response_mb,
    }
    if settings.demo_mode:
        options |= {
            "api_key": DEMO_API_KEY,
            "base_url": DEMO_MANAGEMENT_URL,
            "transport": demo_simulator(settings.demo_size).transport(),
            # The in-process simulator is not Vultr: there is no per-IP limit to stay under.
            "limiter": RateLimiter(DEMO_REQUESTS_PER_S, DEMO_BURST),
        }
    return options


def management_client(settings: Settings) -> ManagementClient:
    """A management client for the settings: the simulator when in demo mode."""
    return ManagementClient(**management_options(settings))


def inference_client(settings: Settings) -> InferenceClient:
    """An inference client for the settings: the simulator in demo inference mode.

    With ``VALKEY_URL`` set, the requests-per-minute budget lives in Valkey, shared by every
    replica of the app that uses the same key.
    """
    key: Secret | None
    transport: httpx.BaseTransport | None = None
    if settings.demo_inference:
        key, url = Secret(DEMO_INFERENCE_KEY), DEMO_INFERENCE_URL
        transport = demo_simulator(settings.demo_size).transport()
    else:
        key, url = settings.inference_api_key, settings.inference_api_url
    limiter: Limiter | None = None
    if settings.valkey_url is not None:
        limiter = ValkeyRateLimiter(
            connect_valkey(
                settings.valkey_url,
                socket_timeout_s=FALLBACK_SOCKET_TIMEOUT_S,
                connect_timeout_s=FALLBACK_CONNECT_TIMEOUT_S,
            ),
            limiter_key(key),
            settings.inference_requests_per_minute,
        )
    return InferenceClient(
        key,
        base_url=url,
        transport=transport,
        requests_per_minute=settings.inference_requests_per_minute,
        limiter=limiter,
        read_timeout_s=settings.inference_timeout_s,
        deadline_s=settings.inference_deadline_s,
        idle_s=settings.inference_idle_s,
        max_response_mb=settings.api_max_response_mb,
    )


def database_url(settings: Settings) -> Secret:
    """The PostgreSQL to watch: DATABASE_URL, or this process's embedded server when unset."""
    return settings.database_url or Secret(embedded_postgres_url())


def valkey_url(settings: Settings) -> Secret:
    """The Valkey to watch and cache in: VALKEY_URL, or the embedded server when unset."""
    return settings.valkey_url or Secret(embedded_valkey_url())
