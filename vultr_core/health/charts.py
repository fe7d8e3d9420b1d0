"""Plotly figures for the health sections: latency as a distribution and over time, memory as
a gauge. Like ``vultr_core.spend.charts``, no template or background is set, so Streamlit's theme
applies; only mid-tone colours that read on light and dark backgrounds.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go  # type: ignore[import-untyped]  # plotly ships no types

from vultr_core.health.history import HealthSample
from vultr_core.health.probing import LatencySummary

ACCENT = "#3b82f6"
AMBER = "#d97706"
RED = "#dc2626"
MUTED = "#8b95a5"
TRANSPARENT = "rgba(0,0,0,0)"
MIB = 1024 * 1024


def _styled(figure: go.Figure, *, title: str, height: int = 260) -> go.Figure:
    figure.update_layout(
        title=title,
        height=height,
        paper_bgcolor=TRANSPARENT,
        plot_bgcolor=TRANSPARENT,
        margin={"l": 0, "r": 0, "t": 40, "b": 0},
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def make_latency_distribution_figure(latency: LatencySummary, *, title: str) -> go.Figure:
    """A histogram of the round trips, with p50, p95 and p99 marked: the tail shows. The
    figures go in the title, where close markers cannot make their labels collide."""
    figure = go.Figure(
        go.Histogram(
            x=list(latency.samples_ms),
            marker_color=ACCENT,
            name="round trips",
            hovertemplate="%{x} ms: %{y} round trips<extra></extra>",
        )
    )
    for value, colour in ((latency.p50_ms, MUTED), (latency.p95_ms, AMBER), (latency.p99_ms, RED)):
        figure.add_vline(x=value, line_color=colour, line_dash="dash")
    figure.update_xaxes(title="milliseconds", rangemode="tozero")
    figure.update_yaxes(title="round trips")
    shown = f"p50 {latency.p50_ms:.2f} · p95 {latency.p95_ms:.2f} · p99 {latency.p99_ms:.2f} ms"
    figure = _styled(figure, title=f"{title}<br><sup>{shown}</sup>")
    figure.update_layout(margin={"t": 60})
    return figure


def make_latency_history_figure(samples: Sequence[HealthSample], *, title: str) -> go.Figure:
    """p50 and p95 per check over time; checks that found the service down as red marks."""
    reachable = [s for s in samples if s.latency_ms is not None]
    down = [s for s in samples if s.status == "down"]
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[s.at for s in reachable],
            y=[s.latency_ms for s in reachable],
            mode="lines+markers",
            name="p50",
            line_color=ACCENT,
        )
    )
    with_p95 = [s for s in reachable if s.latency_ms_p95 is not None]
    if with_p95:
        figure.add_trace(
            go.Scatter(
                x=[s.at for s in with_p95],
                y=[s.latency_ms_p95 for s in with_p95],
                mode="lines",
                name="p95",
                line_color=AMBER,
                line_dash="dot",
            )
        )
    if down:
        figure.add_trace(
            go.Scatter(
                x=[s.at for s in down],
                y=[0] * len(down),
                mode="markers",
                name="down",
                marker={"color": RED, "symbol": "x", "size": 10},
            )
        )
    figure.update_yaxes(title="milliseconds", rangemode="tozero")
    return _styled(figure, title=title)


def make_memory_gauge_figure(used_bytes: int, max_bytes: int | None, *, title: str) -> go.Figure:
    """Used memory against maxmemory (amber from 75 %, red from 90 %); without a limit, the
    figure alone, since a gauge with no end would mislead."""
    used_mib = used_bytes / MIB
    if not max_bytes:
        figure = go.Figure(
            go.Indicator(
                mode="number",
                value=used_mib,
                number={"suffix": " MiB", "valueformat": ".1f"},
                title={"text": "used · no maxmemory limit"},
            )
        )
        return _styled(figure, title=title, height=200)
    max_mib = max_bytes / MIB
    figure = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=used_mib,
            number={"suffix": f" of {max_mib:.0f} MiB", "valueformat": ".1f"},
            gauge={
                "axis": {"range": [0, max_mib]},
                "bar": {"color": ACCENT},
                "steps": [
                    {"range": [0.75 * max_mib, 0.9 * max_mib], "color": AMBER},
                    {"range": [0.9 * max_mib, max_mib], "color": RED},
                ],
            },
        )
    )
    return _styled(figure, title=title, height=240)
