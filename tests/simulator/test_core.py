"""The request pipeline: request log, dispatch by prefix, transport details."""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from vultr_core.simulator import DEMO_API_KEY, LoggedRequest, Simulator


def test_request_log_records_what_was_sent(sim: Simulator, api: httpx.Client) -> None:
    api.get("/instances", params={"per_page": 2, "tag": "prod"})
    database_id = sim.organisation.databases[0]["id"]
    api.post(f"/databases/{database_id}/alerts", json={"period": "day"})
    first, second = sim.request_log
    assert first == LoggedRequest(
        method="GET",
        path="/v2/instances",
        query={"per_page": ["2"], "tag": ["prod"]},
        headers=first.headers,
        body=b"",
        status=200,
    )
    assert first.headers["authorization"] == f"Bearer {DEMO_API_KEY}"
    assert all(name == name.lower() for name in first.headers)
    assert second.method == "POST"
    assert second.path == f"/v2/databases/{database_id}/alerts"
    assert json.loads(second.body) == {"period": "day"}
    assert second.status == 200


def test_request_log_records_errors_and_no_response(sim: Simulator, api: httpx.Client) -> None:
    api.get("/nope")
    sim.set_faults(drop_count=1)
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/account")
    assert [entry.status for entry in sim.request_log] == [404, 0]


def test_request_log_is_a_snapshot_and_clears(sim: Simulator, api: httpx.Client) -> None:
    api.get("/account")
    snapshot = sim.request_log
    api.get("/account")
    assert len(snapshot) == 1
    assert len(sim.request_log) == 2
    sim.clear_log()
    assert sim.request_log == []


def test_logged_requests_are_frozen(sim: Simulator, api: httpx.Client) -> None:
    api.get("/account")
    with pytest.raises(dataclasses.FrozenInstanceError):
        sim.request_log[0].status = 500  # type: ignore[misc]


def test_transport_is_thread_safe_and_shared(sim: Simulator) -> None:
    """One transport, many threads: every request answered, every one logged."""
    transport = sim.transport()
    with (
        httpx.Client(
            base_url="https://api.vultr.com/v2",
            transport=transport,
            headers={"Authorization": f"Bearer {DEMO_API_KEY}"},
        ) as client,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        statuses = list(pool.map(lambda _: client.get("/instances").status_code, range(64)))
    assert statuses == [200] * 64
    assert len(sim.request_log) == 64


def test_query_strings_keep_repeats_and_blanks(sim: Simulator, api: httpx.Client) -> None:
    api.get("/plans?type=&os=windows&os=linux")
    assert sim.request_log[-1].query == {"type": [""], "os": ["windows", "linux"]}


def test_invalid_usage_shape_is_rejected() -> None:
    with pytest.raises(ValueError, match="inference_usage_shape"):
        Simulator(inference_usage_shape="future")  # type: ignore[arg-type]
