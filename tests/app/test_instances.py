"""The Instances page in demo mode, and its error state."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, downloaded_csv, open_page
from tests.app.markup import rendered_markup, seen
from tests.inventory.table_support import downloaded_name, visible_table
from vultr_core.api.models.compute import Instance
from vultr_core.clients import management_client
from vultr_core.config import Settings
from vultr_core.formatting import format_usd
from vultr_core.simulator import Faults, Simulator
from vultr_core.simulator.catalog import PLAN_BY_ID, regions

CITIES = {region["id"]: region["city"] for region in regions()}


def demo_instances() -> list[Instance]:
    with management_client(Settings.from_env({})) as client:
        return client.instances()


def test_lists_every_demo_instance_with_its_figures() -> None:
    page = open_page("instances.py")
    assert not page.exception
    expected = demo_instances()
    table = page.dataframe[0].value
    assert len(table) == len(expected)
    assert set(table["label"]) == {i.label for i in expected}
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Instances shown"] == str(len(expected))
    assert metrics["Stopped (still billed)"] == str(
        sum(1 for i in expected if i.power_status == "stopped")
    )
    assert metrics["Not running"] == str(sum(1 for i in expected if not i.is_healthy))
    assert any("Demo mode" in info.value for info in page.info)


def test_filters_narrow_the_table() -> None:
    page = open_page("instances.py")
    expected = demo_instances()
    region = expected[0].region
    page.multiselect(key="inst_region").set_value([region]).run()
    table = page.dataframe[0].value
    assert len(table) == sum(1 for i in expected if i.region == region)
    assert set(table["region"]) == {region}
    page.multiselect(key="inst_state").set_value(["Stopped"]).run()
    stopped_there = [i for i in expected if i.region == region and i.power_status == "stopped"]
    assert len(page.dataframe[0].value) == len(stopped_there)


def test_search_matches_label_case_insensitively() -> None:
    page = open_page("instances.py")
    label = demo_instances()[0].label
    page.text_input(key="inst_search").input(label.upper()).run()
    assert label in set(page.dataframe[0].value["label"])


def test_an_unreachable_api_shows_a_clear_error_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("VULTR_API_KEY", "some-key")
    monkeypatch.setenv("VULTR_API_URL", f"http://127.0.0.1:{port}/v2")
    page = open_page("instances.py")
    assert not page.exception
    assert any("Could not load the instances" in error.value for error in page.error)
    assert not any("some-key" in error.value for error in page.error)


def test_a_malformed_setting_stops_the_app_with_the_settings_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VULTR_API_URL", "not-a-url")
    page = open_page("instances.py")
    assert not page.exception
    assert any("VULTR_API_URL" in seen(error.value) for error in page.error)


# Costs, the CSV, the stopped-but-billed list (each on a fresh demo organisation).


def chart_labels(page: AppTest, key: str) -> list[str]:
    (found,) = [c for c in page.get("echarts_chart") if c.key == key]
    return list(json.loads(found.proto.spec)["yAxis"]["data"])


def test_every_instance_shows_its_plans_monthly_price(demo: Simulator) -> None:
    page = open_page("instances.py")
    assert not page.error
    table = page.dataframe[0].value
    prices = {i["label"]: PLAN_BY_ID[i["plan"]].monthly_cost for i in demo.organisation.instances}
    assert dict(zip(table["label"], table["monthly_cost_usd"], strict=True)) == prices
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Monthly cost"] == format_usd(sum(prices.values()))


def test_the_csv_and_the_cost_charts_hold_the_filtered_rows(demo: Simulator) -> None:
    page = open_page("instances.py")
    region = demo.organisation.instances[0]["region"]
    page.multiselect(key="inst_region").set_value([region]).run()
    expected = {i["label"] for i in demo.organisation.instances if i["region"] == region}
    downloaded = pd.read_csv(io.StringIO(downloaded_csv(page, "inst_csv")))
    assert set(downloaded["Label"]) == expected
    assert downloaded["Monthly cost"].sum() == pytest.approx(
        page.dataframe[0].value["monthly_cost_usd"].sum()
    )
    assert chart_labels(page, "inst_cost_region") == [f"{CITIES[region]} ({region})"]


def test_stopped_instances_are_listed_with_what_they_cost(demo: Simulator) -> None:
    page = open_page("instances.py")
    stopped = [i for i in demo.organisation.instances if i["power_status"] == "stopped"]
    cost = sum(PLAN_BY_ID[i["plan"]].monthly_cost for i in stopped)
    assert page.warning[0].value.startswith(
        f"{len(stopped)} stopped instances still bill {format_usd(cost)} a month."
    )
    listed = seen(next(m.value for m in page.markdown if m.value.startswith("- **")))
    for instance in stopped:
        plan = PLAN_BY_ID[instance["plan"]]
        where = f"{CITIES[instance['region']]} ({instance['region']})"
        size = f"{plan.vcpu_count} vCPU · {plan.ram_mb / 1024:g} GB RAM"
        price = format_usd(plan.monthly_cost)
        assert f"**{instance['label']}** ({where}, {size}" in listed
        assert price in listed
    page.button(key="inst_show_stopped").click().run()
    assert set(page.dataframe[0].value["label"]) == {i["label"] for i in stopped}
    assert page.multiselect(key="inst_state").value == ["Stopped"]


def test_failing_plan_prices_leave_the_inventory_without_costs(demo: Simulator) -> None:
    demo.faults = Faults(path_prefix="/v2/plans", status_code=500, status_count=-1)
    page = AppTest.from_file(str(ROOT / "pages" / "instances.py"), default_timeout=30).run()
    assert not page.exception
    assert [e.value.split(".")[0] for e in page.error] == ["Could not load the plan prices"]
    assert len(page.dataframe[0].value) == len(demo.organisation.instances)
    assert {m.label: m.value for m in page.metric}["Monthly cost"] == "—"
    assert "their full price" in page.warning[0].value
    # Only the history section's price-over-time chart: no cost chart without prices.
    assert [c.key for c in page.get("echarts_chart")] == ["inst_history_chart"]


# Words beside codes, one state, what is not running, the CSV as the table (issue 14).

STATE_SHOWN = {
    ("active", "running", "ok"): "🟢 Running",
    ("active", "stopped", "ok"): "🟠 Stopped",
    ("pending", "running", "installingbooting"): "🟡 Installing",
    ("suspended", "running", "ok"): "🔴 Suspended",
}
STATE_KEY_RUNNING = ("active", "running", "ok")
TABLE_HEADERS = ["Label", "State", "Region", "Plan", "Monthly cost", "Tags", "Created"]
CSV_EXTRAS = [
    "Plan ID",
    "IP",
    "Hostname",
    "Operating system",
    "vCPUs",
    "RAM (GB)",
    "Disk (GB)",
    "ID",
]


def codes(instance: dict[str, Any]) -> tuple[str, str, str]:
    return instance["status"], instance["power_status"], instance["server_status"]


def csv_rows(page: AppTest) -> list[list[str]]:
    return list(csv.reader(io.StringIO(downloaded_csv(page, "inst_csv"), newline="")))


def today() -> str:
    return f"{datetime.now(UTC):%Y-%m-%d}"


def test_every_row_reads_in_words_with_one_state(demo: Simulator) -> None:
    page = open_page("instances.py")
    table = visible_table(page)
    assert list(table.columns) == TABLE_HEADERS
    rows = table.set_index("Label")
    for instance in demo.organisation.instances:
        row, plan = rows.loc[instance["label"]], PLAN_BY_ID[instance["plan"]]
        assert row["Region"] == f"{CITIES[instance['region']]} ({instance['region']})"
        assert row["Plan"].startswith(f"{plan.vcpu_count} vCPU · {plan.ram_mb / 1024:g} GB RAM")
        assert row["State"] == STATE_SHOWN[codes(instance)]


def test_codes_the_api_lists_do_not_know_read_as_themselves(demo: Simulator) -> None:
    instance = demo.organisation.instances[0]
    instance |= {"region": "qqq", "plan": "vx9-9c-9gb-new"}
    demo.faults = Faults(path_prefix="/v2/regions", status_code=500, status_count=-1)
    page = open_page("instances.py")
    assert not page.exception
    rows = visible_table(page).set_index("Label")
    assert rows.loc[instance["label"], "Region"] == "qqq"
    assert rows.loc[instance["label"], "Plan"] == "vx9-9c-9gb-new"
    # Without the region list every region reads as its code, and the page says why.
    assert set(rows["Region"]) == {i["region"] for i in demo.organisation.instances}
    assert any("Region names could not be loaded" in c.value for c in page.caption)


def test_what_is_not_running_comes_first_and_its_switch_lists_exactly_those(
    demo: Simulator,
) -> None:
    broken = demo.organisation.instances[-1]
    broken["status"] = "suspended"
    expected = {i["label"] for i in demo.organisation.instances if codes(i) != STATE_KEY_RUNNING}
    page = open_page("instances.py")
    table = page.dataframe[0].value
    assert table["label"].iloc[0] == broken["label"], "the worst first"
    assert set(table["label"].iloc[: len(expected)]) == expected
    assert {m.label: m.value for m in page.metric}["Not running"] == str(len(expected))

    page.toggle(key="inst_not_running").set_value(True).run()
    assert set(page.dataframe[0].value["label"]) == expected
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["Instances shown"] == metrics["Not running"] == str(len(expected))
    rows = csv_rows(page)
    assert {row[0] for row in rows[1:]} == expected
    assert "Running" not in {row[1] for row in rows[1:]}
    assert downloaded_name(page, "inst_csv") == f"instances-not-running-{today()}.csv"


def test_the_csv_is_the_table_its_headers_order_and_filtered_rows(demo: Simulator) -> None:
    page = open_page("instances.py")
    page.multiselect(key="inst_region").set_value(["ewr"]).run()
    page.multiselect(key="inst_state").set_value(["Running"]).run()
    table = visible_table(page)
    rows = csv_rows(page)
    assert rows[0] == TABLE_HEADERS + CSV_EXTRAS
    assert [row[0] for row in rows[1:]] == list(table["Label"])
    assert [row[2] for row in rows[1:]] == list(table["Region"])
    assert {row[1] for row in rows[1:]} == {"Running"}, "the plain word, no marker"
    expected = {
        i["label"]
        for i in demo.organisation.instances
        if i["region"] == "ewr" and codes(i) == STATE_KEY_RUNNING
    }
    assert {row[0] for row in rows[1:]} == expected
    assert downloaded_name(page, "inst_csv") == f"instances-ewr-running-{today()}.csv"


def test_a_picked_row_shows_everything_about_it_with_vultrs_own_codes(demo: Simulator) -> None:
    page = open_page("instances.py")
    page.session_state["inst_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    page.run()
    first = page.dataframe[0].value.iloc[0]
    details = page.dataframe[1].value
    fields = dict(zip(details["Field"], details["Value"], strict=True))
    instance = next(i for i in demo.organisation.instances if i["id"] == first["id"])
    assert fields["Label"] == instance["label"]
    assert fields["IP"] == instance["main_ip"]
    assert fields["Vultr power status"] == instance["power_status"]
    assert fields["Plan ID"] == instance["plan"]


def test_the_compact_table_keeps_the_three_columns_that_matter() -> None:
    page = open_page("instances.py")
    page.toggle(key="inst_table_compact").set_value(True).run()
    assert list(visible_table(page).columns) == ["Label", "State", "Monthly cost"]
    page.toggle(key="inst_table_compact").set_value(False).run()
    assert list(visible_table(page).columns) == TABLE_HEADERS


PLANTED_TEXT: dict[str, Any] = {
    "label": "<script>alert('PLANTED')</script> **PLANTED bold**\n# PLANTED heading",
    "tags": ["=cmd|' /C calc'!A0 PLANTED", "[PLANTED link](http://127.0.0.1:9/x)"],
    "region": "=cmd|' /C calc'!A0 PLANTED\n**bold**",
}


def test_hostile_labels_tags_and_regions_stay_text_in_the_table_and_the_csv(
    demo: Simulator,
) -> None:
    instance = demo.organisation.instances[0]
    instance |= PLANTED_TEXT | {"power_status": "stopped"}
    page = open_page("instances.py")
    assert not page.exception
    assert rendered_markup(page, "PLANTED") == []
    row = visible_table(page).set_index("Label").loc[PLANTED_TEXT["label"]]
    assert row["Region"] == PLANTED_TEXT["region"].lower(), "region codes are read lower-case"
    assert list(row["Tags"]) == PLANTED_TEXT["tags"]
    rows = csv_rows(page)
    assert len({len(each) for each in rows}) == 1
    (planted,) = [each for each in rows if each[0] == PLANTED_TEXT["label"]]
    assert planted[2] == "'" + PLANTED_TEXT["region"].lower()
    assert planted[5] == "'" + ";".join(PLANTED_TEXT["tags"])

    page.multiselect(key="inst_region").set_value([PLANTED_TEXT["region"].lower()]).run()
    assert list(page.dataframe[0].value["label"]) == [PLANTED_TEXT["label"]]
    name = downloaded_name(page, "inst_csv")
    assert re.fullmatch(r"[a-z0-9-]+\.csv", name), name
    assert name.startswith("instances-cmd-c-calc-a0-planted-bold-")
