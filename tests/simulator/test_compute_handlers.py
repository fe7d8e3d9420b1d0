"""Server bandwidth and Kubernetes node pools, drawn from the organisation's own servers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from vultr_core.simulator import Simulator
from vultr_core.simulator.catalog import METAL_PLAN_BY_ID
from vultr_core.simulator.estate import GIB_BYTES

from .conftest import NOW, make_client


def _days(count: int) -> list[str]:
    """The `count` UTC dates up to the simulator's today, oldest first."""
    today = NOW.date()
    return [(today - timedelta(days=back)).isoformat() for back in range(count - 1, -1, -1)]


def _oldest(items: list[Any]) -> Any:
    return min(items, key=lambda item: item["date_created"])


def test_instance_bandwidth_covers_the_last_30_days_by_default(
    api: httpx.Client, sim: Simulator
) -> None:
    instance = _oldest(sim.organisation.instances)
    bandwidth = api.get(f"/instances/{instance['id']}/bandwidth").json()["bandwidth"]
    assert list(bandwidth) == _days(30)
    for day in bandwidth.values():
        assert set(day) == {"incoming_bytes", "outgoing_bytes"}
        assert 0 < day["incoming_bytes"] < day["outgoing_bytes"]


@pytest.mark.parametrize("days", [1, 7, 60])
def test_date_range_chooses_how_many_days(api: httpx.Client, sim: Simulator, days: int) -> None:
    instance = _oldest(sim.organisation.instances)
    response = api.get(f"/instances/{instance['id']}/bandwidth", params={"date_range": days})
    assert list(response.json()["bandwidth"]) == _days(days)


@pytest.mark.parametrize("days", ["0", "61", "-1", "ten"])
def test_date_range_outside_1_to_60_is_400(api: httpx.Client, sim: Simulator, days: str) -> None:
    instance = sim.organisation.instances[0]
    response = api.get(f"/instances/{instance['id']}/bandwidth", params={"date_range": days})
    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_no_traffic_before_a_server_existed(api: httpx.Client, sim: Simulator) -> None:
    newest = max(sim.organisation.instances, key=lambda item: item["date_created"])
    created = datetime.fromisoformat(newest["date_created"]).date()
    bandwidth = api.get(f"/instances/{newest['id']}/bandwidth").json()["bandwidth"]
    assert list(bandwidth) == _days((NOW.date() - created).days + 1)


def test_a_month_of_traffic_stays_within_the_allowance(api: httpx.Client, sim: Simulator) -> None:
    for instance in sim.organisation.instances:
        bandwidth = api.get(f"/instances/{instance['id']}/bandwidth").json()["bandwidth"]
        sent = sum(day["outgoing_bytes"] for day in bandwidth.values())
        assert sent <= instance["allowed_bandwidth"] * GIB_BYTES, instance["label"]


def test_bandwidth_reads_the_same_every_time_and_everywhere(sim: Simulator) -> None:
    instance = sim.organisation.instances[3]
    route = f"/instances/{instance['id']}/bandwidth"
    with make_client(sim) as client:
        first = client.get(route).content
        client.get(f"/instances/{sim.organisation.instances[4]['id']}/bandwidth")
        assert client.get(route).content == first
    with make_client(Simulator(size="small", seed=7, now=NOW)) as other:
        assert other.get(route).content == first


def test_bare_metal_bandwidth_follows_its_plan(api: httpx.Client, sim: Simulator) -> None:
    for metal in sim.organisation.bare_metals:
        bandwidth = api.get(f"/bare-metals/{metal['id']}/bandwidth").json()["bandwidth"]
        assert list(bandwidth) == _days(30)
        sent = sum(day["outgoing_bytes"] for day in bandwidth.values())
        assert 0 < sent <= METAL_PLAN_BY_ID[metal["plan"]].bandwidth_gb * GIB_BYTES


def test_a_deleted_instance_has_no_bandwidth(api: httpx.Client, sim: Simulator) -> None:
    victim = sim.organisation.instances[0]["id"]
    assert api.delete(f"/instances/{victim}").status_code == 204
    response = api.get(f"/instances/{victim}/bandwidth")
    assert response.json() == {"error": "Instance not found.", "status": 404}


# -- node pools --------------------------------------------------------------------------------


def test_node_pools_are_the_clusters_own(api: httpx.Client, sim: Simulator) -> None:
    for cluster in sim.organisation.kubernetes_clusters:
        body = api.get(f"/kubernetes/clusters/{cluster['id']}/node-pools").json()
        assert body["node_pools"] == cluster["node_pools"]
        assert body["meta"] == {
            "total": len(cluster["node_pools"]),
            "links": {"next": "", "prev": ""},
        }
        for pool in cluster["node_pools"]:
            single = api.get(f"/kubernetes/clusters/{cluster['id']}/node-pools/{pool['id']}")
            assert single.json() == {"node_pool": pool}


def test_node_pools_page_one_by_one(api: httpx.Client, sim: Simulator) -> None:
    cluster = max(sim.organisation.kubernetes_clusters, key=lambda c: len(c["node_pools"]))
    assert len(cluster["node_pools"]) > 1
    route = f"/kubernetes/clusters/{cluster['id']}/node-pools"
    walked: list[Any] = []
    params: dict[str, str | int] = {"per_page": 1}
    while True:
        body = api.get(route, params=params).json()
        walked += body["node_pools"]
        if not body["meta"]["links"]["next"]:
            break
        params = {"per_page": 1, "cursor": body["meta"]["links"]["next"]}
    assert walked == cluster["node_pools"]


def test_a_node_pool_of_another_cluster_is_not_found(api: httpx.Client, sim: Simulator) -> None:
    first, second = sim.organisation.kubernetes_clusters[:2]
    foreign = second["node_pools"][0]["id"]
    response = api.get(f"/kubernetes/clusters/{first['id']}/node-pools/{foreign}")
    assert response.json() == {"error": "Node pool not found.", "status": 404}
