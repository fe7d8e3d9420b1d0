"""A retry storm cut short by the deadline must still say what the API answered.

The matrix met this now and then (about one storm in 200 with a half-second deadline): the
retrier waits out its backoff, then gives the next try only what is left of the deadline,
down to a millisecond; that try times out, and the person reads "timed out" when every answer
was "429 Rate limit exceeded". Here a fake clock and a backoff drawn at its ceiling make it
happen every time.
"""

from __future__ import annotations

import random
import time

import pytest

from tests.conftest import SIMULATOR_URL, FakeClock
from tests.faults.cases import DEADLINE_S, TIMEOUT_S
from tests.faults.conftest import Note
from vultr_core.api.errors import RateLimitError, VultrError
from vultr_core.api.http import RetryPolicy
from vultr_core.api.management import ManagementClient
from vultr_core.simulator import DEMO_API_KEY, Simulator


class AtTheCeiling(random.Random):
    """Full jitter that always draws (almost) its longest wait."""

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * 0.999


def test_a_storm_cut_short_by_the_deadline_says_rate_limit(
    simulator: Simulator, note: Note
) -> None:
    # Every answer is a 429, 5 ms after the request: quick beside TIMEOUT_S, slow beside 1 ms.
    simulator.set_faults(status_code=429, latency_ms=5)
    clock = FakeClock()
    client = ManagementClient(
        DEMO_API_KEY,
        base_url=SIMULATOR_URL,
        transport=simulator.transport(),
        retry=RetryPolicy(deadline_s=DEADLINE_S),
        read_timeout_s=TIMEOUT_S,
        clock=clock,
        sleep=clock.sleep,
        rng=AtTheCeiling(),
    )
    started = time.perf_counter()
    with client, pytest.raises(VultrError) as raised:
        client.account()
    seconds = time.perf_counter() - started
    note("client retries", "429 storm cut short by the deadline", str(raised.value), seconds)
    assert isinstance(raised.value, RateLimitError)
    assert "HTTP 429: Rate limit exceeded" in str(raised.value)
