"""The spend model: Vultr's billing rules applied to the inventory, pandas out.

Vultr bills every server by the hour at ``monthly price / 672`` up to the monthly price (GPU
plans: ``/ 730``, capped at 730 hours), in whole hours, from creation until destruction —
stopped servers included (ANCHORS.md §0). Prices come from the catalogue the API serves:
``/plans``, ``/plans-metal``, ``/databases/plans``, a block's ``cost``, an object store's tier
``price``. Load balancers, reserved IPs, bandwidth, inference and anything destroyed this month
have no list price: they appear only in the pending charges, so ``account.pending_charges``
stays the authoritative total and whatever the estimates do not explain is shown, never hidden,
as usage-based / unattributed.

Every function is pure: the moment to compute at (``now``) is an argument, never the clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from vultr_core.api.models.compute import BareMetal, Instance, MetalPlan, Plan
from vultr_core.api.models.databases import Database, DatabasePlan
from vultr_core.api.models.kubernetes import KubernetesCluster
from vultr_core.api.models.networking import LoadBalancer, ReservedIp
from vultr_core.api.models.storage import BlockStorage, ObjectStorage, Snapshot

HOURS_PER_BILLING_MONTH = 672
"""Vultr's hourly rate is the monthly price / 672 h (28 days); the monthly price caps a month."""
GPU_HOURS_PER_BILLING_MONTH = 730
DEFAULT_SNAPSHOT_USD_PER_GB_MONTH = 0.05
"""Vultr's documented snapshot price (ANCHORS.md §0); a parameter because prices change."""
BYTES_PER_GB = 1024**3
SECONDS_PER_HOUR = 3600

COMPUTE = "Compute"
BARE_METAL = "Bare Metal"
DATABASES = "Managed Databases"
KUBERNETES = "Kubernetes"
BLOCK_STORAGE = "Block Storage"
OBJECT_STORAGE = "Object Storage"
SNAPSHOTS = "Snapshots"
UNATTRIBUTED = "Usage-based / unattributed"
UNTAGGED = "(untagged)"

RESOURCE_COLUMNS = [
    "category",
    "id",
    "label",
    "region",
    "plan",
    "tags",
    "status",
    "date_created",
    "monthly_cost_usd",
    "cap_hours",
    "priced",
    "month_to_date_usd",
    "month_end_usd",
]
BREAKDOWNS = ("category", "region", "plan", "tag", "label")


@dataclass(frozen=True)
class Inventory:
    """Everything with a list price, and the catalogues that price it."""

    instances: Sequence[Instance] = ()
    plans: Sequence[Plan] = ()
    bare_metals: Sequence[BareMetal] = ()
    metal_plans: Sequence[MetalPlan] = ()
    databases: Sequence[Database] = ()
    database_plans: Sequence[DatabasePlan] = ()
    kubernetes_clusters: Sequence[KubernetesCluster] = ()
    block_storage: Sequence[BlockStorage] = ()
    object_storage: Sequence[ObjectStorage] = ()
    snapshots: Sequence[Snapshot] = ()
    load_balancers: Sequence[LoadBalancer] = ()
    reserved_ips: Sequence[ReservedIp] = ()

    def counts(self) -> dict[str, int]:
        """How many of each resource, read replicas counted as databases of their own."""
        return {
            "instances": len(self.instances),
            "bare_metals": len(self.bare_metals),
            "databases": sum(1 + len(d.read_replicas) for d in self.databases),
            "kubernetes_clusters": len(self.kubernetes_clusters),
            "kubernetes_nodes": sum(
                p.node_quantity or 0 for c in self.kubernetes_clusters for p in c.node_pools
            ),
            "block_storage": len(self.block_storage),
            "object_storage": len(self.object_storage),
            "snapshots": len(self.snapshots),
            "load_balancers": len(self.load_balancers),
            "reserved_ips": len(self.reserved_ips),
        }


