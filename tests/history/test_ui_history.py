"""The history sections under AppTest, as a page would call them, with the store up and down."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.streamlit_support import fresh_streamlit

pytestmark = pytest.mark.servers


def history_sections() -> None:
    """A page made of the four history sections, each called in one line."""
    import pandas as pd

    from ui import history
    from ui.settings import settings
    from vultr_core.clients import demo_simulator

    current = settings()
    history.render_budget_progress(current)
    history.render_daily_spend(current)
    history.render_week_changes(current)
    instances = demo_simulator(current.demo_size).organisation.instances
    frame = pd.DataFrame(
        {"id": [i["id"] for i in instances], "label": [i["label"] for i in instances]}
    )
    history.render_resource_history(current, frame, key="hist_inst")


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
    charts = {chart.proto.id for chart in page.get("plotly_chart")}
    assert len(charts) == 5
    texts = " ".join(block.value for block in page.markdown).replace("\\", "")
    assert "changes, run-rate" in texts
    assert "/month: " in texts
    assert page.selectbox(key="hist_inst_pick").value is not None


def test_with_the_store_down_each_section_says_so_in_one_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HISTORY_DATABASE_URL", "postgresql://u:pw-hidden-77@127.0.0.1:1/h")
    monkeypatch.setenv("BUDGETS", "total=1")
    page = AppTest.from_function(history_sections, default_timeout=60).run()
    assert not page.exception
    notes = [info.value for info in page.info]
    assert len(notes) == 4
    assert all(
        note.startswith("History is unavailable right now: could not reach") for note in notes
    )
    assert not any("pw-hidden" in note for note in notes)
    assert page.get("plotly_chart") == []
