"""Words beside codes come from the API's own lists; a code none describes reads as itself."""

from __future__ import annotations

import pytest

from vultr_core.api.management import ManagementClient
from vultr_core.api.models.compute import Plan, Region
from vultr_core.api.models.databases import Database, DatabasePlan
from vultr_core.inventory.words import (
    database_plan_name,
    database_plan_names,
    engine_name,
    instance_plan_names,
    plan_name,
    region_name,
    region_names,
)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("pg", "PostgreSQL"),
        ("mysql", "MySQL"),
        ("valkey", "Valkey"),
        ("redis", "Valkey"),
        ("kafka", "Kafka"),
        ("ferretpg", "FerretDB"),
        ("PG", "PostgreSQL"),
        ("mongo", "mongo"),
    ],
)
def test_engines_read_as_the_product_people_know(code: str, name: str) -> None:
    assert engine_name(code) == name


def test_regions_read_as_their_city_from_the_api_list(client: ManagementClient) -> None:
    names = region_names(client.regions())
    assert region_name("nrt", names) == "Tokyo (nrt)"
    assert region_name("EWR", names) == "New Jersey (ewr)"
    assert region_name("xyz", names) == "xyz"
    assert region_name("", names) == ""


def test_a_region_without_a_city_keeps_its_code() -> None:
    names = region_names([Region.from_api({"id": "abc", "city": ""})])
    assert region_name("abc", names) == "abc"


def test_instance_plans_read_as_vcpus_and_ram(client: ManagementClient) -> None:
    names = instance_plan_names(client.plans())
    assert plan_name("vc2-1c-2gb", names) == "1 vCPU · 2 GB RAM"
    assert plan_name("vc2-1c-0.5gb-unknown", names) == "vc2-1c-0.5gb-unknown"
    gpu = next(plan for plan in client.plans() if plan.is_gpu)
    assert names[gpu.id].endswith(" · GPU")


def test_a_plan_with_no_valid_figures_keeps_its_id() -> None:
    names = instance_plan_names([Plan.from_api({"id": "odd", "vcpu_count": "NaN", "ram": -1})])
    assert plan_name("odd", names) == "odd"


def test_database_plans_read_from_the_list_then_from_the_database_itself() -> None:
    names = database_plan_names(
        [
            DatabasePlan.from_api(
                {"id": "vultr-dbaas-business-cc-2-80-4", "vcpu_count": 2, "ram": 4096, "disk": 80}
            ),
            DatabasePlan.from_api({"id": "valkey-plan", "vcpu_count": 1, "ram": 1536}),
        ]
    )
    listed = Database.from_api({"id": "a", "plan": "vultr-dbaas-business-cc-2-80-4"})
    valkey = Database.from_api({"id": "b", "plan": "valkey-plan"})
    unlisted = Database.from_api(
        {"id": "c", "plan": "retired", "plan_vcpus": 4, "plan_ram": 8192, "plan_disk": 160}
    )
    unknown = Database.from_api({"id": "d", "plan": "mystery-plan"})
    assert database_plan_name(listed, names) == "2 vCPU · 4 GB RAM · 80 GB disk"
    assert database_plan_name(valkey, names) == "1 vCPU · 1.5 GB RAM"
    assert database_plan_name(unlisted, names) == "4 vCPU · 8 GB RAM · 160 GB disk"
    assert database_plan_name(unknown, names) == "mystery-plan"
