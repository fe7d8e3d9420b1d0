"""The waste finder on the simulator's organisation and on hand-made edge cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from tests.conftest import FIXED_NOW
from vultr_core.api.management import ManagementClient
from vultr_core.api.models.databases import DatabaseUsage
from vultr_core.api.models.networking import ReservedIp
from vultr_core.api.models.storage import Snapshot
from vultr_core.simulator import Simulator
from vultr_core.simulator.catalog import PLAN_BY_ID
from vultr_core.spend.costs import Inventory, resource_costs
from vultr_core.spend.data import fetch_database_usage, fetch_inventory
from vultr_core.spend.waste import (
    IDLE_DATABASE,
    OLD_SNAPSHOT,
    STOPPED_INSTANCE,
    UNATTACHED_BLOCK,
    UNATTACHED_RESERVED_IP,
    check_idle_databases,
    databases_to_check,
    find_waste,
    is_idle,
    summarise_waste,
    waste_sentences,
)


def by_kind(waste: pd.DataFrame, kind: str) -> dict[str, float]:
    rows = waste[waste["kind"] == kind]
    return dict(zip(rows["label"], rows["monthly_savings_usd"], strict=True))


def test_finds_the_simulators_idle_resources_with_their_savings(
    client: ManagementClient, simulator: Simulator
) -> None:
    organisation = simulator.organisation
    inventory = fetch_inventory(client)
    resources = resource_costs(inventory, now=FIXED_NOW)
    waste = find_waste(inventory, resources, now=FIXED_NOW)

    assert by_kind(waste, STOPPED_INSTANCE) == {
        i["label"]: PLAN_BY_ID[i["plan"]].monthly_cost
        for i in organisation.instances
        if i["power_status"] == "stopped"
    }
    assert by_kind(waste, UNATTACHED_BLOCK) == {
        b["label"]: b["cost"] for b in organisation.blocks if not b["attached_to_instance"]
    }
    old = [
        s
        for s in organisation.snapshots
        if datetime.fromisoformat(s["date_created"]) < FIXED_NOW - timedelta(days=90)
    ]
    assert by_kind(waste, OLD_SNAPSHOT) == {
        s["description"]: pytest.approx(s["compressed_size"] / 1024**3 * 0.05) for s in old
    }
    assert by_kind(waste, UNATTACHED_RESERVED_IP) == {
        r["label"]: 3.0 for r in organisation.reserved_ips if not r["instance_id"]
    }
    assert list(waste["monthly_savings_usd"]) == sorted(waste["monthly_savings_usd"], reverse=True)


def test_only_the_idle_database_is_flagged(client: ManagementClient) -> None:
    resources = resource_costs(fetch_inventory(client), now=FIXED_NOW)
    checked = databases_to_check(resources, limit=100)
    check = check_idle_databases(resources, fetch_database_usage(client, checked))
    # wordpress-mysql runs at 4.1% disk, 7.9% memory and 1.2% CPU in the demo organisation.
    assert by_kind(check.idle, IDLE_DATABASE) == {"wordpress-mysql": 30.0}
    assert check.coverage == f"all {check.total} databases"


def test_databases_to_check_are_the_most_expensive() -> None:
    resources = pd.DataFrame(
        {
            "category": ["Managed Databases"] * 3 + ["Compute"],
            "id": ["cheap", "dear", "mid", "vm"],
            "label": ["c", "d", "m", "v"],
            "monthly_cost_usd": [15.0, 360.0, 60.0, 999.0],
        }
    )
    assert databases_to_check(resources, limit=2) == ["dear", "mid"]
    partial = check_idle_databases(resources, {})
    assert partial.coverage == "the 0 most expensive of 3 databases"


def usage(
    disk: float | None, memory: float | None, cpu: float | None, *, disk_max: int = 80
) -> DatabaseUsage:
    return DatabaseUsage.from_api(
        {
            "disk": {"percentage": disk, "max_gb": disk_max},
            "memory": {"percentage": memory, "max_mb": 2048},
            "cpu": {"percentage": cpu},
        }
    )


@pytest.mark.parametrize(
    ("reading", "idle"),
    [
        (usage(4.1, 7.9, 1.2), True),
        (usage(4.1, 10.0, 1.2), False),  # exactly the threshold is not under it
        (usage(55.0, 3.0, 1.0), False),  # a full disk is a reason to keep it
        (usage(0.0, 5.0, 2.0, disk_max=0), True),  # Valkey: no disk reported
        (usage(None, None, None), False),  # nothing known, nothing claimed
    ],
    ids=["quiet", "at threshold", "busy disk", "valkey", "no readings"],
)
def test_is_idle(reading: DatabaseUsage, idle: bool) -> None:
    assert is_idle(reading) is idle


def test_snapshot_age_and_reserved_ip_price_are_parameters() -> None:
    now = datetime(2026, 11, 17, tzinfo=UTC)
    inventory = Inventory(
        snapshots=[
            Snapshot.from_api(
                {"id": "a", "description": "ninety-one", "compressed_size": 10 * 1024**3,
                 "date_created": (now - timedelta(days=91)).isoformat()}
            ),
            Snapshot.from_api(
                {"id": "b", "description": "eighty-nine", "compressed_size": 10 * 1024**3,
                 "date_created": (now - timedelta(days=89)).isoformat()}
            ),
        ],
        reserved_ips=[
            ReservedIp.from_api({"id": "r", "label": "", "subnet": "192.0.2.7", "instance_id": ""}),
            ReservedIp.from_api({"id": "t", "subnet": "192.0.2.8", "instance_id": "vm-1"}),
        ],
    )  # fmt: skip
    waste = find_waste(
        inventory,
        resource_costs(inventory, now=now),
        now=now,
        snapshot_usd_per_gb_month=0.1,
        reserved_ip_usd_month=4.0,
    )
    assert by_kind(waste, OLD_SNAPSHOT) == {"ninety-one": pytest.approx(1.0)}
    assert by_kind(waste, UNATTACHED_RESERVED_IP) == {"192.0.2.7": 4.0}


def test_waste_reads_as_sentences_and_sums_by_kind() -> None:
    waste = pd.DataFrame(
        {
            "kind": [STOPPED_INSTANCE, STOPPED_INSTANCE, UNATTACHED_RESERVED_IP],
            "label": ["a", "b", "ip"],
            "region": ["ewr"] * 3,
            "reason": [""] * 3,
            "monthly_savings_usd": [20.0, 43.0, 3.0],
            "id": ["1", "2", "3"],
        }
    )
    assert waste_sentences(waste) == [
        "2 stopped instances still bill $63.00 a month.",
        "1 unattached reserved IP costs $3.00 a month.",
    ]
    summary = summarise_waste(waste)
    assert (summary.total_usd, summary.items) == (66.0, 3)
    assert list(summary.by_kind) == [STOPPED_INSTANCE, UNATTACHED_RESERVED_IP]


def test_an_empty_account_wastes_nothing() -> None:
    now = datetime(2026, 11, 17, tzinfo=UTC)
    waste = find_waste(Inventory(), resource_costs(Inventory(), now=now), now=now)
    assert waste.empty
    assert waste_sentences(waste) == []
    assert summarise_waste(waste).total_usd == 0.0
