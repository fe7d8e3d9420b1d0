"""The Valkey-backed inference rate limit, against a real Valkey (or Redis 7 in CI)."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator

import pytest
import valkey

from tests.conftest import FakeClock
from vultr_core.api.http import RateLimiter
from vultr_core.clients import inference_client
from vultr_core.config import Secret, Settings
from vultr_core.inference.client import InferenceClient
from vultr_core.inference.limits import KEY_PREFIX, ValkeyRateLimiter, limiter_key
from vultr_core.simulator import DEMO_INFERENCE_KEY, Simulator

API_KEY = "SUBSCRIPTIONKEY0000000000000000000000"


class RecordedWaits:
    """A sleep that only records: the waits the limiter asked for are the observable."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)


@pytest.fixture
def replicas(valkey_url: str, valkey_client: valkey.Valkey) -> Iterator[list[valkey.Valkey]]:
    """Two separate connections, as two app replicas would hold."""
    connections = [valkey.Valkey.from_url(valkey_url, socket_timeout=5) for _ in range(2)]
    yield connections
    for connection in connections:
        connection.close()


def test_two_replicas_share_one_budget(replicas: list[valkey.Valkey]) -> None:
    """One request a minute: whoever asks second waits for the next minute's slot."""
    waits = RecordedWaits()
    first, second = (
        ValkeyRateLimiter(connection, limiter_key(API_KEY), 1, sleep=waits)
        for connection in replicas
    )
    assert first.acquire() == 0.0
    second_wait = second.acquire()
    third_wait = first.acquire()
    # The slots are 60 s apart; the margin is only the time these calls take.
    assert 50.0 < second_wait <= 60.0
    assert 110.0 < third_wait <= 120.0
    assert waits.waits == [second_wait, third_wait]


def test_each_api_key_has_its_own_budget(replicas: list[valkey.Valkey]) -> None:
    waits = RecordedWaits()
    one = ValkeyRateLimiter(replicas[0], limiter_key(API_KEY), 1, sleep=waits)
    other = ValkeyRateLimiter(replicas[1], limiter_key("ANOTHERKEY"), 1, sleep=waits)
    assert one.acquire() == 0.0
    assert other.acquire() == 0.0
    assert waits.waits == []


def test_concurrent_replicas_never_share_a_slot(
    valkey_url: str, valkey_client: valkey.Valkey
) -> None:
    """Twelve threads on their own connections at once, one request a minute: each gets its
    own minute (the script is atomic), so the waits are 1, 2, ... 11 minutes."""
    waits = RecordedWaits()
    key = limiter_key(API_KEY)

    def one_request() -> None:
        with valkey.Valkey.from_url(valkey_url, socket_timeout=5) as connection:
            ValkeyRateLimiter(connection, key, 1, sleep=waits).acquire()

    threads = [threading.Thread(target=one_request) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    minutes = [round(wait / 60) for wait in sorted(waits.waits)]
    assert minutes == list(range(1, 12))
    assert all(
        60 * m - 5 < wait <= 60 * m for m, wait in zip(minutes, sorted(waits.waits), strict=True)
    )


def test_the_key_is_namespaced_hashed_and_expires(valkey_client: valkey.Valkey) -> None:
    key = limiter_key(Secret(API_KEY))
    assert key.startswith(KEY_PREFIX)
    assert API_KEY not in key
    ValkeyRateLimiter(valkey_client, key, 60).acquire()
    assert valkey_client.exists(key)
    assert not any(API_KEY.encode() in stored for stored in valkey_client.keys("*"))
    # One second to the next slot, plus a second's grace: an idle budget leaves no key behind.
    assert 0 < valkey_client.pttl(key) <= 2000


def test_falls_back_to_a_local_bucket_when_valkey_is_down(
    clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    unreachable = valkey.Valkey.from_url(
        f"redis://:s3cret@127.0.0.1:{closed_port}/0", socket_connect_timeout=1
    )
    fallback = RateLimiter.per_minute(30, clock=clock, sleep=clock.sleep)
    limiter = ValkeyRateLimiter(unreachable, limiter_key(API_KEY), 30, fallback=fallback)
    with caplog.at_level(logging.WARNING, logger="vultr_core.inference.limits"):
        waits = [limiter.acquire() for _ in range(3)]
    assert waits == [0.0, 2.0, 2.0]
    assert "pacing this process alone" in caplog.text
    assert "s3cret" not in caplog.text


def test_inference_clients_share_the_budget_through_valkey(
    replicas: list[valkey.Valkey],
) -> None:
    sim = Simulator(size="empty")
    waits = RecordedWaits()
    clients = [
        InferenceClient(
            DEMO_INFERENCE_KEY,
            base_url="http://sim.invalid/v1",
            transport=sim.transport(),
            limiter=ValkeyRateLimiter(connection, limiter_key(DEMO_INFERENCE_KEY), 2, sleep=waits),
        )
        for connection in replicas
    ]
    for client in clients:
        assert client.list_models()
    assert len(waits.waits) == 1
    assert 25.0 < waits.waits[0] <= 30.0


def test_settings_with_valkey_put_the_limit_in_valkey(
    valkey_url: str, valkey_client: valkey.Valkey
) -> None:
    settings = Settings(valkey_url=Secret(valkey_url), inference_requests_per_minute=600)
    with inference_client(settings) as client:
        client.list_models()
    assert valkey_client.get(limiter_key(DEMO_INFERENCE_KEY)) is not None
