"""Shared fixtures: a fake clock for pacing and retries, and the simulated Vultr."""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import valkey

from vultr_core.api.management import ManagementClient
from vultr_core.health.embedded import embedded_postgres_url, embedded_valkey_url
from vultr_core.simulator import DEMO_API_KEY, Simulator

# Mid-month, so month-to-date figures are neither empty nor complete.
FIXED_NOW = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
SIMULATOR_URL = "http://vultr-simulator.invalid/v2"


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def simulator() -> Simulator:
    return Simulator(size="small", now=FIXED_NOW)


def simulator_options(simulator: Simulator, clock: FakeClock | None = None) -> dict[str, Any]:
    """A management client's arguments for the simulator's in-process transport, sleeping on
    a fake clock."""
    fake = clock or FakeClock()
    return {
        "api_key": DEMO_API_KEY,
        "base_url": SIMULATOR_URL,
        "transport": simulator.transport(),
        "clock": fake,
        "sleep": fake.sleep,
        "rng": random.Random(1),
    }


def simulator_client(
    simulator: Simulator, clock: FakeClock | None = None, **options: Any
) -> ManagementClient:
    """A client on the simulator's in-process transport that sleeps on a fake clock."""
    return ManagementClient(**simulator_options(simulator, clock), **options)


@pytest.fixture
def client(simulator: Simulator, clock: FakeClock) -> Iterator[ManagementClient]:
    with simulator_client(simulator, clock) as management:
        yield management


# Real servers: the embedded ones by default, the ones named by TEST_DATABASE_URL and
# TEST_VALKEY_URL when set (.ci/run also points them at the machine's PostgreSQL 15 and Redis 7).
SERVER_FIXTURES = {"postgres_url", "valkey_url", "valkey_client"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that talks to a real server, so CI can rerun just those elsewhere."""
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.servers)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or embedded_postgres_url()


@pytest.fixture(scope="session")
def valkey_url() -> str:
    return os.environ.get("TEST_VALKEY_URL") or embedded_valkey_url()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """One process on servers named by TEST_DATABASE_URL / TEST_VALKEY_URL: tests change
    server-wide state there (roles, ACL users, CONFIG SET, CLIENT PAUSE), which parallel
    workers would trip over. Each worker's embedded servers are its own."""
    if os.environ.get("TEST_DATABASE_URL") or os.environ.get("TEST_VALKEY_URL"):
        return 0
    return None


@pytest.fixture
def valkey_client(valkey_url: str) -> Iterator[valkey.Valkey]:
    """A client on an emptied database: tests own the database their URL names."""
    client = valkey.Valkey.from_url(valkey_url, socket_timeout=5)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()
