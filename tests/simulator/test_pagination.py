"""Cursor pagination as Vultr does it: per_page default/clamp, base64 `next__` cursors."""

from __future__ import annotations

import base64

import httpx
import pytest

from vultr_core.simulator import Simulator
from vultr_core.simulator.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE


def test_walking_2000_instances_at_500_takes_4_requests(
    large_sim: Simulator, large_api: httpx.Client
) -> None:
    large_sim.clear_log()
    seen: list[str] = []
    cursor = ""
    while True:
        params = {"per_page": "500"} | ({"cursor": cursor} if cursor else {})
        body = large_api.get("/instances", params=params).json()
        assert body["meta"]["total"] == 2000
        seen += [instance["id"] for instance in body["instances"]]
        cursor = body["meta"]["links"]["next"]
        if cursor == "":
            break
    assert len(large_sim.request_log) == 4
    assert len(seen) == len(set(seen)) == 2000


def test_default_page_is_100(large_api: httpx.Client) -> None:
    body = large_api.get("/instances").json()
    assert len(body["instances"]) == DEFAULT_PER_PAGE
    assert body["meta"]["links"]["prev"] == ""


def test_per_page_above_500_is_clamped(large_api: httpx.Client) -> None:
    body = large_api.get("/instances", params={"per_page": 5000}).json()
    assert len(body["instances"]) == MAX_PER_PAGE


@pytest.mark.parametrize("per_page", ["0", "-3", "ten", "1.5"])
def test_bad_per_page_is_400(api: httpx.Client, per_page: str) -> None:
    response = api.get("/instances", params={"per_page": per_page})
    assert response.status_code == 400
    assert response.json()["status"] == 400


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        base64.b64encode(b"next__nope").decode(),
        base64.b64encode(b"sideways__1").decode(),
    ],
)
def test_unknown_cursor_is_400(api: httpx.Client, cursor: str) -> None:
    response = api.get("/instances", params={"cursor": cursor})
    assert response.status_code == 400
    assert response.json() == {"error": "Invalid cursor.", "status": 400}


def test_cursor_is_base64_next_and_key_of_last_item(api: httpx.Client) -> None:
    plans = api.get("/plans", params={"per_page": 2}).json()
    last_id = plans["plans"][-1]["id"]
    assert base64.b64decode(plans["meta"]["links"]["next"]).decode() == f"next__{last_id}"
    regions = api.get("/regions", params={"per_page": 1}).json()
    assert base64.b64decode(regions["meta"]["links"]["next"]).decode() == "next__AMS"


def test_instance_cursors_carry_numeric_subscription_ids(api: httpx.Client) -> None:
    body = api.get("/instances", params={"per_page": 5}).json()
    decoded = base64.b64decode(body["meta"]["links"]["next"]).decode()
    assert decoded.startswith("next__")
    assert decoded.removeprefix("next__").isdigit()


def test_prev_cursor_goes_back(api: httpx.Client) -> None:
    first = api.get("/instances", params={"per_page": 10}).json()
    second = api.get(
        "/instances", params={"per_page": 10, "cursor": first["meta"]["links"]["next"]}
    ).json()
    prev = second["meta"]["links"]["prev"]
    assert base64.b64decode(prev).decode().startswith("prev__")
    back = api.get("/instances", params={"per_page": 10, "cursor": prev}).json()
    assert back["instances"] == first["instances"]


def test_last_page_has_empty_next(api: httpx.Client) -> None:
    body = api.get("/instances", params={"per_page": 30}).json()
    assert body["meta"] == {"total": 30, "links": {"next": "", "prev": ""}}


def test_total_counts_the_filtered_list(api: httpx.Client) -> None:
    body = api.get("/instances", params={"tag": "prod", "per_page": 2}).json()
    prod = [i for i in api.get("/instances").json()["instances"] if "prod" in i["tags"]]
    assert body["meta"]["total"] == len(prod) > 2
    walked = body["instances"]
    while body["meta"]["links"]["next"]:
        params = {"tag": "prod", "per_page": 2, "cursor": body["meta"]["links"]["next"]}
        body = api.get("/instances", params=params).json()
        walked += body["instances"]
    assert walked == prod


@pytest.mark.parametrize(
    ("route", "key"),
    [
        ("/billing/history", "billing_history"),
        ("/billing/invoices", "billing_invoices"),
        ("/plans", "plans"),
        ("/plans-metal", "plans_metal"),
        ("/regions", "regions"),
        ("/kubernetes/clusters", "vke_clusters"),
        ("/blocks", "blocks"),
        ("/object-storage", "object_storages"),
        ("/load-balancers", "load_balancers"),
        ("/bare-metals", "bare_metals"),
        ("/snapshots", "snapshots"),
        ("/reserved-ips", "reserved_ips"),
        ("/registries", "registries"),
        ("/registry/region/list", "regions"),
        ("/object-storage/clusters", "clusters"),
        ("/blocks/snapshots", "snapshots"),
    ],
)
def test_every_paged_list_walks_one_by_one(api: httpx.Client, route: str, key: str) -> None:
    everything = api.get(route, params={"per_page": 500}).json()
    walked: list[object] = []
    params: dict[str, str | int] = {"per_page": 1}
    while True:
        body = api.get(route, params=params).json()
        walked += body[key]
        if not body["meta"]["links"]["next"]:
            break
        params = {"per_page": 1, "cursor": body["meta"]["links"]["next"]}
    assert walked == everything[key]
    assert everything["meta"]["total"] == len(walked) > 0
