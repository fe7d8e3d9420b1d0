"""The simulator over real HTTP on loopback: same answers, real connection errors."""

from __future__ import annotations

import gzip
import json
import ssl
from collections.abc import Iterator

import httpx
import pytest

from vultr_core.simulator import DEMO_API_KEY, Simulator, SimulatorServer

from .conftest import NOW

AUTH = {"Authorization": f"Bearer {DEMO_API_KEY}"}


@pytest.fixture
def server(sim: Simulator) -> Iterator[SimulatorServer]:
    with sim.serve() as running:
        yield running


@pytest.fixture
def http(server: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, headers=AUTH, timeout=10) as client:
        yield client


def test_base_url_is_loopback_with_a_real_port(server: SimulatorServer) -> None:
    assert server.base_url.startswith("http://127.0.0.1:")
    assert int(server.base_url.rsplit(":", 1)[1]) > 0


def test_same_bytes_as_the_transport(sim: Simulator, http: httpx.Client) -> None:
    over_http = http.get("/v2/instances", params={"per_page": 7})
    with httpx.Client(
        base_url="https://api.vultr.com", transport=sim.transport(), headers=AUTH
    ) as local:
        in_process = local.get("/v2/instances", params={"per_page": 7})
    assert over_http.status_code == 200
    assert over_http.content == in_process.content
    assert over_http.headers["content-type"] == "application/json"


def test_auth_and_errors_over_http(server: SimulatorServer) -> None:
    with httpx.Client(base_url=server.base_url) as anonymous:
        assert anonymous.get("/v2/account").json() == {"error": "Invalid API token.", "status": 401}
        assert anonymous.get("/v2/regions").status_code == 200
        assert anonymous.get("/v2/nowhere").status_code == 404


def test_post_body_reaches_the_api(sim: Simulator, http: httpx.Client) -> None:
    database_id = sim.organisation.databases[0]["id"]
    assert (
        http.post(f"/v2/databases/{database_id}/alerts", json={"period": "year"}).status_code == 200
    )
    assert http.post(f"/v2/databases/{database_id}/alerts", json={}).status_code == 422


def test_204_has_an_empty_body_and_keeps_the_connection_usable(
    sim: Simulator, http: httpx.Client
) -> None:
    instance_id = sim.organisation.instances[0]["id"]
    response = http.post(f"/v2/instances/{instance_id}/reboot")
    assert response.status_code == 204
    assert response.content == b""
    assert http.get("/v2/account").status_code == 200


def test_drop_is_a_real_connection_error(sim: Simulator, http: httpx.Client) -> None:
    sim.set_faults(drop_count=1)
    with pytest.raises(httpx.TransportError):
        http.get("/v2/account")
    assert http.get("/v2/account").status_code == 200
    assert [entry.status for entry in sim.request_log] == [0, 200]


def test_hang_times_out_the_client(sim: Simulator, server: SimulatorServer) -> None:
    sim.set_faults(hang_s=1.0)
    with (
        httpx.Client(base_url=server.base_url, headers=AUTH, timeout=0.1) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.get("/v2/account")


def test_429_with_retry_after_over_http(sim: Simulator, http: httpx.Client) -> None:
    sim.set_faults(status_code=429, status_count=1, retry_after_s=2)
    response = http.get("/v2/account")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "2"
    assert response.json() == {"error": "Rate limit exceeded", "status": 429}


def test_malformed_over_http(sim: Simulator, http: httpx.Client) -> None:
    sim.set_faults(malformed_count=1)
    response = http.get("/v2/regions")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_close_releases_the_port() -> None:
    server = Simulator(size="empty", now=NOW).serve()
    base_url = server.base_url
    server.close()
    with pytest.raises(httpx.ConnectError), httpx.Client(timeout=2) as client:
        client.get(f"{base_url}/v2/regions")


def test_tls_serves_https_that_clients_refuse_unless_they_trust_it(sim: Simulator) -> None:
    with sim.serve(tls=True) as server:
        assert server.base_url.startswith("https://127.0.0.1:")
        assert server.certificate_pem is not None
        with (
            httpx.Client(base_url=server.base_url) as untrusting,
            pytest.raises(httpx.ConnectError, match="self-signed certificate"),
        ):
            untrusting.get("/v2/regions")
        trusted = ssl.create_default_context(cadata=server.certificate_pem.decode())
        with httpx.Client(base_url=server.base_url, headers=AUTH, verify=trusted) as trusting:
            assert trusting.get("/v2/account").status_code == 200
    assert [entry.path for entry in sim.request_log] == ["/v2/account"]


def test_slow_headers_go_out_a_byte_at_a_time() -> None:
    paces: list[float] = []
    sim = Simulator(size="small", now=NOW, stall_sleep=paces.append)
    sim.set_faults(slow_headers_bytes_per_s=50)
    with sim.serve() as server, httpx.Client(base_url=server.base_url, headers=AUTH) as client:
        response = client.get("/v2/account")
    assert response.status_code == 200
    assert response.json()["account"]["name"]
    assert len(paces) > 60, "status line and every header, byte by byte"
    assert set(paces) == {0.02}


def test_drip_and_gzip_bomb_over_http(sim: Simulator, http: httpx.Client) -> None:
    sim.set_faults(drip_bytes_per_s=1000, drip_for_s=0.05)
    assert http.get("/v2/account").content.startswith(b" " * 50 + b"{")
    sim.set_faults(drip_bytes_per_s=0, gzip_bomb_mb=2)
    with http.stream("GET", "/v2/account") as response:
        compressed = b"".join(response.iter_raw())
    assert response.headers["content-encoding"] == "gzip"
    assert len(gzip.decompress(compressed)) == 2 * 1024 * 1024
