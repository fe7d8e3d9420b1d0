"""What one snapshot records: each list-priced resource's state, and the pending charges.

A resource's state is what a person would call a change when it moves: plan, status, power,
tags, region, label and list price (``costs.resource_costs`` prices it, so the history and the
run-rate never disagree). Its creation date rides along for billing, not for comparison.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from vultr_core.spend.costs import Inventory, resource_costs

PRICE_DECIMALS = 4
"""As stored (numeric(14, 4)): a price read back compares equal to the one observed."""
TRACKED_FIELDS = (
    "category",
    "label",
    "region",
    "plan",
    "status",
    "power",
    "tags",
    "monthly_usd",
    "cap_hours",
    "priced",
)


@dataclass(frozen=True)
class ResourceState:
    """One resource as a snapshot saw it. ``power`` is an instance's power status ("" for
    everything else, which has none)."""

    resource_id: str
    category: str
    label: str
    region: str
    plan: str
    status: str
    power: str
    tags: tuple[str, ...]
    monthly_usd: float
    cap_hours: int
    priced: bool
    created_at: datetime | None = None

    def same_as(self, other: ResourceState) -> bool:
        """Whether nothing a person would call a change differs."""
        return all(getattr(self, name) == getattr(other, name) for name in TRACKED_FIELDS)

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ResourceState:
        """A state from a ``resource_versions`` row."""
        return cls(
            resource_id=row["resource_id"],
            category=row["category"],
            label=row["label"],
            region=row["region"],
            plan=row["plan"],
            status=row["status"],
            power=row["power"],
            tags=tuple(row["tags"]),
            monthly_usd=float(row["monthly_usd"]),
            cap_hours=int(row["cap_hours"]),
            priced=bool(row["priced"]),
            created_at=row.get("created_at"),
        )


@dataclass(frozen=True)
class InvoiceMonth:
    """An invoice, by the month it bills."""

    month: date
    amount_usd: float
    invoice_id: str


@dataclass(frozen=True)
class Observation:
    """Everything one snapshot writes, gathered before the store is touched."""

    taken_at: datetime
    states: Mapping[str, ResourceState]
    pending_total_usd: float
    categories: Mapping[str, float]
    invoices: Sequence[InvoiceMonth] = ()


def storable(value: object) -> str:
    """The API's text as PostgreSQL can keep it: a text value cannot hold U+0000."""
    return str(value).replace("\x00", "")


def states_from_inventory(inventory: Inventory, *, now: datetime) -> dict[str, ResourceState]:
    """Every list-priced resource of ``inventory`` (an unpriced one too, marked so)."""
    return states_from_costs(resource_costs(inventory, now=now), inventory)


def states_from_costs(resources: pd.DataFrame, inventory: Inventory) -> dict[str, ResourceState]:
    """States from ``resource_costs`` rows, with each instance's own status beside its power
    (the cost table keeps only the power status, which is what bills)."""
    instance_status = {i.id: i.status for i in inventory.instances}
    states: dict[str, ResourceState] = {}
    for row in resources.to_dict("records"):
        resource_id = storable(row["id"])
        is_instance = resource_id in instance_status and row["category"] == "Compute"
        created = row["date_created"]
        states[resource_id] = ResourceState(
            resource_id=resource_id,
            category=storable(row["category"]),
            label=storable(row["label"]),
            region=storable(row["region"]),
            plan=storable(row["plan"]),
            status=storable(instance_status[resource_id] if is_instance else row["status"]),
            power=storable(row["status"]) if is_instance else "",
            tags=tuple(sorted({storable(tag) for tag in row["tags"]})),
            monthly_usd=round(float(row["monthly_cost_usd"]), PRICE_DECIMALS),
            cap_hours=int(row["cap_hours"]),
            priced=bool(row["priced"]),
            created_at=None if pd.isna(created) else created.to_pydatetime(),
        )
    return states
