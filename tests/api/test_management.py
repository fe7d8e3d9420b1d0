"""ManagementClient against the simulator: paging, typing, read-only, secrets."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import FIXED_NOW, SIMULATOR_URL, simulator_client
from vultr_core import __version__
from vultr_core.api import errors
from vultr_core.api.concurrency import run_concurrently
from vultr_core.api.management import (
    EXTRA_PAGES,
    MAX_PAGES_PER_LISTING,
    ManagementClient,
    page_limit,
)
from vultr_core.simulator import DEMO_API_KEY, Simulator

SENTINEL = "SENTINEL-9d41-secret"


def every_read(client: ManagementClient) -> dict[str, Any]:
    """Call every client method once, following ids from the lists."""
    databases = client.databases()
    postgres = next(d for d in databases if d.engine == "pg")
    invoices = client.invoices()
    instances = client.instances()
    subscriptions = client.inference_subscriptions()
    return {
        "account": client.account(),
        "bandwidth": client.account_bandwidth(),
        "history": client.billing_history(),
        "invoices": invoices,
        "invoice": client.invoice(invoices[0].id),
        "invoice_items": client.invoice_items(invoices[0].id),
        "pending": client.pending_charges(),
        "instances": instances,
        "instance": client.instance(instances[0].id),
        "plans": client.plans(),
        "metal_plans": client.metal_plans(),
        "regions": client.regions(),
        "databases": databases,
        "database": client.database(postgres.id),
        "usage": client.database_usage(postgres.id),
        "alerts": client.database_alerts(postgres.id, period="month"),
        "backups": client.database_backups(postgres.id),
        "maintenance": client.database_maintenance(postgres.id),
        "pools": client.database_connection_pools(postgres.id),
        "database_plans": client.database_plans(),
        "kubernetes": client.kubernetes_clusters(),
        "blocks": client.block_storage(),
        "object_storage": client.object_storage(),
        "load_balancers": client.load_balancers(),
        "bare_metals": client.bare_metals(),
        "snapshots": client.snapshots(),
        "reserved_ips": client.reserved_ips(),
        "subscriptions": subscriptions,
        "subscription": client.inference_subscription(subscriptions[0].id),
        "inference_usage": client.inference_usage(subscriptions[0].id),
    }


def test_2000_instances_arrive_complete_in_4_requests_at_per_page_500() -> None:
    simulator = Simulator(size="large", now=FIXED_NOW)
    with simulator_client(simulator) as client:
        instances = client.instances()
    assert len(instances) == 2000
    assert len({instance.id for instance in instances}) == 2000
    requests = [r for r in simulator.request_log if r.path == "/v2/instances"]
    assert len(requests) == 4
    assert all(r.query["per_page"] == ["500"] for r in requests)
    assert "cursor" not in requests[0].query
    assert all("cursor" in r.query for r in requests[1:])


def test_a_smaller_page_size_walks_more_pages_to_the_same_result() -> None:
    simulator = Simulator(size="large", now=FIXED_NOW)
    with simulator_client(simulator, per_page=100) as client:
        assert len(client.instances()) == 2000
    assert len(simulator.request_log) == 20


@pytest.mark.parametrize("per_page", [500, 100])
def test_endless_cursors_stop_just_past_what_meta_total_needs(per_page: int) -> None:
    """Each page offers a new next cursor for ever; meta.total (2000) says how many pages."""
    simulator = Simulator(size="large", now=FIXED_NOW)
    simulator.set_faults(endless_cursors=True)
    with (
        simulator_client(simulator, per_page=per_page) as client,
        pytest.raises(errors.ResponseTooLargeError, match=r"meta\.total says 2000"),
    ):
        client.instances()
    assert len(simulator.request_log) == page_limit(2000, per_page)


@pytest.mark.parametrize(
    ("total", "first_page", "pages"),
    [
        (2000, 500, 4 + EXTRA_PAGES),
        (2000, 100, 20 + EXTRA_PAGES),
        (30, 30, 1 + EXTRA_PAGES),
        (0, 0, EXTRA_PAGES),
        (100_000, 100, MAX_PAGES_PER_LISTING),  # 1000 pages needed: the ceiling holds
        (10**12, 500, MAX_PAGES_PER_LISTING),
        (None, 500, MAX_PAGES_PER_LISTING),
        ("2000", 500, MAX_PAGES_PER_LISTING),
        (-1, 500, MAX_PAGES_PER_LISTING),
    ],
)
def test_page_limit_follows_meta_total_with_a_margin_and_a_ceiling(
    total: object, first_page: int, pages: int
) -> None:
    assert page_limit(total, first_page) == pages


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("databases", "/v2/databases"),
        ("pending_charges", "/v2/billing/pending-charges"),
        ("inference_subscriptions", "/v2/inference"),
        ("database_plans", "/v2/databases/plans"),
    ],
)
def test_unpaged_lists_are_one_request(method: str, path: str) -> None:
    simulator = Simulator(size="large", now=FIXED_NOW)
    with simulator_client(simulator) as client:
        getattr(client, method)()
    assert [(r.method, r.path) for r in simulator.request_log] == [("GET", path)]
    assert "per_page" not in simulator.request_log[0].query


def test_large_organisation_lists_200_databases_in_one_call() -> None:
    simulator = Simulator(size="large", now=FIXED_NOW)
    with simulator_client(simulator) as client:
        assert len(client.databases()) == 200
        assert len(client.invoices()) == 24


def test_instance_filters_go_to_the_api(client: ManagementClient, simulator: Simulator) -> None:
    everything = client.instances()
    region = everything[0].region
    simulator.clear_log()
    in_region = client.instances(region=region)
    assert simulator.request_log[0].query["region"] == [region]
    assert in_region
    assert {i.region for i in in_region} == {region}
    assert len(in_region) == sum(1 for i in everything if i.region == region)


def test_engine_filter_runs_here_because_the_api_has_none(
    client: ManagementClient, simulator: Simulator
) -> None:
    valkeys = client.databases(engine="valkey")
    assert valkeys
    assert {d.engine for d in valkeys} == {"valkey"}
    assert "engine" not in simulator.request_log[-1].query


def test_legacy_redis_engine_reads_as_valkey_with_its_eviction_policy() -> None:
    simulator = Simulator(size="small", now=FIXED_NOW, legacy_engine_names=True)
    with simulator_client(simulator) as client:
        valkeys = client.databases(engine="redis")
    assert valkeys
    assert all(d.engine == "valkey" for d in valkeys)
    assert all(d.eviction_policy for d in valkeys)


def test_database_quirks_are_normalised(client: ManagementClient) -> None:
    databases = client.databases()
    for database in databases:
        assert database.region == database.region.lower()
        assert isinstance(database.port, int)
        assert isinstance(database.engine_version, str)
        assert database.date_created is not None
        assert database.date_created.tzinfo is not None
    with_replica = next(d for d in databases if d.read_replicas)
    replica = with_replica.read_replicas[0]
    assert replica.id != with_replica.id
    assert replica.engine == with_replica.engine


def test_database_details_parse_into_typed_figures(client: ManagementClient) -> None:
    postgres = next(d for d in client.databases() if d.engine == "pg")
    usage = client.database_usage(postgres.id)
    assert usage.disk_gb.percentage is not None
    assert 0 <= usage.disk_gb.percentage <= 100
    assert usage.cpu_percentage is not None
    backups = client.database_backups(postgres.id)
    assert backups.latest is not None
    assert backups.oldest is not None
    assert backups.oldest <= backups.latest <= FIXED_NOW
    pools = client.database_connection_pools(postgres.id)
    assert pools.connections_max >= pools.connections_used
    alerts = client.database_alerts(postgres.id, period="year")
    assert all(alert.message_type for alert in alerts)


def test_an_invalid_alert_period_is_refused_before_any_request(
    client: ManagementClient, simulator: Simulator
) -> None:
    with pytest.raises(ValueError, match="day, week, month, year"):
        client.database_alerts("any", period="fortnight")
    assert simulator.request_log == []


@pytest.mark.parametrize("shape", ["original", "intermediate", "current"])
def test_inference_usage_reads_all_three_historic_shapes(shape: str) -> None:
    simulator = Simulator(size="small", now=FIXED_NOW, inference_usage_shape=shape)
    with simulator_client(simulator) as client:
        subscription = client.inference_subscriptions()[0]
        usage = client.inference_usage(subscription.id)
    assert usage.shape == shape
    if shape == "current":
        assert usage.current_month_by_model
        assert all(m.model and m.tokens >= m.input_tokens for m in usage.current_month_by_model)
    else:
        assert usage.current_tokens is not None
    if shape == "intermediate":
        assert usage.input_tokens is not None
        assert usage.cost_usd is not None


def test_pending_charges_add_up_to_the_accounts_figure(client: ManagementClient) -> None:
    account = client.account()
    lines = client.pending_charges()
    assert lines
    assert sum(line.total_usd for line in lines) == pytest.approx(
        account.pending_charges_usd, abs=0.01
    )


def test_every_method_is_read_only(client: ManagementClient, simulator: Simulator) -> None:
    every_read(client)
    writes = {(r.method, r.path) for r in simulator.request_log if r.method != "GET"}
    assert all(method == "POST" and path.endswith("/alerts") for method, path in writes)
    assert len(writes) == 1
    assert {r.status for r in simulator.request_log} == {200}


def test_requests_carry_user_agent_and_bearer_key(
    client: ManagementClient, simulator: Simulator
) -> None:
    client.account()
    headers = simulator.request_log[0].headers
    assert headers["user-agent"] == f"vultr-dashboard/{__version__}"
    assert headers["authorization"] == f"Bearer {DEMO_API_KEY}"


def test_no_secret_survives_parsing() -> None:
    simulator = Simulator(size="small", now=FIXED_NOW, secret_sentinel=SENTINEL)
    with simulator_client(simulator) as client:
        results = every_read(client)
    raw = b"".join(
        simulator.transport().handle_request(request).read()
        for request in _raw_requests(["databases", "object-storage", "inference"])
    )
    assert SENTINEL.encode() in raw, "the simulator must send the sentinel for this to prove much"
    for name, value in results.items():
        assert SENTINEL not in repr(value), name


def test_the_client_is_safe_to_share_between_threads(client: ManagementClient) -> None:
    expected = [i.id for i in client.instances()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: [i.id for i in client.instances()], range(16)))
    assert all(result == expected for result in results)


def test_independent_lists_are_fetched_concurrently(client: ManagementClient) -> None:
    calls: dict[str, Callable[[], Any]] = {
        "instances": client.instances,
        "plans": client.plans,
        "databases": client.databases,
    }
    results = run_concurrently(calls)
    assert set(results) == {"instances", "plans", "databases"}
    assert results["instances"] == client.instances()


def test_empty_account_lists_are_empty_not_errors() -> None:
    simulator = Simulator(size="empty", now=FIXED_NOW)
    with simulator_client(simulator) as client:
        assert client.instances() == []
        assert client.databases() == []
        assert client.pending_charges() == []
        assert client.account().pending_charges_usd == 0


def _raw_requests(paths: list[str]) -> list[httpx.Request]:
    return [
        httpx.Request(
            "GET", f"{SIMULATOR_URL}/{path}", headers={"Authorization": f"Bearer {DEMO_API_KEY}"}
        )
        for path in paths
    ]
