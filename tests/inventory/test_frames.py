"""Tables for the pages: instance costs and databases (replicas as rows, no credentials)."""

from __future__ import annotations

import math

import pyarrow

from vultr_core.api.management import ManagementClient
from vultr_core.api.models.compute import Instance, Plan
from vultr_core.api.models.databases import Database, DatabasePlan
from vultr_core.inventory.frames import databases_frame, instances_frame, with_monthly_cost
from vultr_core.simulator import Simulator
from vultr_core.simulator.catalog import DATABASE_PLAN_BY_ID, PLAN_BY_ID


def test_instances_carry_their_plans_monthly_price() -> None:
    frame = instances_frame(
        [
            Instance.from_api({"id": "a", "label": "web", "plan": "vc2-1c-1gb"}),
            Instance.from_api({"id": "b", "label": "odd", "plan": "vx9-unknown"}),
        ]
    )
    priced = with_monthly_cost(frame, [Plan.from_api({"id": "vc2-1c-1gb", "monthly_cost": 5})])
    costs = dict(zip(priced["label"], priced["monthly_cost_usd"], strict=True))
    assert costs["web"] == 5.0
    assert math.isnan(costs["odd"])
    assert list(priced.columns[:-1]) == list(frame.columns)


def test_simulator_instances_are_priced_from_the_catalogue(client: ManagementClient) -> None:
    priced = with_monthly_cost(instances_frame(client.instances()), client.plans())
    for plan, cost in zip(priced["plan"], priced["monthly_cost_usd"], strict=True):
        assert cost == PLAN_BY_ID[plan].monthly_cost


def test_every_database_and_replica_is_a_row_with_its_cost(
    client: ManagementClient, simulator: Simulator
) -> None:
    frame = databases_frame(client.databases(), client.database_plans())
    organisation = simulator.organisation.databases
    expected = {d["label"]: d for p in organisation for d in (p, *p["read_replicas"])}
    assert set(frame["label"]) == set(expected)
    for row in frame.to_dict("records"):
        assert (
            row["monthly_cost_usd"]
            == DATABASE_PLAN_BY_ID[expected[row["label"]]["plan"]].monthly_cost
        )
        assert row["region"] == expected[row["label"]]["region"].lower()
    replicas = frame[frame["replica_of"] != ""]
    assert list(replicas["label"]) == [r["label"] for p in organisation for r in p["read_replicas"]]
    assert list(replicas["replica_of"]) == [
        p["label"] for p in organisation for _ in p["read_replicas"]
    ]


def test_database_table_never_holds_hosts_users_or_passwords(
    client: ManagementClient, simulator: Simulator
) -> None:
    csv = databases_frame(client.databases(), client.database_plans()).to_csv(index=False)
    for database in simulator.organisation.databases:
        for each in (database, *database["read_replicas"]):
            assert each["password"] not in csv
            assert each["host"] not in csv
            assert each["public_host"] == "" or each["public_host"] not in csv
    assert "vultradmin" not in csv


def test_an_unknown_database_plan_has_no_cost() -> None:
    frame = databases_frame(
        [Database.from_api({"id": "x", "label": "x", "plan": "mystery", "plan_replicas": 2})],
        [DatabasePlan.from_api({"id": "other", "monthly_cost": 15})],
    )
    assert math.isnan(frame["monthly_cost_usd"].iloc[0])
    assert frame["nodes"].iloc[0] == 3


def test_frames_of_a_hostile_api_convert_to_arrow_with_invalid_figures_empty(
    simulator: Simulator, client: ManagementClient
) -> None:
    simulator.set_faults(hostile_dates=True, hostile_numbers=True)
    instances = instances_frame(client.instances())
    databases = databases_frame(client.databases(), client.database_plans())
    # What st.dataframe does with a frame: a vCPU count of 1e20 used to fail right here.
    for frame in (instances, databases):
        pyarrow.Table.from_pandas(frame)
    assert 0 < instances["vcpu_count"].isna().sum() < len(instances)
    assert instances["vcpu_count"].dropna().between(0, 1_000_000_000).all()
    assert 0 < instances["date_created"].isna().sum() < len(instances)
    assert databases["monthly_cost_usd"].isna().any()
    assert not databases["monthly_cost_usd"].isin([math.inf, -math.inf]).any()
