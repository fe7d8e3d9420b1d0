"""The spend charts' ECharts options: the data they draw, and nothing that breaks the light or
dark theme or turns outside text into markup."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from vultr_core.chart_options import ACCENT, CATEGORY_COLOURS, MUTED, Option
from vultr_core.spend.charts import (
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


def figures() -> list[Option]:
    return [
        make_category_figure(BY_CATEGORY),
        make_monthly_figure(MONTHLY),
        make_forecast_figure(OUTLOOK, 2410.5),
        make_run_rate_treemap(RESOURCES),
    ]


def values(series: Option) -> list[float]:
    return [item["value"] if isinstance(item, dict) else item for item in series["data"]]


def colours(series: Option) -> list[str]:
    return [item["itemStyle"]["color"] for item in series["data"]]


def leaves(tree: Option) -> list[Option]:
    return [leaf for node in tree["data"] for leaf in node["children"]]


def strings_under(option: Any, key: str) -> list[str]:
    """Every string held under ``key`` anywhere in an option."""
    if isinstance(option, dict):
        found = [v for k, v in option.items() if k == key and isinstance(v, str)]
        return found + [s for v in option.values() for s in strings_under(v, key)]
    if isinstance(option, list):
        return [s for item in option for s in strings_under(item, key)]
    return []


@pytest.mark.parametrize("figure", figures(), ids=["category", "monthly", "forecast", "treemap"])
def test_options_leave_background_and_text_colours_to_the_theme(figure: Option) -> None:
    # What st.echarts_chart sends: plain JSON, drawn once (no animation to wait for).
    assert json.loads(json.dumps(figure)) == figure
    assert figure["animation"] is False
    assert "backgroundColor" not in figure
    assert "textStyle" not in figure
    assert "color" not in figure.get("title", {}).get("textStyle", {})


def test_category_bars_show_the_unattributed_remainder_in_grey() -> None:
    option = make_category_figure(BY_CATEGORY)
    (bars,) = option["series"]
    # A category y-axis draws its first label at the bottom: the largest is on top.
    assert option["yAxis"]["data"] == [UNATTRIBUTED, "Compute", "Managed Databases"]
    assert values(bars) == [78.63, 441.19, 441.96]
    assert colours(bars) == [MUTED, ACCENT, ACCENT]
    assert option["tooltip"]["valueFormatter"] == "dollar"


def test_monthly_bars_are_the_invoiced_amounts() -> None:
    (bars,) = make_monthly_figure(MONTHLY)["series"]
    assert values(bars) == [2371.0, 2410.5]
    assert [item["name"] for item in bars["data"]] == ["Sep 2026", "Oct 2026"]


@pytest.mark.parametrize(
    ("last_month", "names"),
    [
        (2410.5, ["Last month", "Month to date", "Forecast (per resource)", "Naive run-rate"]),
        (None, ["Month to date", "Forecast (per resource)", "Naive run-rate"]),
    ],
)
def test_forecast_bars(last_month: float | None, names: list[str]) -> None:
    option = make_forecast_figure(OUTLOOK, last_month)
    (bars,) = option["series"]
    assert option["xAxis"]["data"] == names
    assert values(bars)[-3:] == [1486.92, 2591.18, 2703.49]
    assert bars["data"][-1]["label"]["formatter"] == "$2,703"


def test_treemap_nests_priced_resources_under_their_category() -> None:
    (tree,) = make_run_rate_treemap(RESOURCES)["series"]
    assert [node["name"] for node in tree["data"]] == ["Compute", "Snapshots"]
    assert [
        [(leaf["name"], leaf["value"]) for leaf in node["children"]] for node in tree["data"]
    ] == [
        [("web-2", 20.0), ("web-1", 10.0)],
        [("golden", 0.5)],
    ]
    # Categories carry no value of their own: ECharts sums their tiles.
    assert all("value" not in node for node in tree["data"])


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
    (tree,) = make_run_rate_treemap(resources)["series"]
    assert len(tree["data"]) + len(leaves(tree)) == len(tiles) <= MAX_TILES < 100
    # Every dollar is still drawn: the leaves add up to the whole run-rate.
    total = sum(leaf["value"] for leaf in leaves(tree))
    assert total == pytest.approx(resources["monthly_cost_usd"].sum())
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
    (tree,) = make_run_rate_treemap(many_resources(500))["series"]
    tiles = [*tree["data"], *leaves(tree)]
    drawn = [tile["itemStyle"]["color"] for tile in tiles]
    assert set(drawn) <= {*CATEGORY_COLOURS, MUTED}
    others = [tile for tile in leaves(tree) if tile["name"].startswith("Other")]
    assert len(others) == 3
    assert {tile["itemStyle"]["color"] for tile in others} == {MUTED}
    assert {node["itemStyle"]["color"] for node in tree["data"]} <= set(CATEGORY_COLOURS)


def test_treemap_labels_are_the_names_as_plain_text() -> None:
    hostile = '<a href="https://evil.example">pay here</a><br>&amp; {b}'
    option = make_run_rate_treemap(many_resources(6, hostile))
    (tree,) = option["series"]
    # ECharts draws a name as text and its default tooltip escapes it: the name stays as
    # the API sent it, and no formatter (a tooltip template is HTML) holds outside text.
    assert [leaf["name"] for leaf in leaves(tree)] == [hostile] * 6
    assert "formatter" not in tree.get("label", {})
    assert not [text for text in strings_under(option, "formatter") if "evil" in text]


def test_the_latest_month_always_has_its_label() -> None:
    months = pd.date_range("2024-11-01", periods=25, freq="MS", tz="UTC")
    monthly = pd.DataFrame({"month": months, "amount_usd": [100.0] * 25, "invoice_id": range(25)})
    axis = make_monthly_figure(monthly)["xAxis"]
    named = [label for label in axis["data"] if label]
    assert axis["data"][-1] == "Nov 2026"
    assert len(named) <= 6
    assert axis["axisLabel"]["interval"] == 0
    short = make_monthly_figure(MONTHLY)["xAxis"]
    assert short["data"] == ["Sep 2026", "Oct 2026"]


def test_an_empty_account_draws_empty_charts() -> None:
    empty = RESOURCES.iloc[0:0]
    assert make_run_rate_treemap(empty)["series"][0]["data"] == []
    assert make_breakdown_figure(empty, "category")["series"][0]["data"] == []
    assert make_monthly_figure(MONTHLY.iloc[0:0])["series"][0]["data"] == []


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
