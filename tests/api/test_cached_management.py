"""Management reads shared through Valkey: same answers, fewer API calls, never a secret."""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import valkey

from tests.cache_support import closed_port
from tests.conftest import FIXED_NOW, SIMULATOR_URL, simulator_options
from vultr_core.api.cached_management import (
    RESOURCE_KINDS,
    CachedManagementClient,
    entry_key,
    from_json,
    invalidate_management_cache,
    management_scope,
    model_fingerprint,
    return_type,
    to_json,
)
from vultr_core.api.errors import NotFoundError
from vultr_core.api.management import ManagementClient
from vultr_core.api.models.databases import Database
from vultr_core.cache.store import CacheHelper
from vultr_core.config import Secret, Settings
from vultr_core.simulator import DEMO_API_KEY, Simulator

SECRET = "DATA-SENTINEL-cache-7f3a"
SCOPE = "test-scope"


def make_client(simulator: Simulator, cache: CacheHelper) -> CachedManagementClient:
    options = simulator_options(simulator)
    return CachedManagementClient(options.pop("api_key"), cache=cache, scope=SCOPE, **options)


@pytest.fixture
def simulator() -> Simulator:
    return Simulator(size="small", now=FIXED_NOW, secret_sentinel=SECRET)


@pytest.fixture
def cache(valkey_client: valkey.Valkey) -> CacheHelper:
    return CacheHelper(valkey_client, namespace="test-mgmt")


def api_paths(simulator: Simulator) -> list[str]:
    return [request.path for request in simulator.request_log]


def test_every_public_read_has_a_resource_kind() -> None:
    public = {
        name
        for name, member in inspect.getmembers(ManagementClient, inspect.isfunction)
        if not name.startswith("_") and name != "close"
    }
    assert public == set(RESOURCE_KINDS)


LIST_READS = [
    "account",
    "account_bandwidth",
    "billing_history",
    "invoices",
    "pending_charges",
    "instances",
    "plans",
    "regions",
    "bare_metals",
    "kubernetes_clusters",
    "block_storage",
    "object_storage",
    "snapshots",
    "load_balancers",
    "reserved_ips",
    "databases",
    "database_plans",
    "inference_subscriptions",
]


def test_cached_reads_equal_direct_reads_and_the_second_costs_no_request(
    simulator: Simulator, cache: CacheHelper, client: ManagementClient
) -> None:
    cached = make_client(simulator, cache)
    for name in LIST_READS:
        direct = getattr(client, name)()
        simulator.clear_log()
        assert getattr(cached, name)() == direct, name
        assert api_paths(simulator), f"{name}: the first read asks the API"
        simulator.clear_log()
        assert getattr(cached, name)() == direct, name
        assert api_paths(simulator) == [], f"{name}: the second read is a hit"


def test_per_resource_reads_are_cached_per_argument(
    simulator: Simulator, cache: CacheHelper, client: ManagementClient
) -> None:
    cached = make_client(simulator, cache)
    databases = client.databases()[:2]
    for database in databases:
        for read in ("database", "database_usage", "database_backups", "database_maintenance"):
            assert getattr(cached, read)(database.id) == getattr(client, read)(database.id)
        assert cached.database_alerts(database.id, period="week") == client.database_alerts(
            database.id, period="week"
        )
    simulator.clear_log()
    assert cached.database(databases[1].id) == client.database(databases[1].id)
    assert api_paths(simulator) == [f"/v2/databases/{databases[1].id}"], "only the direct read"


def test_a_second_replica_is_served_from_the_shared_cache(
    simulator: Simulator, valkey_url: str, valkey_client: valkey.Valkey
) -> None:
    first = make_client(simulator, CacheHelper(valkey_client, namespace="test-mgmt"))
    other_simulator = Simulator(size="small", now=FIXED_NOW, secret_sentinel=SECRET)
    second = make_client(
        other_simulator, CacheHelper(valkey.Valkey.from_url(valkey_url), namespace="test-mgmt")
    )
    instances = first.instances()
    assert second.instances() == instances
    assert api_paths(other_simulator) == []


