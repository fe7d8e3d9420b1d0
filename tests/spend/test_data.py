"""Fetching for the spend model: concurrency, what is asked of the API, and failures."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import FIXED_NOW
from vultr_core.api.errors import NotFoundError, ServerError
from vultr_core.api.management import ManagementClient
from vultr_core.simulator import Faults, Simulator
from vultr_core.spend.data import (
    fetch_database_usage,
    fetch_inventory,
    fetch_invoice_history,
    gather,
    price_inventory,
)


def test_gather_runs_calls_at_once_and_keeps_each_error_to_itself() -> None:
    # Each call waits for the other: they only both return if they run at the same time.
    both = threading.Barrier(2, timeout=5)

    def ok() -> str:
        both.wait()
        return "fine"

    def missing() -> str:
        both.wait()
        raise NotFoundError("no such thing", status=404)

    results = gather({"ok": ok, "missing": missing})
    assert results["ok"] == "fine"
    assert isinstance(results["missing"], NotFoundError)


def test_gather_raises_anything_that_is_not_a_vultr_error() -> None:
    def broken() -> None:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        gather({"broken": broken, "fine": lambda: 1})
    assert gather({}) == {}


def test_inventory_holds_every_list(client: ManagementClient, simulator: Simulator) -> None:
    organisation = simulator.organisation
    inventory = fetch_inventory(client)
    assert inventory.counts() == {
        "instances": len(organisation.instances),
        "bare_metals": len(organisation.bare_metals),
        "databases": sum(1 + len(d["read_replicas"]) for d in organisation.databases),
        "kubernetes_clusters": len(organisation.kubernetes_clusters),
        "kubernetes_nodes": sum(
            p["node_quantity"] for c in organisation.kubernetes_clusters for p in c["node_pools"]
        ),
        "block_storage": len(organisation.blocks),
        "object_storage": len(organisation.object_storages),
        "snapshots": len(organisation.snapshots),
        "load_balancers": len(organisation.load_balancers),
        "reserved_ips": len(organisation.reserved_ips),
    }
    assert len(inventory.plans) == len(organisation.plans)
    assert {r.method for r in simulator.request_log} == {"GET"}


def test_one_failing_list_fails_the_inventory(
    client: ManagementClient, simulator: Simulator
) -> None:
    simulator.faults = Faults(path_prefix="/v2/blocks", status_code=500)
    with pytest.raises(ServerError):
        fetch_inventory(client)


def test_invoice_history_asks_for_the_items_of_the_last_two_invoices_only(
    client: ManagementClient, simulator: Simulator
) -> None:
    history = fetch_invoice_history(client)
    ledger = simulator.organisation.ledger
    assert len(history.invoices) == len(ledger.invoices)
    assert len(history.latest_items) == len(ledger.invoice_items[ledger.invoices[0]["id"]])
    assert len(history.previous_items) == len(ledger.invoice_items[ledger.invoices[1]["id"]])
    item_paths = {r.path for r in simulator.request_log if r.path.endswith("/items")}
    assert item_paths == {f"/v2/billing/invoices/{ledger.invoices[k]['id']}/items" for k in (0, 1)}


def test_database_usage_by_id(client: ManagementClient, simulator: Simulator) -> None:
    ids = [d["id"] for d in simulator.organisation.databases[:3]]
    usage = fetch_database_usage(client, ids)
    assert set(usage) == set(ids)
    expected = simulator.organisation.database_extras[ids[0]].usage["cpu"]["percentage"]
    assert usage[ids[0]].cpu_percentage == expected
    assert fetch_database_usage(client, []) == {}


def test_priced_inventory_keeps_costs_waste_and_counts_together(
    client: ManagementClient,
) -> None:
    inventory = fetch_inventory(client)
    priced = price_inventory(inventory, now=FIXED_NOW)
    assert len(priced.resources) == (
        len(inventory.instances)
        + len(inventory.bare_metals)
        + priced.counts["databases"]
        + sum(len(c.node_pools) for c in inventory.kubernetes_clusters)
        + len(inventory.block_storage)
        + len(inventory.object_storage)
        + len(inventory.snapshots)
    )
    assert set(priced.waste["id"]) <= set(priced.resources["id"]) | {
        r.id for r in inventory.reserved_ips
    }
    assert priced.priced_at == FIXED_NOW
