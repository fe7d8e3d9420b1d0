"""The Instances page in demo mode, and its error state."""

from __future__ import annotations

import io
import json
import socket

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, downloaded_csv, open_page
from tests.app.markup import seen
from vultr_core.api.models.compute import Instance
from vultr_core.clients import management_client
from vultr_core.config import Settings
from vultr_core.formatting import format_usd
from vultr_core.simulator import Faults, Simulator
from vultr_core.simulator.catalog import PLAN_BY_ID


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
    assert any("Demo mode" in info.value for info in page.info)


def test_filters_narrow_the_table() -> None:
    page = open_page("instances.py")
    expected = demo_instances()
    region = expected[0].region
    page.multiselect(key="inst_region").set_value([region]).run()
    table = page.dataframe[0].value
    assert len(table) == sum(1 for i in expected if i.region == region)
    assert set(table["region"]) == {region}
    page.multiselect(key="inst_power").set_value(["stopped"]).run()
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
    (found,) = [c for c in page.get("plotly_chart") if c.key == key]
    return list(json.loads(found.proto.spec)["data"][0]["y"])


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
    assert set(downloaded["label"]) == expected
    assert downloaded["monthly_cost_usd"].sum() == pytest.approx(
        page.dataframe[0].value["monthly_cost_usd"].sum()
    )
    assert chart_labels(page, "inst_cost_region") == [region]


def test_stopped_instances_are_listed_with_what_they_cost(demo: Simulator) -> None:
    page = open_page("instances.py")
    stopped = [i for i in demo.organisation.instances if i["power_status"] == "stopped"]
    cost = sum(PLAN_BY_ID[i["plan"]].monthly_cost for i in stopped)
    assert page.warning[0].value.startswith(
        f"{len(stopped)} stopped instances still bill {format_usd(cost)} a month."
    )
    listed = seen(next(m.value for m in page.markdown if m.value.startswith("- **")))
    for instance in stopped:
        price = format_usd(PLAN_BY_ID[instance["plan"]].monthly_cost)
        assert (
            f"**{instance['label']}** ({instance['region']}, {instance['plan']}): {price}" in listed
        )
    page.button(key="inst_show_stopped").click().run()
    assert set(page.dataframe[0].value["label"]) == {i["label"] for i in stopped}
    assert page.multiselect(key="inst_power").value == ["stopped"]


def test_failing_plan_prices_leave_the_inventory_without_costs(demo: Simulator) -> None:
    demo.faults = Faults(path_prefix="/v2/plans", status_code=500, status_count=-1)
    page = AppTest.from_file(str(ROOT / "pages" / "instances.py"), default_timeout=30).run()
    assert not page.exception
    assert [e.value.split(".")[0] for e in page.error] == ["Could not load the plan prices"]
    assert len(page.dataframe[0].value) == len(demo.organisation.instances)
    assert {m.label: m.value for m in page.metric}["Monthly cost"] == "—"
    assert "their full price" in page.warning[0].value
    assert not page.get("plotly_chart")
