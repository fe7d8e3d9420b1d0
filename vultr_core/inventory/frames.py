"""Typed records as pandas DataFrames, ready for tables, filters and CSV."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from vultr_core.api.models.compute import Instance, Plan
from vultr_core.api.models.databases import Database, DatabasePlan

INSTANCE_COLUMNS = [
    "label",
    "hostname",
    "region",
    "plan",
    "status",
    "power_status",
    "server_status",
    "vcpu_count",
    "ram_gb",
    "disk_gb",
    "main_ip",
    "tags",
    "os",
    "date_created",
    "id",
]


def instances_frame(instances: Iterable[Instance]) -> pd.DataFrame:
    """One row per instance; ``tags`` stays a list so filters can match any one tag."""
    rows = [
        {
            "label": i.label,
            "hostname": i.hostname,
            "region": i.region,
            "plan": i.plan,
            "status": i.status,
            "power_status": i.power_status,
            "server_status": i.server_status,
            "vcpu_count": i.vcpu_count,
            "ram_gb": None if i.ram_mb is None else i.ram_mb / 1024,
            "disk_gb": i.disk_gb,
            "main_ip": i.main_ip,
            "tags": list(i.tags),
            "os": i.os,
            "date_created": i.date_created,
            "id": i.id,
        }
        for i in instances
    ]
    frame = pd.DataFrame(rows, columns=INSTANCE_COLUMNS)
    frame["date_created"] = pd.to_datetime(frame["date_created"], utc=True)
    # Nullable integers: a figure the API sent no valid value for stays empty, not 0 or NaN.
    return frame.astype({"vcpu_count": "Int64", "ram_gb": float, "disk_gb": "Int64"})


def filter_instances(
    frame: pd.DataFrame,
    *,
    regions: Sequence[str] = (),
    states: Sequence[str] = (),
    tags: Sequence[str] = (),
    plans: Sequence[str] = (),
    text: str = "",
) -> pd.DataFrame:
    """Rows matching every filter given; an empty filter matches everything.

    ``states`` are the one-word states of ``listing.instance_listing``; ``tags`` matches an
    instance carrying any of them; ``text`` searches label, hostname and IP, case-insensitively.
    """
    keep = pd.Series(True, index=frame.index)
    if regions:
        keep &= frame["region"].isin(regions)
    if states:
        keep &= frame["state"].isin(states)
    if plans:
        keep &= frame["plan"].isin(plans)
    if tags:
        wanted = set(tags)
        keep &= frame["tags"].map(lambda row_tags: bool(wanted.intersection(row_tags)))
    if text.strip():
        needle = text.strip().lower()
        haystack = frame["label"] + " " + frame["hostname"] + " " + frame["main_ip"]
        keep &= haystack.str.lower().str.contains(needle, regex=False)
    return frame[keep]


def distinct_tags(frame: pd.DataFrame) -> list[str]:
    """Every tag used by at least one row, sorted."""
    return sorted({tag for row_tags in frame["tags"] for tag in row_tags})


def with_monthly_cost(instances: pd.DataFrame, plans: Iterable[Plan]) -> pd.DataFrame:
    """``instances_frame`` plus each instance's plan price (NaN for a plan not in the list)."""
    prices = {plan.id: plan.monthly_cost_usd for plan in plans}
    return instances.assign(monthly_cost_usd=instances["plan"].map(prices).astype(float))


DATABASE_COLUMNS = [
    "label",
    "engine",
    "engine_version",
    "plan",
    "region",
    "status",
    "nodes",
    "monthly_cost_usd",
    "replica_of",
    "tag",
    "vcpus",
    "ram_gb",
    "disk_gb",
    "latest_backup",
    "date_created",
    "id",
]


def databases_frame(
    databases: Iterable[Database], plans: Iterable[DatabasePlan] = ()
) -> pd.DataFrame:
    """One row per managed database, each read replica a row of its own (it bills on its own).

    Hosts, users and passwords are left out on purpose: this frame is shown and downloaded.
    ``monthly_cost_usd`` is NaN when the plan is not among ``plans``.
    """
    prices = {plan.id: plan.monthly_cost_usd for plan in plans}
    rows = [
        {
            "label": database.label,
            "engine": database.engine,
            "engine_version": database.engine_version,
            "plan": database.plan,
            "region": database.region,
            "status": database.status,
            "nodes": database.node_count,
            "monthly_cost_usd": prices.get(database.plan),
            "replica_of": replica_of,
            "tag": database.tag,
            "vcpus": database.plan_vcpus,
            "ram_gb": None if database.plan_ram_mb is None else database.plan_ram_mb / 1024,
            "disk_gb": database.plan_disk_gb,
            "latest_backup": database.latest_backup,
            "date_created": database.date_created,
            "id": database.id,
        }
        for primary in databases
        for database, replica_of in [
            (primary, ""),
            *((replica, primary.label) for replica in primary.read_replicas),
        ]
    ]
    frame = pd.DataFrame(rows, columns=DATABASE_COLUMNS)
    for column in ("latest_backup", "date_created"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.astype(
        {"monthly_cost_usd": float, "vcpus": "Int64", "ram_gb": float, "disk_gb": float}
    )
