"""The health sections' latency over time, as the options the browser receives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vultr_core.health.charts import make_latency_history_figure
from vultr_core.health.history import HealthSample

NOON = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def sample(minutes_before_noon: int, latency_ms: float | None = 1.5) -> HealthSample:
    return HealthSample(
        at=NOON - timedelta(minutes=minutes_before_noon),
        service="postgres",
        status="up" if latency_ms is not None else "down",
        latency_ms=latency_ms,
    )


def test_the_first_check_shows_on_the_last_hour_not_on_two_days() -> None:
    option = make_latency_history_figure([sample(0)], title="Latency over time")
    assert option["xAxis"]["min"] == "2026-12-05T11:00:00+00:00"
    assert option["xAxis"]["max"] == "2026-12-05T12:00:00+00:00"
    (p50,) = option["series"]
    assert p50["data"] == [["2026-12-05T12:00:00+00:00", 1.5]]


def test_checks_a_few_minutes_apart_still_show_the_hour_down_marks_included() -> None:
    option = make_latency_history_figure([sample(20), sample(10, None), sample(0)], title="t")
    assert (option["xAxis"]["min"], option["xAxis"]["max"]) == (
        "2026-12-05T11:00:00+00:00",
        "2026-12-05T12:00:00+00:00",
    )
    (down,) = [s for s in option["series"] if s["name"] == "down"]
    assert [mark["value"] for mark in down["data"]] == [["2026-12-05T11:50:00+00:00", 0]]


def test_a_longer_history_keeps_its_own_span() -> None:
    option = make_latency_history_figure([sample(180), sample(0)], title="t")
    assert option["xAxis"] == {"type": "time"}
