"""Fixtures for the simulator's own tests: a fixed clock, fresh simulators, httpx clients."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from vultr_core.simulator import DEMO_API_KEY, Simulator

# Mid-month and mid-afternoon, so month-to-date figures are partial and nothing is on a boundary.
NOW = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)
BASE_URL = "https://api.vultr.com/v2"
AUTH = {"Authorization": f"Bearer {DEMO_API_KEY}"}


def make_client(sim: Simulator, timeout_s: float = 5.0) -> httpx.Client:
    """An httpx client on the in-process transport, authenticated with the demo key."""
    return httpx.Client(
        base_url=BASE_URL, transport=sim.transport(), headers=AUTH, timeout=timeout_s
    )


@pytest.fixture
def sim() -> Simulator:
    """A fresh small organisation per test, so faults and writes never leak between tests."""
    return Simulator(size="small", seed=7, now=NOW)


@pytest.fixture
def api(sim: Simulator) -> Iterator[httpx.Client]:
    with make_client(sim) as client:
        yield client


@pytest.fixture(scope="module")
def large_sim() -> Simulator:
    """Read-only use only: shared by the tests of a module because it is the big one."""
    return Simulator(size="large", seed=7, now=NOW)


@pytest.fixture
def large_api(large_sim: Simulator) -> Iterator[httpx.Client]:
    with make_client(large_sim) as client:
        yield client