def test_no_secret_the_api_sends_reaches_the_cache(
    simulator: Simulator, cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    with httpx.Client(transport=simulator.transport(), base_url=SIMULATOR_URL) as raw:
        headers = {"Authorization": f"Bearer {DEMO_API_KEY}"}
        assert SECRET in raw.get(f"{SIMULATOR_URL}/databases", headers=headers).text
    cached = make_client(simulator, cache)
    labels = [database.label for database in cached.databases()]
    cached.inference_subscriptions()
    names = list(valkey_client.scan_iter(match="*"))
    values = [valkey_client.get(name) or b"" for name in names if b":v:" in name]
    stored = b"".join(names + values)
    assert all(label.encode() in stored for label in labels), "the records were cached"
    assert SECRET.encode() not in stored
    assert DEMO_API_KEY.encode() not in stored


def test_refresh_drops_one_kind_or_the_whole_account(
    simulator: Simulator, cache: CacheHelper
) -> None:
    cached = make_client(simulator, cache)
    cached.instances()
    cached.databases()
    assert invalidate_management_cache(cache, SCOPE, kinds=["instances"]) == 1
    simulator.clear_log()
    cached.databases()
    cached.instances()
    assert api_paths(simulator) == ["/v2/instances"]
    assert invalidate_management_cache(cache, SCOPE) == 2
    simulator.clear_log()
    cached.databases()
    assert api_paths(simulator) == ["/v2/databases"]


def test_entries_are_tagged_by_kind_so_hit_ratios_show_per_kind(
    simulator: Simulator, cache: CacheHelper
) -> None:
    cached = make_client(simulator, cache)
    cached.instances()
    cached.instances()
    cached.databases()
    by_tag = cache.stats().by_tag
    assert by_tag[f"mgmt:{SCOPE}:instances"].hit_ratio == 0.5
    assert by_tag[f"mgmt:{SCOPE}:databases"].hit_ratio == 0
    assert by_tag[f"mgmt:{SCOPE}"].hits == 1


def test_an_api_error_comes_through_unchanged_and_is_not_cached(
    simulator: Simulator, cache: CacheHelper
) -> None:
    cached = make_client(simulator, cache)
    with pytest.raises(NotFoundError):
        cached.database("no-such-database")
    assert cache.tags() == []
    with pytest.raises(ValueError, match="period must be one of"):
        cached.database_alerts("any", period="fortnight")


def test_with_valkey_down_reads_still_come_from_the_api(simulator: Simulator) -> None:
    down = valkey.Valkey.from_url(f"redis://127.0.0.1:{closed_port()}/0", socket_connect_timeout=1)
    cached = make_client(simulator, CacheHelper(down, namespace="test-mgmt"))
    direct = Simulator(size="small", now=FIXED_NOW, secret_sentinel=SECRET)
    with ManagementClient(DEMO_API_KEY, base_url=SIMULATOR_URL, transport=direct.transport()) as c:
        expected = c.instances()
    assert cached.instances() == expected
    assert cached.databases()


def test_an_entry_of_another_shape_is_never_decoded_into_a_record(
    simulator: Simulator, cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    """A foreign or corrupted entry under the current key: the API answers instead."""
    cached = make_client(simulator, cache)
    expected = cached.databases()
    key = entry_key(SCOPE, "databases", (), {})
    header, _, body = valkey_client.get(cache.value_key(key)).partition(b"\n")
    records = json.loads(body)
    records[0].pop("label")
    valkey_client.set(cache.value_key(key), header + b"\n" + json.dumps(records).encode())
    assert cached.databases() == expected


def test_the_key_names_the_model_shape_so_a_changed_model_never_reads_old_entries() -> None:
    key = entry_key(SCOPE, "database_usage", ("db-1",), {})
    assert key == f'mgmt:{SCOPE}:{model_fingerprint()}:database_usage:[["db-1"], {{}}]'
    assert entry_key(SCOPE, "databases", (), {"region": "ewr"}) != entry_key(
        SCOPE, "databases", (), {}
    )


def test_records_survive_the_json_round_trip_with_their_types(client: ManagementClient) -> None:
    databases = client.databases()
    assert any(database.read_replicas for database in databases), "nested records covered"
    assert from_json(to_json(databases), return_type("databases")) == databases
    account = client.account()
    assert from_json(to_json(account), return_type("account")) == account


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        ({"id": "x"}, Database),
        ("2026-01-01", int),
        (1.5, int),
        (True, int),
        ([1], str),
        ("not a date", return_type("account")),
    ],
)
def test_data_of_the_wrong_shape_is_refused(data: Any, hint: Any) -> None:
    with pytest.raises(ValueError, match="cached"):
        from_json(data, hint)


SCOPES: dict[str, Callable[[], Settings]] = {
    "demo": lambda: Settings(),
    "key a": lambda: Settings(management_api_key=Secret("key-a")),
    "key b": lambda: Settings(management_api_key=Secret("key-b")),
    "key a elsewhere": lambda: Settings(
        management_api_key=Secret("key-a"), management_api_url="https://other.example/v2"
    ),
}


def test_each_account_has_its_own_scope_and_the_key_is_not_in_it() -> None:
    scopes = {name: management_scope(make()) for name, make in SCOPES.items()}
    assert len(set(scopes.values())) == len(scopes)
    assert "key-a" not in scopes["key a"]
    assert (
        management_scope(Settings(management_api_key=Secret("key-a"), force_demo=True))
        == (scopes["demo"])
    )
