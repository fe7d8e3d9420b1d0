"""Fault knobs, through the in-process transport: each one, on its own and by path prefix."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

from vultr_core.simulator import Faults, Simulator

from .conftest import NOW, make_client

ERROR_STATUSES = (400, 401, 403, 404, 422, 429, 500, 502, 503, 504)


def test_faults_are_off_by_default(sim: Simulator, api: httpx.Client) -> None:
    assert sim.faults == Faults()
    assert all(api.get("/account").status_code == 200 for _ in range(20))


@pytest.mark.parametrize("status", ERROR_STATUSES)
def test_status_code_answers_with_vultr_error_body(
    sim: Simulator, api: httpx.Client, status: int
) -> None:
    sim.set_faults(status_code=status, status_count=1)
    response = api.get("/instances")
    assert response.status_code == status
    body = response.json()
    assert body["status"] == status
    assert isinstance(body["error"], str)
    assert body["error"]
    assert api.get("/instances").status_code == 200


def test_429_body_and_no_retry_after_by_default(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(status_code=429, status_count=1)
    response = api.get("/account")
    assert response.json() == {"error": "Rate limit exceeded", "status": 429}
    assert "retry-after" not in response.headers


def test_retry_after_is_whole_seconds_rounded_up(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(status_code=429, status_count=1, retry_after_s=1.2)
    assert api.get("/account").headers["retry-after"] == "2"


def test_retry_after_only_on_429(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(status_code=503, status_count=1, retry_after_s=3)
    assert "retry-after" not in api.get("/account").headers


def test_status_burst_then_recovery(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(status_code=503, status_count=3)
    assert [api.get("/account").status_code for _ in range(5)] == [503, 503, 503, 200, 200]
    assert sim.faults.status_count == 0


def test_status_always(sim: Simulator, api: httpx.Client) -> None:
    sim.faults.status_code = 502
    assert {api.get("/account").status_code for _ in range(10)} == {502}


def test_path_prefix_limits_faults(sim: Simulator, api: httpx.Client) -> None:
    sim.faults = Faults(path_prefix="/v2/databases", status_code=500)
    assert api.get("/databases").status_code == 500
    assert api.get("/instances").status_code == 200


def test_faults_apply_before_auth(sim: Simulator) -> None:
    sim.set_faults(status_code=503, status_count=1)
    with httpx.Client(base_url="https://api.vultr.com/v2", transport=sim.transport()) as anonymous:
        assert anonymous.get("/account").status_code == 503
        assert anonymous.get("/account").status_code == 401


def test_error_rate_one_always_fails(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(error_rate=1.0)
    assert {api.get("/account").status_code for _ in range(10)} == {500}


def test_error_rate_is_seeded() -> None:
    def pattern(seed: int) -> list[int]:
        sim = Simulator(seed=seed, now=NOW)
        sim.set_faults(error_rate=0.5)
        with make_client(sim) as client:
            return [client.get("/account").status_code for _ in range(40)]

    first = pattern(11)
    assert first == pattern(11)
    assert {200, 500} == set(first)


def test_rate_limit_allows_the_limit_then_429s(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(rate_limit_per_s=5, retry_after_s=1)
    statuses = [api.get("/account") for _ in range(20)]
    assert [r.status_code for r in statuses[:5]] == [200] * 5
    limited = [r for r in statuses if r.status_code == 429]
    assert limited
    assert limited[0].json() == {"error": "Rate limit exceeded", "status": 429}
    assert limited[0].headers["retry-after"] == "1"


def test_rate_limit_recovers_after_the_window(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(rate_limit_per_s=1)
    api.get("/account")
    assert api.get("/account").status_code == 429
    time.sleep(1.05)
    assert api.get("/account").status_code == 200


def test_drop_raises_remote_protocol_error(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(drop_count=1)
    with pytest.raises(
        httpx.RemoteProtocolError, match=r"Server disconnected without sending a response\."
    ):
        api.get("/account")
    assert api.get("/account").status_code == 200


def test_drop_always(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(drop_count=-1)
    for _ in range(3):
        with pytest.raises(httpx.RemoteProtocolError):
            api.get("/account")


def test_malformed_body_is_200_json_and_unparseable(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(malformed_count=2)
    for route in ("/instances", "/instances/nope/halt"):
        response = api.get(route) if route == "/instances" else api.post(route)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)
    assert api.get("/instances").json()["meta"]["total"] == 30


def test_hang_longer_than_read_timeout_raises_read_timeout(sim: Simulator) -> None:
    sim.set_faults(hang_s=30)
    with make_client(sim, timeout_s=0.05) as client, pytest.raises(httpx.ReadTimeout):
        client.get("/account")
    assert sim.request_log[-1].status == 0


def test_hang_shorter_than_read_timeout_answers(sim: Simulator) -> None:
    sim.set_faults(hang_s=0.05)
    with make_client(sim, timeout_s=10) as client:
        assert client.get("/account").status_code == 200


def test_latency_delays_each_request() -> None:
    stalls: list[float] = []
    sim = Simulator(size="small", stall_sleep=stalls.append)
    sim.set_faults(latency_ms=50)
    with make_client(sim, timeout_s=10) as client:
        assert client.get("/account").status_code == 200
        assert client.get("/regions").status_code == 200
    assert stalls == [0.05, 0.05]


def test_latency_is_not_served_under_a_lock(sim: Simulator, api: httpx.Client) -> None:
    """While one request sleeps in its latency, others are answered."""
    sim.set_faults(path_prefix="/v2/account", latency_ms=1500)
    slow_done = threading.Event()

    def slow() -> None:
        api.get("/account")
        slow_done.set()

    thread = threading.Thread(target=slow)
    thread.start()
    try:
        time.sleep(0.2)  # let the slow request reach its sleep first
        assert api.get("/regions").status_code == 200
        assert not slow_done.is_set()
    finally:
        thread.join()
    assert slow_done.is_set()


def test_reset_switches_everything_off(sim: Simulator, api: httpx.Client) -> None:
    faults = sim.faults
    sim.set_faults(status_code=500, drop_count=3, latency_ms=5, path_prefix="/v2/x")
    faults.reset()
    assert sim.faults == Faults()
    assert api.get("/account").status_code == 200


def test_assigning_faults_replaces_them(sim: Simulator, api: httpx.Client) -> None:
    sim.faults = Faults(status_code=418)
    assert api.get("/account").status_code == 418
    sim.faults = Faults()
    assert api.get("/account").status_code == 200


def test_unknown_knob_is_rejected(sim: Simulator) -> None:
    with pytest.raises(TypeError, match="status"):
        sim.set_faults(statuscode=500)


def test_counters_are_consumed_once_under_concurrency(sim: Simulator) -> None:
    sim.set_faults(status_code=503, status_count=25)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        with make_client(sim) as client:
            for _ in range(10):
                status = client.get("/account").status_code
                with lock:
                    statuses.append(status)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(503) == 25
    assert statuses.count(200) == 55
