"""Every page against a hostile API (vultr_core.simulator.hostile_data): outside text is shown
as text, odd dates and numbers as "—" with a note, and no page ever raises.

A field counts as rendered markup when Streamlit would read it as Markdown (alert and caption
bodies, metric labels…) or ECharts as a template (a chart's formatter), and it holds planted
text unescaped; the same text in a table cell, a select box's options or a chart's data is
plain text and fine.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import downloaded_csv, open_page
from tests.app.markup import rendered_markup
from vultr_core.inventory.spreadsheet import FORMULA_STARTS
from vultr_core.simulator import Faults, Simulator
from vultr_core.simulator.hostile_data import PLANTED

MODES = {
    "text": {"hostile_text": True},
    "dates": {"hostile_dates": True},
    "numbers": {"hostile_numbers": True},
    "all": {"hostile_text": True, "hostile_dates": True, "hostile_numbers": True},
}
PAGES = ("overview.py", "instances.py", "databases.py", "valkey_health.py")
NOT_A_NUMBER = re.compile(r"\b(nan|inf|infinity)\b", re.IGNORECASE)


def every_state(page: str) -> Iterator[AppTest]:
    """The page as opened, then (Databases) with each database picked for a closer look."""
    app = open_page(page)
    yield app
    if page == "databases.py" and not app.exception:
        picker = app.selectbox(key="db_pick")
        for option in picker.options[1:]:
            picker.set_value(option).run()
            yield app


def everything(app: AppTest) -> str:
    parts: list[str] = []
    stack = [app._tree]
    while stack:
        node = stack.pop()
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        stack.extend(getattr(node, "children", {}).values())
    return "\n".join(parts)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("page", PAGES)
def test_a_page_survives_hostile_data_and_renders_none_of_it(
    page: str, mode: str, demo: Simulator
) -> None:
    demo.faults = Faults(**MODES[mode])
    for app in every_state(page):
        assert not app.exception
        assert rendered_markup(app, PLANTED) == []
        shown_values = [m.value for m in app.metric]
        assert [value for value in shown_values if NOT_A_NUMBER.search(value)] == []
        if "hostile_text" in MODES[mode]:
            # The planted text did arrive: as escaped text or in a table, not dropped.
            assert PLANTED in everything(app)


@pytest.mark.parametrize("page", PAGES)
def test_an_error_message_from_the_api_is_shown_as_text(page: str, demo: Simulator) -> None:
    demo.faults = Faults(status_code=404, hostile_text=True)
    app = open_page(page)
    assert not app.exception
    assert any(PLANTED in error.value for error in app.error)
    assert rendered_markup(app, PLANTED) == []


def test_a_nan_balance_reads_as_invalid_not_as_zero(demo: Simulator) -> None:
    demo.faults = Faults(hostile_numbers=True)
    app = open_page("overview.py")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Balance"] == "—"
    assert metrics["Month to date"] == "—"
    assert any("no valid month-to-date total or balance" in c.value for c in app.caption)


def test_figures_left_out_of_the_instance_sums_are_counted(demo: Simulator) -> None:
    demo.faults = Faults(hostile_numbers=True)
    app = open_page("instances.py")
    table = app.dataframe[0].value
    invalid_vcpus = int(table["vcpu_count"].isna().sum())
    unpriced = int(table["monthly_cost_usd"].isna().sum())
    assert invalid_vcpus > 0
    assert unpriced > 0
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["vCPUs"] == str(int(table["vcpu_count"].sum()))
    assert any(
        f"{invalid_vcpus} instances without a valid vCPU count" in c.value
        and f"{unpriced} instances without a valid list price" in c.value
        for c in app.caption
    )


def test_a_negative_usage_percentage_shows_as_not_reported(demo: Simulator) -> None:
    demo.faults = Faults(hostile_numbers=True)
    app = open_page("databases.py")
    assert not app.exception
    usage = {m.label: m.value for m in app.metric if m.label in ("Disk", "Memory", "CPU")}
    # The simulator sends -12.5 %, NaN and 1e20 %: none is a share of anything.
    assert usage == {"Disk": "—", "Memory": "—", "CPU": "—"}


@pytest.mark.parametrize(
    ("page", "key"), [("instances.py", "inst_csv"), ("databases.py", "db_csv")]
)
def test_no_csv_cell_runs_as_a_spreadsheet_formula(page: str, key: str, demo: Simulator) -> None:
    demo.faults = Faults(hostile_text=True)
    app = open_page(page)
    rows = list(csv.reader(io.StringIO(downloaded_csv(app, key), newline="")))
    cells = [cell for row in rows[1:] for cell in row]
    assert any(cell.startswith("'=HYPERLINK(") for cell in cells)
    assert [c for c in cells if c.startswith(FORMULA_STARTS) and not _is_number(c)] == []
    assert len({len(row) for row in rows}) == 1


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
