"""Apache ECharts options for the health sections: latency as a distribution and over time,
memory as a gauge. Like every chart here (``vultr_core.chart_options``), no background or font
colour is set, so Streamlit's theme applies; only mid-tone colours that read on light and dark
backgrounds, and no outside text in a ``formatter``: the only text here is our own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from vultr_core.chart_options import ACCENT, AMBER, MUTED, Option, chart
from vultr_core.health.history import HealthSample
from vultr_core.health.probing import LatencySummary

# The health sections' red, a shade deeper than chart_options.ALERT, as before the move.
RED = "#dc2626"
MIB = 1024 * 1024
HISTOGRAM_BINS = 20
# An "x" drawn as a path: ECharts has no cross symbol, and a down check reads as a cross.
CROSS = "path://M2,0L5,3L8,0L10,2L7,5L10,8L8,10L5,7L2,10L0,8L3,5L0,2Z"
MS_AXIS = {"type": "value", "min": 0, "axisLabel": {"formatter": "{value} ms"}}
# The least span the time axis shows: left alone, ECharts spreads one sample over two days.
LEAST_HISTORY_SPAN = timedelta(hours=1)


def _bins(samples: Sequence[float], count: int = HISTOGRAM_BINS) -> list[tuple[float, float, int]]:
    """``count`` equal bins from the fastest to the slowest sample, as (low, high, how many);
    the last bin holds its upper edge, as numpy's histogram does. When all are equal, the bins
    span a tenth of the value around it: one bar of a sensible width, not one across the axis."""
    low, high = min(samples), max(samples)
    if high == low:
        spread = max(abs(low) * 0.1, 0.01)
        low, high = low - spread / 2, high + spread / 2
    width = (high - low) / count
    counts = [0] * count
    for sample in samples:
        counts[min(int((sample - low) / width), count - 1)] += 1
    return [(low + i * width, low + (i + 1) * width, n) for i, n in enumerate(counts)]


def make_latency_distribution_figure(latency: LatencySummary, *, title: str) -> Option:
    """A histogram of the round trips, with p50, p95 and p99 marked: the tail shows. The
    figures go in the subtitle, where close markers cannot make their labels collide."""
    bars = [
        {"name": f"{low:.2f}–{high:.2f} ms", "value": [float((low + high) / 2), int(n)]}
        for low, high, n in _bins(latency.samples_ms)
    ]
    marks = [
        {
            "name": name,
            "xAxis": float(value),
            "lineStyle": {"color": colour, "type": "dashed", "width": 2},
        }
        for name, value, colour in (
            ("p50", latency.p50_ms, MUTED),
            ("p95", latency.p95_ms, AMBER),
            ("p99", latency.p99_ms, RED),
        )
    ]
    series: Option = {
        "type": "bar",
        "name": "round trips",
        "data": bars,
        "encode": {"x": 0, "y": 1, "tooltip": 1},
        "barCategoryGap": "4%",
        "itemStyle": {"color": ACCENT},
        "markLine": {"symbol": "none", "label": {"show": False}, "data": marks},
    }
    shown = f"p50 {latency.p50_ms:.2f} · p95 {latency.p95_ms:.2f} · p99 {latency.p99_ms:.2f} ms"
    return chart(
        [series],
        x_axis=MS_AXIS,
        y_axis={"type": "value", "minInterval": 1},
        title=title,
        subtitle=shown,
    )


def _iso(at: datetime) -> str:
    """A time the browser places on the axis: with its offset when it has one."""
    return at.isoformat(timespec="seconds")


def _shown(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S %Z}".rstrip()


def make_latency_history_figure(samples: Sequence[HealthSample], *, title: str) -> Option:
    """p50 and p95 per check over time; checks that found the service down as red marks."""
    reachable = [s for s in samples if s.latency_ms is not None]
    with_p95 = [s for s in reachable if s.latency_ms_p95 is not None]
    down = [s for s in samples if s.status == "down"]
    series: list[Option] = [
        {
            "type": "line",
            "name": "p50",
            "data": [[_iso(s.at), float(s.latency_ms or 0)] for s in reachable],
            "showSymbol": True,
            "itemStyle": {"color": ACCENT},
            "lineStyle": {"color": ACCENT},
        }
    ]
    if with_p95:
        series.append(
            {
                "type": "line",
                "name": "p95",
                "data": [[_iso(s.at), float(s.latency_ms_p95 or 0)] for s in with_p95],
                "showSymbol": False,
                "itemStyle": {"color": AMBER},
                "lineStyle": {"color": AMBER, "type": "dotted"},
            }
        )
    if down:
        series.append(
            {
                "type": "scatter",
                "name": "down",
                # Drawn at 0 for want of a latency: kept out of the axis tooltip, which would
                # read "0.00 ms"; hovered alone, a mark says what it means.
                "data": [{"name": _shown(s.at), "value": [_iso(s.at), 0]} for s in down],
                "symbol": CROSS,
                "symbolSize": 10,
                "itemStyle": {"color": RED},
                "tooltip": {"trigger": "item", "formatter": "Down at {b}"},
            }
        )
    return chart(
        series,
        x_axis=_time_axis([s.at for s in samples]),
        y_axis=MS_AXIS,
        title=title,
        legend=True,
        tooltip={"trigger": "axis", "valueFormatter": "%.2f ms"},
    )


def _time_axis(times: Sequence[datetime]) -> Option:
    """A time axis of at least ``LEAST_HISTORY_SPAN`` that ends at the latest check: the first
    checks read as the last hour's, not as a point lost in two days."""
    if not times or max(times) - min(times) >= LEAST_HISTORY_SPAN:
        return {"type": "time"}
    latest = max(times)
    return {"type": "time", "min": _iso(latest - LEAST_HISTORY_SPAN), "max": _iso(latest)}


def make_memory_gauge_figure(used_bytes: int, max_bytes: int | None, *, title: str) -> Option:
    """Used memory against maxmemory (amber from 75 %, red from 90 %); without a limit, the
    figure alone, since a gauge with no end would mislead."""
    used_mib = used_bytes / MIB
    if not max_bytes:
        option = chart([], title=title)
        # The figure as a second, centred title: a number, no dial.
        option["title"] = [
            option["title"],
            {
                "text": f"{used_mib:.1f} MiB",
                "subtext": "used · no maxmemory limit",
                "left": "center",
                "top": "middle",
                "textStyle": {"fontSize": 32},
            },
        ]
        return option
    max_mib = max_bytes / MIB
    gauge: Option = {
        "type": "gauge",
        "name": "memory",
        "min": 0,
        "max": float(max_mib),
        "startAngle": 180,
        "endAngle": 0,
        "center": ["50%", "78%"],
        "radius": "110%",
        "axisLine": {"lineStyle": {"width": 16, "color": [[0.75, ACCENT], [0.9, AMBER], [1, RED]]}},
        # The tick values of a limit like 953.7 MiB would print with many decimals: the
        # detail names the limit instead.
        "axisLabel": {"show": False},
        "splitLine": {"length": 8, "distance": 0},
        "axisTick": {"show": False},
        "pointer": {"width": 5, "length": "70%", "itemStyle": {"color": "auto"}},
        "title": {"show": False},
        "detail": {
            "formatter": f"{used_mib:.1f} of {max_mib:.0f} MiB",
            "offsetCenter": [0, "18%"],
            "fontSize": 18,
        },
        "data": [{"name": "used", "value": round(float(used_mib), 1)}],
    }
    return chart([gauge], title=title, tooltip={"trigger": "item", "valueFormatter": "%.1f MiB"})
