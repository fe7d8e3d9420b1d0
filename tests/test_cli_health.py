"""``health`` and ``test`` on the command line: JSON shapes, tables, DESIGN.md's exit codes,
one-line errors and no secret anywhere in the output."""

from __future__ import annotations

import json

import pytest
import valkey

from tests.cli_support import run_cli
from vultr_core.cli import DEMO_NOTICE

PASSWORD_SENTINEL = "pw-SENTINEL-91ab"
CLOSED_POSTGRES = f"postgresql://monitor:{PASSWORD_SENTINEL}@127.0.0.1:1/app"


@pytest.fixture
def servers(postgres_url: str, valkey_url: str, valkey_client: valkey.Valkey) -> dict[str, str]:
    """Demo mode (simulated Vultr) watching the test PostgreSQL and Valkey."""
    return {"DATABASE_URL": postgres_url, "VALKEY_URL": valkey_url}


def test_health_json_lists_every_service_up_and_exits_0(servers: dict[str, str]) -> None:
    code, out, err = run_cli("health", "--json", environ=servers)
    assert (code, err) == (0, "")
    document = json.loads(out)
    services = {s["service"]: s for s in document["services"]}
    assert list(services) == ["postgres", "valkey", "management", "inference"]
    assert {s["status"] for s in services.values()} == {"up"}
    postgres = services["postgres"]
    assert postgres["label"] == "PostgreSQL"
    assert postgres["latency_ms"] > 0
    assert postgres["figures"]["latency_ms_p95"] >= postgres["figures"]["latency_ms_p50"]
    assert {c["verdict"] for c in postgres["checks"]} <= {"ok", "unavailable"}
    assert services["management"]["key_figure"].startswith("Account ")


def test_health_text_is_a_table_a_person_reads(servers: dict[str, str]) -> None:
    code, out, _ = run_cli("health", environ=servers)
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["SERVICE", "STATUS", "LATENCY", "FIGURE", "REASON"]
    assert lines[1].startswith("PostgreSQL")
    assert " UP " in lines[1]
    assert lines[3].startswith("Management API")


def test_health_exits_1_when_a_service_is_down_and_names_why(
    valkey_url: str, valkey_client: valkey.Valkey
) -> None:
    code, out, err = run_cli(
        "health", "--json", environ={"DATABASE_URL": CLOSED_POSTGRES, "VALKEY_URL": valkey_url}
    )
    assert (code, err) == (1, "")
    services = {s["service"]: s for s in json.loads(out)["services"]}
    assert services["postgres"]["status"] == "down"
    assert "Connection refused" in services["postgres"]["reason"]
    assert services["valkey"]["status"] == "up"
    assert PASSWORD_SENTINEL not in out


@pytest.mark.parametrize(
    ("url", "line"),
    [
        (
            f"postgresql://u:{PASSWORD_SENTINEL}@db.example/app?sslmode=sometimes",
            "configuration error: DATABASE_URL has sslmode='sometimes'",
        ),
        (
            f"mysql://u:{PASSWORD_SENTINEL}@db.example/app",
            "configuration error: DATABASE_URL must start with",
        ),
    ],
)
@pytest.mark.parametrize("command", ["health", "test"])
def test_a_malformed_setting_exits_2_with_one_line_on_stderr(
    command: str, url: str, line: str
) -> None:
    code, out, err = run_cli(command, "--json", environ={"DATABASE_URL": url})
    assert (code, out) == (2, "")
    assert err.startswith(line)
    assert err.count("\n") == 1
    assert PASSWORD_SENTINEL not in err


def test_test_passes_every_round_trip_and_exits_0(servers: dict[str, str]) -> None:
    code, out, err = run_cli("test", "--json", environ=servers)
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["all_passed"] is True
    assert [(r["service"], r["passed"]) for r in document["results"]] == [
        ("postgres", True),
        ("valkey", True),
        ("management", True),
        ("inference", True),
    ]


def test_test_exits_1_when_a_round_trip_fails(
    valkey_url: str, valkey_client: valkey.Valkey
) -> None:
    code, out, err = run_cli(
        "test", environ={"DATABASE_URL": CLOSED_POSTGRES, "VALKEY_URL": valkey_url}
    )
    assert (code, err) == (1, DEMO_NOTICE + "\n")
    lines = out.splitlines()
    assert lines[0].split() == ["SERVICE", "RESULT", "TIME", "DETAIL"]
    assert lines[1].split()[:2] == ["PostgreSQL", "FAIL"]
    assert lines[2].split()[:2] == ["Valkey", "PASS"]
    assert PASSWORD_SENTINEL not in out


def test_a_degraded_service_is_reported_and_still_exits_0(
    servers: dict[str, str], valkey_client: valkey.Valkey
) -> None:
    """allkeys-lru may evict tag sets: Valkey is degraded, not down (maxmemory stays 0, so
    nothing is actually evicted on the shared test server while the policy is changed)."""
    (policy,) = valkey_client.config_get("maxmemory-policy").values()
    valkey_client.config_set("maxmemory-policy", "allkeys-lru")
    try:
        code, out, err = run_cli("health", environ=servers)
    finally:
        valkey_client.config_set("maxmemory-policy", policy)
    assert (code, err) == (0, DEMO_NOTICE + "\n")
    valkey_line = next(line for line in out.splitlines() if line.startswith("Valkey"))
    assert " DEGRADED " in valkey_line
    assert "  Valkey: eviction policy: allkeys-lru may evict any key, tag sets included" in out
