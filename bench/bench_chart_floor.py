"""What five charts cost a Streamlit page in Chromium, drawn with ECharts (the app's,
``st.echarts_chart``) and with Plotly (the app's until issue 14's fourth pass), against a title
alone: the floor under the Overview's "fully drawn" and "reloaded" figures.

Three apps with the project's Streamlit config, each on a fresh server, in a fresh browser
context: the baseline ``st.title("hello")``, and the same title above five charts shaped like
the Overview's (24 monthly bars, 8 category bars, 4 forecast bars, a treemap of 60 tiles in 8
categories, 15 breakdown bars), once as ECharts options (animation off, as the app draws them)
and once as Plotly figures (``displayModeBar`` off, as the app drew them). For each: loaded cold
(nothing cached in the browser), then reloaded twice in the same tab, each timed to fully drawn
as bench_large.py times it (its probe: title shown, every chart drawn, no long task since, held
0.5 s). The apps alternate within each repeat.

    uv run python bench/bench_chart_floor.py [--repeats 3]

Plotly is a development dependency for this comparison only.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

from bench_app import baseline_root, browser_bench_arguments, launched, load_average
from bench_large import PROBE, await_drawn, settle
from playwright.sync_api import Browser, Page

from tests.e2e.conftest import chromium, demo_environ

DATA = """import random

import streamlit as st

random.seed(1)
MONTHS = [f"{year} {month:02d}" for year in (2025, 2026) for month in range(1, 13)]
CATEGORIES = ["Compute", "Databases", "Kubernetes", "Storage", "Bare Metal", "Network",
              "Inference", "Other"]
TILES = [(f"resource-{i}", CATEGORIES[i % 8], random.random() * 100) for i in range(60)]
PLANS = [f"plan-{i}" for i in range(15)]
st.title("hello")
"""
ECHARTS_APP = (
    DATA
    + """

def bars(labels, values, horizontal=False):
    names = {"type": "category", "data": labels}
    amounts = {"type": "value"}
    return {"animation": False, "tooltip": {},
            "xAxis": amounts if horizontal else names, "yAxis": names if horizontal else amounts,
            "series": [{"type": "bar", "data": values}]}


groups = {}
for name, category, value in TILES:
    groups.setdefault(category, []).append({"name": name, "value": value})
left, right = st.columns(2)
with left:
    st.echarts_chart(bars(MONTHS, list(range(24))), key="months")
with right:
    st.echarts_chart(bars(CATEGORIES, list(range(8)), horizontal=True), key="categories")
st.echarts_chart(bars(["so far", "forecast", "naive", "last month"], [3, 5, 6, 4]), key="forecast")
left, right = st.columns([3, 2])
with left:
    tree = [{"name": k, "children": v} for k, v in groups.items()]
    st.echarts_chart({"animation": False, "series": [{"type": "treemap", "data": tree}]},
                     key="treemap")
with right:
    st.echarts_chart(bars(PLANS, list(range(15)), horizontal=True), key="breakdown")
"""
)
PLOTLY_APP = (
    DATA
    + """
import plotly.graph_objects as go

STILL = {"displayModeBar": False}
left, right = st.columns(2)
left.plotly_chart(go.Figure(go.Bar(x=MONTHS, y=list(range(24)))), config=STILL, key="months")
right.plotly_chart(go.Figure(go.Bar(y=CATEGORIES, x=list(range(8)), orientation="h")),
                   config=STILL, key="categories")
st.plotly_chart(go.Figure(go.Bar(x=["so far", "forecast", "naive", "last month"],
                                 y=[3, 5, 6, 4])), config=STILL, key="forecast")
left, right = st.columns([3, 2])
left.plotly_chart(go.Figure(go.Treemap(
    labels=[t[0] for t in TILES] + CATEGORIES, parents=[t[1] for t in TILES] + [""] * 8,
    values=[t[2] for t in TILES] + [0] * 8)), config=STILL, key="treemap")
right.plotly_chart(go.Figure(go.Bar(y=PLANS, x=list(range(15)), orientation="h")),
                   config=STILL, key="breakdown")
"""
)
APPS = {"title alone": None, "five ECharts charts": ECHARTS_APP, "five Plotly charts": PLOTLY_APP}


def drawn_after_goto(page: Page, url: str) -> float:
    """Seconds from asking for ``url`` to the page fully drawn (bench_large's probe)."""
    zero_ms = time.time() * 1000
    page.goto(url, wait_until="commit")
    drawn_s, _ = await_drawn(page, "hello", zero_ms)
    if drawn_s is None:
        raise SystemExit(f"{url} was not fully drawn")
    return drawn_s


def one_app(browser: Browser, root: Path) -> tuple[float, float, float]:
    """Cold, reloaded, and reloaded again: each to fully drawn."""
    with launched(demo_environ(), root) as app:
        context = browser.new_context(viewport={"width": 1280, "height": 1500})
        context.add_init_script(PROBE)
        page = context.new_page()
        try:
            settle(app.pid)
            return (
                drawn_after_goto(page, app.url),
                drawn_after_goto(page, app.url),
                drawn_after_goto(page, app.url),
            )
        finally:
            context.close()


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    args = browser_bench_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))
    roots: dict[str, Path] = {}
    for name, source in APPS.items():
        roots[name] = baseline_root()
        if source is not None:
            (roots[name] / "app.py").write_text(source)
    figures: dict[str, list[tuple[float, float, float]]] = {name: [] for name in APPS}
    print(f"load average before: {load_average()}")
    try:
        with chromium() as browser:
            for number in range(1, args.repeats + 1):
                for name, root in roots.items():
                    figures[name].append(one_app(browser, root))
                print(f"run {number}: {figures}", flush=True)
    finally:
        for root in roots.values():
            shutil.rmtree(root, ignore_errors=True)
    print(f"load average after: {load_average()}\n")
    print("| figure | " + " | ".join(APPS) + " | Plotly ÷ ECharts |")
    print("| --- | --- | --- | --- | --- |")
    for index, figure in enumerate(("cold", "reloaded", "reloaded again")):
        cells = [summary([run[index] for run in figures[name]]) for name in APPS]
        echarts, plotly = (
            statistics.median(run[index] for run in figures[name])
            for name in ("five ECharts charts", "five Plotly charts")
        )
        print(f"| {figure}, fully drawn | " + " | ".join(cells) + f" | {plotly / echarts:.1f}× |")


if __name__ == "__main__":
    main()
