"""Catalogue routes agree with what the organisation runs on: plans, versions, clusters, tiers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from vultr_core.simulator import Simulator
from vultr_core.simulator.estate import GIB_BYTES


def _every(api: httpx.Client, route: str, key: str) -> list[Any]:
    items: list[Any] = api.get(route, params={"per_page": 500}).json()[key]
    return items


def test_availability_is_the_plans_located_in_the_region(api: httpx.Client) -> None:
    plans = _every(api, "/plans", "plans")
    metal = _every(api, "/plans-metal", "plans_metal")
    for region in _every(api, "/regions", "regions"):
        available = api.get(f"/regions/{region['id']}/availability").json()["available_plans"]
        expected = [p["id"] for p in plans + metal if region["id"] in p["locations"]]
        assert available == expected, region["id"]


@pytest.mark.parametrize(
    ("plan_type", "prefix"), [("vhf", "vhf-"), ("voc", "voc-"), ("vbm", "vbm-")]
)
def test_availability_filters_by_plan_type(api: httpx.Client, plan_type: str, prefix: str) -> None:
    available = api.get("/regions/ewr/availability", params={"type": plan_type}).json()
    assert available["available_plans"]
    assert all(plan.startswith(prefix) for plan in available["available_plans"])


def test_availability_takes_the_region_in_either_case(api: httpx.Client) -> None:
    upper = api.get("/regions/EWR/availability").json()
    assert upper == api.get("/regions/ewr/availability").json()


def test_edge_regions_offer_fewer_plans(api: httpx.Client) -> None:
    edge = api.get("/regions/hnl/availability").json()["available_plans"]
    core = api.get("/regions/ewr/availability").json()["available_plans"]
    assert set(edge) < set(core)


def test_kubernetes_versions_include_the_clusters_and_are_newest_first(
    api: httpx.Client,
) -> None:
    versions = api.get("/kubernetes/versions").json()["versions"]
    clusters = _every(api, "/kubernetes/clusters", "vke_clusters")
    running = {cluster["version"] for cluster in clusters}
    assert running <= set(versions)

    def number(version: str) -> tuple[int, ...]:
        return tuple(int(part) for part in version.lstrip("v").split("+")[0].split("."))

    assert versions == sorted(versions, key=number, reverse=True)
    assert number(versions[0]) > max(number(version) for version in running)


def test_every_object_storage_lives_in_a_listed_cluster(api: httpx.Client) -> None:
    clusters = {c["id"]: c for c in _every(api, "/object-storage/clusters", "clusters")}
    storages = _every(api, "/object-storage", "object_storages")
    assert storages
    for storage in storages:
        cluster = clusters[storage["cluster_id"]]
        assert cluster["region"] == storage["region"]
        assert cluster["hostname"] == storage["s3_hostname"]
        assert cluster["deploy"] in ("yes", "no")


def test_every_subscribed_tier_is_listed_with_its_price(api: httpx.Client) -> None:
    body = api.get("/object-storage/tiers").json()
    assert set(body) == {"tiers"}
    tiers = {tier["id"]: tier for tier in body["tiers"]}
    clusters = _every(api, "/object-storage/clusters", "clusters")
    for storage in _every(api, "/object-storage", "object_storages"):
        listed = tiers[storage["tier"]["OBJSTORETIERID"]]
        assert listed["price"] == storage["tier"]["price"]
        assert listed["slug"] == storage["tier"]["slug"]
        assert listed["locations"] == clusters


def test_registries_are_on_a_listed_plan(api: httpx.Client) -> None:
    body = api.get("/registry/plan/list").json()
    assert set(body["plans"]) == {"start_up", "business", "premium", "enterprise"}
    offers = {(p["max_storage_mb"], p["monthly_price"]) for p in body["plans"].values()}
    for registry in _every(api, "/registries", "registries"):
        storage_mb = registry["storage"]["allowed"]["mb"]
        price = registry["metadata"]["subscription"]["billing"]["monthly_price"]
        assert (storage_mb, price) in offers


def test_registries_are_in_listed_regions(large_api: httpx.Client) -> None:
    """The large organisation has more registries than regions: they share region objects."""
    regions = _every(large_api, "/registry/region/list", "regions")
    registries = _every(large_api, "/registries", "registries")
    assert len(registries) > len(regions)
    for registry in registries:
        assert registry["metadata"]["region"] in regions


def test_block_snapshots_are_of_listed_volumes(api: httpx.Client, sim: Simulator) -> None:
    blocks = {block["id"]: block for block in sim.organisation.blocks}
    body = api.get("/blocks/snapshots").json()
    assert body["meta"]["total"] == len(body["snapshots"]) > 0
    for snapshot in body["snapshots"]:
        block = blocks[snapshot["block_id"]]
        assert snapshot["size"] == block["size_gb"] * GIB_BYTES
        assert snapshot["state"] == "COMPLETE"
        assert snapshot["added_at"] >= block["date_created"].replace("T", " ")[:19]
