"""Retries, timeouts and error mapping, driven by the simulator's faults on a fake clock."""

from __future__ import annotations

import random
import socket
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import FIXED_NOW, SIMULATOR_URL, FakeClock, simulator_client
from vultr_core.api import errors
from vultr_core.api.http import RetryPolicy, parse_retry_after
from vultr_core.api.management import ManagementClient
from vultr_core.simulator import DEMO_API_KEY, Faults, Simulator


def account_requests(simulator: Simulator) -> int:
    return sum(1 for r in simulator.request_log if r.path == "/v2/account")


def test_429_with_retry_after_waits_exactly_that_long(
    client: ManagementClient, simulator: Simulator, clock: FakeClock
) -> None:
    simulator.faults = Faults(status_code=429, status_count=2, retry_after_s=3)
    account = client.account()
    assert account.name
    assert clock.sleeps == [3.0, 3.0]
    assert [r.status for r in simulator.request_log] == [429, 429, 200]


def test_429_without_retry_after_backs_off_with_full_jitter(
    client: ManagementClient, simulator: Simulator, clock: FakeClock
) -> None:
    simulator.faults = Faults(status_code=429, status_count=3)
    client.account()
    policy = RetryPolicy()
    assert len(clock.sleeps) == 3
    for attempt, slept in enumerate(clock.sleeps, start=1):
        assert 0 <= slept <= policy.base_delay_s * 2 ** (attempt - 1)
    assert len(set(clock.sleeps)) == 3, "jitter: no two waits alike"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_is_retried_then_surfaced_as_server_error(
    client: ManagementClient, simulator: Simulator, clock: FakeClock, status: int
) -> None:
    simulator.faults = Faults(status_code=status, status_count=-1)
    with pytest.raises(errors.ServerError) as caught:
        client.account()
    assert caught.value.status == status
    assert caught.value.api_message
    assert account_requests(simulator) == RetryPolicy().max_attempts
    assert len(clock.sleeps) == RetryPolicy().max_attempts - 1


def test_a_passing_5xx_is_invisible_to_the_caller(
    client: ManagementClient, simulator: Simulator
) -> None:
    simulator.faults = Faults(status_code=502, status_count=1)
    assert client.instances()
    assert [r.status for r in simulator.request_log][:2] == [502, 200]


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, errors.InvalidRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (422, errors.InvalidRequestError),
    ],
)
def test_client_errors_are_never_retried(
    client: ManagementClient,
    simulator: Simulator,
    clock: FakeClock,
    status: int,
    error_type: type[errors.ApiError],
) -> None:
    simulator.faults = Faults(status_code=status, status_count=-1)
    with pytest.raises(error_type) as caught:
        client.account()
    assert caught.value.status == status
    assert caught.value.api_message, "the API's own message is kept"
    assert caught.value.api_message in str(caught.value)
    assert account_requests(simulator) == 1
    assert clock.sleeps == []


def test_the_total_deadline_holds_even_with_attempts_left(simulator: Simulator) -> None:
    clock = FakeClock()
    policy = RetryPolicy(max_attempts=100, deadline_s=10.0)
    simulator.faults = Faults(status_code=429, status_count=-1, retry_after_s=4)
    with (
        simulator_client(simulator, clock, retry=policy) as client,
        pytest.raises(errors.RateLimitError) as caught,
    ):
        client.account()
    assert caught.value.retry_after_s == 4
    assert sum(clock.sleeps) <= policy.deadline_s
    assert clock.sleeps == [4.0, 4.0]
    assert account_requests(simulator) == 3


def test_a_huge_retry_after_is_capped() -> None:
    policy = RetryPolicy()
    hour_wait = errors.RateLimitError("slow down", retry_after_s=3600)
    assert policy.delay_s(1, hour_wait, random.Random()) == policy.max_retry_after_s


def test_a_dropped_connection_is_retried(client: ManagementClient, simulator: Simulator) -> None:
    simulator.faults = Faults(drop_count=1)
    assert client.account().name
    assert len(simulator.request_log) == 2


def test_connections_that_keep_dropping_end_as_connection_error(
    client: ManagementClient, simulator: Simulator
) -> None:
    simulator.faults = Faults(drop_count=-1)
    with pytest.raises(errors.ConnectionError, match="GET /v2/account"):
        client.account()
    assert len(simulator.request_log) == RetryPolicy().max_attempts


