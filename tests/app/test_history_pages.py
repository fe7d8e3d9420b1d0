"""The spend history where users look: the Overview's budgets, daily spend and this week's
changes, and one resource's past on Instances and Databases, from the demo's simulated past;
and, with the history store down, today's figures with one sentence about it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import open_page
from vultr_core.clients import demo_simulator
from vultr_core.history.demo import SNAPSHOT_MINUTE, snapshot_moments
from vultr_core.simulator.past import PastEvent, organisation_past

pytestmark = pytest.mark.servers


def demo_events(story: str) -> list[PastEvent]:
    return [e for e in organisation_past(demo_simulator().organisation).events if e.story == story]


def observed_at(moment: datetime) -> datetime:
    """The first hourly snapshot (at five past) that saw a change made at ``moment``."""
    seen = moment.replace(minute=SNAPSHOT_MINUTE, second=0, microsecond=0)
    return seen if seen >= moment else seen + timedelta(hours=1)


def texts(page: AppTest) -> str:
    """Everything written on the page as Markdown, unescaped."""
    return " ".join(block.value for block in page.markdown).replace("\\", "")


def test_the_overview_answers_how_much_since_when_and_against_which_budget(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BUDGETS", "total=1; tag:team:data=100000")
    started = datetime.now(UTC)
    page = open_page("overview.py")
    assert not page.exception
    headings = [heading.value for heading in page.subheader]
    assert {"Budgets", "Daily spend", "What changed this week"} <= set(headings)
    # Budgets come right under the headline figures, this week's changes before what needs
    # attention.
    assert headings.index("What changed this week") < headings.index("Needs attention")
    budgets = [bar.proto.text.replace("\\", "") for bar in page.get("progress")]
    assert budgets[0].startswith("All spend: $")
    assert "over budget since" in budgets[0]
    # The week's changes are the simulated events the replayed hourly snapshots saw in those
    # 7 days (the current hour is left to the first real snapshot).
    past = organisation_past(demo_simulator().organisation)
    last_replayed = list(snapshot_moments(past))[-1]
    week = [
        event
        for event in past.events
        if started - timedelta(days=7) <= observed_at(event.at) <= last_replayed
    ]
    if week:
        assert f"{len(week)} changes, run-rate" in texts(page)
    else:
        assert any("Nothing was created" in note.value for note in page.success)
    assert "History is unavailable" not in " ".join(note.value for note in page.info)


def test_with_the_history_store_down_today_stands_and_one_sentence_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HISTORY_DATABASE_URL", "postgresql://u:pw-hidden-91@127.0.0.1:1/h")
    monkeypatch.setenv("BUDGETS", "total=5000")
    page = open_page("overview.py")
    assert not page.exception
    notes = [note.value for note in page.info if "History is unavailable" in note.value]
    assert len(notes) == 1
    assert "pw-hidden" not in notes[0]
    labels = {metric.label for metric in page.metric}
    assert any(label.startswith("Month to date") for label in labels)
    headings = [heading.value for heading in page.subheader]
    assert "Daily spend" not in headings
    assert "What changed this week" not in headings
    assert "Needs attention" in headings


def test_instances_show_a_resized_instances_past(monkeypatch: pytest.MonkeyPatch) -> None:
    (resize,) = demo_events("resize")
    page = open_page("instances.py")
    assert not page.exception
    page.selectbox(key="inst_history_pick").set_value(resize.resource_id).run()
    assert not page.exception
    (changes,) = [table.value for table in page.dataframe if "kind" in table.value.columns]
    assert list(changes["kind"]) == ["resized"]
    assert any(caption.value.endswith(": 1 change since then.") for caption in page.caption)


def test_a_closer_look_at_a_database_shows_its_history(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(demo_events("deleted-database")) == 1
    page = open_page("databases.py")
    assert not page.exception
    assert page.selectbox(key="db_pick").value is not None
    assert any(caption.value.startswith("Watched since") for caption in page.caption)
    # The deleted database is gone from Vultr's list, so from the picker, but not from the
    # history: its destruction is in this week's feed or the month's on the Overview.
    options = page.selectbox(key="db_pick").options
    assert options
    assert not [option for option in options if option.startswith("reports-")]
