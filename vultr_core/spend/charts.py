"""Plotly figures for the spend pages: a DataFrame in, a ``go.Figure`` out.

The figures set no template, font colour or background: Streamlit's theme supplies those, so
one figure reads on the light and the dark theme alike. The only colours set are mid-tone
ones that keep their contrast on white and on near-black.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped]  # plotly ships no types
import plotly.io  # type: ignore[import-untyped]
import plotly.tools  # type: ignore[import-untyped]

from vultr_core.formatting import chart_text
from vultr_core.spend.costs import UNATTRIBUTED
from vultr_core.spend.forecast import Forecast
from vultr_core.spend.run_rate import MAX_TILES, run_rate_tiles

# Mid-tone blue and grey: at least 3:1 contrast against both #ffffff and #0e1117.
ACCENT = "#3b82f6"
MUTED = "#8b95a5"
TRANSPARENT = "rgba(0,0,0,0)"
# Mid-tone blues, teals and violets for the treemap's categories: none reads as an alarm.
CATEGORY_COLOURS = ("#3b82f6", "#14b8a6", "#8b5cf6", "#0ea5e9", "#6366f1", "#10b981", "#a78bfa")
MONTH_LABELS_AT_MOST = 12
MONEY_HOVER = "%{y}: $%{x:,.2f}<extra></extra>"


def warm_up() -> None:
    """Build one throwaway figure of each kind the Overview draws, and turn it into what
    ``st.plotly_chart`` sends: Plotly loads its validators property by property on a
    process's first figures (0.2 s here, over a second under load), which the server entry
    pays once at start rather than its first visitor."""
    month = pd.Timestamp("2026-01-01")
    resources = pd.DataFrame(
        {
            "id": ["a", "b", "c"],
            "label": ["a", "b", "c"],
            "category": ["Compute", "Compute", "Compute"],
            "monthly_cost_usd": [3.0, 2.0, 1.0],
        }
    )
    outlook = Forecast(1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 2.0, 0.0, 0, 0.0, "")
    figures = [
        make_monthly_figure(pd.DataFrame({"month": [month], "amount_usd": [1.0]})),
        make_breakdown_figure(
            pd.DataFrame({"category": ["Compute", UNATTRIBUTED], "cost": [1.0, 1.0]}),
            "category",
            "cost",
            title="warm-up",
        ),
        make_forecast_figure(outlook, 1.0),
        make_run_rate_treemap(resources, max_tiles=3),
    ]
    for figure in figures:
        # As st.plotly_chart does with each figure.
        checked = plotly.tools.return_figure_from_figure_or_data(figure, validate_figure=True)
        plotly.io.to_json(checked, validate=False)


def _styled(figure: go.Figure, *, title: str | None = None) -> go.Figure:
    figure.update_layout(
        title=title,
        paper_bgcolor=TRANSPARENT,
        plot_bgcolor=TRANSPARENT,
        margin={"l": 0, "r": 0, "t": 40 if title else 10, "b": 0},
        showlegend=False,
    )
    return figure


def make_breakdown_figure(
    frame: pd.DataFrame, by: str, value: str = "monthly_cost_usd", *, title: str | None = None
) -> go.Figure:
    """Horizontal bars of ``value`` by ``by``, largest on top (``costs.breakdown`` output)."""
    ordered = frame.sort_values(value, ascending=True)
    colours = [MUTED if label == UNATTRIBUTED else ACCENT for label in ordered[by]]
    figure = go.Figure(
        go.Bar(
            x=ordered[value],
            # Labels, tags, plans: outside text, never markup.
            y=ordered[by].astype(str).map(chart_text),
            orientation="h",
            marker_color=colours,
            hovertemplate=MONEY_HOVER,
        )
    )
    figure.update_xaxes(tickprefix="$", tickformat=",.0f")
    return _styled(figure, title=title)


def make_category_figure(by_category: pd.DataFrame) -> go.Figure:
    """Month-to-date spend by category, the unattributed remainder in grey but shown."""
    return make_breakdown_figure(by_category, "category", "month_to_date_usd")


def make_monthly_figure(monthly: pd.DataFrame) -> go.Figure:
    """Invoiced spend by month (``spend_history.monthly_spend`` output)."""
    figure = go.Figure(
        go.Bar(
            x=monthly["month"],
            y=monthly["amount_usd"],
            marker_color=ACCENT,
            hovertemplate="%{x|%B %Y}: $%{y:,.2f}<extra></extra>",
        )
    )
    # Named ticks counted back from the latest month, so the latest always has its label.
    step = max(1, -(-len(monthly) // MONTH_LABELS_AT_MOST))
    ticks = list(monthly["month"])[::-1][::step][::-1]
    figure.update_xaxes(
        tickmode="array", tickvals=ticks, ticktext=[f"{month:%b %Y}" for month in ticks]
    )
    figure.update_yaxes(tickprefix="$", tickformat=",.0f")
    return _styled(figure)


def make_forecast_figure(outlook: Forecast, last_month_usd: float | None = None) -> go.Figure:
    """Month to date beside both month-end forecasts (and last month, when known)."""
    bars = [
        ("Month to date", outlook.month_to_date_usd, ACCENT),
        ("Forecast (per resource)", outlook.per_resource_usd, ACCENT),
        ("Naive run-rate", outlook.naive_usd, MUTED),
    ]
    if last_month_usd is not None:
        bars.insert(0, ("Last month", last_month_usd, MUTED))
    names, amounts, colours = zip(*bars, strict=True)
    figure = go.Figure(
        go.Bar(
            x=list(names),
            y=list(amounts),
            marker_color=list(colours),
            text=[f"${amount:,.0f}" for amount in amounts],
            textposition="outside",
            hovertemplate="%{x}: $%{y:,.2f}<extra></extra>",
        )
    )
    figure.update_yaxes(tickprefix="$", tickformat=",.0f")
    return _styled(figure)


def make_run_rate_treemap(resources: pd.DataFrame, *, max_tiles: int = MAX_TILES) -> go.Figure:
    """Monthly list price by category, then by resource, the smallest of each category as
    one "Other" tile (``run_rate.run_rate_tiles``); each category in its own calm colour."""
    tiles = run_rate_tiles(resources, max_tiles=max_tiles)
    categories = tiles.loc[tiles["parent"] == "", "category"].tolist()
    colour = {
        name: CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)] for i, name in enumerate(categories)
    }
    colours = [
        MUTED if other else colour[category]
        for category, other in zip(tiles["category"], tiles["other"], strict=True)
    ]
    figure = go.Figure(
        go.Treemap(
            ids=tiles["id"].map(chart_text),
            # Labels are outside text, never markup.
            labels=tiles["label"].map(chart_text),
            parents=tiles["parent"].map(chart_text),
            # Categories carry no value of their own: Plotly sums their tiles ("remainder").
            values=tiles["value_usd"],
            branchvalues="remainder",
            marker={"colors": colours},
            hovertemplate="%{label}: $%{value:,.2f} a month<extra></extra>",
            texttemplate="%{label}<br>$%{value:,.0f}",
        )
    )
    return _styled(figure)
