"""Fetching what the spend model needs, with every independent request in flight at once.

The longest chain of dependent requests sets the floor: the invoice list, then the items of
the last two invoices (in parallel); everything else is one paged list each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import pandas as pd

from vultr_core.api.concurrency import run_concurrently
from vultr_core.api.errors import VultrError
from vultr_core.api.management import ManagementClient
from vultr_core.api.models.billing import ChargeItem, Invoice
from vultr_core.api.models.databases import DatabaseUsage
from vultr_core.spend.closed_invoices import ClosedInvoices
from vultr_core.spend.costs import DEFAULT_SNAPSHOT_USD_PER_GB_MONTH, Inventory, resource_costs
from vultr_core.spend.history import InvoiceHistory
from vultr_core.spend.waste import find_waste

T = TypeVar("T")


def gather(calls: Mapping[str, Callable[[], T]]) -> dict[str, T | VultrError]:
    """Run every call at once; each name gets its result or the VultrError it raised.

    Unlike ``run_concurrently`` one failure does not hide the other results, so each section
    of a page can show its own data or its own error. Anything but a VultrError is a bug and
    is raised.
    """
    if not calls:
        return {}
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = {name: pool.submit(call) for name, call in calls.items()}
    results: dict[str, T | VultrError] = {}
    for name, future in futures.items():
        error = future.exception()
        if error is None:
            results[name] = future.result()
        elif isinstance(error, VultrError):
            results[name] = error
        else:
            raise error
    return results


def fetch_inventory(client: ManagementClient) -> Inventory:
    """Every list-priced resource and the three price catalogues, fetched concurrently.

    Raises:
        VultrError: any one list failed (the inventory is only useful whole).
    """
    calls: dict[str, Callable[[], Sequence[Any]]] = {
        "instances": client.instances,
        "plans": client.plans,
        "bare_metals": client.bare_metals,
        "metal_plans": client.metal_plans,
        "databases": client.databases,
        "database_plans": client.database_plans,
        "kubernetes_clusters": client.kubernetes_clusters,
        "block_storage": client.block_storage,
        "object_storage": client.object_storage,
        "snapshots": client.snapshots,
        "load_balancers": client.load_balancers,
        "reserved_ips": client.reserved_ips,
    }
    results = run_concurrently(calls, max_workers=len(calls))
    return Inventory(**{name: tuple(items) for name, items in results.items()})


@dataclass(frozen=True)
class PricedInventory:
    """The inventory reduced to what the spend pages show: costs, waste and counts.

    Frames pickle far faster than thousands of dataclasses, which matters because a Streamlit
    data cache unpickles its value on every rerun.
    """

    resources: pd.DataFrame
    waste: pd.DataFrame
    counts: dict[str, int]
    priced_at: datetime


def price_inventory(
    inventory: Inventory,
    *,
    now: datetime,
    snapshot_usd_per_gb_month: float = DEFAULT_SNAPSHOT_USD_PER_GB_MONTH,
) -> PricedInventory:
    """Costs and waste of ``inventory`` as of ``now``."""
    resources = resource_costs(
        inventory, now=now, snapshot_usd_per_gb_month=snapshot_usd_per_gb_month
    )
    waste = find_waste(
        inventory, resources, now=now, snapshot_usd_per_gb_month=snapshot_usd_per_gb_month
    )
    return PricedInventory(resources, waste, inventory.counts(), now)


def fetch_invoice_history(
    client: ManagementClient,
    kept: ClosedInvoices | None = None,
    *,
    scope: str = "",
    invoices: Sequence[Invoice] | None = None,
) -> InvoiceHistory:
    """Every invoice (``invoices`` when already fetched), and the items of the latest two
    (for month-over-month change).

    An issued invoice never changes: with ``kept``, items found there for this account
    (``scope``) are not asked for again, and those fetched are kept.
    """
    invoices = tuple(client.invoices() if invoices is None else invoices)
    latest_two = dict(zip(("latest", "previous"), invoices, strict=False))
    items: dict[str, Sequence[ChargeItem]] = {}
    for name, invoice in latest_two.items():
        if kept is not None and (found := kept.get(scope, str(invoice.id))) is not None:
            items[name] = found
    calls = {
        name: (lambda invoice_id=invoice.id: client.invoice_items(invoice_id))
        for name, invoice in latest_two.items()
        if name not in items
    }
    fetched = run_concurrently(calls)
    if kept is not None:
        for name, found in fetched.items():
            kept.put(scope, str(latest_two[name].id), found)
    items |= fetched
    return InvoiceHistory(
        invoices=invoices,
        latest_items=tuple(items.get("latest", ())),
        previous_items=tuple(items.get("previous", ())),
    )


def fetch_database_usage(
    client: ManagementClient, database_ids: Sequence[str]
) -> dict[str, DatabaseUsage]:
    """Disk, memory and CPU use of each database, fetched concurrently."""
    calls = {
        database_id: (lambda database_id=database_id: client.database_usage(database_id))
        for database_id in database_ids
    }
    return run_concurrently(calls, max_workers=max(1, len(calls)))