def test_a_hang_past_the_read_timeout_ends_as_timeout_error(simulator: Simulator) -> None:
    clock = FakeClock()
    simulator.faults = Faults(hang_s=5.0)
    with (
        simulator_client(
            simulator, clock, read_timeout_s=0.05, retry=RetryPolicy(max_attempts=2)
        ) as client,
        pytest.raises(errors.TimeoutError, match="timed out"),
    ):
        client.account()
    assert len(clock.sleeps) == 1


def test_a_malformed_body_is_a_clear_error_and_not_retried(
    client: ManagementClient, simulator: Simulator
) -> None:
    simulator.faults = Faults(malformed_count=-1)
    with pytest.raises(errors.MalformedResponseError, match="not valid JSON"):
        client.instances()
    assert len(simulator.request_log) == 1


def test_faults_can_target_one_route(client: ManagementClient, simulator: Simulator) -> None:
    simulator.faults = Faults(path_prefix="/v2/databases", status_code=500, status_count=-1)
    assert client.instances()
    with pytest.raises(errors.ServerError):
        client.databases()


def test_over_real_http_on_loopback(client: ManagementClient, simulator: Simulator) -> None:
    in_process = client.instances()
    simulator.clear_log()
    with (
        simulator.serve() as server,
        ManagementClient(DEMO_API_KEY, base_url=f"{server.base_url}/v2") as over_http,
    ):
        assert over_http.instances() == in_process
        assert over_http.account() == client.account()
    assert {r.headers["user-agent"] for r in simulator.request_log} == {"vultr-dashboard/0.1.0"}


def test_a_wrong_key_over_http_is_an_authentication_error_with_the_apis_words() -> None:
    simulator = Simulator(size="small", now=FIXED_NOW)
    with (
        simulator.serve() as server,
        ManagementClient("wrong-key", base_url=f"{server.base_url}/v2") as client,
        pytest.raises(errors.AuthenticationError) as caught,
    ):
        client.account()
    assert caught.value.status == 401
    assert caught.value.api_message == "Invalid API token."
    assert "wrong-key" not in str(caught.value)


def test_nothing_listening_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = FakeClock()
    with (
        ManagementClient(
            "k", base_url=f"http://127.0.0.1:{port}/v2", clock=clock, sleep=clock.sleep
        ) as client,
        pytest.raises(errors.ConnectionError, match=r"127\.0\.0\.1"),
    ):
        client.account()


def test_pacing_keeps_the_client_under_vultrs_real_rate_limit() -> None:
    """The simulator enforces 30 requests/s like Vultr; 60 quick calls must see no 429."""
    simulator = Simulator(size="small", now=FIXED_NOW)
    simulator.faults = Faults(rate_limit_per_s=30)
    with ManagementClient(
        DEMO_API_KEY, base_url=SIMULATOR_URL, transport=simulator.transport()
    ) as client:
        for _ in range(60):
            client.account()
    assert {r.status for r in simulator.request_log} == {200}


@pytest.mark.parametrize(
    ("header", "expected"),
    [("3", 3.0), ("0.5", 0.5), ("", None), ("soon", None), ("-4", 0.0)],
)
def test_retry_after_seconds(header: str, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
    later = (now + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(later, now=now) == 30.0


def test_a_refused_certificate_is_reported_at_once_with_its_reason() -> None:
    simulator = Simulator(size="small", now=FIXED_NOW)
    clock = FakeClock()
    with (
        simulator.serve(tls=True) as server,
        ManagementClient(
            DEMO_API_KEY, base_url=f"{server.base_url}/v2", clock=clock, sleep=clock.sleep
        ) as client,
        pytest.raises(errors.TlsError) as caught,
    ):
        client.account()
    assert "certificate verify failed: self-signed certificate" in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
    assert clock.sleeps == [], "never retried: another attempt meets the same certificate"
    assert simulator.request_log == [], "no request went out over the refused connection"


def test_tls_failures_are_not_retried_but_other_connection_failures_are() -> None:
    policy = RetryPolicy()
    assert not policy.is_retryable(errors.TlsError("certificate verify failed"))
    assert policy.is_retryable(errors.ConnectionError("connection reset"))
