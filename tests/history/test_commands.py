"""The history commands in demo mode: what they print and how they exit."""

from __future__ import annotations

import json

import pytest

from tests.cli_support import run_cli

pytestmark = pytest.mark.servers


def test_snapshot_then_changes_then_budget(history_database_url: str) -> None:
    environ = {"HISTORY_DATABASE_URL": history_database_url}
    code, out, err = run_cli("snapshot", "--json", environ=environ)
    assert (code, err) == (0, "")
    document = json.loads(out)
    assert document["status"] in ("taken", "already_taken")
    assert document["resources"] > 0

    code, out, err = run_cli("changes", "--since", "90d", "--json", environ=environ)
    assert (code, err) == (0, "")
    changes = json.loads(out)["changes"]
    assert {"created", "destroyed", "resized", "stopped", "started", "retagged"} <= {
        change["kind"] for change in changes
    }
    assert all(
        change["sentence"].endswith(change["at"][:0] or change["sentence"][-6:])
        for change in changes
    )

    code, out, _ = run_cli("changes", "--since", "90d", "--kind", "resized", environ=environ)
    assert code == 0
    assert "resized" in out
    assert "created " not in out

    code, out, _ = run_cli(
        "budget", environ=environ | {"BUDGETS": "total=1; tag:team:data=1000000"}
    )
    assert code == 1
    assert "OVER" in out
    assert "All spend: " in out
    assert "over budget since" in out

    code, out, _ = run_cli("budget", "--json", environ=environ | {"BUDGETS": "total=10000000"})
    assert code == 0
    assert json.loads(out)["budgets"][0]["over"] is False


def test_budget_without_budgets_says_how_to_set_them(history_database_url: str) -> None:
    code, out, _ = run_cli("budget", environ={"HISTORY_DATABASE_URL": history_database_url})
    assert code == 0
    assert out.startswith("No budgets set: set BUDGETS")


def test_alerts_dry_run_exits_1_when_something_would_fire(history_database_url: str) -> None:
    environ = {"HISTORY_DATABASE_URL": history_database_url}
    code, out, err = run_cli("alerts", "--dry-run", "--json", environ=environ)
    assert (code, err) == (1, "")
    document = json.loads(out)
    assert document["dry_run"] is True
    assert document["fired"]
    code, _, _ = run_cli("alerts", "--dry-run", environ=environ)
    assert code == 1  # a dry run records nothing: the same alerts would still fire


def test_a_bad_since_is_a_usage_error(history_database_url: str) -> None:
    code, out, err = run_cli(
        "changes", "--since", "yesterday", environ={"HISTORY_DATABASE_URL": history_database_url}
    )
    assert (code, out) == (2, "")
    assert "neither a duration (7d, 24h, 2w) nor a date" in err
