"""The /v2 management API: auth, routing errors, field-level quirks, filters and writes."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from vultr_core.simulator import DEMO_API_KEY, Simulator

from .conftest import BASE_URL, NOW, make_client

ISO_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
DB_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
INVALID_TOKEN = {"error": "Invalid API token.", "status": 401}


def _anonymous(sim: Simulator, headers: dict[str, str] | None = None) -> httpx.Client:
    return httpx.Client(base_url=BASE_URL, transport=sim.transport(), headers=headers)


# -- auth and routing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        None,
        {"Authorization": ""},
        {"Authorization": "Bearer wrong"},
        {"Authorization": DEMO_API_KEY},
        {"Authorization": "Bearer "},
    ],
)
def test_missing_or_wrong_key_is_401(sim: Simulator, headers: dict[str, str] | None) -> None:
    with _anonymous(sim, headers) as client:
        response = client.get("/account")
    assert response.status_code == 401
    assert response.json() == INVALID_TOKEN
    assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize("route", ["/plans", "/plans-metal", "/regions"])
def test_public_routes_work_without_a_key_but_not_with_a_wrong_one(
    sim: Simulator, route: str
) -> None:
    with _anonymous(sim) as client:
        assert client.get(route).status_code == 200
    with _anonymous(sim, {"Authorization": "Bearer wrong"}) as client:
        assert client.get(route).json() == INVALID_TOKEN


def test_bearer_scheme_is_case_insensitive(sim: Simulator) -> None:
    with _anonymous(sim, {"Authorization": f"bearer {DEMO_API_KEY}"}) as client:
        assert client.get("/account").status_code == 200


def test_no_api_key_accepts_anything() -> None:
    open_sim = Simulator(api_key=None, now=NOW)
    with _anonymous(open_sim, {"Authorization": "Bearer anything"}) as client:
        assert client.get("/account").status_code == 200
    with _anonymous(open_sim) as client:
        assert client.get("/instances").status_code == 200


def test_other_key_can_be_configured() -> None:
    custom = Simulator(api_key="MYKEY", now=NOW)
    with _anonymous(custom, {"Authorization": "Bearer MYKEY"}) as client:
        assert client.get("/account").status_code == 200
    with make_client(custom) as client:
        assert client.get("/account").status_code == 401


@pytest.mark.parametrize("route", ["/nope", "/instances/not-an-id/nothing", "/../v3/models"])
def test_unknown_route_is_404_with_vultr_body(api: httpx.Client, route: str) -> None:
    response = api.get(route)
    assert response.status_code == 404
    assert set(response.json()) == {"error", "status"}
    assert response.json()["status"] == 404


def test_paths_outside_v2_are_404(sim: Simulator) -> None:
    with _anonymous(sim) as client:
        response = client.get("https://api.vultr.com/v1/account")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "route"),
    [("POST", "/account"), ("DELETE", "/plans"), ("GET", "/databases/x/alerts")],
)
def test_wrong_method_is_405(api: httpx.Client, method: str, route: str) -> None:
    response = api.request(method, route)
    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed.", "status": 405}


def test_unknown_ids_are_404(api: httpx.Client) -> None:
    for route in (
        "/instances/x",
        "/databases/x",
        "/databases/x/usage",
        "/blocks/x",
        "/inference/x",
        "/registry/x",
    ):
        response = api.get(route)
        assert response.status_code == 404, route
        assert response.json()["status"] == 404


def test_host_name_is_ignored(sim: Simulator) -> None:
    with make_client(sim) as client:
        response = client.get("http://anything.invalid/v2/account")
    assert response.status_code == 200


# -- top-level keys and shapes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("route", "keys"),
    [
        ("/account", {"account"}),
        ("/account/bandwidth", {"bandwidth"}),
        ("/billing/pending-charges", {"pending_charges"}),
        ("/plans-metal", {"plans_metal", "meta"}),
        ("/databases", {"databases", "meta"}),
        ("/databases/plans", {"plans"}),
        ("/kubernetes/clusters", {"vke_clusters", "meta"}),
        ("/object-storage", {"object_storages", "meta"}),
        ("/inference", {"subscriptions"}),
    ],
)
def test_top_level_keys(api: httpx.Client, route: str, keys: set[str]) -> None:
    assert set(api.get(route).json()) == keys


def test_database_list_meta_has_no_links(api: httpx.Client) -> None:
    body = api.get("/databases", params={"per_page": 1}).json()
    assert body["meta"] == {"total": len(body["databases"])}
    assert len(body["databases"]) == 9


def test_single_object_routes(api: httpx.Client, sim: Simulator) -> None:
    org = sim.organisation
    assert api.get(f"/instances/{org.instances[0]['id']}").json() == {"instance": org.instances[0]}
    cluster = org.kubernetes_clusters[0]
    assert api.get(f"/kubernetes/clusters/{cluster['id']}").json() == {"vke_cluster": cluster}
    assert api.get(f"/bare-metals/{org.bare_metals[0]['id']}").json() == {
        "bare_metal": org.bare_metals[0]
    }
    subscription = org.inference_subscriptions[0].json
    assert api.get(f"/inference/{subscription['id']}").json() == {"subscription": subscription}


def test_registry_get_is_unwrapped(api: httpx.Client) -> None:
    registry = api.get("/registries").json()["registries"][0]
    assert api.get(f"/registry/{registry['id']}").json() == registry


# -- quirks -------------------------------------------------------------------------------------


def test_database_quirks(api: httpx.Client) -> None:
    for db in api.get("/databases").json()["databases"]:
        assert db["region"] == db["region"].upper()
        for field in ("port", "database_engine_version", "backup_hour", "backup_minute"):
            assert isinstance(db[field], str), field
        assert DB_TIME.match(db["date_created"])
        assert db["latest_backup"] == "" or DB_TIME.match(db["latest_backup"])
        assert isinstance(db["pending_charges"], int | float)
        assert re.match(r"^\d\d:00:00$", db["maintenance_time"])


def test_database_engine_specific_fields(api: httpx.Client) -> None:
    by_engine = {db["database_engine"]: db for db in api.get("/databases").json()["databases"]}
    assert "plan_disk" not in by_engine["valkey"]
    assert by_engine["valkey"]["eviction_policy"]
    assert "redis_eviction_policy" not in by_engine["valkey"]
    assert "plan_replicas" not in by_engine["kafka"]
    assert by_engine["kafka"]["plan_brokers"] == 3
    assert by_engine["mysql"]["mysql_sql_modes"]
    assert by_engine["pg"]["pg_available_extensions"]
    assert by_engine["pg"]["dbname"] == "defaultdb"
    assert isinstance(by_engine["ferretpg"]["ferretdb_credentials"]["port"], int)


def test_read_replicas_are_full_database_objects(api: httpx.Client) -> None:
    primary = next(db for db in api.get("/databases").json()["databases"] if db["read_replicas"])
    replica = primary["read_replicas"][0]
    assert set(primary) - {"read_replicas"} <= set(replica)
    assert replica["id"] != primary["id"]
    assert replica["read_replicas"] == []
    assert api.get(f"/databases/{replica['id']}").json()["database"] == replica
    assert api.get(f"/databases/{replica['id']}/usage").status_code == 200


def test_database_plan_locations_are_uppercase(api: httpx.Client) -> None:
    for plan in api.get("/databases/plans").json()["plans"]:
        assert plan["locations"] == [location.upper() for location in plan["locations"]]


def test_database_sub_resources(api: httpx.Client) -> None:
    databases = api.get("/databases").json()["databases"]
    for db in databases:
        engine = db["database_engine"]
        backups = api.get(f"/databases/{db['id']}/backups")
        if engine == "kafka":
            assert backups.status_code == 404
            assert backups.json()["status"] == 404
        else:
            body = backups.json()
            assert set(body) == {"latest_backup", "oldest_backup"}
            assert re.match(r"^\d{4}-\d\d-\d\d$", body["latest_backup"]["date"])
            assert re.match(r"^\d\d:\d\d:\d\d$", body["latest_backup"]["time"])
            assert (
                f"{body['latest_backup']['date']} {body['latest_backup']['time']}"
                == db["latest_backup"]
            )
        pools = api.get(f"/databases/{db['id']}/connection-pools")
        if engine == "pg":
            body = pools.json()
            assert (
                body["connections"]["used"] + body["connections"]["available"]
                == body["connections"]["max"]
            )
            assert body["meta"] == {"total": len(body["connection_pools"])}
        else:
            assert pools.status_code == 400
        maintenance = api.get(f"/databases/{db['id']}/maintenance").json()
        assert all(isinstance(update, str) for update in maintenance["available_updates"])
        usage = api.get(f"/databases/{db['id']}/usage").json()["usage"]
        assert set(usage) == {"disk", "memory", "cpu"}
        assert isinstance(usage["memory"]["percentage"], float)


def test_usage_numbers_match_the_plan(api: httpx.Client) -> None:
    for db in api.get("/databases").json()["databases"]:
        usage = api.get(f"/databases/{db['id']}/usage").json()["usage"]
        assert usage["memory"]["max_mb"] == db["plan_ram"]
        assert usage["disk"]["max_gb"] == db.get("plan_disk", 0)


def _alerts(api: httpx.Client, database_id: str, body: Any) -> httpx.Response:
    return api.post(f"/databases/{database_id}/alerts", json=body)


def test_alerts_are_a_post_with_a_period(api: httpx.Client) -> None:
    databases = api.get("/databases").json()["databases"]
    everything = [
        a for db in databases for a in _alerts(api, db["id"], {"period": "year"}).json()["alerts"]
    ]
    types = {alert["message_type"] for alert in everything}
    assert {"RESOURCE USAGE DISK", "MAINTENANCE SCHEDULED"} <= types
    for alert in everything:
        assert DB_TIME.match(alert["timestamp"])
        if "maintenance_scheduled" in alert:
            assert re.match(
                r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC\)$", alert["maintenance_scheduled"]
            )


def test_alert_periods_narrow_the_list(api: httpx.Client) -> None:
    databases = api.get("/databases").json()["databases"]
    counts = {
        period: sum(
            len(_alerts(api, db["id"], {"period": period}).json()["alerts"]) for db in databases
        )
        for period in ("day", "week", "month", "year")
    }
    assert counts["day"] <= counts["week"] <= counts["month"] <= counts["year"]
    assert counts["day"] < counts["year"]


@pytest.mark.parametrize("body", [None, {}, {"period": "decade"}, ["day"]])
def test_alerts_without_a_valid_period_are_422(api: httpx.Client, body: Any) -> None:
    database_id = api.get("/databases").json()["databases"][0]["id"]
    response = _alerts(api, database_id, body)
    assert response.status_code == 422
    assert response.json()["status"] == 422


def test_dates_are_iso_with_offset(api: httpx.Client) -> None:
    routes = {
        "/instances": "instances", "/blocks": "blocks", "/snapshots": "snapshots",
        "/kubernetes/clusters": "vke_clusters", "/load-balancers": "load_balancers",
        "/bare-metals": "bare_metals", "/billing/invoices": "billing_invoices",
        "/billing/history": "billing_history", "/inference": "subscriptions",
    }  # fmt: skip
    for route, key in routes.items():
        for item in api.get(route).json()[key]:
            assert ISO_OFFSET.match(item.get("date_created") or item["date"]), route
    for line in api.get("/billing/pending-charges").json()["pending_charges"]:
        assert ISO_OFFSET.match(line["start_date"])
        assert ISO_OFFSET.match(line["end_date"])


def test_account_bandwidth_timestamps_are_epoch_strings(api: httpx.Client) -> None:
    bandwidth = api.get("/account/bandwidth").json()["bandwidth"]
    assert set(bandwidth) == {"previous_month", "current_month_to_date", "current_month_projected"}
    for period in bandwidth.values():
        assert period["timestamp_start"].isdigit()
        assert period["timestamp_end"].isdigit()
        assert int(period["timestamp_start"]) < int(period["timestamp_end"])
        assert period["free_bandwidth_credits"] == 2048
    assert int(bandwidth["current_month_to_date"]["timestamp_end"]) == int(NOW.timestamp())


def test_bare_metal_ram_and_disk_are_strings(api: httpx.Client) -> None:
    for metal in api.get("/bare-metals").json()["bare_metals"]:
        assert re.match(r"^\d+ MB$", metal["ram"])
        assert re.match(r"^\d+x \d+GB \w+$", metal["disk"])
        assert "power_status" not in metal


def test_only_a_freshly_deployed_instance_shows_its_password(api: httpx.Client) -> None:
    instances = api.get("/instances").json()["instances"]
    with_password = [i for i in instances if "default_password" in i]
    assert len(with_password) == 1
    assert with_password[0]["status"] == "pending"


# -- filters --------------------------------------------------------------------------------


def _ids(api: httpx.Client, route: str, key: str, **params: str) -> list[str]:
    return [item["id"] for item in api.get(route, params=params).json()[key]]


def test_instance_filters(api: httpx.Client) -> None:
    instances = api.get("/instances").json()["instances"]
    target = next(i for i in instances if i["firewall_group_id"])
    for field in ("label", "main_ip", "region", "firewall_group_id"):
        expected = [i["id"] for i in instances if i[field] == target[field]]
        assert _ids(api, "/instances", "instances", **{field: target[field]}) == expected, field
    tagged = [i["id"] for i in instances if "team:data" in i["tags"]]
    assert tagged
    assert _ids(api, "/instances", "instances", tag="team:data") == tagged
    assert _ids(api, "/instances", "instances", tag="no-such-tag") == []


def test_plan_filters(api: httpx.Client) -> None:
    types = {p["type"] for p in api.get("/plans", params={"type": "voc"}).json()["plans"]}
    assert types
    assert all(t.startswith("voc-") for t in types)
    assert {p["type"] for p in api.get("/plans", params={"type": "vhf"}).json()["plans"]} == {"vhf"}
    everything = api.get("/plans").json()["meta"]["total"]
    assert api.get("/plans", params={"type": "all"}).json()["meta"]["total"] == everything
    windows = api.get("/plans", params={"os": "windows"}).json()["plans"]
    assert windows
    assert all(plan["ram"] >= 2048 for plan in windows)
    assert len(windows) < everything


def test_database_filters(api: httpx.Client) -> None:
    databases = api.get("/databases").json()["databases"]
    assert [
        db["label"] for db in api.get("/databases", params={"region": "ewr"}).json()["databases"]
    ] == [db["label"] for db in databases if db["region"] == "EWR"]
    assert {
        db["tag"] for db in api.get("/databases", params={"tag": "prod"}).json()["databases"]
    } == {"prod"}
    assert len(api.get("/databases", params={"label": "orders-pg"}).json()["databases"]) == 1
    assert api.get("/databases", params={"engine": "pg"}).json()["meta"]["total"] == len(databases)


def test_database_plan_filters(api: httpx.Client) -> None:
    plans = api.get("/databases/plans", params={"engine": "valkey"}).json()["plans"]
    assert plans
    assert all(plan["supported_engines"]["valkey"] for plan in plans)
    assert all("disk" not in plan for plan in plans)
    three = api.get("/databases/plans", params={"nodes": 3}).json()["plans"]
    assert three
    assert all(plan["number_of_nodes"] == 3 for plan in three)
    assert api.get("/databases/plans", params={"region": "ams"}).json()["plans"]
    assert api.get("/databases/plans", params={"region": "hnl"}).json()["plans"] == []
    assert api.get("/databases/plans", params={"nodes": "many"}).status_code == 400


def test_snapshot_description_filter(api: httpx.Client) -> None:
    snapshot = api.get("/snapshots").json()["snapshots"][2]
    found = api.get("/snapshots", params={"description": snapshot["description"]}).json()
    assert snapshot in found["snapshots"]
    assert found["meta"]["total"] == len(found["snapshots"])


# -- writes: 204 and state changes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "power_status"), [("halt", "stopped"), ("start", "running"), ("reboot", "running")]
)
def test_power_actions_answer_204_and_change_state(
    api: httpx.Client, action: str, power_status: str
) -> None:
    instances = api.get("/instances").json()["instances"]
    instance = next(i for i in instances if i["power_status"] != power_status or action == "reboot")
    response = api.post(f"/instances/{instance['id']}/{action}")
    assert response.status_code == 204
    assert response.content == b""
    assert (
        api.get(f"/instances/{instance['id']}").json()["instance"]["power_status"] == power_status
    )


def test_delete_answers_204_and_removes_the_instance(api: httpx.Client) -> None:
    before = api.get("/instances").json()
    block = next(b for b in api.get("/blocks").json()["blocks"] if b["attached_to_instance"])
    victim = block["attached_to_instance"]
    response = api.delete(f"/instances/{victim}")
    assert response.status_code == 204
    assert response.content == b""
    assert api.get(f"/instances/{victim}").status_code == 404
    after = api.get("/instances").json()
    assert after["meta"]["total"] == before["meta"]["total"] - 1
    assert victim not in {i["id"] for i in after["instances"]}
    assert api.get(f"/blocks/{block['id']}").json()["block"]["attached_to_instance"] == ""
    assert api.delete(f"/instances/{victim}").status_code == 404


def test_actions_on_unknown_instances_are_404(api: httpx.Client) -> None:
    assert api.post("/instances/nope/halt").status_code == 404


# -- legacy engine names, secrets ----------------------------------------------------------------


def test_legacy_engine_names() -> None:
    with make_client(Simulator(legacy_engine_names=True, now=NOW)) as client:
        databases = client.get("/databases").json()["databases"]
        legacy = [db for db in databases if db["database_engine"] == "redis"]
        assert legacy
        assert all("redis_eviction_policy" in db and "eviction_policy" not in db for db in legacy)
        assert not any(db["database_engine"] == "valkey" for db in databases)
        single = client.get(f"/databases/{legacy[0]['id']}").json()["database"]
        assert single["database_engine"] == "redis"
        users = client.get(f"/databases/{legacy[0]['id']}/users").json()["users"]
        assert all(
            set(u["access_control"])
            == {
                "redis_acl_categories",
                "redis_acl_channels",
                "redis_acl_commands",
                "redis_acl_keys",
            }
            for u in users
        )
        plans = client.get("/databases/plans", params={"engine": "redis"}).json()["plans"]
        assert plans
        assert all(plan["supported_engines"]["redis"] for plan in plans)


def test_current_engine_names_by_default(api: httpx.Client) -> None:
    valkey = next(
        db for db in api.get("/databases").json()["databases"] if db["database_engine"] == "valkey"
    )
    users = api.get(f"/databases/{valkey['id']}/users").json()["users"]
    assert all("acl_keys" in user["access_control"] for user in users)


SECRET_FIELDS = frozenset(
    {
        "password",
        "default_password",
        "ca_certificate",
        "access_key",
        "access_cert",
        "s3_access_key",
        "s3_secret_key",
        "api_key",
    }
)
SECRET_ROUTES_PER_DATABASE = ("", "/users")


def _every_body(client: httpx.Client) -> list[Any]:
    """Every response of every read route, for every object that has sub-routes."""
    bodies: list[Any] = []
    for route in (
        "/account",
        "/instances",
        "/bare-metals",
        "/databases",
        "/object-storage",
        "/registries",
        "/inference",
        "/blocks",
        "/kubernetes/clusters",
        "/load-balancers",
    ):
        bodies.append(client.get(route).json())
    for db in client.get("/databases").json()["databases"]:
        for sub in SECRET_ROUTES_PER_DATABASE:
            bodies.append(client.get(f"/databases/{db['id']}{sub}").json())
    for registry in client.get("/registries").json()["registries"]:
        bodies.append(client.get(f"/registry/{registry['id']}").json())
    return bodies


def _secrets(body: Any) -> list[tuple[str, str]]:
    """(field name, value) of every secret-named field, found anywhere in a body."""
    return [(key, value) for key, value in _strings(body) if key in SECRET_FIELDS]


def _strings(node: Any, key: str = "") -> list[tuple[str, str]]:
    """(field name, value) of every string in a body; list items take their list's name."""
    if isinstance(node, dict):
        return [pair for name, value in node.items() for pair in _strings(value, name)]
    if isinstance(node, list):
        return [pair for value in node for pair in _strings(value, key)]
    return [(key, node)] if isinstance(node, str) else []


