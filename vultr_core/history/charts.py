"""ECharts options for the spend history: a DataFrame (or forecasts) in, an option
(``chart_options.Option``) out, for ``st.echarts_chart``.

As ``chart_options``: no background or font colour, so one chart reads on the light and the
dark theme; only mid-tone colours with 3:1 contrast on white and on near-black; outside text
(categories, tags, budget labels, resource states) goes in raw as data, never into a
``formatter`` template. What a bar's hover used to note ("so far today", a resource's state)
is a series named in our own words, or an item's name. Each option stays under about a
hundred marks (the callers pass at most 90 days, 12 months, a handful of budgets), so it
draws fast and reads at a glance.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

import pandas as pd

from vultr_core.chart_options import (
    ACCENT,
    ALERT,
    AMBER,
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
from vultr_core.history.budgets import BudgetForecast

MAX_MONTHS = 12
MAX_GROUPS = 8
"""Stacks beyond this join one "(all others)" group: 12 months × 8 groups stays under 100 bars."""
OTHERS = "(all others)"
MAX_POINTS = 100
DAY_LABELS_AT_MOST = 10

SPEND = "Spend"
SO_FAR_TODAY = "So far today"
ESTIMATED = "Estimated (no snapshot that day)"
ANOMALY = "Anomaly"
DAY_KINDS = ((SPEND, ACCENT), (ANOMALY, ALERT), (SO_FAR_TODAY, MUTED), (ESTIMATED, MUTED))


def _day_kind(day: date, partial: bool, estimated: bool, anomalies: Collection[date]) -> str:
    if day in anomalies:
        return ANOMALY
    if partial:
        return SO_FAR_TODAY
    return ESTIMATED if estimated else SPEND


def make_daily_spend_figure(totals: pd.DataFrame, anomalies: Collection[date] = ()) -> Option:
    """Spend per day (``DailySpend.totals``): anomalies in red, an unfinished or estimated day
    in grey. Each kind of day is its own series, stacked on the one axis, so the legend and
    the tooltip say which a bar is."""
    totals = totals.tail(MAX_POINTS)
    kinds = [
        _day_kind(day, bool(partial), bool(estimated), anomalies)
        for day, partial, estimated in zip(
            totals["day"], totals["partial"], totals["estimated"], strict=True
        )
    ]
    amounts = [float(amount) for amount in totals["spend_usd"]]
    days = [f"{pd.Timestamp(day):%d %b}" for day in totals["day"]]
    series: list[Option] = [
        {
            "type": "bar",
            "name": name,
            "stack": "day",
            "itemStyle": {"color": colour},
            # No bar of this kind that day (null).
            "data": [
                {"name": day, "value": amount} if kind == name else None
                for day, kind, amount in zip(days, kinds, amounts, strict=True)
            ],
        }
        for name, colour in DAY_KINDS
        if name in kinds
    ]
    return chart(
        series,
        x_axis=latest_named_axis(days, at_most=DAY_LABELS_AT_MOST),
        y_axis=money_axis(),
        legend=len(series) > 1,
        tooltip=money_tooltip(),
    )


def make_monthly_figure(monthly: pd.DataFrame, by: str = "category") -> Option:
    """Spend by month, stacked by ``by`` (``monthly_by_category`` / ``monthly_by_tag``), the
    last 12 months, the 7 largest groups and the rest together, each month named; the 7 in
    calm category colours, the rest in grey."""
    months = sorted(monthly["month"].unique())[-MAX_MONTHS:]
    recent = monthly[monthly["month"].isin(months)].copy()
    recent[by] = recent[by].astype(str)
    totals = recent.groupby(by)["spend_usd"].sum().sort_values(ascending=False)
    names = [str(name) for name in totals.index]
    if len(names) > MAX_GROUPS:
        names = [*names[: MAX_GROUPS - 1], OTHERS]
        kept = set(names[:-1])
        recent[by] = [name if name in kept else OTHERS for name in recent[by]]
    labels = [f"{pd.Timestamp(month):%b %Y}" for month in months]
    amounts: dict[tuple[str, str], float] = {}
    for month, name, amount in zip(recent["month"], recent[by], recent["spend_usd"], strict=True):
        key = (f"{pd.Timestamp(month):%b %Y}", name)
        amounts[key] = amounts.get(key, 0.0) + float(amount)
    colours = dict(zip(names, CATEGORY_COLOURS, strict=False)) | {OTHERS: MUTED}
    series: list[Option] = [
        {
            "type": "bar",
            "name": name,
            "stack": "month",
            "itemStyle": {"color": colours.get(name, MUTED)},
            # A month without this group has no bar (null), not a zero-high one.
            "data": [amounts.get((label, name)) for label in labels],
        }
        for name in names
    ]
    return chart(
        series,
        x_axis=category_axis(labels, axisLabel={"interval": 0, "hideOverlap": False}),
        y_axis=money_axis(),
        legend=True,
        tooltip=money_tooltip(),
    )


def make_budget_figure(forecasts: Sequence[BudgetForecast]) -> Option:
    """Each budget: spent so far over the month-end forecast (red when over), the budget a
    mark across the bar."""
    labels = [str(f.budget.label) for f in forecasts]
    return chart(
        [
            {
                "type": "bar",
                "name": "Forecast",
                "itemStyle": {"color": MUTED},
                "data": coloured(
                    [f.forecast_usd for f in forecasts],
                    [ALERT if f.over else MUTED for f in forecasts],
                ),
                "barGap": "-100%",
            },
            {
                "type": "bar",
                "name": "Spent",
                "itemStyle": {"color": ACCENT},
                "data": [float(f.spent_usd) for f in forecasts],
                # Drawn over the forecast's bar, not beside it.
                "barGap": "-100%",
            },
            {
                "type": "scatter",
                "name": "Budget",
                "symbol": "rect",
                "symbolSize": [3, 24],
                "itemStyle": {"color": AMBER},
                "data": [float(f.budget.monthly_usd) for f in forecasts],
                "z": 3,
            },
        ],
        x_axis=money_axis(),
        y_axis=category_axis(labels),
        legend=True,
        tooltip=money_tooltip(),
    )


def make_resource_history_figure(rows: pd.DataFrame) -> Option:
    """One resource's monthly list price over time (``resource_rows``, its last 100 rows): a
    step at each row, red where the price rose; each point named by its time and state."""
    rows = rows.tail(MAX_POINTS)
    rises = rows["monthly_usd"].diff().fillna(0) > 0
    points: list[Option] = [
        {
            "name": f"{moment:%d %b %Y %H:%M}, {state!s}",
            "value": [moment.isoformat(), float(price)],
            **({"itemStyle": {"color": ALERT}} if rise else {}),
        }
        for moment, price, state, rise in zip(
            (pd.Timestamp(value) for value in rows["valid_from"]),
            rows["monthly_usd"],
            rows["state"],
            rises,
            strict=True,
        )
    ]
    return chart(
        [
            {
                "type": "line",
                "name": "Monthly list price",
                "step": "end",
                "color": ACCENT,
                "itemStyle": {"color": ACCENT},
                "lineStyle": {"color": ACCENT},
                # The tooltip shows the price only: the point's name carries its time.
                "encode": {"x": 0, "y": 1, "tooltip": [1]},
                "data": points,
            }
        ],
        x_axis={"type": "time"},
        y_axis=money_axis(min=0),
        tooltip=money_tooltip(),
    )
