"""Every page, reached from the sidebar in a real browser: it renders, without an exception."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import (
    MANAGEMENT_KEY,
    ServedApp,
    follow_sidebar,
    open_page,
    screenshot,
    wait_idle,
)
from vultr_core.api.management import ManagementClient
from vultr_core.formatting import format_balance, format_usd
from vultr_core.simulator import Simulator

PAGES = ["Overview", "Instances", "Databases", "Valkey", "Inference Chat", "Cache Tools"]


def key_figures(simulator: Simulator) -> dict[str, dict[str, str]]:
    """Per page, metric label → the value the simulated account says it must show."""
    organisation = simulator.organisation
    account = organisation.account
    databases = [d for p in organisation.databases for d in (p, *p["read_replicas"])]
    valkeys = [p for p in organisation.databases if p["database_engine"] == "valkey"]
    return {
        "Overview": {
            "Month to date": format_usd(float(account["pending_charges"])),
            "Balance": format_balance(float(account["balance"])),
        },
        "Instances": {"Instances shown": str(len(organisation.instances))},
        "Databases": {"Databases shown": str(len(databases))},
        "Valkey": {"Instances": str(len(valkeys))},
        "Inference Chat": {"Inference tokens this month": "", "Inference cost this month": ""},
        "Cache Tools": {"Hit ratio": "", "Tags": ""},
    }


def metric_value(page: Page, label: str) -> Locator:
    metric = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return metric.get_by_test_id("stMetricValue")


@pytest.mark.parametrize("title", PAGES)
def test_each_page_shows_its_key_figures_from_the_sidebar(
    app: ServedApp, page: Page, title: str
) -> None:
    page.goto(app.url)
    wait_idle(page)
    follow_sidebar(page, title)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    # The app reads the account it is configured for, not its built-in demo organisation.
    expect(page.get_by_text("Demo mode")).to_have_count(0)
    for label, value in key_figures(app.simulator)[title].items():
        shown = metric_value(page, label)
        if value:
            expect(shown).to_have_text(value)
        else:
            expect(shown).not_to_be_empty()
    screenshot(page, title.lower().replace(" ", "_"))


def test_instances_filter_and_csv_download(app: ServedApp, page: Page) -> None:
    with ManagementClient(MANAGEMENT_KEY, base_url=f"{app.vultr_url}/v2") as client:
        instances = client.instances()
        cities = {region.id: region.city for region in client.regions()}
    region = instances[0].region
    in_words = f"{cities[region]} ({region})"
    in_region = sorted(i.label for i in instances if i.region == region)

    open_page(page, app.url, "Instances")
    shown = page.get_by_test_id("stMetric").filter(has_text="Instances shown")
    expect(shown.get_by_test_id("stMetricValue")).to_have_text(str(len(instances)))

    page.locator(".st-key-inst_region").get_by_role("combobox").click()
    page.get_by_role("option", name=in_words, exact=True).click()
    page.keyboard.press("Escape")
    expect(shown.get_by_test_id("stMetricValue")).to_have_text(str(len(in_region)))
    wait_idle(page)

    with page.expect_download() as download:
        page.locator(".st-key-inst_csv").get_by_role("button").click()
    text = download.value.path().read_text()
    header = next(csv.reader(io.StringIO(text)))
    assert header[:4] == ["Label", "State", "Region", "Plan"]
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["Label"] for row in rows) == in_region
    assert {row["Region"] for row in rows} == {in_words}
    name = download.value.suggested_filename
    assert name.startswith("instances-")
    assert region in name
    assert re.fullmatch(r"[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.csv", name)
    screenshot(page, "instances_filtered")
