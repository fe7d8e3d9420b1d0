"""The API as deployed: ``streamlit run app.py`` serves it beside the UI, in demo mode with no
key and no token (open, as the README says)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import demo_environ, start_app, stop_app


@pytest.fixture(scope="module")
def app_url(postgres_url: str, valkey_url: str) -> Iterator[str]:
    environ = demo_environ() | {"DATABASE_URL": postgres_url, "VALKEY_URL": valkey_url}
    process, url = start_app(environ)
    try:
        yield url
    finally:
        stop_app(process)


def test_the_ui_and_the_api_share_one_port(app_url: str) -> None:
    page = httpx.get(app_url + "/", timeout=30)
    assert page.status_code == 200
    assert "<html" in page.text.lower()
    health = httpx.get(app_url + "/api/vultr/health", timeout=60)
    assert health.headers["content-type"] == "application/json"
    assert {s["service"] for s in health.json()["services"]} == {
        "postgres",
        "valkey",
        "management",
        "inference",
    }


def test_demo_mode_serves_the_simulated_account_and_says_so(app_url: str) -> None:
    summary = httpx.get(app_url + "/api/vultr/management/summary", timeout=60)
    assert summary.status_code == 200
    assert summary.json()["month_to_date_usd"] > 0
    assert summary.json()["demo"] is True
    instances = httpx.get(app_url + "/api/vultr/management/instances", timeout=60).json()
    assert instances
    assert all(row["demo"] is True for row in instances)
    samples = {
        sample.name: sample.value
        for family in text_string_to_metric_families(httpx.get(app_url + "/metrics").text)
        for sample in family.samples
    }
    assert {"vultr_month_to_date_usd", "vultr_service_up", "vultr_resources"} <= set(samples)
    assert samples["vultr_demo"] == 1


def test_an_unknown_api_path_is_json_not_the_ui(app_url: str) -> None:
    answer = httpx.get(app_url + "/api/vultr/nothing", timeout=30)
    assert answer.status_code == 404
    assert answer.json() == {"error": {"type": "no_such_route", "message": "No such route."}}
