"""``python -m vultr_core summary`` against the simulator's large organisation, over HTTP."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from vultr_core.cli import main
from vultr_core.simulator import DEMO_API_KEY, Faults, Simulator, SimulatorServer
from vultr_core.simulator.catalog import DATABASE_PLAN_BY_ID, METAL_PLAN_BY_ID, PLAN_BY_ID


@pytest.fixture(scope="module")
def large() -> Iterator[tuple[Simulator, SimulatorServer]]:
    # The real clock, like the command's: Vultr's books and our estimates share a moment.
    simulator = Simulator(size="large")
    with simulator.serve() as server:
        yield simulator, server


def run(server: SimulatorServer, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    environ = {"VULTR_API_KEY": DEMO_API_KEY, "VULTR_API_URL": f"{server.base_url}/v2"}
    status = main(
        ["summary", *args],
        environ=environ,
        secrets_path=tmp_path / "absent.toml",
        stdout=out,
        stderr=err,
    )
    return status, out.getvalue(), err.getvalue()


def test_summary_json_of_the_large_organisation(
    large: tuple[Simulator, SimulatorServer], tmp_path: Path
) -> None:
    simulator, server = large
    organisation = simulator.organisation
    simulator.clear_log()
    status, out, err = run(server, tmp_path, "--json")
    assert (status, err) == (0, "")
    summary = json.loads(out)

    assert summary["account_name"] == organisation.account["name"]
    assert summary["month_to_date_usd"] == organisation.account["pending_charges"]
    assert summary["balance_usd"] == organisation.account["balance"] < 0
    assert summary["forecast_usd"] >= summary["month_to_date_usd"]
    assert summary["forecast_explanation"]

    databases = [d for p in organisation.databases for d in (p, *p["read_replicas"])]
    expected_run_rate = {
        "Compute": sum(PLAN_BY_ID[i["plan"]].monthly_cost for i in organisation.instances),
        "Managed Databases": sum(DATABASE_PLAN_BY_ID[d["plan"]].monthly_cost for d in databases),
        "Bare Metal": sum(
            METAL_PLAN_BY_ID[m["plan"]].monthly_cost for m in organisation.bare_metals
        ),
        "Kubernetes": sum(
            PLAN_BY_ID[p["plan"]].monthly_cost * p["node_quantity"]
            for c in organisation.kubernetes_clusters
            for p in c["node_pools"]
        ),
        "Block Storage": sum(b["cost"] for b in organisation.blocks),
        "Object Storage": sum(o["tier"]["price"] for o in organisation.object_storages),
        "Snapshots": sum(s["compressed_size"] / 1024**3 * 0.05 for s in organisation.snapshots),
    }
    assert summary["run_rate_by_category"] == pytest.approx(expected_run_rate, abs=0.01)
    assert summary["run_rate_usd"] == pytest.approx(sum(expected_run_rate.values()), abs=0.01)

    counts = summary["resource_counts"]
    assert counts["instances"] == len(organisation.instances) == 2000
    assert counts["databases"] == len(databases)
    assert counts["reserved_ips"] == len(organisation.reserved_ips)

    stopped = sum(
        PLAN_BY_ID[i["plan"]].monthly_cost
        for i in organisation.instances
        if i["power_status"] == "stopped"
    )
    assert summary["waste_by_kind"]["Stopped instance"] == pytest.approx(stopped, abs=0.01)
    assert summary["waste_usd"] == pytest.approx(sum(summary["waste_by_kind"].values()), abs=0.05)
    # Usage is a request per database: only the ten most expensive are asked.
    assert summary["databases_checked_for_idling"] == 10
    usage_requests = [r for r in simulator.request_log if r.path.endswith("/usage")]
    assert len(usage_requests) == 10
    assert {r.method for r in simulator.request_log} == {"GET"}


def test_summary_text_says_credit_in_words(
    large: tuple[Simulator, SimulatorServer], tmp_path: Path
) -> None:
    simulator, server = large
    status, out, _ = run(server, tmp_path)
    assert status == 0
    credit = -simulator.organisation.account["balance"]
    assert f"${credit:,.2f} in credit" in out
    assert "Stopped instance" in out
    assert "naive run-rate" in out


def test_an_api_failure_is_one_line_and_exit_status_1(
    large: tuple[Simulator, SimulatorServer], tmp_path: Path
) -> None:
    simulator, server = large
    simulator.faults = Faults(path_prefix="/v2/account", status_code=403)
    try:
        status, out, err = run(server, tmp_path, "--json")
    finally:
        simulator.faults = Faults()
    assert (status, out) == (1, "")
    assert err.startswith("error: ")
    assert err.count("\n") == 1
    assert DEMO_API_KEY not in err
