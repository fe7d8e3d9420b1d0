"""Listing tables: what is not running first, the CSV under the table's headers, file names."""

from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest

from vultr_core.api.management import ManagementClient
from vultr_core.inventory.frames import databases_frame, instances_frame, with_monthly_cost
from vultr_core.inventory.listing import (
    FILE_NAME_MAX_CHARS,
    Column,
    csv_file_name,
    database_listing,
    instance_listing,
    is_phone,
    not_running,
    table_csv,
)
from vultr_core.inventory.states import database_state
from vultr_core.inventory.words import database_plan_names, instance_plan_names, region_names
from vultr_core.simulator import Simulator


def test_instances_not_running_come_first_worst_first(client: ManagementClient) -> None:
    listed = instance_listing(
        with_monthly_cost(instances_frame(client.instances()), client.plans()),
        instance_plan_names(client.plans()),
        region_names(client.regions()),
    )
    assert list(listed["urgency"]) == sorted(listed["urgency"])
    down = not_running(listed)
    assert len(down) == sum(1 for i in client.instances() if not i.is_healthy)
    assert set(down["state"]) <= {"Stopped", "Installing", "Suspended", "Resizing"}
    assert "Running" not in set(down["state"])


def test_databases_not_running_are_exactly_those_vultr_calls_so(
    client: ManagementClient, simulator: Simulator
) -> None:
    databases = client.databases()
    listed = database_listing(
        databases_frame(databases, client.database_plans()),
        databases,
        database_plan_names(client.database_plans()),
        region_names(client.regions()),
    )
    every = [d for p in simulator.organisation.databases for d in (p, *p["read_replicas"])]
    expected = {d["label"] for d in every if d["status"].lower() != "running"}
    assert set(not_running(listed)["label"]) == expected
    assert list(listed["label"][: len(expected)]) == list(not_running(listed)["label"])
    assert set(listed["engine_name"].str.split().str[0]) <= {
        "PostgreSQL",
        "MySQL",
        "Valkey",
        "Kafka",
        "FerretDB",
    }


def test_the_csv_takes_the_tables_headers_order_and_plain_states() -> None:
    frame = pd.DataFrame(
        {
            "label": ['=HYPERLINK("http://127.0.0.1:9/x")', "**bold**\nsecond line"],
            "state": ["Error", "Running"],
            "state_marked": [database_state("Error").marked, database_state("Running").marked],
            "monthly_cost_usd": [15.0, -5.0],
            "tags": [["<script>alert(1)</script>", "@team"], []],
        }
    )
    columns = [
        Column("state_marked", "State", csv_key="state"),
        Column("label", "Label"),
        Column("tags", "Tags"),
        Column("monthly_cost_usd", "Monthly cost"),
    ]
    rows = list(csv.reader(io.StringIO(table_csv(frame, columns), newline="")))
    assert rows[0] == ["State", "Label", "Tags", "Monthly cost"]
    assert rows[1] == [
        "Error",
        '\'=HYPERLINK("http://127.0.0.1:9/x")',
        "<script>alert(1)</script>;@team",
        "15.0",
    ]
    assert rows[2] == ["Running", "**bold**\nsecond line", "", "-5.0"]


@pytest.mark.parametrize(
    ("filters", "name"),
    [
        ([], "instances-2026-12-04.csv"),
        (["ewr", "Running"], "instances-ewr-running-2026-12-04.csv"),
        (["", "New Jersey"], "instances-new-jersey-2026-12-04.csv"),
        (
            ["../../etc/passwd", "=cmd|' /C calc'!A0"],
            "instances-etc-passwd-cmd-c-calc-a0-2026-12-04.csv",
        ),
        (["<script>\n**x**"], "instances-script-x-2026-12-04.csv"),
    ],
)
def test_the_csv_file_name_says_the_filter_and_the_day(filters: list[str], name: str) -> None:
    assert csv_file_name("instances", filters, date(2026, 12, 4)) == name


def test_a_long_filter_keeps_the_file_name_short_and_dated() -> None:
    name = csv_file_name("instances", ["x" * 500, "y"], date(2026, 12, 4))
    assert len(name) <= FILE_NAME_MAX_CHARS
    assert name.endswith("x-2026-12-04.csv")


@pytest.mark.parametrize(
    ("agent", "phone"),
    [
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
            True,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Mobile Safari/537.36",
            True,
        ),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Safari/537.36",
            False,
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0 Safari/537.36",
            False,
        ),
        (None, False),
    ],
)
def test_a_phone_is_told_from_its_user_agent(agent: str | None, phone: bool) -> None:
    assert is_phone(agent) is phone
