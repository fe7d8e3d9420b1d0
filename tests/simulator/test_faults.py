"""Fault knobs, through the in-process transport: each one, on its own and by path prefix."""

from __future__ import annotations

import gzip
import json
import threading
import time

import httpx
import pytest

from vultr_core.simulator import Faults, Simulator
from vultr_core.simulator.messages import SimRequest

from .conftest import AUTH, NOW, make_client

AUTH_HEADERS = {name.lower(): value for name, value in AUTH.items()}

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


# -- hostile wire (issue 12): answers meant to hold or swamp a client ----------------------------


def test_drip_sends_whitespace_at_the_pace_then_the_real_body() -> None:
    stalls: list[float] = []
    sim = Simulator(size="small", now=NOW, stall_sleep=stalls.append)
    sim.set_faults(drip_bytes_per_s=4, drip_for_s=2.5)
    with make_client(sim) as client:
        response = client.get("/account")
    assert response.status_code == 200
    assert response.content.startswith(b" " * 10 + b"{")
    assert response.json()["account"]["name"]
    assert stalls == [0.25] * 10


def test_slow_headers_take_a_pace_per_header_byte() -> None:
    stalls: list[float] = []
    sim = Simulator(size="small", now=NOW, stall_sleep=stalls.append)
    sim.set_faults(slow_headers_bytes_per_s=100)
    with make_client(sim) as client:
        assert client.get("/account").status_code == 200
    header_bytes = len(b"HTTP/1.1 200 -\r\ncontent-type: application/json\r\n\r\n")
    assert stalls == [pytest.approx(header_bytes / 100)]


def test_gzip_bomb_is_small_on_the_wire_and_huge_inflated(sim: Simulator) -> None:
    sim.set_faults(gzip_bomb_mb=4)
    with make_client(sim) as client, client.stream("GET", "/account") as response:
        compressed = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert len(compressed) < 8 * 1024
    inflated = gzip.decompress(compressed)
    assert len(inflated) == 4 * 1024 * 1024
    assert set(inflated) == {ord(" ")}


def test_endless_cursors_offer_a_new_next_page_every_time(
    sim: Simulator, api: httpx.Client
) -> None:
    sim.set_faults(endless_cursors=True)
    cursors: list[str] = []
    params: dict[str, str] = {"per_page": "500"}
    for _ in range(10):
        body = api.get("/instances", params=params).json()
        assert len(body["instances"]) == body["meta"]["total"] == 30
        cursors.append(body["meta"]["links"]["next"])
        params["cursor"] = cursors[-1]
    assert len(set(cursors)) == 10
    assert all(r.status == 200 for r in sim.request_log)


def test_hostile_ids_replace_database_ids_in_turn(sim: Simulator, api: httpx.Client) -> None:
    sim.set_faults(hostile_ids=True)
    victim = sim.organisation.instances[0]["id"]
    ids = [database["id"] for database in api.get("/databases").json()["databases"][:4]]
    assert ids == [f"../instances/{victim}/reboot#", None, "", f"../instances/{victim}/reboot#"]
    real_id = sim.organisation.databases[0]["id"]
    assert api.get(f"/databases/{real_id}").json()["database"]["id"] != real_id
    assert api.get("/instances").json()["instances"][0]["id"] == victim, "other routes untouched"


def test_an_escaped_slash_stays_inside_its_segment(sim: Simulator, api: httpx.Client) -> None:
    """Servers route on the path as sent: an escaped id is one (unknown) id, not a route."""
    victim = sim.organisation.instances[0]["id"]
    response = api.post(f"/databases/..%2Finstances%2F{victim}%2Freboot%23/alerts", json={})
    assert response.status_code == 404
    assert sim.request_log[-1].path.startswith("/v2/databases/..%2Finstances")


@pytest.mark.parametrize(
    "knobs",
    [
        {"drip_bytes_per_s": 4},
        {"slow_headers_bytes_per_s": 4},
        {"gzip_bomb_mb": 1},
        {"endless_cursors": True},
        {"hostile_ids": True},
    ],
)
def test_hostile_wire_modes_keep_to_their_path_prefix(knobs: dict[str, object]) -> None:
    stalls: list[float] = []
    sim = Simulator(size="small", now=NOW, stall_sleep=stalls.append)
    sim.set_faults(path_prefix="/v2/account", **knobs)
    with make_client(sim) as client:
        plain = client.get("/databases", params={"per_page": "500"})
    assert (
        plain.content
        == sim.handle(SimRequest("GET", "/v2/databases", {"per_page": ["500"]}, AUTH_HEADERS)).body
    )
    assert stalls == []
