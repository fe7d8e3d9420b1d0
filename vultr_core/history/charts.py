"""Plotly figures for the spend history: a DataFrame (or forecasts) in, a ``go.Figure`` out.

As ``spend.charts``: no template, font colour or background, so one figure reads on the light
and the dark theme; only mid-tone colours with 3:1 contrast on white and on near-black; outside
text through ``chart_text``. Each figure stays under about a hundred marks (the callers pass at
most 90 days, 12 months, a handful of budgets), so it draws fast and reads at a glance.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped]  # plotly ships no types

from vultr_core.formatting import chart_text
from vultr_core.history.budgets import BudgetForecast
from vultr_core.spend.charts import ACCENT, MUTED, TRANSPARENT

# Mid-tone red: 3.8:1 on #ffffff and 5.0:1 on #0e1117.
ALERT = "#ef4444"
MAX_MONTHS = 12
MAX_GROUPS = 8
"""Stacks beyond this join one "(all others)" group: 12 months × 8 groups stays under 100 bars."""
OTHERS = "(all others)"
MAX_POINTS = 100


def _styled(figure: go.Figure, *, legend: bool = False) -> go.Figure:
    figure.update_layout(
        paper_bgcolor=TRANSPARENT,
        plot_bgcolor=TRANSPARENT,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        showlegend=legend,
    )
    return figure


def make_daily_spend_figure(totals: pd.DataFrame, anomalies: Collection[date] = ()) -> go.Figure:
    """Spend per day (``DailySpend.totals``): anomalies in red, an unfinished or estimated day
    in grey."""
    colours = [
        ALERT if day in anomalies else MUTED if partial or estimated else ACCENT
        for day, partial, estimated in zip(
            totals["day"], totals["partial"], totals["estimated"], strict=True
        )
    ]
    notes = [
        "so far today" if partial else "estimated: no snapshot that day" if estimated else ""
        for partial, estimated in zip(totals["partial"], totals["estimated"], strict=True)
    ]
    figure = go.Figure(
        go.Bar(
            x=totals["day"],
            y=totals["spend_usd"],
            marker_color=colours,
            customdata=notes,
            hovertemplate="%{x|%a %d %b}: $%{y:,.2f} %{customdata}<extra></extra>",
        )
    )
    figure.update_yaxes(tickprefix="$", tickformat=",.0f")
    figure.update_xaxes(tickformat="%d %b")
    return _styled(figure)


def make_monthly_figure(monthly: pd.DataFrame, by: str = "category") -> go.Figure:
    """Spend by month, stacked by ``by`` (``monthly_by_category`` / ``monthly_by_tag``), the
    last 12 months, the 7 largest groups and the rest together; the theme colours each."""
    months = sorted(monthly["month"].unique())[-MAX_MONTHS:]
    recent = monthly[monthly["month"].isin(months)].copy()
    totals = recent.groupby(by)["spend_usd"].sum().sort_values(ascending=False)
    if len(totals) > MAX_GROUPS:
        kept = set(totals.index[: MAX_GROUPS - 1])
        recent[by] = [name if name in kept else OTHERS for name in recent[by]]
        recent = recent.groupby(["month", by], as_index=False).agg(spend_usd=("spend_usd", "sum"))
        totals = recent.groupby(by)["spend_usd"].sum().sort_values(ascending=False)
    figure = go.Figure(
        [
            go.Bar(
                x=group["month"],
                y=group["spend_usd"],
                name=chart_text(str(name)),
                hovertemplate=f"{chart_text(str(name))}: $%{{y:,.2f}} in %{{x|%B %Y}}"
                "<extra></extra>",
            )
            for name in totals.index
            for group in [recent[recent[by] == name]]
        ]
    )
    figure.update_layout(barmode="stack")
    figure.update_yaxes(tickprefix="$", tickformat=",.0f")
    figure.update_xaxes(tickformat="%b %Y", dtick="M1")
    return _styled(figure, legend=True)


def make_budget_figure(forecasts: Sequence[BudgetForecast]) -> go.Figure:
    """Each budget: spent so far, the month-end forecast (red when over), the budget a line."""
    labels = [chart_text(f.budget.label) for f in forecasts]
    figure = go.Figure(
        [
            go.Bar(
                y=labels,
                x=[f.forecast_usd for f in forecasts],
                orientation="h",
                name="Forecast",
                marker_color=[ALERT if f.over else MUTED for f in forecasts],
                hovertemplate="%{y}: forecast $%{x:,.2f}<extra></extra>",
            ),
            go.Bar(
                y=labels,
                x=[f.spent_usd for f in forecasts],
                orientation="h",
                name="Spent",
                marker_color=ACCENT,
                hovertemplate="%{y}: spent $%{x:,.2f}<extra></extra>",
            ),
            go.Scatter(
                y=labels,
                x=[f.budget.monthly_usd for f in forecasts],
                mode="markers",
                name="Budget",
                marker={"symbol": "line-ns-open", "size": 28, "line": {"width": 3}},
                hovertemplate="%{y}: budget $%{x:,.2f}<extra></extra>",
            ),
        ]
    )
    figure.update_layout(barmode="overlay")
    figure.update_xaxes(tickprefix="$", tickformat=",.0f")
    return _styled(figure, legend=True)


def make_resource_history_figure(rows: pd.DataFrame) -> go.Figure:
    """One resource's monthly list price over time (``resource_rows``, its last 100 rows): a
    step at each row, red where the price rose."""
    rows = rows.tail(MAX_POINTS)
    rises = rows["monthly_usd"].diff().fillna(0) > 0
    figure = go.Figure(
        go.Scatter(
            x=rows["valid_from"],
            y=rows["monthly_usd"],
            mode="lines+markers",
            line={"shape": "hv", "color": ACCENT},
            marker={"color": [ALERT if rise else ACCENT for rise in rises]},
            customdata=[chart_text(str(text)) for text in rows["state"]],
            hovertemplate="%{x|%d %b %Y %H:%M}: $%{y:,.2f} a month, %{customdata}<extra></extra>",
        )
    )
    figure.update_yaxes(tickprefix="$", tickformat=",.0f", rangemode="tozero")
    return _styled(figure)