def month_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The UTC calendar month containing ``now``: its first instant and the next month's."""
    moment = now.astimezone(UTC)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, following


def billed_hours(created: datetime | None, start: datetime, end: datetime) -> int:
    """Whole hours billed in [start, end) for a resource created at ``created``.

    Billing starts at the later of creation and ``start``; a started hour is a billed hour
    (minimum one). A resource created at or after ``end`` bills nothing; an unknown creation
    date counts as existing all period.
    """
    begin = start if created is None else max(created, start)
    if begin >= end:
        return 0
    return max(1, math.ceil((end - begin).total_seconds() / SECONDS_PER_HOUR))


def billed_usd(monthly_usd: float, hours: int, cap_hours: int = HOURS_PER_BILLING_MONTH) -> float:
    """``hours`` at ``monthly / cap_hours`` an hour, never more than the monthly price."""
    return min(hours * monthly_usd / cap_hours, monthly_usd)


def resource_costs(
    inventory: Inventory,
    *,
    now: datetime,
    snapshot_usd_per_gb_month: float = DEFAULT_SNAPSHOT_USD_PER_GB_MONTH,
) -> pd.DataFrame:
    """One row per list-priced resource: its monthly price, month-to-date and month-end cost.

    A resource whose plan is not in the catalogue gets ``priced=False`` and zero cost; its
    charges then show up in the unattributed remainder instead of being guessed.
    """
    rows = [
        *_instance_rows(inventory),
        *_bare_metal_rows(inventory),
        *_database_rows(inventory),
        *_kubernetes_rows(inventory),
        *_block_rows(inventory),
        *_object_storage_rows(inventory),
        *_snapshot_rows(inventory, snapshot_usd_per_gb_month),
    ]
    start, end = month_bounds(now)
    for row in rows:
        created, monthly, cap = row["date_created"], row["monthly_cost_usd"], row["cap_hours"]
        row["month_to_date_usd"] = billed_usd(monthly, billed_hours(created, start, now), cap)
        row["month_end_usd"] = billed_usd(monthly, billed_hours(created, start, end), cap)
    frame = pd.DataFrame(rows, columns=RESOURCE_COLUMNS)
    frame["date_created"] = pd.to_datetime(frame["date_created"], utc=True)
    return frame.astype({"monthly_cost_usd": float, "month_to_date_usd": float})


def _row(
    category: str,
    *,
    id: str,
    label: str,
    region: str,
    plan: str,
    tags: Iterable[str],
    status: str,
    created: datetime | None,
    monthly_usd: float | None,
    cap_hours: int = HOURS_PER_BILLING_MONTH,
) -> dict[str, Any]:
    return {
        "category": category,
        "id": id,
        "label": label,
        "region": region,
        "plan": plan,
        "tags": [tag for tag in tags if tag],
        "status": status,
        "date_created": created,
        "monthly_cost_usd": monthly_usd or 0.0,
        "cap_hours": cap_hours,
        "priced": monthly_usd is not None,
    }


def _instance_rows(inventory: Inventory) -> Iterable[dict[str, Any]]:
    plans = {plan.id: plan for plan in inventory.plans}
    for instance in inventory.instances:
        plan = plans.get(instance.plan)
        yield _row(
            COMPUTE,
            id=instance.id,
            label=instance.label,
            region=instance.region,
            plan=instance.plan,
            tags=instance.tags,
            status=instance.power_status,
            created=instance.date_created,
            monthly_usd=plan.monthly_cost_usd if plan else None,
            cap_hours=GPU_HOURS_PER_BILLING_MONTH
            if plan and plan.is_gpu
            else HOURS_PER_BILLING_MONTH,
        )


def _bare_metal_rows(inventory: Inventory) -> Iterable[dict[str, Any]]:
    plans = {plan.id: plan.monthly_cost_usd for plan in inventory.metal_plans}
    for metal in inventory.bare_metals:
        yield _row(
            BARE_METAL,
            id=metal.id,
            label=metal.label,
            region=metal.region,
            plan=metal.plan,
            tags=metal.tags,
            status=metal.status,
            created=metal.date_created,
            monthly_usd=plans.get(metal.plan),
        )


