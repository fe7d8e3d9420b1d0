"""The Instances page in demo mode, and its error state."""

from __future__ import annotations

import socket

import pytest

from tests.app.conftest import open_page
from vultr_core.clients import management_client
from vultr_core.config import Settings
from vultr_core.models import Instance


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
    assert any("VULTR_API_URL" in error.value for error in page.error)
