"""What every chart's Apache ECharts option shares: colours, axes, tooltips, the frame.

The pages draw with ``st.echarts_chart``, whose ECharts bundle ships with Streamlit: its browser
chunk is a quarter of Plotly's, and a page of five charts is drawn cold in 1.28 s against 2.10 s
with Plotly and 0.87 s for a title alone (``bench/bench_chart_floor.py``). An option sets no
background or font colour: Streamlit's theme supplies them, so one chart reads on the light
and the dark theme alike; the only colours set are mid-tone ones with 3:1 contrast on white
and on near-black. Outside text (names, labels, tags) goes in as data, which ECharts draws as
plain text and its default tooltip escapes; no option holds a ``formatter`` template with
outside text in it, since a tooltip template is HTML. Animation is off: a chart read at a
glance is drawn once, not grown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Option = dict[str, Any]

# Mid-tone blue and grey: at least 3:1 contrast against both #ffffff and #0e1117.
ACCENT = "#3b82f6"
MUTED = "#8b95a5"
TRANSPARENT = "rgba(0,0,0,0)"
# Mid-tone red and amber: 3.8:1 and 3.2:1 on #ffffff, 5.0:1 and 6.1:1 on #0e1117.
ALERT = "#ef4444"
AMBER = "#d97706"
# Mid-tone blues, teals and violets for categories: none reads as an alarm.
CATEGORY_COLOURS = ("#3b82f6", "#14b8a6", "#8b5cf6", "#0ea5e9", "#6366f1", "#10b981", "#a78bfa")
# Streamlit's named tooltip format: "$1,234.57".
DOLLARS = "dollar"


def chart(
    series: Sequence[Option],
    *,
    x_axis: Option | None = None,
    y_axis: Option | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    legend: bool = False,
    tooltip: Option | None = None,
) -> Option:
    """A whole option: the series on the axes given (none for a treemap or a gauge), a title
    when it says something the page around it does not, a legend when there are several
    series to tell apart."""
    top = 8 + (28 if title else 0) + (18 if subtitle else 0) + (32 if legend else 0)
    option: Option = {
        "animation": False,
        "grid": {"left": 4, "right": 28, "top": top, "bottom": 4, "containLabel": True},
        "tooltip": tooltip if tooltip is not None else {"trigger": "item"},
        "series": list(series),
    }
    if title:
        option["title"] = {"text": title, "subtext": subtitle or "", "left": 0, "top": 0}
    if legend:
        # One row whatever the number of series: more scroll rather than wrap over the chart.
        option["legend"] = {"type": "scroll", "top": top - 32, "left": 0, "right": 0}
    if x_axis is not None:
        option["xAxis"] = x_axis
    if y_axis is not None:
        option["yAxis"] = y_axis
    return option


def money_axis(**extra: Any) -> Option:
    """A value axis of whole dollars ("$12,000": ECharts adds the separators)."""
    return {"type": "value", "axisLabel": {"formatter": "${value}"}, **extra}


def category_axis(labels: Sequence[str], **extra: Any) -> Option:
    """A category axis with every label kept: outside text, drawn as plain text."""
    return {"type": "category", "data": [str(label) for label in labels], **extra}


def latest_named_axis(labels: Sequence[str], *, at_most: int) -> Option:
    """A category axis naming at most ``at_most`` of ``labels``, counted back from the last,
    so the latest always has its own; the others blank. ECharts would count every nth label
    from the first, and a transparent label would still draw the theme's outline over its
    neighbours. Each bar keeps its label as its name, for the tooltip."""
    step = max(1, -(-len(labels) // at_most))
    last = len(labels) - 1
    named = [label if (last - index) % step == 0 else "" for index, label in enumerate(labels)]
    return category_axis(named, axisLabel={"interval": 0, "hideOverlap": False})


def money_tooltip(trigger: str = "item") -> Option:
    """The default tooltip (it escapes names), amounts as "$1,234.57"."""
    return {"trigger": trigger, "valueFormatter": DOLLARS}


def coloured(values: Sequence[float], colours: Sequence[str]) -> list[Option]:
    """Bar data with a colour per bar."""
    return [
        {"value": float(value), "itemStyle": {"color": colour}}
        for value, colour in zip(values, colours, strict=True)
    ]
