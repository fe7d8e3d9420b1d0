"""Plotly figures for the spend pages: a DataFrame in, a ``go.Figure`` out.

The figures set no template, font colour or background: Streamlit's theme supplies those, so
one figure reads on the light and the dark theme alike. The only colours set are mid-tone
ones that keep their contrast on white and on near-black.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped]  # plotly ships no types

from vultr_core.formatting import chart_text
from vultr_core.spend.costs import UNATTRIBUTED
from vultr_core.spend.forecast import Forecast

# Mid-tone blue and grey: at least 3:1 contrast against both #ffffff and #0e1117.
ACCENT = "#3b82f6"
MUTED = "#8b95a5"
TRANSPARENT = "rgba(0,0,0,0)"
MONEY_HOVER = "%{y}: $%{x:,.2f}<extra></extra>"


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
    figure.update_xaxes(tickformat="%b %Y", dtick="M1")
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


def make_run_rate_treemap(resources: pd.DataFrame) -> go.Figure:
    """Monthly list price by category, then by resource (``costs.resource_costs`` output)."""
    priced = resources[resources["monthly_cost_usd"] > 0]
    categories = sorted(priced["category"].unique())
    ids = [*categories, *(priced["category"] + "/" + priced["id"])]
    labels = [chart_text(str(label)) for label in (*categories, *priced["label"])]
    parents = ["" for _ in categories] + list(priced["category"])
    # Categories carry no value of their own: Plotly sums their resources ("remainder").
    values = [0.0 for _ in categories] + list(priced["monthly_cost_usd"])
    figure = go.Figure(
        go.Treemap(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="remainder",
            hovertemplate="%{label}: $%{value:,.2f} a month<extra></extra>",
            texttemplate="%{label}<br>$%{value:,.0f}",
        )
    )
    return _styled(figure)