def test_secret_sentinel_is_in_every_secret_field() -> None:
    sentinel = "SENTINEL-7f3a"
    with make_client(Simulator(secret_sentinel=sentinel, now=NOW)) as client:
        bodies = _every_body(client)
    secrets = [pair for body in bodies for pair in _secrets(body)]
    assert {name for name, _ in secrets} == SECRET_FIELDS
    assert all(sentinel in value for _, value in secrets)
    leaked = [(key, value) for body in bodies for key, value in _strings(body) if sentinel in value]
    assert {key for key, _ in leaked} <= SECRET_FIELDS


def test_without_sentinel_secrets_look_real(api: httpx.Client) -> None:
    secrets = [pair for body in _every_body(api) for pair in _secrets(body)]
    assert secrets
    assert all("SENTINEL" not in value for _, value in secrets)
    db = api.get("/databases").json()["databases"][0]
    assert db["password"].startswith("AVNS_")
    assert db["ca_certificate"].startswith("-----BEGIN CERTIFICATE-----")


def test_sentinel_changes_secrets_only() -> None:
    plain = Simulator(now=NOW).organisation
    marked = Simulator(secret_sentinel="S3CRET", now=NOW).organisation
    assert [i["label"] for i in plain.instances] == [i["label"] for i in marked.instances]
    assert plain.account == marked.account
