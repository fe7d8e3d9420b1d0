"""The Databases page in demo mode: the table, its CSV, one database's details, failures."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, downloaded_csv, open_page
from tests.app.markup import rendered_markup, seen
from tests.inventory.table_support import downloaded_name, visible_table
from vultr_core.formatting import format_usd
from vultr_core.simulator import Faults, Simulator
from vultr_core.simulator.catalog import DATABASE_PLAN_BY_ID, regions

CITIES = {region["id"]: region["city"] for region in regions()}
ENGINES = {"pg": "PostgreSQL", "mysql": "MySQL", "valkey": "Valkey", "kafka": "Kafka"}
TABLE_HEADERS = [
    "Label",
    "State",
    "Engine",
    "Region",
    "Plan",
    "Monthly cost",
    "Latest backup",
]
CSV_EXTRAS = ["Nodes", "Replica of", "Tag", "Plan ID", "Created", "ID"]


def today() -> str:
    return f"{datetime.now(UTC):%Y-%m-%d}"


def csv_rows(page: AppTest) -> list[list[str]]:
    return list(csv.reader(io.StringIO(downloaded_csv(page, "db_csv"), newline="")))


def every_database(simulator: Simulator) -> dict[str, dict[str, Any]]:
    return {
        d["label"]: d for p in simulator.organisation.databases for d in (p, *p["read_replicas"])
    }


def test_lists_every_database_and_replica_with_its_monthly_cost(demo: Simulator) -> None:
    page = open_page("databases.py")
    assert not page.exception
    assert not page.error
    expected = every_database(demo)
    table = page.dataframe[0].value
    assert set(table["label"]) == set(expected)
    for row in table.to_dict("records"):
        plan = DATABASE_PLAN_BY_ID[expected[row["label"]]["plan"]]
        assert row["monthly_cost_usd"] == plan.monthly_cost
        assert row["engine"] == expected[row["label"]]["database_engine"]
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Databases shown"] == str(len(expected))
    total = sum(DATABASE_PLAN_BY_ID[d["plan"]].monthly_cost for d in expected.values())
    assert metrics["Monthly cost"] == format_usd(total)


def test_the_engine_filter_narrows_the_table_and_its_csv(demo: Simulator) -> None:
    page = open_page("databases.py")
    page.multiselect(key="db_engine").set_value(["mysql"]).run()
    table = page.dataframe[0].value
    mysql = {k for k, d in every_database(demo).items() if d["database_engine"] == "mysql"}
    assert set(table["label"]) == mysql
    csv = downloaded_csv(page, "db_csv")
    assert set(pd.read_csv(io.StringIO(csv))["Label"]) == mysql
    assert downloaded_name(page, "db_csv") == f"databases-mysql-{today()}.csv"


def test_no_password_or_host_reaches_the_page(demo: Simulator) -> None:
    page = open_page("databases.py")
    shown = " ".join(
        [
            page.dataframe[0].value.to_csv(),
            downloaded_csv(page, "db_csv"),
            *(element.value for element in (*page.markdown, *page.caption, *page.metric)),
        ]
    )
    for database in every_database(demo).values():
        assert database["password"] not in shown
        assert database["host"] not in shown


def test_picking_a_postgres_database_shows_its_details(demo: Simulator) -> None:
    page = open_page("databases.py")
    database = every_database(demo)["orders-pg"]
    page.selectbox(key="db_pick").set_value(database["id"]).run()
    assert not page.error
    extras = demo.organisation.database_extras[database["id"]]
    metrics = {m.label: m for m in page.metric}
    assert metrics["Disk"].value == f"{extras.usage['disk']['percentage']:.0f}%"
    assert metrics["Memory"].value == f"{extras.usage['memory']['percentage']:.0f}%"
    assert metrics["CPU"].value == f"{extras.usage['cpu']['percentage']:.0f}%"
    assert metrics["Latest backup"].delta.startswith(database["latest_backup"][:16])
    pools = extras.connection_pools
    assert metrics["Connections in use"].value == (
        f"{pools['connections']['used']} of {pools['connections']['max']}"
    )
    pool_table = next(df.value for df in page.dataframe if "pool" in df.value.columns)
    assert list(pool_table["pool"]) == [p["name"] for p in pools["connection_pools"]]
    window = f"{database['maintenance_dow'].title()} {database['maintenance_time']} UTC"
    assert any(window in seen(caption.value) for caption in page.caption)


def test_kafka_has_no_backups_and_no_pools(demo: Simulator) -> None:
    page = open_page("databases.py")
    kafka = every_database(demo)["events-kafka"]
    page.selectbox(key="db_pick").set_value(kafka["id"]).run()
    assert not page.error
    assert any("no backups for Kafka" in info.value for info in page.info)
    assert "Connections in use" not in {m.label for m in page.metric}


def test_failing_usage_leaves_the_table_and_the_other_details(demo: Simulator) -> None:
    first = every_database(demo)["orders-pg"]
    demo.faults = Faults(
        path_prefix=f"/v2/databases/{first['id']}/usage", status_code=500, status_count=-1
    )
    page = AppTest.from_file(str(ROOT / "pages" / "databases.py"), default_timeout=30).run()
    page.selectbox(key="db_pick").set_value(first["id"]).run()
    assert not page.exception
    assert [error.value.split(".")[0] for error in page.error] == [
        "Could not load the database's usage"
    ]
    assert len(page.dataframe[0].value) == len(every_database(demo))
    labels = {m.label for m in page.metric}
    assert {"Databases shown", "Latest backup", "Connections in use"} <= labels
    assert "Disk" not in labels


# Words beside codes, one state, what is not running, the CSV as the table (issue 14).


def test_every_row_reads_in_words(demo: Simulator) -> None:
    page = open_page("databases.py")
    table = visible_table(page)
    assert list(table.columns) == TABLE_HEADERS
    rows = table.set_index("Label")
    for label, database in every_database(demo).items():
        row, plan = rows.loc[label], DATABASE_PLAN_BY_ID[database["plan"]]
        engine = database["database_engine"]
        assert (
            row["Engine"]
            == f"{ENGINES.get(engine, 'FerretDB')} {database['database_engine_version']}"
        )
        region = database["region"].lower()
        assert row["Region"] == f"{CITIES[region]} ({region})"
        disk = f" · {plan.disk_gb} GB disk" if plan.disk_gb else ""
        assert row["Plan"] == f"{plan.vcpu_count} vCPU · {plan.ram_mb / 1024:g} GB RAM{disk}"
    engines = {d["database_engine"] for d in every_database(demo).values()}
    assert set(page.multiselect(key="db_engine").options) == {
        ENGINES.get(engine, "FerretDB") for engine in engines
    }


def test_a_plan_missing_from_the_list_reads_from_the_database_or_as_its_id(
    demo: Simulator,
) -> None:
    first, second = demo.organisation.databases[:2]
    first |= {"plan": "vultr-dbaas-retired-1", "plan_vcpus": 3, "plan_ram": 3072, "plan_disk": 30}
    second |= {"plan": "vultr-dbaas-mystery", "plan_vcpus": None, "plan_ram": None}
    second.pop("plan_disk", None)
    page = open_page("databases.py")
    assert not page.exception
    rows = visible_table(page).set_index("Label")
    assert rows.loc[first["label"], "Plan"] == "3 vCPU · 3 GB RAM · 30 GB disk"
    assert rows.loc[second["label"], "Plan"] == "vultr-dbaas-mystery"


def test_what_is_not_running_comes_first_and_its_switch_lists_exactly_those(
    demo: Simulator,
) -> None:
    broken = demo.organisation.databases[-1]
    broken["status"] = "Error"
    expected = {k for k, d in every_database(demo).items() if d["status"].lower() != "running"}
    page = open_page("databases.py")
    table = visible_table(page)
    assert table["State"].iloc[0] == "🔴 Error"
    assert table["Label"].iloc[0] == broken["label"]
    assert set(table["Label"].iloc[: len(expected)]) == expected
    assert {m.label: m.value for m in page.metric}["Not running"] == str(len(expected))

    page.toggle(key="db_not_running").set_value(True).run()
    assert set(page.dataframe[0].value["label"]) == expected
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Databases shown"] == metrics["Not running"] == str(len(expected))
    assert set(page.selectbox(key="db_pick").options) == {
        f"{label} ({ENGINES.get(every_database(demo)[label]['database_engine'], 'FerretDB')})"
        for label in expected
    }
    rows = csv_rows(page)
    assert {row[0] for row in rows[1:]} == expected
    assert downloaded_name(page, "db_csv") == f"databases-not-running-{today()}.csv"


def test_the_csv_is_the_table_its_headers_order_and_filtered_rows(demo: Simulator) -> None:
    page = open_page("databases.py")
    page.multiselect(key="db_state").set_value(["Running"]).run()
    page.multiselect(key="db_engine").set_value(["pg"]).run()
    table = visible_table(page)
    rows = csv_rows(page)
    assert rows[0] == TABLE_HEADERS + CSV_EXTRAS
    assert [row[0] for row in rows[1:]] == list(table["Label"])
    assert {row[1] for row in rows[1:]} == {"Running"}
    assert {row[2].split()[0] for row in rows[1:]} == {"PostgreSQL"}
    expected = {
        k
        for k, d in every_database(demo).items()
        if d["database_engine"] == "pg" and d["status"] == "Running"
    }
    assert {row[0] for row in rows[1:]} == expected
    assert downloaded_name(page, "db_csv") == f"databases-postgresql-running-{today()}.csv"


PLANTED_TEXT = {
    "label": "<script>alert('PLANTED')</script>\n**PLANTED bold**",
    "tag": "=cmd|' /C calc'!A0 PLANTED",
}


def test_hostile_labels_and_tags_stay_text_in_the_table_the_picker_and_the_csv(
    demo: Simulator,
) -> None:
    database = demo.organisation.databases[0]
    database |= PLANTED_TEXT | {"status": "Error"}
    page = open_page("databases.py")
    assert not page.exception
    assert rendered_markup(page, "PLANTED") == []
    assert visible_table(page)["Label"].iloc[0] == PLANTED_TEXT["label"]
    rows = csv_rows(page)
    assert len({len(row) for row in rows}) == 1
    (planted,) = [row for row in rows if row[0] == PLANTED_TEXT["label"]]
    assert planted[len(TABLE_HEADERS) + 2] == "'" + PLANTED_TEXT["tag"]
    assert re.fullmatch(r"[a-z0-9-]+\.csv", downloaded_name(page, "db_csv"))
