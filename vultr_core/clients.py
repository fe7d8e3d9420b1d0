"""Build the clients the settings ask for: the real Vultr, or the simulator in demo mode."""

from __future__ import annotations

import threading

from vultr_core.config import Secret, Settings
from vultr_core.embedded import embedded_postgres_url, embedded_valkey_url
from vultr_core.management import ManagementClient
from vultr_core.simulator import DEMO_API_KEY, Simulator

# Demo clients talk to the in-process simulator through an httpx transport; this host name
# never resolves, so a demo request can never reach the network by mistake.
DEMO_MANAGEMENT_URL = "http://vultr-simulator.invalid/v2"

_demo_lock = threading.Lock()
_demo_simulator: Simulator | None = None


def demo_simulator() -> Simulator:
    """The one demo organisation of this process, built on first use."""
    global _demo_simulator
    with _demo_lock:
        if _demo_simulator is None:
            _demo_simulator = Simulator(size="small")
        return _demo_simulator


def management_client(settings: Settings) -> ManagementClient:
    """A management client for the settings: the simulator when in demo mode."""
    if settings.demo_mode:
        return ManagementClient(
            DEMO_API_KEY, base_url=DEMO_MANAGEMENT_URL, transport=demo_simulator().transport()
        )
    return ManagementClient(settings.management_api_key, base_url=settings.management_api_url)


def database_url(settings: Settings) -> Secret:
    """The PostgreSQL to watch: DATABASE_URL, or this process's embedded server when unset."""
    return settings.database_url or Secret(embedded_postgres_url())


def valkey_url(settings: Settings) -> Secret:
    """The Valkey to watch and cache in: VALKEY_URL, or the embedded server when unset."""
    return settings.valkey_url or Secret(embedded_valkey_url())
