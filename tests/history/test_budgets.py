"""Budgets: the BUDGETS setting, and forecasts against hand-made history whose answer is
worked out below."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.cli_support import run_cli
from vultr_core.api.errors import ConfigurationError
from vultr_core.config import Settings
from vultr_core.history.budget_setting import CATEGORY_NAMES, Budget, parse_budgets
from vultr_core.history.budgets import forecast_budgets
from vultr_core.history.records import ResourceState
from vultr_core.history.store import HistoryStore
from vultr_core.history.writer import Diff, apply_diff, write_point
from vultr_core.spend import costs

NOVEMBER = datetime(2026, 11, 1, tzinfo=UTC)
AS_OF = datetime(2026, 11, 10, 0, 5, tzinfo=UTC)


def test_budgets_read_as_written() -> None:
    budgets = parse_budgets(" total=5000 ; tag:team:data=$1,200; category:Managed Databases=300;")
    assert budgets == (
        Budget("total", "", 5000.0),
        Budget("tag", "team:data", 1200.0),
        Budget("category", "Managed Databases", 300.0),
    )
    assert [b.key for b in budgets] == ["total", "tag:team:data", "category:managed-databases"]


def test_the_categories_are_the_spend_models_own() -> None:
    model = (
        costs.COMPUTE,
        costs.BARE_METAL,
        costs.DATABASES,
        costs.KUBERNETES,
        costs.BLOCK_STORAGE,
        costs.OBJECT_STORAGE,
        costs.SNAPSHOTS,
        costs.UNATTRIBUTED,
    )
    assert model == CATEGORY_NAMES


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("total", "is not scope=amount"),
        ("total=-5", "needs a positive amount"),
        ("total=nan", "needs a positive amount"),
        ("total=5; total=6", "has two budgets"),
        ("category:comptue=5", "is not a category; use one of compute, bare-metal"),
        ("region:ewr=5", "names no scope"),
        ("tag:=5", "names no scope"),
        ("\x1b[2J=" + "9" * 5000, "needs a positive amount"),
    ],
)
def test_a_malformed_budget_is_a_configuration_error_naming_the_setting(
    text: str, complaint: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        Settings.from_env({"BUDGETS": text})
    assert caught.value.setting == "BUDGETS"
    assert str(caught.value).startswith("BUDGETS: ")
    assert complaint in str(caught.value)
    assert len(str(caught.value)) < 200
    assert "\x1b[" not in str(caught.value)


def test_the_command_line_stops_at_a_malformed_budget() -> None:
    code, out, err = run_cli("budget", environ={"BUDGETS": "total=lots"})
    assert (code, out) == (2, "")
    assert (
        err
        == "configuration error: BUDGETS: 'total=lots' needs a positive amount in dollars a month\n"
    )


def state(
    resource_id: str, tags: tuple[str, ...], monthly: float, created: datetime
) -> ResourceState:
    return ResourceState(resource_id, "Compute", resource_id, "ewr", "vc2", "active", "running",
                         tags, monthly, 672, True, created)  # fmt: skip


@pytest.fixture
def november(store: HistoryStore) -> HistoryStore:
    """Two team:x servers: $1 an hour since 1 November, $0.50 an hour since 5 November noon;
    one snapshot at 00:05 on 10 November, pending charges $300 ($35 of it untagged usage)."""
    with store.connection("writing") as conn:
        apply_diff(
            conn,
            NOVEMBER + timedelta(minutes=5),
            Diff(created=(state("a", ("team:x",), 672.0, NOVEMBER),)),
            baseline=True,
        )
        apply_diff(
            conn,
            datetime(2026, 11, 5, 12, 5, tzinfo=UTC),
            Diff(
                created=(
                    state("b", ("team:x", "prod"), 336.0, datetime(2026, 11, 5, 12, tzinfo=UTC)),
                )
            ),
        )
        write_point(conn, hour=AS_OF.replace(minute=0), taken_at=AS_OF, pending_total_usd=300.0,
                    resource_count=2, categories={"Compute": 265.0,
                                                  costs.UNATTRIBUTED: 35.0})  # fmt: skip
    return store


@pytest.mark.servers
def test_a_tag_budget_runs_out_when_its_servers_reach_it(november: HistoryStore) -> None:
    # By 00:05 on the 10th: a has billed 217 hours ($217), b 109 hours ($54.50).
    # From 01:00 each hour adds $1.50: $400 needs 86 more hours, reached in the hour from
    # 10 Nov 01:00 + 85 h = 13 Nov 14:00.
    with november.connection("forecasting") as conn:
        tight, loose = forecast_budgets(
            conn, [Budget("tag", "team:x", 400.0), Budget("tag", "team:x", 1000.0)], now=AS_OF
        )
    assert tight.spent_usd == 271.5
    assert tight.over
    assert tight.runs_out_on == date(2026, 11, 13)
    # To the month's end: a stops at its 672-hour cap ($672); b bills 612 hours ($306).
    assert loose.forecast_usd == 978.0
    assert not loose.over
    assert loose.runs_out_on is None


@pytest.mark.servers
def test_the_total_budget_counts_usage_at_its_pace(november: HistoryStore) -> None:
    with november.connection("forecasting") as conn:
        (total,) = forecast_budgets(conn, [Budget("total", "", 3000.0)], now=AS_OF)
    # What the servers do not explain ($300 - $271.50) is usage: it goes on at $28.50 per
    # 216.08 hours for the 503.92 hours left, beside the servers' $978 for the month.
    elapsed_h = (AS_OF - NOVEMBER) / timedelta(hours=1)
    usage = 28.5 + 28.5 / elapsed_h * (720 - elapsed_h)
    assert total.spent_usd == 300.0
    assert total.forecast_usd == pytest.approx(978.0 + usage, abs=0.01)
    assert "within budget" in total.sentence()
