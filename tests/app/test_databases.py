"""The Databases page in demo mode: the table, its CSV, one database's details, failures."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, downloaded_csv, open_page
from tests.app.markup import seen
from vultr_core.formatting import format_usd
from vultr_core.simulator import Faults, Simulator
from vultr_core.simulator.catalog import DATABASE_PLAN_BY_ID


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
    assert set(pd.read_csv(io.StringIO(csv))["label"]) == mysql


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
    assert any("no backups for kafka" in info.value for info in page.info)
    assert "Connections in use" not in {m.label for m in page.metric}


def test_failing_usage_leaves_the_table_and_the_other_details(demo: Simulator) -> None:
    first = demo.organisation.databases[0]  # the database picked when the page opens
    demo.faults = Faults(
        path_prefix=f"/v2/databases/{first['id']}/usage", status_code=500, status_count=-1
    )
    page = AppTest.from_file(str(ROOT / "pages" / "databases.py"), default_timeout=30).run()
    assert not page.exception
    assert [error.value.split(".")[0] for error in page.error] == [
        "Could not load the database's usage"
    ]
    assert len(page.dataframe[0].value) == len(every_database(demo))
    labels = {m.label for m in page.metric}
    assert {"Databases shown", "Latest backup", "Connections in use"} <= labels
    assert "Disk" not in labels
