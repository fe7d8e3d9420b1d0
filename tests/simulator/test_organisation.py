"""The demo organisation: deterministic, sized as promised, and plausible for a small team."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from vultr_core.simulator import Simulator
from vultr_core.simulator.catalog import PLAN_BY_ID

from .conftest import NOW, make_client

READ_ROUTES = (
    "/account",
    "/account/bandwidth",
    "/billing/history",
    "/billing/invoices",
    "/billing/pending-charges",
    "/instances?per_page=500",
    "/plans",
    "/plans-metal",
    "/regions",
    "/databases",
    "/databases/plans",
    "/kubernetes/clusters",
    "/blocks",
    "/object-storage",
    "/load-balancers",
    "/bare-metals",
    "/snapshots",
    "/reserved-ips",
    "/registries",
    "/inference",
)


def _bodies(sim: Simulator) -> list[bytes]:
    with make_client(sim) as client:
        return [client.get(route).content for route in READ_ROUTES]


@pytest.mark.parametrize("size", ["empty", "small", "large"])
def test_same_seed_gives_same_bytes(size: str) -> None:
    assert _bodies(Simulator(size=size, seed=3, now=NOW)) == _bodies(
        Simulator(size=size, seed=3, now=NOW)
    )


def test_other_seed_gives_other_organisation() -> None:
    first = Simulator(seed=1, now=NOW).organisation.instances
    second = Simulator(seed=2, now=NOW).organisation.instances
    assert [i["id"] for i in first] != [i["id"] for i in second]


def test_naive_now_is_taken_as_utc() -> None:
    naive = Simulator(now=NOW.replace(tzinfo=None)).organisation
    assert naive.account == Simulator(now=NOW).organisation.account


def test_unknown_size_is_rejected() -> None:
    with pytest.raises(ValueError, match="size"):
        Simulator(size="huge")


def test_large_has_exact_counts(large_sim: Simulator) -> None:
    org = large_sim.organisation
    assert len(org.instances) == 2000
    assert len(org.databases) == 200
    assert len(org.ledger.invoices) == 24
    history_dates = [datetime.fromisoformat(item["date"]) for item in org.ledger.history]
    assert min(history_dates) > NOW - timedelta(days=366)
    assert max(history_dates) <= NOW
    assert sum(item["type"] == "invoice" for item in org.ledger.history) == 12


def test_small_counts() -> None:
    org = Simulator(now=NOW).organisation
    assert len(org.instances) == 30
    assert len(org.databases) == 9
    assert len(org.ledger.invoices) == 12


def test_empty_is_an_account_and_nothing_else() -> None:
    org = Simulator(size="empty", now=NOW).organisation
    assert org.account["pending_charges"] == 0
    assert org.account["balance"] == 0
    resources = (
        org.instances, org.bare_metals, org.databases, org.kubernetes_clusters, org.blocks,
        org.object_storages, org.load_balancers, org.snapshots, org.reserved_ips, org.registries,
        org.inference_subscriptions, org.ledger.invoices, org.ledger.history, org.pending_charges,
    )  # fmt: skip
    assert all(len(resource) == 0 for resource in resources)
    assert org.plans, "the public catalogue is not the account's: it stays"


def test_empty_serves_empty_lists() -> None:
    with make_client(Simulator(size="empty", now=NOW)) as client:
        assert client.get("/instances").json() == {
            "instances": [],
            "meta": {"total": 0, "links": {"next": "", "prev": ""}},
        }
        assert client.get("/databases").json() == {"databases": [], "meta": {"total": 0}}
        assert client.get("/billing/pending-charges").json() == {"pending_charges": []}
        assert client.get("/account").json()["account"]["pending_charges"] == 0


def test_instances_look_like_a_small_team(api: httpx.Client) -> None:
    instances = api.get("/instances").json()["instances"]
    regions = {instance["region"] for instance in instances}
    plan_types = {PLAN_BY_ID[instance["plan"]].type for instance in instances}
    labels = {instance["label"] for instance in instances}
    assert len(regions) >= 6
    assert {"vc2", "vhf", "vhp", "vcg"} <= plan_types
    assert any(t.startswith("voc") for t in plan_types)
    assert {"web-1", "api-2", "worker-3"} <= labels
    assert any(instance["power_status"] == "stopped" for instance in instances)
    assert any(not instance["tags"] for instance in instances)
    assert any("team:data" in instance["tags"] for instance in instances)
    month_start = NOW.replace(day=1, hour=0, minute=0, second=0)
    created = [datetime.fromisoformat(instance["date_created"]) for instance in instances]
    assert sum(moment >= month_start for moment in created) >= 3
    assert min(created) < NOW - timedelta(days=365)


def test_gpu_plan_has_gpu_fields(api: httpx.Client) -> None:
    plans = api.get("/plans", params={"type": "vcg"}).json()["plans"]
    assert plans
    assert all(plan["gpu_type"] and plan["gpu_vram_gb"] > 0 for plan in plans)
    cpu_plans = api.get("/plans", params={"type": "vc2"}).json()["plans"]
    assert all("gpu_type" not in plan for plan in cpu_plans)


def test_plans_use_documented_price_points(api: httpx.Client) -> None:
    prices = {plan["id"]: plan["monthly_cost"] for plan in api.get("/plans").json()["plans"]}
    assert prices["vc2-1c-1gb"] == 5
    assert prices["vc2-1c-0.5gb-v6"] == 2.5
    assert prices["vhf-1c-1gb"] == 6
    assert prices["vc2-1c-1gb-sc1"] == 7.5


def test_instances_are_in_regions_their_plan_is_sold_in(api: httpx.Client) -> None:
    plans = {plan["id"]: plan for plan in api.get("/plans").json()["plans"]}
    for instance in api.get("/instances").json()["instances"]:
        assert instance["region"] in plans[instance["plan"]]["locations"]


def test_databases_cover_engines_replicas_and_load(api: httpx.Client) -> None:
    databases = api.get("/databases").json()["databases"]
    engines = {db["database_engine"] for db in databases}
    assert {"pg", "mysql", "valkey", "kafka", "ferretpg"} <= engines
    with_replica = [db for db in databases if db["read_replicas"]]
    assert with_replica
    assert with_replica[0]["read_replicas"][0]["region"] != with_replica[0]["region"]
    usages = [api.get(f"/databases/{db['id']}/usage").json()["usage"] for db in databases]
    assert any(u["cpu"]["percentage"] < 10 and u["memory"]["percentage"] < 10 for u in usages)
    assert any(u["disk"]["percentage"] >= 90 for u in usages)


def test_database_plans_join_with_databases(api: httpx.Client) -> None:
    plans = {plan["id"]: plan for plan in api.get("/databases/plans").json()["plans"]}
    for db in api.get("/databases").json()["databases"]:
        plan = plans[db["plan"]]
        assert isinstance(plan["monthly_cost"], int)
        # FerretDB runs on PostgreSQL plans; supported_engines has no key of its own.
        engine = "pg" if db["database_engine"] == "ferretpg" else db["database_engine"]
        assert plan["supported_engines"][engine]
        assert db["region"] in plan["locations"]


def test_kubernetes_clusters_have_node_pools(api: httpx.Client) -> None:
    clusters = api.get("/kubernetes/clusters").json()["vke_clusters"]
    assert clusters
    for cluster in clusters:
        for pool in cluster["node_pools"]:
            assert pool["plan"] in PLAN_BY_ID
            assert len(pool["nodes"]) == pool["node_quantity"]


def test_some_storage_and_ips_are_unattached(api: httpx.Client) -> None:
    blocks = api.get("/blocks").json()["blocks"]
    reserved = api.get("/reserved-ips").json()["reserved_ips"]
    assert any(block["attached_to_instance"] == "" for block in blocks)
    assert any(block["attached_to_instance"] != "" for block in blocks)
    assert any(ip["instance_id"] == "" for ip in reserved)
    assert any(ip["instance_id"] != "" for ip in reserved)


def test_attachments_point_at_real_instances(api: httpx.Client) -> None:
    instances = {i["id"]: i for i in api.get("/instances").json()["instances"]}
    for block in api.get("/blocks").json()["blocks"]:
        if block["attached_to_instance"]:
            instance = instances[block["attached_to_instance"]]
            assert block["region"] == instance["region"]
            assert block["attached_to_instance_label"] == instance["label"]
    for balancer in api.get("/load-balancers").json()["load_balancers"]:
        assert all(instances[i]["region"] == balancer["region"] for i in balancer["instances"])


def test_some_snapshots_are_older_than_90_days(api: httpx.Client) -> None:
    snapshots = api.get("/snapshots").json()["snapshots"]
    ages = [NOW - datetime.fromisoformat(s["date_created"]) for s in snapshots]
    assert any(age > timedelta(days=90) for age in ages)
    assert any(age < timedelta(days=90) for age in ages)


def test_object_storage_has_a_priced_tier(api: httpx.Client) -> None:
    for storage in api.get("/object-storage").json()["object_storages"]:
        assert isinstance(storage["tier"]["OBJSTORETIERID"], int)
        assert storage["tier"]["price"] > 0


def test_inference_subscriptions_carry_api_keys(api: httpx.Client) -> None:
    subscriptions = api.get("/inference").json()["subscriptions"]
    assert 1 <= len(subscriptions) <= 2
    assert all(len(s["api_key"]) >= 32 for s in subscriptions)
