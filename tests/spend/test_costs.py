"""The cost model against hand-computed figures, and against the simulator's own books."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest

from vultr_core.api.management import ManagementClient
from vultr_core.api.models.billing import ChargeItem
from vultr_core.api.models.compute import BareMetal, Instance, MetalPlan, Plan
from vultr_core.api.models.databases import Database, DatabasePlan
from vultr_core.api.models.kubernetes import KubernetesCluster
from vultr_core.api.models.storage import BlockStorage, ObjectStorage, Snapshot
from vultr_core.spend.costs import (
    COMPUTE,
    DATABASES,
    KUBERNETES,
    UNATTRIBUTED,
    UNTAGGED,
    Inventory,
    billed_hours,
    breakdown,
    month_bounds,
    resource_costs,
)
from vultr_core.spend.data import fetch_inventory
from vultr_core.spend.forecast import forecast
from vultr_core.spend.reconciliation import charges_by_product, reconcile

# Mid-November: 16.5 days = 396 hours into a 720-hour month.
NOW = datetime(2026, 11, 17, 12, 0, tzinfo=UTC)
VC2_10 = Plan.from_api({"id": "vc2-1c-2gb", "type": "vc2", "monthly_cost": 10})
VC2_20 = Plan.from_api({"id": "vc2-2c-4gb", "type": "vc2", "monthly_cost": 20})
VC2_100 = Plan.from_api({"id": "vc2-8c-32gb", "type": "vc2", "monthly_cost": 100})
GPU_90 = Plan.from_api(
    {"id": "vcg-a100-1c-6g-4vram", "type": "vcg", "monthly_cost": 90, "gpu_type": "NVIDIA_A100"}
)
DB_60 = DatabasePlan.from_api({"id": "vultr-dbaas-business-cc-1-55-2", "monthly_cost": 60})


def instance(
    label: str,
    plan: Plan,
    created: str,
    *,
    power: str = "running",
    tags: tuple[str, ...] = (),
    region: str = "ewr",
) -> Instance:
    return Instance.from_api(
        {
            "id": f"id-{label}",
            "label": label,
            "plan": plan.id,
            "region": region,
            "power_status": power,
            "date_created": created,
            "tags": list(tags),
        }
    )


def line(description: str, product: str, total: float) -> ChargeItem:
    return ChargeItem.from_api({"description": description, "product": product, "total": total})


def row(frame: pd.DataFrame, label: str) -> dict[Any, Any]:
    (found,) = frame[frame["label"] == label].to_dict("records")
    return found


def test_a_server_existing_all_month_bills_hourly_up_to_its_monthly_price() -> None:
    costs = resource_costs(
        Inventory(
            instances=[instance("web-1", VC2_10, "2026-09-01T00:00:00+00:00")], plans=[VC2_10]
        ),
        now=NOW,
    )
    web = row(costs, "web-1")
    assert web["month_to_date_usd"] == pytest.approx(396 * 10 / 672)
    # 720 hours at 10/672 would be $10.71: the monthly price caps it.
    assert web["month_end_usd"] == 10.0
    assert web["monthly_cost_usd"] == 10.0


@pytest.mark.parametrize(
    ("now", "expected_usd"),
    [
        (datetime(2026, 10, 31, 23, 0, tzinfo=UTC), 10.0),  # 743 h elapsed: capped
        (datetime(2026, 2, 28, 23, 30, tzinfo=UTC), 10.0),  # February: exactly 672 h
        (datetime(2026, 11, 1, 0, 20, tzinfo=UTC), 10 / 672),  # a started hour is billed
    ],
    ids=["31-day month", "february", "first minutes"],
)
def test_month_to_date_on_calendar_edges(now: datetime, expected_usd: float) -> None:
    costs = resource_costs(
        Inventory(
            instances=[instance("web-1", VC2_10, "2025-01-01T00:00:00+00:00")], plans=[VC2_10]
        ),
        now=now,
    )
    assert row(costs, "web-1")["month_to_date_usd"] == pytest.approx(expected_usd)


def test_a_server_created_mid_month_bills_from_its_creation() -> None:
    costs = resource_costs(
        Inventory(
            instances=[instance("new-1", VC2_10, "2026-11-10T08:30:00+00:00")], plans=[VC2_10]
        ),
        now=NOW,
    )
    new = row(costs, "new-1")
    # 7 days 3.5 hours → 172 started hours; to 1 December: 495.5 → 496 hours.
    assert new["month_to_date_usd"] == pytest.approx(172 * 10 / 672)
    assert new["month_end_usd"] == pytest.approx(496 * 10 / 672)


def test_a_stopped_server_bills_like_a_running_one() -> None:
    inventory = Inventory(
        instances=[
            instance("on", VC2_20, "2026-01-01T00:00:00+00:00"),
            instance("off", VC2_20, "2026-01-01T00:00:00+00:00", power="stopped"),
        ],
        plans=[VC2_20],
    )
    costs = resource_costs(inventory, now=NOW)
    on, off = row(costs, "on"), row(costs, "off")
    assert off["status"] == "stopped"
    assert off["month_to_date_usd"] == on["month_to_date_usd"] == pytest.approx(396 * 20 / 672)
    assert off["month_end_usd"] == 20.0


def test_a_gpu_plan_bills_at_monthly_over_730_hours() -> None:
    costs = resource_costs(
        Inventory(
            instances=[instance("gpu-1", GPU_90, "2026-01-01T00:00:00+00:00")], plans=[GPU_90]
        ),
        now=NOW,
    )
    gpu = row(costs, "gpu-1")
    assert gpu["cap_hours"] == 730
    assert gpu["month_to_date_usd"] == pytest.approx(396 * 90 / 730)
    # A 720-hour month never reaches the 730-hour cap: $88.77, not $90.
    assert gpu["month_end_usd"] == pytest.approx(720 * 90 / 730)


def test_a_destroyed_and_recreated_server_leaves_the_old_charge_unattributed() -> None:
    """web-1 was destroyed on 5 November at noon and recreated under the same label."""
    old_total = 1.61  # 1–5 November noon: 108 h × 10/672 = $1.607, as Vultr's line says
    new = instance("web-1", VC2_10, "2026-11-05T12:00:00+00:00")
    costs = resource_costs(Inventory(instances=[new], plans=[VC2_10]), now=NOW)
    new_total = round(288 * 10 / 672, 2)  # 12 days since recreation
    lines = [line("[web-1] old", "Vultr Cloud Compute", old_total)]
    lines.append(line("[web-1] new", "Vultr Cloud Compute", new_total))
    books = reconcile(
        costs, pending_total_usd=old_total + new_total, pending_by_product=charges_by_product(lines)
    )
    assert books.attributed_usd == pytest.approx(288 * 10 / 672)
    assert books.unattributed_usd == pytest.approx(old_total, abs=0.005)


def test_read_replicas_are_billed_as_databases_of_their_own() -> None:
    primary = Database.from_api(
        {
            "id": "db-1",
            "label": "orders",
            "plan": DB_60.id,
            "region": "EWR",
            "tag": "prod",
            "date_created": "2026-01-01 00:00:00",
            "read_replicas": [
                {
                    "id": "db-2",
                    "label": "orders-replica",
                    "plan": DB_60.id,
                    "region": "ORD",
                    "date_created": "2026-11-15 00:00:00",
                }
            ],
        }
    )
    costs = resource_costs(Inventory(databases=[primary], database_plans=[DB_60]), now=NOW)
    assert list(costs["category"]) == [DATABASES, DATABASES]
    orders, replica = row(costs, "orders"), row(costs, "orders-replica")
    assert orders["month_to_date_usd"] == pytest.approx(396 * 60 / 672)
    assert orders["region"] == "ewr"
    assert replica["month_to_date_usd"] == pytest.approx(60 * 60 / 672)
    assert replica["month_end_usd"] == pytest.approx(384 * 60 / 672)
    assert replica["region"] == "ord"


def test_a_kubernetes_pool_costs_its_plan_times_its_nodes() -> None:
    cluster = KubernetesCluster.from_api(
        {
            "id": "k-1",
            "label": "prod",
            "region": "ewr",
            "date_created": "2026-06-01T00:00:00+00:00",
            "node_pools": [
                {
                    "id": "p-1",
                    "label": "default",
                    "plan": VC2_20.id,
                    "node_quantity": 3,
                    "tag": "k8s",
                    "date_created": "2026-06-01T00:00:00+00:00",
                },
                {
                    "id": "p-2",
                    "label": "burst",
                    "plan": VC2_20.id,
                    "node_quantity": 2,
                    "date_created": "2026-11-16T00:00:00+00:00",
                },
            ],
        }
    )
    costs = resource_costs(Inventory(kubernetes_clusters=[cluster], plans=[VC2_20]), now=NOW)
    default, burst = row(costs, "prod / default"), row(costs, "prod / burst")
    assert default["category"] == KUBERNETES
    assert default["monthly_cost_usd"] == 60.0
    assert default["month_to_date_usd"] == pytest.approx(396 * 60 / 672)
    assert burst["month_to_date_usd"] == pytest.approx(36 * 40 / 672)


def test_every_other_priced_resource_uses_its_own_price_source() -> None:
    inventory = Inventory(
        bare_metals=[
            BareMetal.from_api(
                {
                    "id": "m",
                    "label": "metal",
                    "plan": "vbm-4c-32gb",
                    "date_created": "2026-01-01T00:00:00+00:00",
                }
            )
        ],
        metal_plans=[MetalPlan.from_api({"id": "vbm-4c-32gb", "monthly_cost": 185})],
        block_storage=[BlockStorage.from_api({"id": "b", "label": "data", "cost": 10})],
        object_storage=[
            ObjectStorage.from_api({"id": "o", "label": "assets", "tier": {"price": 18}})
        ],
        snapshots=[
            Snapshot.from_api({"id": "s", "description": "golden", "compressed_size": 20 * 1024**3})
        ],
    )
    costs = resource_costs(inventory, now=NOW, snapshot_usd_per_gb_month=0.1)
    prices = dict(zip(costs["label"], costs["monthly_cost_usd"], strict=True))
    assert prices == {"metal": 185.0, "data": 10.0, "assets": 18.0, "golden": pytest.approx(2.0)}
    assert row(costs, "data")["status"] == "unattached"


def test_an_unknown_plan_is_not_guessed() -> None:
    mystery = Plan.from_api({"id": "vx1-secret", "monthly_cost": 999})
    costs = resource_costs(
        Inventory(instances=[instance("odd", mystery, "2026-01-01T00:00:00+00:00")], plans=[]),
        now=NOW,
    )
    odd = row(costs, "odd")
    assert not odd["priced"]
    assert odd["month_to_date_usd"] == 0.0


def test_an_empty_account_costs_nothing_and_says_so() -> None:
    costs = resource_costs(Inventory(), now=NOW)
    assert costs.empty
    books = reconcile(costs, pending_total_usd=0.0, pending_by_product=charges_by_product([]))
    assert (books.attributed_usd, books.unattributed_usd) == (0.0, 0.0)
    assert list(books.by_category["category"]) == [UNATTRIBUTED]
    outlook = forecast(costs, books, now=NOW)
    assert (outlook.per_resource_usd, outlook.naive_usd) == (0.0, 0.0)
    assert "agree" in outlook.explanation
    assert breakdown(costs, "tag").empty


@pytest.mark.parametrize("pending_total_usd", [0.0, 5.89, 120.0, -3.0])
def test_unattributed_is_exactly_pending_minus_attributed(pending_total_usd: float) -> None:
    costs = resource_costs(
        Inventory(
            instances=[instance("web-1", VC2_10, "2026-09-01T00:00:00+00:00")], plans=[VC2_10]
        ),
        now=NOW,
    )
    books = reconcile(
        costs, pending_total_usd=pending_total_usd, pending_by_product=charges_by_product([])
    )
    assert books.unattributed_usd == pending_total_usd - books.attributed_usd
    categories = dict(
        zip(books.by_category["category"], books.by_category["month_to_date_usd"], strict=True)
    )
    assert categories[UNATTRIBUTED] == books.unattributed_usd
    assert sum(categories.values()) == pytest.approx(pending_total_usd)


def test_forecast_for_an_old_server_is_below_the_naive_line() -> None:
    costs = resource_costs(
        Inventory(
            instances=[instance("big", VC2_100, "2026-01-01T00:00:00+00:00")], plans=[VC2_100]
        ),
        now=NOW,
    )
    to_date = round(396 * 100 / 672, 2)
    books = reconcile(costs, pending_total_usd=to_date, pending_by_product=charges_by_product([]))
    outlook = forecast(costs, books, now=NOW)
    pace = 720 / 396
    assert outlook.naive_usd == pytest.approx(to_date * pace)
    assert outlook.resources_usd == 100.0
    assert outlook.per_resource_usd == pytest.approx(100 + (to_date - 396 * 100 / 672) * pace)
    assert outlook.capped_effect_usd == pytest.approx(720 * 100 / 672 - 100)
    assert "lower" in outlook.explanation
    assert "672 hours" in outlook.explanation


def test_forecast_for_a_new_server_is_above_the_naive_line() -> None:
    costs = resource_costs(
        Inventory(
            instances=[instance("new", VC2_100, "2026-11-16T12:00:00+00:00")], plans=[VC2_100]
        ),
        now=NOW,
    )
    books = reconcile(
        costs, pending_total_usd=24 * 100 / 672, pending_by_product=charges_by_product([])
    )
    outlook = forecast(costs, books, now=NOW)
    assert outlook.per_resource_usd == pytest.approx(348 * 100 / 672)
    assert outlook.new_resources == 1
    assert outlook.new_resources_effect_usd == pytest.approx(
        348 * 100 / 672 - 24 * 100 / 672 * 720 / 396
    )
    assert "higher" in outlook.explanation
    assert "1 resource created this month" in outlook.explanation


def test_breakdown_by_tag_has_an_untagged_bucket_and_counts_each_tag() -> None:
    inventory = Inventory(
        instances=[
            instance("a", VC2_10, "2026-01-01T00:00:00+00:00", tags=("prod", "team:web")),
            instance("b", VC2_20, "2026-01-01T00:00:00+00:00", tags=("prod",)),
            instance("c", VC2_20, "2026-01-01T00:00:00+00:00"),
        ],
        plans=[VC2_10, VC2_20],
    )
    by_tag = breakdown(resource_costs(inventory, now=NOW), "tag")
    totals = dict(zip(by_tag["tag"], by_tag["monthly_cost_usd"], strict=True))
    assert totals == {"prod": 30.0, UNTAGGED: 20.0, "team:web": 10.0}
    assert list(by_tag["tag"]) == ["prod", UNTAGGED, "team:web"]


def test_breakdown_rejects_an_unknown_grouping() -> None:
    with pytest.raises(ValueError, match="category, region, plan, tag, label"):
        breakdown(resource_costs(Inventory(), now=NOW), "colour")


@pytest.mark.parametrize(
    ("created", "hours"),
    [
        (None, 396),
        (datetime(2026, 11, 17, 11, 59, 59, tzinfo=UTC), 1),
        (NOW, 0),
        (datetime(2026, 12, 1, tzinfo=UTC), 0),
    ],
    ids=["unknown creation", "one second", "created now", "created later"],
)
def test_billed_hours(created: datetime | None, hours: int) -> None:
    start, _ = month_bounds(NOW)
    assert billed_hours(created, start, NOW) == hours


def test_month_bounds_cross_the_year() -> None:
    assert month_bounds(datetime(2026, 12, 31, 23, 59, tzinfo=UTC)) == (
        datetime(2026, 12, 1, tzinfo=UTC),
        datetime(2027, 1, 1, tzinfo=UTC),
    )


# Against the simulator, whose pending lines follow the same rules (FIXED_NOW in conftest).

USAGE_PRODUCTS = {"Load Balancer", "Reserved IP", "Container Registry", "Bandwidth"}


def test_estimates_match_the_simulators_pending_lines(client: ManagementClient) -> None:
    inventory = fetch_inventory(client)
    costs = resource_costs(inventory, now=datetime(2026, 11, 17, 12, 0, tzinfo=UTC))
    lines = {item.description: item.total_usd for item in client.pending_charges()}
    computes = {i.label: f"{i.main_ip} ({i.ram_mb} MB) [{i.label}]" for i in inventory.instances}
    checked = 0
    for resource in costs[costs["category"] == COMPUTE].to_dict("records"):
        assert resource["month_to_date_usd"] == pytest.approx(
            lines[computes[resource["label"]]], abs=0.0051
        )
        checked += 1
    for resource in costs[costs["category"] == DATABASES].to_dict("records"):
        assert resource["month_to_date_usd"] == pytest.approx(
            lines[f"Managed Database ({resource['label']})"], abs=0.0051
        )
        checked += 1
    assert checked == len(inventory.instances) + inventory.counts()["databases"]


def test_the_simulators_unattributed_remainder_is_its_usage_based_lines(
    client: ManagementClient,
) -> None:
    inventory = fetch_inventory(client)
    account, lines = client.account(), client.pending_charges()
    costs = resource_costs(inventory, now=datetime(2026, 11, 17, 12, 0, tzinfo=UTC))
    books = reconcile(
        costs,
        pending_total_usd=account.pending_charges_usd,
        pending_by_product=charges_by_product(lines),
    )
    usage = [
        item
        for item in lines
        if item.product in USAGE_PRODUCTS | {"Serverless Inference"}
        or item.description.startswith("HA Control Plane")
    ]
    # Each priced line is rounded to the cent by Vultr; the estimates are not.
    rounding = 0.005 * (len(lines) - len(usage))
    assert books.unattributed_usd == pytest.approx(sum(i.total_usd for i in usage), abs=rounding)
    assert books.unattributed_usd > 0
