"""ECharts options for the spend pages: a DataFrame in, an option (``chart_options.Option``)
out, for ``st.echarts_chart``. What every option shares, and why, is in ``chart_options``."""

from __future__ import annotations

import pandas as pd

from vultr_core.chart_options import (
    ACCENT,
    CATEGORY_COLOURS,
    MUTED,
    Option,
    category_axis,
    chart,
    coloured,
    latest_named_axis,
    money_axis,
    money_tooltip,
)
from vultr_core.spend.costs import UNATTRIBUTED
from vultr_core.spend.forecast import Forecast
from vultr_core.spend.run_rate import MAX_TILES, run_rate_tiles

MONTH_LABELS_AT_MOST = 6


def make_breakdown_figure(frame: pd.DataFrame, by: str, value: str = "monthly_cost_usd") -> Option:
    """Horizontal bars of ``value`` by ``by``, largest on top (``costs.breakdown`` output);
    the unattributed remainder in grey."""
    # A category y-axis draws its first label at the bottom: ascending puts the largest on top.
    ordered = frame.sort_values(value, ascending=True)
    labels = ordered[by].astype(str).tolist()
    colours = [MUTED if label == UNATTRIBUTED else ACCENT for label in labels]
    return chart(
        [{"type": "bar", "data": coloured(ordered[value].tolist(), colours)}],
        x_axis=money_axis(),
        y_axis=category_axis(labels),
        tooltip=money_tooltip(),
    )


def make_category_figure(by_category: pd.DataFrame) -> Option:
    """Month-to-date spend by category, the unattributed remainder in grey but shown."""
    return make_breakdown_figure(by_category, "category", "month_to_date_usd")


def make_monthly_figure(monthly: pd.DataFrame) -> Option:
    """Invoiced spend by month (``spend_history.monthly_spend`` output); at most six month
    names on the axis (what a half-width chart holds), counted back from the latest, so the
    latest always has its own."""
    months = [f"{month:%b %Y}" for month in monthly["month"]]
    bars = [
        {"name": month, "value": float(amount)}
        for month, amount in zip(months, monthly["amount_usd"], strict=True)
    ]
    return chart(
        [{"type": "bar", "data": bars, "itemStyle": {"color": ACCENT}}],
        x_axis=latest_named_axis(months, at_most=MONTH_LABELS_AT_MOST),
        y_axis=money_axis(),
        tooltip=money_tooltip(),
    )


def make_forecast_figure(outlook: Forecast, last_month_usd: float | None = None) -> Option:
    """Month to date beside both month-end forecasts (and last month, when known), each bar
    with its amount on top."""
    bars = [
        ("Month to date", outlook.month_to_date_usd, ACCENT),
        ("Forecast (per resource)", outlook.per_resource_usd, ACCENT),
        ("Naive run-rate", outlook.naive_usd, MUTED),
    ]
    if last_month_usd is not None:
        bars.insert(0, ("Last month", last_month_usd, MUTED))
    names, amounts, colours = zip(*bars, strict=True)
    data = [
        {**item, "label": {"show": True, "position": "top", "formatter": f"${amount:,.0f}"}}
        for item, amount in zip(coloured(amounts, colours), amounts, strict=True)
    ]
    return chart(
        [{"type": "bar", "data": data}],
        x_axis=category_axis(names),
        y_axis=money_axis(),
        tooltip=money_tooltip(),
    )


def make_run_rate_treemap(resources: pd.DataFrame, *, max_tiles: int = MAX_TILES) -> Option:
    """Monthly list price by category, then by resource, the smallest of each category as
    one "Other" tile (``run_rate.run_rate_tiles``); each category in its own calm colour."""
    tiles = run_rate_tiles(resources, max_tiles=max_tiles)
    categories = tiles.loc[tiles["parent"] == "", "category"].tolist()
    nodes: list[Option] = []
    for index, category in enumerate(categories):
        colour = CATEGORY_COLOURS[index % len(CATEGORY_COLOURS)]
        members = tiles[tiles["parent"] == category]
        nodes.append(
            {
                "name": str(category),
                "itemStyle": {"color": colour},
                "children": [
                    {
                        "name": str(tile.label),
                        "value": float(tile.value_usd),
                        "itemStyle": {"color": MUTED if tile.other else colour},
                    }
                    for tile in members.itertuples()
                ],
            }
        )
    series: Option = {
        "type": "treemap",
        "data": nodes,
        "leafDepth": 2,
        "roam": False,
        "nodeClick": False,
        "breadcrumb": {"show": False},
        "width": "100%",
        "height": "100%",
        "upperLabel": {"show": True, "height": 22},
        "label": {"show": True, "overflow": "truncate"},
        "levels": [
            {"itemStyle": {"borderWidth": 0, "gapWidth": 3}},
            {"itemStyle": {"gapWidth": 1, "borderColorSaturation": 0.6}},
        ],
    }
    return chart([series], tooltip=money_tooltip())
