"""The managed Valkey instances of the account, as one table: plan, place, state, cost, usage.

Read replicas are billed as databases of their own (vultr-api.md), so an instance's monthly
cost is its plan's price plus each replica's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from vultr_core.api.models.databases import Database, DatabasePlan, DatabaseUsage

VALKEY_COLUMNS = [
    "label",
    "region",
    "plan",
    "status",
    "eviction_policy",
    "version",
    "replicas",
    "ram_mb",
    "monthly_cost_usd",
    "month_to_date_usd",
    "memory_used_pct",
    "cpu_used_pct",
    "id",
]


def valkey_instances_frame(
    databases: Iterable[Database],
    plans: Iterable[DatabasePlan],
    usage: Mapping[str, DatabaseUsage] | None = None,
) -> pd.DataFrame:
    """One row per Valkey instance; a cost or usage figure the API did not give (or that was
    not asked for: ``usage`` None) is NaN."""
    price = {plan.id: plan.monthly_cost_usd for plan in plans}
    rows = []
    for database in databases:
        if database.engine != "valkey":
            continue
        nodes = (database, *database.read_replicas)
        prices = [price.get(node.plan) for node in nodes]
        used = (usage or {}).get(database.id)
        rows.append(
            {
                "label": database.label,
                "region": database.region,
                "plan": database.plan,
                "status": database.status,
                "eviction_policy": database.eviction_policy or "",
                "version": database.engine_version,
                "replicas": len(database.read_replicas),
                "ram_mb": database.plan_ram_mb,
                "monthly_cost_usd": (
                    sum(p for p in prices if p is not None) if None not in prices else None
                ),
                "month_to_date_usd": database.pending_charges_usd,
                "memory_used_pct": used.memory_mb.percentage if used else None,
                "cpu_used_pct": used.cpu_percentage if used else None,
                "id": database.id,
            }
        )
    frame = pd.DataFrame(rows, columns=VALKEY_COLUMNS)
    numeric = ["monthly_cost_usd", "month_to_date_usd", "memory_used_pct", "cpu_used_pct"]
    frame[numeric] = frame[numeric].astype(float)
    return frame.astype({"ram_mb": "Int64"})
