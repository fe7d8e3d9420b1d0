"""Single database users, logical databases and pools: the same objects as their lists."""

from __future__ import annotations

import httpx
import pytest

from vultr_core.simulator import Simulator

from .conftest import NOW, make_client


def _databases(api: httpx.Client) -> list[dict[str, object]]:
    primaries = api.get("/databases").json()["databases"]
    return [db for primary in primaries for db in (primary, *primary["read_replicas"])]


@pytest.mark.parametrize(
    ("sub", "key", "single", "name"),
    [
        ("users", "users", "user", "username"),
        ("dbs", "dbs", "db", "name"),
        ("connection-pools", "connection_pools", "connection_pool", "name"),
    ],
)
def test_each_listed_item_is_served_alone(
    api: httpx.Client, sub: str, key: str, single: str, name: str
) -> None:
    served = 0
    for db in _databases(api):
        listing = api.get(f"/databases/{db['id']}/{sub}")
        if listing.status_code != 200:
            continue
        for item in listing.json()[key]:
            response = api.get(f"/databases/{db['id']}/{sub}/{item[name]}")
            assert response.json() == {single: item}
            served += 1
    assert served > 0


@pytest.mark.parametrize(
    ("sub", "message"),
    [
        ("users", "User not found."),
        ("dbs", "Logical database not found."),
        ("connection-pools", "Connection pool not found."),
    ],
)
def test_an_unknown_name_is_404_naming_what(api: httpx.Client, sub: str, message: str) -> None:
    pg = next(db for db in _databases(api) if db["database_engine"] == "pg")
    response = api.get(f"/databases/{pg['id']}/{sub}/nobody")
    assert response.json() == {"error": message, "status": 404}


def test_engines_without_logical_databases_or_pools_say_so(api: httpx.Client) -> None:
    valkey = next(db for db in _databases(api) if db["database_engine"] == "valkey")
    assert api.get(f"/databases/{valkey['id']}/dbs/defaultdb").status_code == 400
    assert api.get(f"/databases/{valkey['id']}/connection-pools/any").status_code == 400


def test_a_single_user_keeps_the_legacy_field_names() -> None:
    with make_client(Simulator(legacy_engine_names=True, now=NOW)) as client:
        redis = next(db for db in _databases(client) if db["database_engine"] == "redis")
        user = client.get(f"/databases/{redis['id']}/users").json()["users"][0]
        single = client.get(f"/databases/{redis['id']}/users/{user['username']}").json()["user"]
    assert single == user
    assert all(field.startswith("redis_acl_") for field in single["access_control"])
