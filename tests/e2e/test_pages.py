"""Every page, reached from the sidebar in a real browser: it renders, without an exception."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot, wait_idle
from vultr_core.clients import management_client
from vultr_core.config import Settings

PAGES = ["Overview", "Instances", "Databases", "Valkey", "Inference Chat", "Cache Tools"]


@pytest.mark.parametrize("title", PAGES)
def test_each_page_renders_from_the_sidebar(app_url: str, page: Page, title: str) -> None:
    page.goto(app_url)
    wait_idle(page)
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_idle(page)
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(page.get_by_test_id("stException")).to_have_count(0)
    expect(page.get_by_text("Demo mode", exact=False).first).to_be_visible()
    screenshot(page, title.lower().replace(" ", "_"))


def test_instances_filter_and_csv_download(app_url: str, page: Page) -> None:
    with management_client(Settings.from_env({})) as client:
        instances = client.instances()
    region = instances[0].region
    in_region = sorted(i.label for i in instances if i.region == region)

    page.goto(f"{app_url}/instances")
    wait_idle(page)
    shown = page.get_by_test_id("stMetric").filter(has_text="Instances shown")
    expect(shown.get_by_test_id("stMetricValue")).to_have_text(str(len(instances)))

    page.locator(".st-key-inst_region").click()
    page.get_by_role("option", name=region, exact=True).click()
    page.keyboard.press("Escape")
    wait_idle(page)
    expect(shown.get_by_test_id("stMetricValue")).to_have_text(str(len(in_region)))

    with page.expect_download() as download:
        page.locator(".st-key-inst_csv").get_by_role("button").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert sorted(row["label"] for row in rows) == in_region
    assert {row["region"] for row in rows} == {region}
    screenshot(page, "instances_filtered")
