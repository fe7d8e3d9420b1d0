"""check_health, test_services and get_stats: every service at once against real PostgreSQL
and Valkey and the simulated Vultr over HTTP; one failing service never stops the others."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
import valkey

from tests.conftest import FIXED_NOW
from tests.fault_servers import silent_server
from vultr_core.config import Secret, Settings
from vultr_core.health import checks, registry, service_health, service_tests, stats
from vultr_core.health.history import HealthSample, MemoryHistory, ValkeyStreamHistory
from vultr_core.health.probing import CheckResult
from vultr_core.health.valkey import connect_valkey
from vultr_core.simulator import DEMO_API_KEY, Faults, Simulator, SimulatorServer
from vultr_core.simulator.core import DEMO_INFERENCE_KEY

PASSWORD_SENTINEL = "pw-SENTINEL-c0de"


@pytest.fixture
def served() -> Iterator[tuple[Simulator, SimulatorServer]]:
    simulator = Simulator(size="small", now=FIXED_NOW)
    with simulator.serve() as server:
        yield simulator, server


def real_settings(
    served: tuple[Simulator, SimulatorServer],
    postgres_url: str | None,
    valkey_url: str | None,
    *,
    inference_key: str | None = DEMO_INFERENCE_KEY,
) -> Settings:
    """Settings as a team with keys would have them, pointed at the test servers."""
    base = served[1].base_url
    return Settings(
        management_api_key=Secret(DEMO_API_KEY),
        management_api_url=f"{base}/v2",
        inference_api_key=Secret(inference_key) if inference_key else None,
        inference_api_url=f"{base}/v1",
        database_url=Secret(postgres_url) if postgres_url else None,
        valkey_url=Secret(valkey_url) if valkey_url else None,
    )


def test_every_service_up_with_its_latency_figure_and_a_sample_each(
    served: tuple[Simulator, SimulatorServer],
    postgres_url: str,
    valkey_url: str,
    valkey_client: valkey.Valkey,
) -> None:
    history = MemoryHistory()
    report = checks.check_health(real_settings(served, postgres_url, valkey_url), history=history)

    assert [s.service for s in report.services] == list(service_health.SERVICES)
    assert {s.service: s.status for s in report.services} == dict.fromkeys(
        service_health.SERVICES, "up"
    )
    assert not report.any_down
    for service in report.services:
        assert service.latency_ms is not None
        assert service.latency_ms > 0
    postgres = report.service("postgres")
    assert postgres.key_figure is not None
    assert postgres.key_figure.endswith("connections")
    assert postgres.figures["latency_ms_p50"] <= postgres.figures["latency_ms_p95"]
    assert report.service("valkey").key_figure.endswith("MiB used")  # type: ignore[union-attr]
    account = served[0].organisation.account
    assert report.service("management").key_figure == f"Account {account['name']}"
    assert report.service("inference").figures["models"] > 0
    for name in service_health.SERVICES:
        (sample,) = history.recent(name)
        assert (sample.status, sample.at) == ("up", report.checked_at)


def test_a_closed_port_downs_postgres_alone(
    served: tuple[Simulator, SimulatorServer], valkey_url: str, valkey_client: valkey.Valkey
) -> None:
    closed = f"postgresql://monitor:{PASSWORD_SENTINEL}@127.0.0.1:1/app"
    report = checks.check_health(real_settings(served, closed, valkey_url), history=MemoryHistory())
    postgres = report.service("postgres")
    assert postgres.status == "down"
    assert "Connection refused" in postgres.reason
    assert PASSWORD_SENTINEL not in repr(report)
    assert report.any_down
    others = [s.status for s in report.services if s.service != "postgres"]
    assert others == ["up", "up", "up"]


def test_a_hung_api_is_down_at_its_timeout_and_the_rest_still_report(
    served: tuple[Simulator, SimulatorServer],
    postgres_url: str,
    valkey_url: str,
    valkey_client: valkey.Valkey,
) -> None:
    served[0].faults = Faults(path_prefix="/v2", hang_s=5.0)
    report = checks.check_health(
        real_settings(served, postgres_url, valkey_url),
        timeouts_s={"management": 0.5},
        history=MemoryHistory(),
    )
    management = report.service("management")
    assert (management.status, management.reason) == ("down", "No answer within 0.5 s")
    assert management.latency_ms is None
    assert [report.service(n).status for n in ("postgres", "valkey", "inference")] == ["up"] * 3


def test_a_silent_valkey_is_down_within_its_timeout(
    served: tuple[Simulator, SimulatorServer], postgres_url: str
) -> None:
    with silent_server() as silent:
        settings = real_settings(served, postgres_url, f"redis://127.0.0.1:{silent.port}/0")
        report = checks.check_health(
            settings,
            services=["postgres", "valkey"],
            timeouts_s={"valkey": 1.0},
            history=MemoryHistory(),
        )
    valkey_health = report.service("valkey")
    assert (valkey_health.status, valkey_health.reason) == ("down", "No answer within 1 s")
    assert report.service("postgres").status == "up"


def test_a_wrong_inference_key_downs_inference_with_the_apis_reason(
    served: tuple[Simulator, SimulatorServer],
    postgres_url: str,
    valkey_url: str,
    valkey_client: valkey.Valkey,
) -> None:
    settings = real_settings(served, postgres_url, valkey_url, inference_key=PASSWORD_SENTINEL)
    report = checks.check_health(settings, services=["inference"], history=MemoryHistory())
    (inference,) = report.services
    assert inference.status == "down"
    assert inference.reason == "GET /v1/models failed with HTTP 401: Invalid API key"
    assert PASSWORD_SENTINEL not in repr(report)


def test_a_malformed_database_url_is_a_configuration_error_for_postgres_only(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    url = f"postgresql://u:{PASSWORD_SENTINEL}@db.example/app?sslmode=sometimes"
    settings = real_settings(served, url, None, inference_key=None)
    report = checks.check_health(settings, history=MemoryHistory())
    postgres = report.service("postgres")
    assert postgres.misconfigured
    assert postgres.status == "down"
    assert "DATABASE_URL has sslmode='sometimes'" in postgres.reason
    assert PASSWORD_SENTINEL not in postgres.reason
    assert report.service("management").status == "up"


def test_with_a_real_key_unset_services_are_not_configured(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    report = checks.check_health(
        real_settings(served, None, None, inference_key=None), history=MemoryHistory()
    )
    statuses = {s.service: s.status for s in report.services}
    assert statuses == {
        "postgres": "not configured",
        "valkey": "not configured",
        "management": "up",
        "inference": "not configured",
    }
    assert report.service("postgres").reason == "Set DATABASE_URL to watch your PostgreSQL"
    assert report.service("postgres").stand_in is None
    # What the app uses instead is named, with the setting that makes it watch the real one.
    valkey, inference = report.service("valkey"), report.service("inference")
    assert (valkey.stand_in, inference.stand_in) == ("Local throwaway", "Simulated")
    assert valkey.reason == (
        "Cache Tools use a throwaway Valkey on this machine, which is not watched. "
        "Set VALKEY_URL to watch your Valkey."
    )
    assert inference.reason.startswith("Inference Chat answers from the simulator")
    assert inference.reason.endswith("Set VULTR_INFERENCE_API_KEY to check Serverless Inference.")
    assert not report.any_down


def test_a_refused_management_key_carries_the_setting_to_check(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    settings = dataclasses.replace(
        real_settings(served, None, None), management_api_key=Secret("not-the-key")
    )
    report = checks.check_health(settings, services=["management"], history=MemoryHistory())
    (management,) = report.services
    assert management.status == "down"
    assert "HTTP 401" in management.reason
    assert management.advice == "Vultr refused the API key: check VULTR_API_KEY."


def test_valkey_refusing_info_is_still_up_and_says_what_is_missing(
    served: tuple[Simulator, SimulatorServer],
    postgres_url: str,
    valkey_url: str,
    valkey_client: valkey.Valkey,
) -> None:
    name, secret = f"vd-test-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    valkey_client.execute_command(
        "ACL", "SETUSER", name, "on", f">{secret}", "~*", "&*", "+@all", "-info"
    )
    parts = urlsplit(valkey_url)
    restricted = urlunsplit(parts._replace(netloc=f"{name}:{secret}@{parts.netloc}"))
    try:
        report = checks.check_health(
            real_settings(served, postgres_url, restricted),
            services=["valkey"],
            history=MemoryHistory(),
        )
    finally:
        valkey_client.execute_command("ACL", "DELUSER", name)
    (valkey_health,) = report.services
    assert valkey_health.status == "up"
    unavailable = [c.name for c in valkey_health.checks if c.verdict == "unavailable"]
    assert len(unavailable) == 5
    assert valkey_health.reason.startswith("All 1 checks pass; 5 not available here: ")
    assert all(name in valkey_health.reason for name in unavailable)
    assert valkey_health.figures["unavailable"]["server info"].startswith(
        "not available on this service"
    )


# --- active round trips --------------------------------------------------------------------


def test_every_round_trip_passes_and_leaves_nothing_behind(
    served: tuple[Simulator, SimulatorServer],
    postgres_url: str,
    valkey_url: str,
    valkey_client: valkey.Valkey,
) -> None:
    report = service_tests.test_services(real_settings(served, postgres_url, valkey_url))
    assert [(r.service, r.passed) for r in report.results] == [
        (name, True) for name in service_health.SERVICES
    ]
    assert report.all_passed
    assert all(r.latency_ms is not None for r in report.results)
    assert valkey_client.keys("vultr-dashboard:health-test:*") == []


def test_a_failed_round_trip_fails_alone_and_unset_ones_are_skipped(
    served: tuple[Simulator, SimulatorServer], valkey_url: str, valkey_client: valkey.Valkey
) -> None:
    settings = real_settings(
        served, "postgresql://monitor@127.0.0.1:1/app", valkey_url, inference_key=None
    )
    report = service_tests.test_services(settings)
    passed = {r.service: r.passed for r in report.results}
    assert passed == {"postgres": False, "valkey": True, "management": True, "inference": None}
    assert not report.all_passed
    assert "Connection refused" in report.results[0].detail


def test_get_stats_reads_the_pools_without_the_network(
    served: tuple[Simulator, SimulatorServer],
    postgres_url: str,
    valkey_url: str,
    valkey_client: valkey.Valkey,
) -> None:
    settings = real_settings(served, postgres_url, valkey_url)
    checks.check_health(settings, services=["postgres", "valkey"], history=MemoryHistory())
    connection_stats = stats.get_stats(settings)
    assert connection_stats.postgres is not None
    assert connection_stats.postgres.counters["requests_num"] >= 1
    assert connection_stats.postgres.counters["pool_max"] == 4
    assert connection_stats.valkey is not None
    assert connection_stats.valkey["created"] >= 1


# --- history ---------------------------------------------------------------------------------


def sample(service: str, minutes: int, latency_ms: float | None = 1.0) -> HealthSample:
    at = datetime(2026, 11, 17, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)
    status = "up" if latency_ms is not None else "down"
    return HealthSample(at, service, status, latency_ms, None if latency_ms is None else 2.0)


def test_the_stream_history_keeps_samples_in_order_and_capped(
    valkey_url: str, valkey_client: valkey.Valkey
) -> None:
    history = ValkeyStreamHistory(connect_valkey(valkey_url), max_samples=10)
    history.append(sample("postgres", minute) for minute in range(300))
    history.append([sample("valkey", 0, None)])

    recent = history.recent("postgres", limit=3)
    assert [s.at.minute for s in recent] == [57, 58, 59]  # minutes 297..299 after 12:00 + 4 h
    assert recent[-1] == sample("postgres", 299)
    # MAXLEN ~ trims whole stream nodes (100 entries each): the cap holds within one node.
    assert valkey_client.xlen(history.key("postgres")) <= 10 + 100
    assert history.recent("valkey") == [sample("valkey", 0, None)]


def test_the_stream_history_falls_back_to_memory_when_valkey_is_gone() -> None:
    memory = MemoryHistory()
    history = ValkeyStreamHistory(
        connect_valkey("redis://127.0.0.1:1/0", connect_timeout_s=0.2), memory=memory
    )
    history.append([sample("postgres", 1)])
    assert history.recent("postgres") == [sample("postgres", 1)]
    assert memory.recent("postgres") == [sample("postgres", 1)]


def test_several_replicas_share_one_history_through_valkey(
    served: tuple[Simulator, SimulatorServer],
    postgres_url: str,
    valkey_url: str,
    valkey_client: valkey.Valkey,
) -> None:
    settings = real_settings(served, postgres_url, valkey_url)
    checks.check_health(settings, services=["postgres"])
    other_replica = ValkeyStreamHistory(connect_valkey(valkey_url), memory=MemoryHistory())
    (seen,) = other_replica.recent("postgres")
    assert seen.status == "up"
    assert seen.latency_ms is not None


def test_without_valkey_the_history_stays_in_process(
    served: tuple[Simulator, SimulatorServer],
) -> None:
    settings = real_settings(served, None, None)
    assert isinstance(registry.health_history(settings), MemoryHistory)


def test_checks_that_cannot_run_here_are_named_with_why() -> None:
    judged = checks._judged(
        "postgres",
        (
            CheckResult("connections", "ok", "12 of 97 in use"),
            CheckResult("cache hit rate", "unavailable", "Not enough table reads yet to judge"),
        ),
        latency_ms=1.0,
        key_figure=None,
        figures={},
    )
    assert judged.reason == (
        "All 1 checks pass; 1 not available here: cache hit rate (not enough table reads yet "
        "to judge)"
    )