def _database_rows(inventory: Inventory) -> Iterable[dict[str, Any]]:
    """Primaries and read replicas alike: each replica is billed as a database of its own."""
    plans = {plan.id: plan.monthly_cost_usd for plan in inventory.database_plans}
    for primary in inventory.databases:
        for database in (primary, *primary.read_replicas):
            yield _row(
                DATABASES,
                id=database.id,
                label=database.label,
                region=database.region,
                plan=database.plan,
                tags=(database.tag,),
                status=database.status,
                created=database.date_created,
                monthly_usd=plans.get(database.plan),
            )


def _kubernetes_rows(inventory: Inventory) -> Iterable[dict[str, Any]]:
    """A node pool costs its plan's price × node_quantity; the API shows no other charge."""
    prices = {plan.id: plan.monthly_cost_usd for plan in inventory.plans}
    for cluster in inventory.kubernetes_clusters:
        for pool in cluster.node_pools:
            price, nodes = prices.get(pool.plan), pool.node_quantity
            yield _row(
                KUBERNETES,
                id=pool.id,
                label=f"{cluster.label} / {pool.label}",
                region=cluster.region,
                plan=pool.plan,
                tags=(pool.tag,),
                status=pool.status,
                created=pool.date_created or cluster.date_created,
                monthly_usd=None if price is None or nodes is None else price * nodes,
            )


def _block_rows(inventory: Inventory) -> Iterable[dict[str, Any]]:
    for block in inventory.block_storage:
        yield _row(
            BLOCK_STORAGE,
            id=block.id,
            label=block.label,
            region=block.region,
            plan=block.block_type,
            tags=(),
            status="attached" if block.is_attached else "unattached",
            created=block.date_created,
            monthly_usd=block.monthly_cost_usd,
        )


def _object_storage_rows(inventory: Inventory) -> Iterable[dict[str, Any]]:
    for store in inventory.object_storage:
        tier = store.tier
        yield _row(
            OBJECT_STORAGE,
            id=store.id,
            label=store.label,
            region=store.region,
            plan=tier.sales_name if tier else "",
            tags=(),
            status=store.status,
            created=store.date_created,
            monthly_usd=tier.monthly_price_usd if tier else None,
        )


def snapshot_gb(snapshot: Snapshot) -> float:
    """The stored (compressed) size in GB, which is what a snapshot is billed on."""
    return (snapshot.compressed_size_bytes or snapshot.size_bytes) / BYTES_PER_GB


def _snapshot_rows(inventory: Inventory, usd_per_gb_month: float) -> Iterable[dict[str, Any]]:
    for snapshot in inventory.snapshots:
        yield _row(
            SNAPSHOTS,
            id=snapshot.id,
            label=snapshot.description,
            region="",
            plan="",
            tags=(),
            status=snapshot.status,
            created=snapshot.date_created,
            monthly_usd=snapshot_gb(snapshot) * usd_per_gb_month,
        )


def breakdown(resources: pd.DataFrame, by: str, *, value: str = "monthly_cost_usd") -> pd.DataFrame:
    """``value`` summed by category, region, plan, tag or label, largest first.

    By tag, a resource counts under each of its tags and untagged ones under ``(untagged)``;
    the tag totals can therefore add up to more than the account's total.
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"breakdown by must be one of {', '.join(BREAKDOWNS)}, not {by!r}")
    if by == "tag":
        tags = resources["tags"].map(lambda tags: list(tags) or [UNTAGGED])
        source = resources.assign(tag=tags).explode("tag")
    else:
        source = resources
    grouped = source.groupby(by, as_index=False).agg(
        **{value: (value, "sum"), "resources": ("id", "count")}
    )
    return grouped.sort_values([value, by], ascending=[False, True], ignore_index=True)
