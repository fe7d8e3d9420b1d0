"""The waste finder: what bills every month without doing any work, and what removing it saves.

The checks follow do-thrifty (ANCHORS.md §7.5) with Vultr's rules: a stopped server still bills
its full price, so does an unattached volume or reserved IP; snapshots bill per GB-month; a
managed database idling under 10% on every measure is a plan too big or a service forgotten.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from vultr_core.api.models.databases import DatabaseUsage
from vultr_core.formatting import format_usd
from vultr_core.spend.costs import (
    BLOCK_STORAGE,
    COMPUTE,
    DATABASES,
    DEFAULT_SNAPSHOT_USD_PER_GB_MONTH,
    Inventory,
    snapshot_gb,
)

OLD_SNAPSHOT_DAYS = 90
IDLE_DATABASE_PCT = 10.0
DEFAULT_RESERVED_IP_USD_MONTH = 3.0
"""Vultr's reserved IP price; the API has no price field, so it is a parameter (pending
charges carry the real figure)."""
IDLE_DATABASE_CHECK_LIMIT = 10
"""Usage is one request per database: check the most expensive ones, where savings lie."""

STOPPED_INSTANCE = "Stopped instance"
UNATTACHED_BLOCK = "Unattached block storage"
OLD_SNAPSHOT = "Old snapshot"
UNATTACHED_RESERVED_IP = "Unattached reserved IP"
IDLE_DATABASE = "Idle database"
WASTE_COLUMNS = ["kind", "label", "region", "reason", "monthly_savings_usd", "id"]


def find_waste(
    inventory: Inventory,
    resources: pd.DataFrame,
    *,
    now: datetime,
    snapshot_usd_per_gb_month: float = DEFAULT_SNAPSHOT_USD_PER_GB_MONTH,
    reserved_ip_usd_month: float = DEFAULT_RESERVED_IP_USD_MONTH,
    old_snapshot_days: int = OLD_SNAPSHOT_DAYS,
) -> pd.DataFrame:
    """Stopped instances, unattached volumes and reserved IPs, and snapshots older than
    ``old_snapshot_days``, each with the dollars a month its removal saves.

    ``resources`` is ``costs.resource_costs(inventory, ...)``: instance and block prices come
    from it so that the waste finder and the run-rate never disagree.
    """
    rows: list[dict[str, object]] = []
    stopped = resources[(resources["category"] == COMPUTE) & (resources["status"] == "stopped")]
    for item in stopped.to_dict("records"):
        reason = f"stopped, still billed for {item['plan']}"
        rows.append(_waste(STOPPED_INSTANCE, item, reason))
    loose = resources[
        (resources["category"] == BLOCK_STORAGE) & (resources["status"] == "unattached")
    ]
    for item in loose.to_dict("records"):
        reason = f"not attached to any instance ({item['plan']})"
        rows.append(_waste(UNATTACHED_BLOCK, item, reason))
    cutoff = now - timedelta(days=old_snapshot_days)
    for snapshot in inventory.snapshots:
        if snapshot.date_created is not None and snapshot.date_created < cutoff:
            age_days = (now - snapshot.date_created).days
            gb = snapshot_gb(snapshot)
            rows.append(
                {
                    "kind": OLD_SNAPSHOT,
                    "label": snapshot.description,
                    "region": "",
                    "reason": f"{age_days} days old, {gb:.1f} GB",
                    "monthly_savings_usd": gb * snapshot_usd_per_gb_month,
                    "id": snapshot.id,
                }
            )
    for reserved in inventory.reserved_ips:
        if not reserved.is_attached:
            rows.append(
                {
                    "kind": UNATTACHED_RESERVED_IP,
                    "label": reserved.label or reserved.subnet,
                    "region": reserved.region,
                    "reason": f"{reserved.subnet} is not attached to any instance",
                    "monthly_savings_usd": reserved_ip_usd_month,
                    "id": reserved.id,
                }
            )
    return _frame(rows)


def _waste(kind: str, resource: Mapping[Hashable, Any], reason: str) -> dict[str, object]:
    """A waste row for a ``resource_costs`` row: removing it saves its monthly price."""
    return {
        "kind": kind,
        "label": resource["label"],
        "region": resource["region"],
        "reason": reason,
        "monthly_savings_usd": float(resource["monthly_cost_usd"]),
        "id": resource["id"],
    }


def _frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=WASTE_COLUMNS).astype({"monthly_savings_usd": float})
    return frame.sort_values("monthly_savings_usd", ascending=False, ignore_index=True)


def databases_to_check(
    resources: pd.DataFrame, limit: int = IDLE_DATABASE_CHECK_LIMIT
) -> list[str]:
    """The ids of the ``limit`` most expensive databases: whose usage is worth a request."""
    databases = resources[resources["category"] == DATABASES]
    top = databases.sort_values(["monthly_cost_usd", "label"], ascending=[False, True])
    return [str(database_id) for database_id in top["id"].head(limit)]


def is_idle(usage: DatabaseUsage, threshold_pct: float = IDLE_DATABASE_PCT) -> bool:
    """Under ``threshold_pct`` on every measure the API reports (disk is absent for Valkey).

    Memory and CPU are averages over the last hour (vultr-api.md §2.7): one quiet hour is a
    hint, not proof, which the reason text says.
    """
    readings = [
        usage.disk_gb.percentage if usage.disk_gb.maximum else None,
        usage.memory_mb.percentage,
        usage.cpu_percentage,
    ]
    known = [reading for reading in readings if reading is not None]
    return bool(known) and all(reading < threshold_pct for reading in known)


def idle_databases(
    resources: pd.DataFrame,
    usage_by_id: Mapping[str, DatabaseUsage],
    *,
    threshold_pct: float = IDLE_DATABASE_PCT,
) -> pd.DataFrame:
    """Databases under ``threshold_pct`` everywhere; removing one saves its monthly price."""
    rows: list[dict[str, object]] = []
    databases = resources[resources["category"] == DATABASES]
    for item in databases.to_dict("records"):
        usage = usage_by_id.get(str(item["id"]))
        if usage is None or not is_idle(usage, threshold_pct):
            continue
        reason = (
            f"under {threshold_pct:g}% disk, memory and CPU over the last hour "
            f"(CPU {usage.cpu_percentage or 0:.1f}%, memory {usage.memory_mb.percentage or 0:.1f}%)"
        )
        rows.append(_waste(IDLE_DATABASE, item, reason))
    return _frame(rows)


@dataclass(frozen=True)
class IdleCheck:
    """Idle databases among the ``checked`` most expensive of ``total`` databases."""

    idle: pd.DataFrame
    checked: int
    total: int

    @property
    def coverage(self) -> str:
        """Which databases the check covered, in words."""
        if self.checked >= self.total:
            return f"all {self.total} databases"
        return f"the {self.checked} most expensive of {self.total} databases"


def check_idle_databases(
    resources: pd.DataFrame, usage_by_id: Mapping[str, DatabaseUsage]
) -> IdleCheck:
    """``idle_databases`` with a record of how many databases it could judge."""
    total = int((resources["category"] == DATABASES).sum())
    return IdleCheck(idle_databases(resources, usage_by_id), len(usage_by_id), total)


@dataclass(frozen=True)
class WasteSummary:
    """Monthly savings in total and by kind of waste, costliest kind first."""

    total_usd: float
    items: int
    by_kind: dict[str, float]


def summarise_waste(waste: pd.DataFrame) -> WasteSummary:
    by_kind = waste.groupby("kind")["monthly_savings_usd"].sum().sort_values(ascending=False)
    return WasteSummary(
        total_usd=float(waste["monthly_savings_usd"].sum()),
        items=len(waste),
        by_kind={str(kind): float(usd) for kind, usd in by_kind.items()},
    )


_SENTENCES = {
    STOPPED_INSTANCE: ("stopped instance still bills", "stopped instances still bill"),
    UNATTACHED_BLOCK: ("unattached block volume costs", "unattached block volumes cost"),
    OLD_SNAPSHOT: (
        f"snapshot older than {OLD_SNAPSHOT_DAYS} days costs",
        f"snapshots older than {OLD_SNAPSHOT_DAYS} days cost",
    ),
    UNATTACHED_RESERVED_IP: ("unattached reserved IP costs", "unattached reserved IPs cost"),
    IDLE_DATABASE: (
        f"database idling under {IDLE_DATABASE_PCT:g}% costs",
        f"databases idling under {IDLE_DATABASE_PCT:g}% cost",
    ),
}


def waste_sentences(waste: pd.DataFrame) -> list[str]:
    """One plain sentence per kind of waste, the costliest first."""
    grouped = waste.groupby("kind").agg(count=("id", "count"), usd=("monthly_savings_usd", "sum"))
    sentences = []
    for kind, row in grouped.sort_values("usd", ascending=False).iterrows():
        count = int(row["count"])
        singular, plural = _SENTENCES.get(str(kind), (str(kind), str(kind)))
        sentences.append(
            f"{count} {singular if count == 1 else plural} {format_usd(float(row['usd']))} a month."
        )
    return sentences
