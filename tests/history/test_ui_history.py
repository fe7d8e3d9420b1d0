"""The history sections under AppTest, as a page would call them, with the store up and down."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import psycopg
import pytest
from streamlit.testing.v1 import AppTest

from tests.streamlit_support import fresh_streamlit
from vultr_core.chart_options import ALERT, MUTED

pytestmark = pytest.mark.servers


def history_sections() -> None:
    """A page made of the four history sections, each called in one line."""
    import pandas as pd

    from ui import history
    from ui.settings import settings
    from vultr_core.clients import demo_simulator

    current = settings()
    past = history.HistorySections(current)
    past.render_budget_progress()
    past.render_daily_spend()
    past.render_week_changes()
    instances = demo_simulator(current.demo_size).organisation.instances
    frame = pd.DataFrame(
        {"id": [i["id"] for i in instances], "label": [i["label"] for i in instances]}
    )
    past.render_resource_history(frame, key="hist_inst")


@pytest.fixture(autouse=True)
def clean_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("HISTORY_DATABASE_URL", "BUDGETS", "ANOMALY_FACTOR", "ALERT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    with fresh_streamlit(monkeypatch):
        yield


def test_every_section_shows_the_history(
    monkeypatch: pytest.MonkeyPatch, history_database_url: str
) -> None:
    monkeypatch.setenv("HISTORY_DATABASE_URL", history_database_url)
    monkeypatch.setenv("BUDGETS", "total=1; tag:team:data=100000")
    page = AppTest.from_function(history_sections, default_timeout=60).run()
    assert not page.exception
    # Progress texts are Markdown: the sentences arrive escaped (ui.text.inert).
    budgets = [bar.proto.text.replace("\\", "") for bar in page.get("progress")]
    assert len(budgets) == 2
    assert budgets[0].startswith("All spend: $")
    assert "over budget since" in budgets[0]
    charts = {chart.key: json.loads(chart.proto.spec) for chart in page.get("echarts_chart")}
    assert set(charts) == {
        "hist_budgets", "hist_daily", "hist_months", "hist_tags", "hist_inst_chart"
    }  # fmt: skip
    assert len({chart.proto.id for chart in page.get("echarts_chart")}) == 5
    # The total is over its budget of $1: its forecast bar is red.
    forecast = charts["hist_budgets"]["series"][0]
    assert forecast["name"] == "Forecast"
    assert forecast["data"][0]["itemStyle"]["color"] == ALERT
    # Each kind of day its own series and colour; the latest day labelled.
    daily = charts["hist_daily"]
    colours = {s["name"]: s["itemStyle"]["color"] for s in daily["series"]}
    assert colours.get("So far today", MUTED) == MUTED
    assert colours.get("Anomaly", ALERT) == ALERT
    assert "textStyle" not in daily["xAxis"]["data"][-1]
    for option in charts.values():
        assert sum(v is not None for s in option["series"] for v in s["data"]) <= 100
    texts = " ".join(block.value for block in page.markdown).replace("\\", "")
    assert "changes, run-rate" in texts
    assert "/month: " in texts
    assert page.selectbox(key="hist_inst_pick").value is not None


def test_with_the_store_down_the_page_says_so_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HISTORY_DATABASE_URL", "postgresql://u:pw-hidden-77@127.0.0.1:1/h")
    monkeypatch.setenv("BUDGETS", "total=1")
    page = AppTest.from_function(history_sections, default_timeout=60).run()
    assert not page.exception
    notes = [info.value.replace("\\", "") for info in page.info]
    assert len(notes) == 1
    assert notes[0].startswith("History is unavailable right now: could not reach")
    assert "127.0.0.1:1" in notes[0]
    assert "pw-hidden" not in notes[0]
    # No section draws a heading or a chart of its own under that sentence.
    assert list(page.subheader) == []
    assert page.get("echarts_chart") == []


def opened_overview() -> None:
    """What the app's main script does on every page view before the page: start the
    background work (here without the pages' own imports)."""
    from ui.navigation import start_background_work

    start_background_work()


def test_opening_the_app_takes_this_hours_snapshot_in_the_background(
    monkeypatch: pytest.MonkeyPatch, history_database_url: str
) -> None:
    monkeypatch.setenv("HISTORY_DATABASE_URL", history_database_url)
    monkeypatch.setenv("HISTORY_APP_SNAPSHOTS", "1")
    page = AppTest.from_function(opened_overview, default_timeout=60).run()
    assert not page.exception
    for thread in threading.enumerate():
        if thread.name == "history-snapshot":
            thread.join(timeout=120)
    with psycopg.connect(history_database_url) as conn:
        hours = conn.execute(
            "SELECT source, count(*) FROM vultr_history_demo.snapshots "
            "WHERE hour = date_trunc('hour', now()) GROUP BY source"
        ).fetchall()
    assert hours == [("api", 1)]
    # A second view within the hour starts no second snapshot.
    AppTest.from_function(opened_overview, default_timeout=60).run()
    assert not [t for t in threading.enumerate() if t.name == "history-snapshot"]
