"""The demo's past, replayed into a real store: what the app finds there is exactly what the
simulator generated (its events, its pending charges hour by hour, its invoices)."""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from tests.conftest import FIXED_NOW, simulator_client
from vultr_core.history.anomalies import find_anomalies
from vultr_core.history.budget_setting import Budget
from vultr_core.history.budgets import forecast_budgets
from vultr_core.history.changes import find_changes
from vultr_core.history.demo import SNAPSHOT_MINUTE, snapshot_moments
from vultr_core.history.snapshot import TAKEN, observe, record_snapshot
from vultr_core.history.spend import load_daily_spend, monthly_by_category
from vultr_core.history.store import HistoryStore
from vultr_core.simulator import Simulator
from vultr_core.simulator.past import Past, organisation_past

pytestmark = pytest.mark.servers

HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def past(demo: Simulator) -> Past:
    return organisation_past(demo.organisation)


def observed_at(moment: datetime) -> datetime:
    """The first hourly snapshot (at five past) that saw a change made at ``moment``."""
    seen = moment.replace(minute=SNAPSHOT_MINUTE, second=0, microsecond=0)
    return seen if seen >= moment else seen + HOUR


def end_of_day(day: date) -> datetime:
    """The day's last snapshot."""
    return datetime(day.year, day.month, day.day, 23, SNAPSHOT_MINUTE, tzinfo=UTC)


def true_daily_spend(past: Past, day: date) -> float:
    """What the simulator's pending charges grew by on ``day``; a month's last day ends at
    its invoice."""
    following = day + timedelta(days=1)
    last_of_month = following.day == 1
    month = datetime(day.year, day.month, 1, tzinfo=UTC)
    ended = past.invoices[month] if last_of_month else past.pending_at(end_of_day(day)).total_usd
    began = 0.0 if day.day == 1 else past.pending_at(end_of_day(day - timedelta(days=1))).total_usd
    return round(ended - began, 2)


