"""The HTTP API over real HTTP against a simulated Vultr: every route's status and body, the
error shapes, the access rules, single-flight, and no secret in any answer."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from prometheus_client.parser import text_string_to_metric_families

from tests.web.conftest import (
    SENTINELS,
    TOKEN,
    ServedApi,
    deployment,
    serve_routes,
)
from vultr_core.simulator import Simulator
from vultr_core.simulator.faults import ALWAYS
from vultr_core.web.openapi import openapi_document

ROUTES = [
    "/api/vultr/health",
    "/api/vultr/stats",
    "/api/vultr/management/account",
    "/api/vultr/management/databases",
    "/api/vultr/management/valkey",
    "/api/vultr/management/instances",
    "/api/vultr/management/summary",
    "/metrics",
    "/api/vultr/openapi.json",
]


def primaries(simulator: Simulator) -> list[dict[str, Any]]:
    return list(simulator.organisation.databases)


def assert_no_secret(answer: httpx.Response) -> None:
    assert not [s for s in SENTINELS if s in answer.text], answer.request.url


def assert_problem(answer: httpx.Response, status: int, says: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-store"
    error = answer.json()["error"]
    assert set(error) == {"type", "message"}
    assert says in error["message"], error
    assert "Traceback" not in answer.text


@pytest.mark.parametrize("path", ROUTES)
def test_every_route_answers_without_store_and_without_secrets(api: ServedApi, path: str) -> None:
    answer = api.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert_no_secret(answer)


def test_stats_hold_the_pools_the_service_figures_and_the_inference_budget(
    api: ServedApi,
) -> None:
    stats = api.get("/api/vultr/stats").json()
    assert set(stats) == {"pools", "services", "inference_requests_per_minute"}
    assert set(stats["services"]) == {"postgres", "valkey", "management", "inference"}
    assert stats["inference_requests_per_minute"] == 60


def test_account_and_summary_are_the_simulated_account(api: ServedApi) -> None:
    account = api.simulator.organisation.account
    got = api.get("/api/vultr/management/account").json()
    assert got["name"] == account["name"]
    assert got["balance_usd"] == float(account["balance"])
    summary = api.get("/api/vultr/management/summary").json()
    assert summary["month_to_date_usd"] == pytest.approx(float(account["pending_charges"]))
    assert sum(summary["resource_counts"].values()) > 0


def test_every_management_record_says_it_is_not_the_demo(api: ServedApi) -> None:
    """With a key, every record is the account's: ``"demo": false``, as in the CLI's --json."""
    database = primaries(api.simulator)[0]["id"]
    for path in (
        "/api/vultr/management/account",
        "/api/vultr/management/summary",
        f"/api/vultr/management/databases/{database}",
        f"/api/vultr/management/databases/{database}/health",
    ):
        assert api.get(path).json()["demo"] is False, path
    for path in ("databases", "valkey", "instances"):
        rows = api.get(f"/api/vultr/management/{path}").json()
        assert rows, path
        assert all(row["demo"] is False for row in rows), path


def test_databases_valkey_and_instance_filters(api: ServedApi) -> None:
    organisation = api.simulator.organisation
    databases = api.get("/api/vultr/management/databases").json()
    assert {d["id"] for d in databases} == {d["id"] for d in primaries(api.simulator)}
    valkey = api.get("/api/vultr/management/valkey").json()
    assert valkey
    assert {d["engine"] for d in valkey} == {"valkey"}
    region = organisation.instances[0]["region"]
    in_region = api.get("/api/vultr/management/instances", params={"region": region}).json()
    expected = {i["id"] for i in organisation.instances if i["region"] == region}
    assert {i["id"] for i in in_region} == expected


def test_one_database_and_its_verdict(api: ServedApi) -> None:
    database = primaries(api.simulator)[0]
    detail = api.get(f"/api/vultr/management/databases/{database['id']}").json()
    assert detail["database"]["id"] == database["id"]
    assert set(detail) == {"database", "usage", "alerts", "backups", "maintenance", "demo"}
    health = api.get(f"/api/vultr/management/databases/{database['id']}/health").json()
    assert health["id"] == database["id"]
    assert health["verdict"] in ("healthy", "warning", "critical")
    assert all(set(reason) == {"severity", "text"} for reason in health["reasons"])


@pytest.mark.parametrize(
    ("path", "status", "says"),
    [
        ("/api/vultr/management/databases/..%2Finstances", 404, "No such route"),
        ("/api/vultr/management/databases/%2E%2E", 400, "letters, digits and dashes"),
        ("/api/vultr/nothing-here", 404, "No such route"),
        ("/api/vultr/management/databases/a;b", 400, "letters, digits and dashes"),
        ("/api/vultr/management/instances?region=%3Cscript%3E", 400, "short code"),
        ("/api/vultr/management/instances?sort=cost", 400, "region and tag"),
        (
            "/api/vultr/management/databases/00000000-0000-0000-0000-000000000000",
            404,
            "No database 00000000-0000-0000-0000-000000000000",
        ),
    ],
)
def test_bad_input_is_a_json_error(api: ServedApi, path: str, status: int, says: str) -> None:
    assert_problem(api.get(path), status, says)
    if status == 400:
        assert not [r for r in api.simulator.request_log if r.path.startswith("/v2/databases/")]


def test_other_methods_are_refused_in_json(api: ServedApi) -> None:
    answer = httpx.delete(api.url + "/api/vultr/management/account", timeout=10)
    assert_problem(answer, 405, "Only GET")
    assert answer.headers["allow"] == "GET"
    assert_problem(httpx.get(api.url + "/api/vultr/test", timeout=10), 405, "Only POST")


@pytest.mark.parametrize(
    ("knobs", "status", "says"),
    [
        ({"status_code": 500}, 502, "HTTP 500"),
        ({"status_code": 429, "retry_after_s": 0.1}, 502, "HTTP 429"),
        ({"hang_s": 3.0}, 504, "timed out"),
        ({"malformed_count": ALWAYS}, 502, "JSON"),
    ],
)
def test_vultr_failing_is_a_gateway_error(
    api: ServedApi, knobs: dict[str, Any], status: int, says: str
) -> None:
    api.simulator.set_faults(path_prefix="/v2/account", **knobs)
    answer = api.get("/api/vultr/management/account")
    assert_problem(answer, status, says)
    assert_no_secret(answer)


def test_health_is_503_when_a_service_is_down(api: ServedApi) -> None:
    api.simulator.set_faults(path_prefix="/v2/account", status_code=500)
    answer = api.get("/api/vultr/health")
    assert answer.status_code == 503
    services = {s["service"]: s["status"] for s in answer.json()["services"]}
    assert services["management"] == "down"
    assert services["inference"] == "up"


def test_a_hundred_callers_cause_one_read_of_vultr(api: ServedApi) -> None:
    paths = ["/api/vultr/management/summary", "/api/vultr/management/account"] * 50
    with ThreadPoolExecutor(max_workers=100) as pool:
        answers = list(pool.map(api.get, paths))
    assert {a.status_code for a in answers} == {200}
    account_reads = [r for r in api.simulator.request_log if r.path == "/v2/account"]
    # One read for the summary document, one for the account document.
    assert len(account_reads) <= 2


def test_health_checks_run_once_however_many_monitors_poll(api: ServedApi) -> None:
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(pool.map(api.get, ["/api/vultr/health"] * 50))
    assert {a.status_code for a in answers} == {200}
    models = [r for r in api.simulator.request_log if r.path == "/v1/models"]
    assert len(models) == 1


def test_metrics_parse_and_agree_with_the_summary(api: ServedApi) -> None:
    summary = api.get("/api/vultr/management/summary").json()
    text = api.get("/metrics").text
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert samples[("vultr_month_to_date_usd", ())] == pytest.approx(summary["month_to_date_usd"])
    assert samples[("vultr_month_end_forecast_usd", ())] == pytest.approx(summary["forecast_usd"])
    assert samples[("vultr_balance_usd", ())] == pytest.approx(summary["balance_usd"])
    assert samples[("vultr_waste_monthly_usd", ())] == pytest.approx(summary["waste_usd"])
    assert samples[("vultr_demo", ())] == 0
    for category, usd in summary["run_rate_by_category"].items():
        key = ("vultr_run_rate_monthly_usd", (("category", category),))
        assert samples[key] == pytest.approx(usd)
    assert samples[("vultr_service_up", (("service", "management"),))] == 1
    assert ("vultr_service_latency_seconds", (("service", "inference"),)) in samples
    assert any(name == "vultr_api_requests_total" for name, _ in samples)


def test_the_openapi_document_is_valid_and_every_answer_matches_it(api: ServedApi) -> None:
    document = api.get("/api/vultr/openapi.json").json()
    assert document == json.loads(json.dumps(openapi_document()))
    openapi = OpenAPI.from_dict(document)
    database = primaries(api.simulator)[0]["id"]
    paths = [
        *[p for p in ROUTES if p != "/metrics"],
        f"/api/vultr/management/databases/{database}",
        f"/api/vultr/management/databases/{database}/health",
        "/api/vultr/management/databases/00000000-0000-0000-0000-000000000000",
        "/api/vultr/management/instances?region=%3Cscript%3E",
    ]
    for path in paths:
        answer = api.get(path)
        request = MockRequest("http://127.0.0.1", "get", path.split("?")[0])
        openapi.validate_response(
            request, MockResponse(answer.content, status_code=answer.status_code)
        )


def test_with_a_token_only_the_bare_health_status_is_open(vultr: tuple[Simulator, str]) -> None:
    with serve_routes(deployment(vultr[1], DASHBOARD_API_TOKEN=TOKEN)) as url:
        bare = httpx.get(url + "/api/vultr/health", timeout=30)
        assert bare.status_code == 200
        assert bare.json() == {"status": "up"}
        for path in ROUTES[1:]:
            assert_problem(httpx.get(url + path, timeout=10), 401, "Authorization: Bearer")
        wrong = {"Authorization": "Bearer not-the-token"}
        assert_problem(httpx.get(url + ROUTES[2], headers=wrong, timeout=10), 403, "not the one")
        right = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(url + ROUTES[2], headers=right, timeout=30).status_code == 200
        full = httpx.get(url + "/api/vultr/health", headers=right, timeout=30).json()
        assert {s["service"] for s in full["services"]} >= {"management", "inference"}


def test_with_sign_in_and_no_token_the_api_is_off(vultr: tuple[Simulator, str]) -> None:
    with serve_routes(deployment(vultr[1]), sign_in=True) as url:
        for path in ROUTES[1:]:
            assert_problem(httpx.get(url + path, timeout=10), 403, "set DASHBOARD_API_TOKEN")
        assert httpx.get(url + "/api/vultr/health", timeout=30).json() == {"status": "up"}


def counter(text: str, name: str, **labels: str) -> float:
    """A sample's value in a scrape (0 when absent)."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return sample.value
    return 0.0


def test_metrics_count_what_the_app_asked_of_vultr(api: ServedApi) -> None:
    before = api.get("/metrics").text
    # /v2/databases: a path the health checks (rerun every few seconds by a scrape) never read.
    api.simulator.set_faults(path_prefix="/v2/databases", status_code=500, status_count=1)
    assert api.get("/api/vultr/management/databases").status_code == 200
    after = api.get("/metrics").text
    for name, labels, grew_by in [
        ("vultr_api_requests_total", {"api": "management", "status": "500"}, 1),
        ("vultr_api_requests_total", {"api": "management", "status": "200"}, 1),
        ("vultr_api_retries_total", {"api": "management"}, 1),
    ]:
        assert counter(after, name, **labels) - counter(before, name, **labels) == grew_by, name
