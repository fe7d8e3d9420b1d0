"""What one Plotly chart costs a Streamlit page in Chromium, whatever the page around it: the floor
under the Overview's "fully drawn" and "reloaded" figures (issue 14).

Two apps with the project's Streamlit config, each on a fresh server, in a fresh browser context:
the baseline ``st.title("hello")``, and the same title above one Plotly bar chart of three bars
(``displayModeBar`` off, as the Overview draws its charts). For each: loaded cold (nothing cached
in the browser) and then reloaded in the same tab, both timed to fully drawn as bench_large.py
times them (its probe: title shown, every chart drawn, no long task since, held 0.5 s). From a
Chromium trace of the reload: the longest module evaluation on the page's main thread (Plotly's
bundle evaluated in every new document that shows a chart), and the tasks after it until the
chart is drawn.

    uv run python bench/bench_plotly_floor.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_app import baseline_root, launched, load_average
from bench_large import PROBE, await_drawn, settle
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.conftest import CHROMIUM, CHROMIUM_FLAGS, demo_environ

ONE_CHART_APP = """import plotly.graph_objects as go
import streamlit as st

st.title("hello")
st.plotly_chart(
    go.Figure(go.Bar(x=["a", "b", "c"], y=[1, 3, 2])), config={"displayModeBar": False}
)
"""
TRACE_CATEGORIES = ["devtools.timeline", "v8.execute", "disabled-by-default-devtools.timeline"]


def longest_module_evaluation_s(trace: Path) -> float:
    """The longest ``v8.evaluateModule`` on a renderer's main thread in a Chromium trace."""
    document = json.loads(trace.read_text())
    events: list[dict[str, Any]] = (
        document["traceEvents"] if isinstance(document, dict) else document
    )
    main_threads = {
        (event["pid"], event["tid"])
        for event in events
        if event.get("name") == "thread_name"
        and event.get("args", {}).get("name") == "CrRendererMain"
    }
    durations = [
        event.get("dur", 0) / 1e6
        for event in events
        if event.get("name") == "v8.evaluateModule"
        and (event.get("pid"), event.get("tid")) in main_threads
    ]
    return max(durations, default=0.0)


def drawn_after_goto(page: Page, url: str) -> float:
    """Seconds from asking for ``url`` to the page fully drawn (bench_large's probe)."""
    zero_ms = time.time() * 1000
    page.goto(url, wait_until="commit")
    drawn_s, _ = await_drawn(page, "hello", zero_ms)
    if drawn_s is None:
        raise SystemExit(f"{url} was not fully drawn")
    return drawn_s


def one_app(browser: Browser, root: Path, folder: Path) -> tuple[float, float, float]:
    """Cold drawn, reload drawn, and a further reload's longest module evaluation (s): traced
    apart, so that tracing does not slow the timed loads."""
    with launched(demo_environ(), root) as app:
        context = browser.new_context(viewport={"width": 1280, "height": 1500})
        context.add_init_script(PROBE)
        page = context.new_page()
        try:
            settle(app.pid)
            cold = drawn_after_goto(page, app.url)
            reload = drawn_after_goto(page, app.url)
            trace = folder / "reload-trace.json"
            browser.start_tracing(page=page, path=str(trace), categories=TRACE_CATEGORIES)
            try:
                drawn_after_goto(page, app.url)
            finally:
                browser.stop_tracing()
            return cold, reload, longest_module_evaluation_s(trace)
        finally:
            context.close()


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} s ({min(values):.2f}–{max(values):.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    baseline = baseline_root()
    chart = baseline_root()
    (chart / "app.py").write_text(ONE_CHART_APP)
    folder = Path(tempfile.mkdtemp(prefix="bench-plotly-floor-"))
    figures: dict[str, list[tuple[float, float, float]]] = {"baseline": [], "one chart": []}
    print(f"load average before: {load_average()}")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            for number in range(1, args.repeats + 1):
                figures["baseline"].append(one_app(browser, baseline, folder))
                figures["one chart"].append(one_app(browser, chart, folder))
                print(
                    f"run {number}: baseline {figures['baseline'][-1]}, one chart"
                    f" {figures['one chart'][-1]}",
                    flush=True,
                )
            browser.close()
    finally:
        for path in (baseline, chart, folder):
            shutil.rmtree(path, ignore_errors=True)
    print(f"load average after: {load_average()}\n")
    print("| figure | baseline (title) | title + one Plotly chart | ratio |")
    print("| --- | --- | --- | --- |")
    names = ("cold, fully drawn", "reloaded, fully drawn", "reload: longest module evaluation")
    for index, name in enumerate(names):
        base = [run[index] for run in figures["baseline"]]
        ours = [run[index] for run in figures["one chart"]]
        ratio = statistics.median(ours) / statistics.median(base)
        print(f"| {name} | {summary(base)} | {summary(ours)} | {ratio:.1f}× |")


if __name__ == "__main__":
    main()
