"""The Valkey page: the account's managed instances, then the connected server's figures;
a refusing or missing server costs its own section only."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import valkey
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ROOT, downloaded_csv, open_page
from tests.app.markup import rendered_markup, seen
from tests.inventory.table_support import downloaded_name, visible_table
from ui import clients
from ui.settings import settings
from vultr_core.simulator import DEMO_API_KEY, Simulator
from vultr_core.simulator.catalog import DATABASE_PLAN_BY_ID, regions

CITIES = {region["id"]: region["city"] for region in regions()}
TABLE_HEADERS = [
    "Label",
    "State",
    "Region",
    "Plan",
    "Eviction policy",
    "Replicas",
    "Monthly cost",
    "Month to date",
]


@pytest.fixture
def restricted_url(valkey_url: str, valkey_client: valkey.Valkey) -> Iterator[Callable[..., str]]:
    """The test Valkey as an ACL user denied some commands; users deleted afterwards."""
    created: list[str] = []

    def make(*denied: str) -> str:
        name, secret = f"vd-test-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
        rules = ["on", f">{secret}", "~*", "&*", "+@all", *(f"-{cmd}" for cmd in denied)]
        valkey_client.execute_command("ACL", "SETUSER", name, *rules)
        created.append(name)
        parts = urlsplit(valkey_url)
        return urlunsplit(parts._replace(netloc=f"{name}:{secret}@{parts.netloc}"))

    yield make
    for name in created:
        valkey_client.execute_command("ACL", "DELUSER", name)


@pytest.fixture
def watched(
    monkeypatch: pytest.MonkeyPatch, valkey_url: str, valkey_client: valkey.Valkey
) -> Callable[[str], None]:
    def watch(url: str = valkey_url) -> None:
        monkeypatch.setenv("VALKEY_URL", url)

    return watch


def valkeys(simulator: Simulator) -> list[dict[str, Any]]:
    return [d for d in simulator.organisation.databases if d["database_engine"] == "valkey"]


def usage_requests(simulator: Simulator) -> list[str]:
    return [r.path for r in simulator.request_log if r.path.endswith("/usage")]


def test_managed_instances_with_plan_cost_and_the_usage_of_the_one_picked(
    watched: Callable[..., None], demo: Simulator
) -> None:
    watched()
    # On its own: the Overview, the router's first page, asks for some databases' usage.
    page = AppTest.from_file(str(ROOT / "pages" / "valkey_health.py"), default_timeout=30).run()
    assert not page.exception
    figures = {m.label: m.value for m in page.metric}
    assert figures["Instances"] == "2"
    assert figures["Not running"] == "0"
    assert figures["Monthly cost"] == "$75.00"
    table = visible_table(page)
    assert list(table.columns) == TABLE_HEADERS
    assert sorted(table["Eviction policy"]) == ["noeviction", "volatile-lru"]
    for database in valkeys(demo):
        row = table.set_index("Label").loc[database["label"]]
        region = database["region"].lower()
        assert row["Region"] == f"{CITIES[region]} ({region})"
        plan = DATABASE_PLAN_BY_ID[database["plan"]]
        assert row["Plan"] == f"{plan.vcpu_count} vCPU · {plan.ram_mb / 1024:g} GB RAM"
    # Usage is asked for the one picked only, not once per instance.
    picked = page.selectbox(key="vk_pick").value
    assert picked is not None
    assert usage_requests(demo) == [f"/v2/databases/{picked}/usage"]
    used = demo.organisation.database_extras[picked].usage["memory"]["percentage"]
    assert {m.label: m.value for m in page.metric}["Memory"] == f"{used:.0f}%"
    other = next(d["id"] for d in valkeys(demo) if d["id"] != picked)
    page.selectbox(key="vk_pick").set_value(other).run()
    assert usage_requests(demo)[1:] == [f"/v2/databases/{other}/usage"]


def test_a_valkey_in_error_comes_first_and_the_switch_lists_only_it(
    watched: Callable[..., None], demo: Simulator
) -> None:
    broken = valkeys(demo)[-1]
    broken |= {
        "status": "Error",
        "label": "<script>alert('PLANTED')</script>\n**PLANTED**",
        "eviction_policy": "=cmd|' /C calc'!A0 PLANTED",
    }
    watched()
    page = open_page("valkey_health.py")
    assert not page.exception
    assert rendered_markup(page, "PLANTED") == []
    table = visible_table(page)
    assert list(table.iloc[0][["Label", "State"]]) == [broken["label"], "🔴 Error"]
    assert {m.label: m.value for m in page.metric}["Not running"] == "1"
    assert page.selectbox(key="vk_pick").value == broken["id"], "the closer look opens on it"

    page.toggle(key="vk_not_running").set_value(True).run()
    assert list(visible_table(page)["Label"]) == [broken["label"]]
    rows = list(csv.reader(io.StringIO(downloaded_csv(page, "vk_csv"), newline="")))
    assert rows[0] == [*TABLE_HEADERS, "Version", "Plan ID", "ID"]
    assert rows[1][:2] == [broken["label"], "Error"]
    assert rows[1][4] == "'" + broken["eviction_policy"]
    assert downloaded_name(page, "vk_csv") == f"valkey-not-running-{datetime.now(UTC):%Y-%m-%d}.csv"


def test_the_connected_valkey_shows_latency_memory_keyspace_and_verdicts(
    watched: Callable[..., None], valkey_client: valkey.Valkey
) -> None:
    valkey_client.mset({"a": "1", "b": "2"})
    watched()
    page = open_page("valkey_health.py")
    assert not page.exception
    figures = {m.label: m.value for m in page.metric}
    assert figures["PING p50"].endswith(" ms")
    assert {"Hit ratio", "Ops/s", "Clients", "Evicted keys"} <= set(figures)
    charts = page.get("echarts_chart")
    assert [c.key for c in charts] == ["vk_distribution", "vk_history", "vk_memory"]
    distribution, history, memory = (json.loads(chart.proto.spec) for chart in charts)
    (bars,) = distribution["series"]
    assert bars["type"] == "bar"
    assert sum(bar["value"][1] for bar in bars["data"]) == 20, "every PING in a bin"
    assert [mark["name"] for mark in bars["markLine"]["data"]] == ["p50", "p95", "p99"]
    assert [s["name"] for s in history["series"]][:2] == ["p50", "p95"]
    # The test server has no maxmemory: the figure alone, no gauge.
    assert memory["series"] == []
    figure = memory["title"][1]
    assert figure["text"].endswith(" MiB")
    assert figure["subtext"] == "used · no maxmemory limit"
    keyspace = next(df.value for df in page.dataframe if "keys" in df.value.columns)
    db = valkey_client.connection_pool.connection_kwargs.get("db", 0)
    assert keyspace.set_index("db").loc[db, "keys"] >= 2
    verdicts = [m.value for m in page.markdown if " · " in m.value]
    assert any("**Eviction policy** · noeviction keeps" in v for v in verdicts)


def test_with_a_maxmemory_limit_memory_is_a_gauge_to_that_limit(
    watched: Callable[..., None], valkey_client: valkey.Valkey
) -> None:
    (before,) = valkey_client.config_get("maxmemory").values()
    valkey_client.config_set("maxmemory", str(64 * 2**20))
    try:
        watched()
        page = open_page("valkey_health.py")
    finally:
        valkey_client.config_set("maxmemory", before)
    assert not page.exception
    (memory,) = [c for c in page.get("echarts_chart") if c.key == "vk_memory"]
    (gauge,) = json.loads(memory.proto.spec)["series"]
    assert gauge["type"] == "gauge"
    assert (gauge["min"], gauge["max"]) == (0, 64)
    bands = gauge["axisLine"]["lineStyle"]["color"]
    assert [edge for edge, _ in bands] == [0.75, 0.9, 1]
    assert [colour for _, colour in bands] == ["#3b82f6", "#d97706", "#dc2626"]
    (used,) = gauge["data"]
    assert 0 < used["value"] < 64
    assert gauge["detail"]["formatter"] == f"{used['value']:.1f} of 64 MiB"


def test_a_service_refusing_slowlog_says_not_available(
    watched: Callable[..., None], restricted_url: Callable[..., str]
) -> None:
    watched(restricted_url("slowlog"))
    page = open_page("valkey_health.py")
    assert not page.exception
    notes = [seen(i.value) for i in page.info]
    assert any(n.startswith("Slow log: not available on this service (") for n in notes)
    assert "Ops/s" in {m.label for m in page.metric}, "INFO is still read"


def test_a_service_refusing_info_still_shows_latency(
    watched: Callable[..., None], restricted_url: Callable[..., str]
) -> None:
    watched(restricted_url("info"))
    page = open_page("valkey_health.py")
    assert not page.exception
    (warning,) = page.warning
    assert seen(warning.value).startswith("Server figures: not available on this service (")
    figures = {m.label: m.value for m in page.metric}
    assert figures["PING p50"].endswith(" ms")
    assert figures["Hit ratio"] == "—"


def test_an_unreachable_valkey_costs_its_own_section_only(watched: Callable[..., None]) -> None:
    watched("redis://127.0.0.1:1/0")
    page = open_page("valkey_health.py")
    assert not page.exception
    (error,) = page.error
    assert error.value.startswith("Could not load the connected Valkey.")
    assert "Could not reach Valkey at redis://127.0.0.1:1/0" in seen(error.value)
    assert {m.label: m.value for m in page.metric}["Instances"] == "2"
    (history,) = page.get("echarts_chart")
    assert history.key == "vk_history"
    (down,) = [s for s in json.loads(history.proto.spec)["series"] if s["name"] == "down"]
    assert down["data"]
    assert all(mark["value"][1] == 0 for mark in down["data"])


def test_with_a_real_key_and_no_valkey_url_it_says_what_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with Simulator(size="small").serve() as server:
        monkeypatch.setenv("VULTR_API_KEY", DEMO_API_KEY)
        monkeypatch.setenv("VULTR_API_URL", f"{server.base_url}/v2")
        page = open_page("valkey_health.py")
        # ui's cached client holds real sockets here; cache clearing does not close it.
        clients.management_client(settings()).close()
    assert not page.exception
    assert {m.label: m.value for m in page.metric}["Instances"] == "2"
    assert page.info[-1].value == "Set VALKEY_URL to watch your Valkey."
    assert not page.get("echarts_chart")
