"""The Valkey page: the account's managed instances, then the connected server's figures;
a refusing or missing server costs its own section only."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
import valkey

from tests.app.conftest import open_page
from tests.app.markup import seen
from ui import clients
from ui.settings import settings
from vultr_core.simulator import DEMO_API_KEY, Simulator


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


def test_managed_instances_with_plan_cost_and_usage(watched: Callable[..., None]) -> None:
    watched()
    page = open_page("valkey_health.py")
    assert not page.exception
    figures = {m.label: m.value for m in page.metric}
    assert figures["Instances"] == "2"
    assert figures["Monthly cost"] == "$75.00"
    instances = page.dataframe[0].value
    assert sorted(instances["eviction_policy"]) == ["noeviction", "volatile-lru"]
    assert instances["memory_used_pct"].between(0, 100).all()
    assert "id" not in instances.columns


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
    charts = [json.loads(chart.proto.spec) for chart in page.get("plotly_chart")]
    assert [c["data"][0]["type"] for c in charts] == ["histogram", "scatter", "indicator"]
    keyspace = page.dataframe[1].value
    db = valkey_client.connection_pool.connection_kwargs.get("db", 0)
    assert keyspace.set_index("db").loc[db, "keys"] >= 2
    verdicts = [m.value for m in page.markdown if " · " in m.value]
    assert any("**Eviction policy** · noeviction keeps" in v for v in verdicts)


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
    (history,) = page.get("plotly_chart")
    assert "down" in {t["name"] for t in json.loads(history.proto.spec)["data"]}


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
    assert not page.get("plotly_chart")
