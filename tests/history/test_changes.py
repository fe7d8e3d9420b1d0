"""What changed: sentences, filters, and hostile labels kept inert in the terminal and in CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest

from tests.cli_support import run_cli
from tests.conftest import FIXED_NOW, simulator_client
from vultr_core.history.changes import (
    RESIZED,
    RETAGGED,
    STOPPED,
    changes_csv,
    classify,
    find_changes,
    parse_since,
    signed_monthly,
)
from vultr_core.history.records import ResourceState
from vultr_core.history.snapshot import observe, record_snapshot
from vultr_core.history.store import HistoryStore
from vultr_core.redaction import Secret
from vultr_core.simulator import Simulator
from vultr_core.simulator.hostile_data import PLANTED

WEB = ResourceState("i-1", "Compute", "web-1", "ewr", "vc2-1c-1gb", "active", "running",
                    ("prod",), 5.0, 672, True)  # fmt: skip
# Any real server: these settings never reach Vultr (the changes command reads the store).
UNREACHED_API = {"VULTR_API_KEY": "K" * 36, "VULTR_API_URL": "http://127.0.0.1:9/v2"}


@pytest.mark.parametrize(
    ("amount", "text"),
    [(1752.0, "+$1,752/month"), (-120.0, "-$120/month"), (0.0, "$0/month"),
     (0.47, "+$0.47/month"), (1234.5, "+$1,234.50/month")],
)  # fmt: skip
def test_run_rate_changes_read_as_dollars_a_month(amount: float, text: str) -> None:
    assert signed_monthly(amount) == text


def test_a_change_of_several_fields_names_each_and_prices_the_first() -> None:
    after = ResourceState("i-1", "Compute", "web-1", "ewr", "vc2-2c-4gb", "active", "stopped",
                          ("prod", "team:web"), 20.0, 672, True)  # fmt: skip
    assert classify(WEB, after) == [(RESIZED, 15.0), (STOPPED, 0.0), (RETAGGED, 0.0)]


@pytest.mark.parametrize(
    ("text", "back"),
    [("7d", timedelta(days=7)), ("24h", timedelta(hours=24)), ("2w", timedelta(weeks=2))],
)
def test_since_reads_durations(text: str, back: timedelta) -> None:
    assert parse_since(text, now=FIXED_NOW) == FIXED_NOW - back


def test_since_refuses_anything_else() -> None:
    with pytest.raises(ValueError, match="neither a duration"):
        parse_since("last tuesday", now=FIXED_NOW)


@pytest.mark.servers
def test_changes_filter_by_kind_tag_and_time(replayed: HistoryStore) -> None:
    since = FIXED_NOW - timedelta(days=90)
    with replayed.connection("reading") as conn:
        every = find_changes(conn, since=since, until=FIXED_NOW)
        retags = find_changes(conn, since=since, until=FIXED_NOW, kinds=["retagged"])
        ml = find_changes(conn, since=since, until=FIXED_NOW, tag="team:ml")
        batch = find_changes(conn, since=since, until=FIXED_NOW, tag="batch")
        last_week = find_changes(conn, since=FIXED_NOW - timedelta(days=7), until=FIXED_NOW)
    assert [c.kind for c in retags] == ["retagged"]
    assert ml == retags  # team:ml was the tag before the retag
    assert {c.kind for c in batch} == {"created", "destroyed"}
    assert last_week == [c for c in every if c.at >= FIXED_NOW - timedelta(days=7)]
    assert 0 < len(last_week) < len(every)


@pytest.fixture
def hostile_store(
    history_database_url: str,
) -> HistoryStore:
    """A store whose last snapshot saw every label and tag replaced by hostile text."""
    store = HistoryStore(Secret(history_database_url))
    store.migrate()
    simulator = Simulator(size="small", now=FIXED_NOW)
    with simulator_client(simulator) as client:
        record_snapshot(store, lambda: observe(client, now=FIXED_NOW), now=FIXED_NOW)
        simulator.set_faults(hostile_text=True)
        later = FIXED_NOW + timedelta(hours=1)
        record_snapshot(store, lambda: observe(client, now=later), now=later)
    return store


@pytest.mark.servers
def test_hostile_labels_reach_the_terminal_without_control_sequences(
    hostile_store: HistoryStore, history_database_url: str
) -> None:
    environ = UNREACHED_API | {"HISTORY_DATABASE_URL": history_database_url}
    code, out, err = run_cli("changes", "--since", "3000d", "--until", "2099-01-01",
                             environ=environ)  # fmt: skip
    assert (code, err) == (0, "")
    assert PLANTED in out
    assert "relabelled" in out
    assert "\x1b" not in out
    assert "\r" not in out
    assert all(len(line) < 400 for line in out.splitlines())

    code, out, err = run_cli("changes", "--since", "3000d", "--until", "2099-01-01", "--json",
                             environ=environ)  # fmt: skip
    labels = {change["label"] for change in json.loads(out)["changes"]}
    assert any(label.startswith("\x1b]52;c;") for label in labels)  # JSON keeps the data


@pytest.mark.servers
def test_hostile_labels_never_run_as_formulas_in_the_csv(
    hostile_store: HistoryStore, history_database_url: str
) -> None:
    environ = UNREACHED_API | {"HISTORY_DATABASE_URL": history_database_url}
    code, out, _ = run_cli("changes", "--since", "3000d", "--until", "2099-01-01", "--csv",
                           environ=environ)  # fmt: skip
    with hostile_store.connection("reading") as conn:
        library_csv = changes_csv(
            find_changes(conn, since=FIXED_NOW, until=FIXED_NOW + timedelta(hours=2))
        )
    for text in (out, library_csv):
        rows = list(csv.DictReader(io.StringIO(text)))
        assert any(PLANTED in row["label"] for row in rows)
        for row in rows:
            for cell in (row["label"], row["sentence"], row["detail"]):
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert code == 0
    assert "\x1b" not in out


@pytest.mark.servers
def test_a_label_with_a_nul_character_is_stored_without_it(store: HistoryStore) -> None:
    simulator = Simulator(size="small", now=FIXED_NOW)
    simulator.organisation.instances[0]["label"] = "web\x00-nul"
    with simulator_client(simulator) as client:
        outcome = record_snapshot(store, lambda: observe(client, now=FIXED_NOW), now=FIXED_NOW)
    assert outcome.resources > 0
    with store.connection("reading") as conn:
        found = conn.execute(
            "SELECT count(*) AS n FROM resource_versions WHERE label = 'web-nul'"
        ).fetchone()
    assert found == {"n": 1}
