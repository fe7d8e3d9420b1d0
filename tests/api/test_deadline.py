"""A management call ends within its deadline whatever the server does (issue 12 §1).

Over real loopback sockets the simulator drips its body or its headers far longer than the
deadline; nothing here times a call: each server would hold an unbounded client for 30 s and
then answer correctly, so a call that ends with TimeoutError is one the deadline ended.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import FIXED_NOW, SIMULATOR_URL, FakeClock
from vultr_core.api import errors
from vultr_core.api.deadline import environment_proxy
from vultr_core.api.http import DEFAULT_MAX_CONNECTIONS, RateLimiter, RetryPolicy
from vultr_core.api.management import ManagementClient
from vultr_core.simulator import DEMO_API_KEY, Simulator, SimulatorServer

DEADLINE_S = 0.5
# Longer than any test may take: an unbounded call would sit it out, then succeed.
HOSTILE_FOR_S = 30.0


@pytest.fixture
def served() -> Iterator[tuple[Simulator, SimulatorServer]]:
    simulator = Simulator(size="small", now=FIXED_NOW)
    with simulator.serve() as server:
        yield simulator, server


def loopback_client(server: SimulatorServer, deadline_s: float = DEADLINE_S) -> ManagementClient:
    """A client whose per-read timeout (5 s) no drip below trips: only the deadline can."""
    return ManagementClient(
        DEMO_API_KEY,
        base_url=f"{server.base_url}/v2",
        retry=RetryPolicy(deadline_s=deadline_s),
        read_timeout_s=5.0,
    )


def test_a_body_dripping_whitespace_ends_at_the_deadline(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    simulator, server = served
    simulator.set_faults(drip_bytes_per_s=20, drip_for_s=HOSTILE_FOR_S)
    with (
        loopback_client(server) as client,
        pytest.raises(errors.TimeoutError, match=r"within the call's 0\.5 s deadline"),
    ):
        client.account()


def test_headers_arriving_a_byte_at_a_time_end_at_the_deadline(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    simulator, server = served
    # About 130 header bytes at 5 a second: 26 s of headers, no read ever waits 5 s.
    simulator.set_faults(slow_headers_bytes_per_s=5)
    with (
        loopback_client(server) as client,
        pytest.raises(errors.TimeoutError, match=r"deadline"),
    ):
        client.account()


def test_the_pool_recovers_once_the_api_does(served: tuple[Simulator, SimulatorServer]) -> None:
    """A pool's worth of calls stuck on a drip: each ends at its deadline and gives its
    connection back, so the first call after the API recovers is answered."""
    simulator, server = served
    simulator.set_faults(drip_bytes_per_s=20, drip_for_s=HOSTILE_FOR_S)
    with loopback_client(server) as client:
        with ThreadPoolExecutor(DEFAULT_MAX_CONNECTIONS) as pool:
            stuck = [pool.submit(client.account) for _ in range(DEFAULT_MAX_CONNECTIONS)]
        outcomes = [type(call.exception()).__name__ for call in stuck]
        simulator.faults.reset()
        assert client.account().name
    assert outcomes == ["TimeoutError"] * DEFAULT_MAX_CONNECTIONS


def test_a_drip_in_process_ends_at_the_deadline_on_the_clock() -> None:
    """The in-process transport has no sockets: the body loop itself watches the clock."""
    clock = FakeClock()
    simulator = Simulator(size="small", now=FIXED_NOW, stall_sleep=clock.sleep)
    simulator.set_faults(drip_bytes_per_s=1, drip_for_s=HOSTILE_FOR_S * 100)
    started = clock.now
    with (
        ManagementClient(
            DEMO_API_KEY,
            base_url=SIMULATOR_URL,
            transport=simulator.transport(),
            retry=RetryPolicy(deadline_s=10.0),
            clock=clock,
            sleep=clock.sleep,
            rng=random.Random(1),
        ) as client,
        pytest.raises(errors.TimeoutError, match="reading the body"),
    ):
        client.account()
    assert clock.now - started <= 10.0 + 1.0, "one drip interval past the deadline at most"


def test_slow_headers_in_process_are_reported_as_the_deadline() -> None:
    clock = FakeClock()
    simulator = Simulator(size="small", now=FIXED_NOW, stall_sleep=clock.sleep)
    simulator.set_faults(slow_headers_bytes_per_s=1)
    with (
        ManagementClient(
            DEMO_API_KEY,
            base_url=SIMULATOR_URL,
            transport=simulator.transport(),
            retry=RetryPolicy(deadline_s=10.0),
            clock=clock,
            sleep=clock.sleep,
        ) as client,
        pytest.raises(errors.TimeoutError, match="waiting for the headers"),
    ):
        client.account()
    assert len(simulator.request_log) == 1, "no time was left to try again"


def test_waiting_for_a_turn_under_the_rate_limit_counts_against_the_deadline() -> None:
    clock = FakeClock()
    simulator = Simulator(size="small", now=FIXED_NOW)
    # One request per 100 s: the second call's turn comes after its 10 s deadline.
    limiter = RateLimiter(0.01, 1, clock=clock, sleep=clock.sleep)
    with ManagementClient(
        DEMO_API_KEY,
        base_url=SIMULATOR_URL,
        transport=simulator.transport(),
        retry=RetryPolicy(deadline_s=10.0),
        limiter=limiter,
        clock=clock,
        sleep=clock.sleep,
    ) as client:
        client.account()
        with pytest.raises(errors.TimeoutError, match="waiting for its turn"):
            client.account()
    assert len(simulator.request_log) == 1, "the late request was never sent"


def test_a_proxy_named_by_the_environment_is_still_used(
    served: tuple[Simulator, SimulatorServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our transport replaces httpx's, which read HTTP(S)_PROXY itself: we must read it too.
    The simulator serves absolute-form requests, so it can stand in for the proxy."""
    simulator, server = served
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", server.base_url)
    with ManagementClient(DEMO_API_KEY, base_url="http://vultr-via-proxy.invalid/v2") as client:
        assert client.account().name
    assert [r.path for r in simulator.request_log] == ["/v2/account"]
    monkeypatch.setenv("NO_PROXY", "vultr-via-proxy.invalid")
    assert environment_proxy("http://vultr-via-proxy.invalid/v2") is None
