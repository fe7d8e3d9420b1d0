"""Plotly figures: the data they draw, and nothing that breaks the light or dark theme."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from vultr_core.spend.charts import (
    ACCENT,
    MUTED,
    TRANSPARENT,
    make_breakdown_figure,
    make_category_figure,
    make_forecast_figure,
    make_monthly_figure,
    make_run_rate_treemap,
)
from vultr_core.spend.costs import UNATTRIBUTED
from vultr_core.spend.forecast import Forecast

BY_CATEGORY = pd.DataFrame(
    {
        "category": ["Compute", UNATTRIBUTED, "Managed Databases"],
        "month_to_date_usd": [441.19, 78.63, 441.96],
    }
)
MONTHLY = pd.DataFrame(
    {
        "month": pd.to_datetime(["2026-09-01", "2026-10-01"], utc=True),
        "amount_usd": [2371.0, 2410.5],
        "invoice_id": [1, 2],
    }
)
RESOURCES = pd.DataFrame(
    {
        "category": ["Compute", "Compute", "Snapshots", "Compute"],
        "id": ["a", "b", "c", "d"],
        "label": ["web-1", "web-2", "golden", "unpriced"],
        "monthly_cost_usd": [10.0, 20.0, 0.5, 0.0],
    }
)
OUTLOOK = Forecast(
    month_to_date_usd=1486.92,
    resources_usd=2450.0,
    usage_based_usd=141.18,
    per_resource_usd=2591.18,
    naive_usd=2703.49,
    elapsed_hours=396,
    month_hours=720,
    capped_effect_usd=161.38,
    new_resources=7,
    new_resources_effect_usd=49.07,
    explanation="",
)


def figures() -> list[object]:
    return [
        make_category_figure(BY_CATEGORY),
        make_breakdown_figure(BY_CATEGORY, "category", "month_to_date_usd", title="By category"),
        make_monthly_figure(MONTHLY),
        make_forecast_figure(OUTLOOK, 2410.5),
        make_run_rate_treemap(RESOURCES),
    ]


@pytest.mark.parametrize(
    "figure", figures(), ids=["category", "titled", "monthly", "forecast", "treemap"]
)
def test_figures_leave_colours_of_text_and_background_to_the_theme(figure: object) -> None:
    layout = json.loads(figure.to_json())["layout"]  # type: ignore[attr-defined]
    assert layout["paper_bgcolor"] == layout["plot_bgcolor"] == TRANSPARENT
    assert "color" not in layout.get("font", {})
    assert "color" not in layout.get("title", {}).get("font", {})


def test_category_bars_show_the_unattributed_remainder_in_grey() -> None:
    (bars,) = make_category_figure(BY_CATEGORY).data
    # Largest on top: Plotly draws the last y first from the top.
    assert list(bars.y) == [UNATTRIBUTED, "Compute", "Managed Databases"]
    assert list(bars.x) == [78.63, 441.19, 441.96]
    assert list(bars.marker.color) == [MUTED, ACCENT, ACCENT]


def test_monthly_bars_are_the_invoiced_amounts() -> None:
    (bars,) = make_monthly_figure(MONTHLY).data
    assert list(bars.y) == [2371.0, 2410.5]
    assert [pd.Timestamp(x).month for x in bars.x] == [9, 10]


@pytest.mark.parametrize(
    ("last_month", "names"),
    [
        (2410.5, ["Last month", "Month to date", "Forecast (per resource)", "Naive run-rate"]),
        (None, ["Month to date", "Forecast (per resource)", "Naive run-rate"]),
    ],
)
def test_forecast_bars(last_month: float | None, names: list[str]) -> None:
    (bars,) = make_forecast_figure(OUTLOOK, last_month).data
    assert list(bars.x) == names
    assert list(bars.y)[-3:] == [1486.92, 2591.18, 2703.49]
    assert list(bars.text)[-1] == "$2,703"


def test_treemap_nests_priced_resources_under_their_category() -> None:
    (tree,) = make_run_rate_treemap(RESOURCES).data
    assert list(tree.labels) == ["Compute", "Snapshots", "web-1", "web-2", "golden"]
    assert list(tree.parents) == ["", "", "Compute", "Compute", "Snapshots"]
    assert list(tree.values) == [0.0, 0.0, 10.0, 20.0, 0.5]
    assert tree.branchvalues == "remainder"


def test_an_empty_account_draws_empty_figures() -> None:
    empty = RESOURCES.iloc[0:0]
    assert list(make_run_rate_treemap(empty).data[0].labels) == []
    assert list(make_breakdown_figure(empty, "category").data[0].x) == []
    assert list(make_monthly_figure(MONTHLY.iloc[0:0]).data[0].y) == []
