"""Plotly figures: the data they draw, and nothing that breaks the light or dark theme."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from vultr_core.formatting import chart_text
from vultr_core.spend.charts import (
    ACCENT,
    CATEGORY_COLOURS,
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
from vultr_core.spend.run_rate import MAX_TILES, category_members, run_rate_tiles

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
    assert list(tree.labels) == ["Compute", "Snapshots", "web-2", "web-1", "golden"]
    assert list(tree.parents) == ["", "", "Compute", "Compute", "Snapshots"]
    assert list(tree.values) == [0.0, 0.0, 20.0, 10.0, 0.5]
    assert tree.branchvalues == "remainder"


def many_resources(count: int, hostile: str = "") -> pd.DataFrame:
    categories = ["Compute", "Bare Metal", "Managed Databases"]
    return pd.DataFrame(
        {
            "category": [categories[i % 3] for i in range(count)],
            "id": [f"id-{i}" for i in range(count)],
            "label": [hostile or f"server-{i}" for i in range(count)],
            "region": ["ewr"] * count,
            "plan": ["vc2-1c-1gb"] * count,
            "status": ["active"] * count,
            "monthly_cost_usd": [float(1 + i % 97) for i in range(count)],
        }
    )


def test_a_large_treemap_keeps_the_costliest_and_groups_the_rest_as_other() -> None:
    resources = many_resources(2_725)
    tiles = run_rate_tiles(resources)
    (tree,) = make_run_rate_treemap(resources).data
    assert len(tree.ids) == len(tiles) <= MAX_TILES < 100
    # Every dollar is still drawn: the leaves add up to the whole run-rate.
    assert sum(tree.values) == pytest.approx(resources["monthly_cost_usd"].sum())
    others = tiles[tiles["other"]]
    assert list(others["label"].str.startswith("Other: ")) == [True] * 3
    alone = tiles[(tiles["parent"] != "") & ~tiles["other"]]
    # In each category, what is shown alone costs at least as much as anything in "Other".
    shown_ids = set(alone["id"].str.split("/").str[1])
    grouped = resources[~resources["id"].isin(shown_ids)]
    for category, group in alone.groupby("category"):
        rest = grouped.loc[grouped["category"] == category, "monthly_cost_usd"]
        assert group["value_usd"].min() >= rest.max()
    # Every category shows some of its own, however cheap each one is.
    assert set(alone["category"]) == set(resources["category"])
    assert tiles["members"][tiles["parent"] == ""].sum() == len(resources)
    assert others["members"].sum() + len(alone) == len(resources)
    for category, group in tiles[tiles["parent"] != ""].groupby("category"):
        members = category_members(resources, str(category))
        assert group["members"].sum() == len(members)
        assert group["value_usd"].sum() == pytest.approx(members["monthly_cost_usd"].sum())


def test_treemap_colours_are_calm_and_other_is_grey() -> None:
    (tree,) = make_run_rate_treemap(many_resources(500)).data
    colours = list(tree.marker.colors)
    assert set(colours) <= {*CATEGORY_COLOURS, MUTED}
    assert all(colour not in colours for colour in ("red", "#ef553b", "#ff4b4b", "#d62728"))
    assert [c for c, label in zip(colours, tree.labels, strict=True) if label.startswith("Other")]
    assert all(
        colour == MUTED
        for colour, label in zip(colours, tree.labels, strict=True)
        if label.startswith("Other")
    )


def test_treemap_labels_are_text_not_markup() -> None:
    hostile = '<a href="https://evil.example">pay here</a><br>&amp;'
    (tree,) = make_run_rate_treemap(many_resources(6, hostile)).data
    leaves = [label for label, parent in zip(tree.labels, tree.parents, strict=True) if parent]
    assert leaves == [chart_text(hostile)] * 6
    assert all("<a" not in label and "<br>" not in label for label in tree.labels)


def test_the_latest_month_always_has_its_label() -> None:
    months = pd.date_range("2024-11-01", periods=25, freq="MS", tz="UTC")
    monthly = pd.DataFrame({"month": months, "amount_usd": [100.0] * 25, "invoice_id": range(25)})
    axis = make_monthly_figure(monthly).layout.xaxis
    assert axis.ticktext[-1] == "Nov 2026"
    assert pd.Timestamp(axis.tickvals[-1]) == months[-1]
    assert len(axis.ticktext) <= 13
    short = make_monthly_figure(MONTHLY).layout.xaxis
    assert list(short.ticktext) == ["Sep 2026", "Oct 2026"]


def test_an_empty_account_draws_empty_figures() -> None:
    empty = RESOURCES.iloc[0:0]
    assert list(make_run_rate_treemap(empty).data[0].labels) == []
    assert list(make_breakdown_figure(empty, "category").data[0].x) == []
    assert list(make_monthly_figure(MONTHLY.iloc[0:0]).data[0].y) == []


def test_many_cheap_servers_still_show_their_costliest_beside_a_few_expensive_ones() -> None:
    cheap = many_resources(1_000).assign(category="Compute", monthly_cost_usd=5.0)
    metal = many_resources(20).assign(
        category="Bare Metal", monthly_cost_usd=500.0, id=[f"m-{i}" for i in range(20)]
    )
    tiles = run_rate_tiles(pd.concat([cheap, metal], ignore_index=True), max_tiles=30)
    alone = tiles[(tiles["parent"] != "") & ~tiles["other"]]
    shown = alone.groupby("category").size().to_dict()
    # $5,000 of servers and $10,000 of metal: tiles shared about one to two.
    assert shown == {"Compute": 9, "Bare Metal": 17}
    assert len(tiles) == 30
