"""Shared fixtures: a fake clock for pacing and retries, and the simulated Vultr."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from vultr_core.management import ManagementClient
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


@pytest.fixture
def client(simulator: Simulator, clock: FakeClock) -> Iterator[ManagementClient]:
    with ManagementClient(
        DEMO_API_KEY,
        base_url=SIMULATOR_URL,
        transport=simulator.transport(),
        clock=clock,
        sleep=clock.sleep,
        rng=random.Random(1),
    ) as management:
        yield management