def days_replayed(past: Past) -> list[date]:
    """Whole days the replay saw from start to end, the last one finished."""
    first = (past.start + timedelta(days=1)).date()
    last = (past.now - timedelta(days=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def test_the_change_feed_is_exactly_the_simulated_events(
    replayed: HistoryStore, past: Past
) -> None:
    moments = list(snapshot_moments(past))
    expected = {
        (observed_at(event.at), event.kind, event.resource_id)
        for event in past.events
        if moments[0] < observed_at(event.at) <= moments[-1]
    }
    with replayed.connection("reading") as conn:
        changes = find_changes(conn, since=past.start, until=past.now)
    assert {(c.at, c.kind, c.state.resource_id) for c in changes} == expected
    stories = {event.story for event in past.events}
    assert stories >= {"gpu-left-running", "resize", "deleted-database", "spike", "retag",
                       "stopped-but-billed", "weekend-off"}  # fmt: skip


def test_each_story_reads_as_a_person_would_tell_it(replayed: HistoryStore, past: Past) -> None:
    with replayed.connection("reading") as conn:
        changes = find_changes(conn, since=past.start, until=past.now)
    by_story = {
        event.story: event for event in past.events if event.story and event.kind != "destroyed"
    }
    sentences = {(c.kind, c.state.resource_id): c.sentence() for c in changes}
    gpu = by_story["gpu-left-running"]
    assert sentences[("created", gpu.resource_id)] == (
        f"+$90/month: gpu-trainer-1 created in ewr on {gpu.at.day} {gpu.at:%b}"
    )
    resize = sentences[("resized", by_story["resize"].resource_id)]
    assert resize.startswith("+$")
    assert "resized (vhp-2c-4gb-amd → vhp-4c-8gb-amd)" in resize
    stopped = sentences[("stopped", by_story["stopped-but-billed"].resource_id)]
    assert stopped.startswith("$0/month: ml-batch-1 stopped (running → stopped) in ord")
    assert stopped.endswith("(a stopped instance still bills)")
    retag = sentences[("retagged", by_story["retag"].resource_id)]
    assert "(prod, team:ml → prod, team:data)" in retag
    (deleted,) = [c for c in changes if c.kind == "destroyed" and c.state.category != "Compute"]
    assert deleted.sentence().startswith("-$120/month: reports-pg destroyed in ewr on 3 Oct")


def test_daily_spend_is_exactly_the_simulated_pending_charges_day_by_day(
    replayed: HistoryStore, past: Past
) -> None:
    with replayed.connection("reading") as conn:
        daily = load_daily_spend(conn, since=past.start, now=past.now).totals
    found = {row.day: row for row in daily.itertuples()}
    days = days_replayed(past)
    assert [day for day in days if found[day].estimated] == []
    assert {day: found[day].spend_usd for day in days} == {
        day: true_daily_spend(past, day) for day in days
    }
    assert found[past.now.date()].partial
    # Vultr's caps: past 672 hours a server stops billing for the month, so the last days of
    # a 31-day month cost a fraction of the days before.
    october_end = found[date(2026, 10, 30)].spend_usd
    assert october_end < 0.5 * found[date(2026, 10, 27)].spend_usd
    assert found[date(2026, 11, 1)].spend_usd > 2 * october_end


def test_months_add_up_to_their_invoices(replayed: HistoryStore, past: Past) -> None:
    with replayed.connection("reading") as conn:
        daily = load_daily_spend(conn, since=datetime(2026, 9, 1, tzinfo=UTC), now=past.now)
    monthly = monthly_by_category(daily)
    totals = monthly.groupby("month")["spend_usd"].sum().round(2)
    assert totals[date(2026, 9, 1)] == pytest.approx(
        past.invoices[datetime(2026, 9, 1, tzinfo=UTC)], abs=0.05
    )
    assert totals[date(2026, 10, 1)] == pytest.approx(
        past.invoices[datetime(2026, 10, 1, tzinfo=UTC)], abs=0.05
    )


def expected_anomalies(spend: dict[date, float], factor: float) -> set[date]:
    flagged = set()
    for day, usd in spend.items():
        before = [spend[d] for n in range(1, 15) if (d := day - timedelta(days=n)) in spend]
        if len(before) >= 7 and usd > factor * statistics.median(before):
            flagged.add(day)
    return flagged


def test_anomalies_are_the_spike_day_and_what_the_rule_finds_in_the_true_spend(
    replayed: HistoryStore, past: Past
) -> None:
    days = days_replayed(past)
    with replayed.connection("reading") as conn:
        daily = load_daily_spend(conn, since=past.start, now=past.now).totals
        changes = find_changes(conn, since=past.start, until=past.now)
    window = daily[daily["day"].isin(days)]
    anomalies = find_anomalies(window, changes, factor=1.5)
    truth = {day: true_daily_spend(past, day) for day in days}
    assert {a.day for a in anomalies} == expected_anomalies(truth, 1.5)
    spike = next(e for e in past.events if e.story == "spike").at.date()
    (on_spike,) = [a for a in anomalies if a.day == spike]
    batch = {e.resource_id for e in past.events if e.story == "spike"}
    assert {c.state.resource_id for c in on_spike.explained_by} <= batch
    assert on_spike.explained_by
    assert "batch-gpu" in on_spike.sentence()


def running_total(past: Past, moment: datetime) -> float:
    return past.pending_at(moment).total_usd


def test_a_budget_already_spent_ran_out_on_the_day_the_simulator_crossed_it(
    replayed: HistoryStore, past: Past
) -> None:
    limit = running_total(past, end_of_day(date(2026, 11, 10))) - 1.0
    with replayed.connection("reading") as conn:
        (forecast,) = forecast_budgets(conn, [Budget("total", "", limit)], now=past.now)
    assert forecast.already_over
    assert forecast.runs_out_on == date(2026, 11, 10)


def test_a_budget_runs_out_on_the_day_the_simulated_organisation_would_reach_it(
    replayed: HistoryStore, past: Past, demo: Simulator
) -> None:
    """The forecast's hour-by-hour model against the simulator's own billing of the rest of
    the month. They differ only in charges without a list price (load balancers, reserved
    IPs): the app carries them on at their pace, while each stops at its 672-hour cap."""
    start = past.now.replace(minute=0, second=0, microsecond=0) + HOUR
    hour_ends = [start + (n + 1) * HOUR for n in range(24 * 9)]
    limit = running_total(past, datetime(2026, 11, 24, 15, 30, tzinfo=UTC))
    crossing = next(
        end for end in hour_ends if running_total(past, end - timedelta(seconds=1)) >= limit
    )
    month_end = running_total(past, datetime(2026, 12, 1, tzinfo=UTC) - timedelta(seconds=1))
    with simulator_client(demo) as client:
        record_snapshot(replayed, lambda: observe(client, now=FIXED_NOW), now=FIXED_NOW)
    with replayed.connection("reading") as conn:
        (forecast,) = forecast_budgets(conn, [Budget("total", "", limit)], now=past.now)
    assert not forecast.already_over
    assert forecast.over
    assert forecast.runs_out_on == (crossing - HOUR).date() == date(2026, 11, 24)
    assert 0 <= forecast.forecast_usd - month_end < 5.0


def test_a_category_budget_runs_out_when_the_category_does(
    replayed: HistoryStore, past: Past
) -> None:
    compute = "Compute"
    with replayed.connection("reading") as conn:
        daily = load_daily_spend(conn, since=datetime(2026, 11, 1, tzinfo=UTC), now=past.now)
        own = daily.by_category[daily.by_category["category"] == compute]
        november = own[own["day"] < past.now.date()]
        limit = float(november["spend_usd"].iloc[:5].sum()) + 0.5
        (forecast,) = forecast_budgets(conn, [Budget("category", compute, limit)], now=past.now)
    assert forecast.already_over
    assert forecast.runs_out_on == date(2026, 11, 6)


def test_the_first_real_snapshot_after_the_replay_sees_only_this_hours_changes(
    replayed: HistoryStore, past: Past, demo: Simulator
) -> None:
    last_replayed = list(snapshot_moments(past))[-1]
    new_this_hour = [
        e for e in past.events if last_replayed < observed_at(e.at) and e.at <= past.now
    ]
    with simulator_client(demo) as client:
        outcome = record_snapshot(replayed, lambda: observe(client, now=FIXED_NOW), now=FIXED_NOW)
    assert (outcome.status, outcome.changes) == (TAKEN, len(new_this_hour))
    assert outcome.pending_total_usd == running_total(past, FIXED_NOW)


def test_the_by_category_split_adds_up_to_each_day(replayed: HistoryStore, past: Past) -> None:
    with replayed.connection("reading") as conn:
        daily = load_daily_spend(conn, since=past.start, now=past.now)
    summed = daily.by_category.groupby("day")["spend_usd"].sum()
    totals = pd.Series(daily.totals["spend_usd"].to_numpy(), index=daily.totals["day"])
    assert (summed - totals).abs().max() < 0.05
