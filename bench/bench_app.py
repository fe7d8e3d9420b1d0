"""The app in a real browser: cold start to a rendered Overview, and resident memory at ``large``.

1. Cold start: from spawning ``streamlit run app.py`` (demo mode, default size, a fresh
   process) to the Overview idle in Chromium with its spend metrics, health cards and charts
   drawn and no exception; split where /_stcore/health first answers ok. The Overview's health
   strip starts the embedded PostgreSQL (initdb in a new temporary folder) and Valkey: nothing
   of theirs survives a process, so every cold start includes a first start of both. Their
   start alone, in a bare child process, is measured beside it.
2. Memory: the app at VULTR_DEMO_SIZE=large once every page was visited from the sidebar:
   VmRSS and VmHWM (peak) of the streamlit process; apart, the RSS of the embedded servers it
   started (the processes working in its private TMPDIR), summed by program.

Baseline for both, measured in the same run and started the same way: a one-line app,
``st.title("hello")``. App and baseline alternate, so drift in the machine's load hits both.

    uv run python bench/bench_app.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import (
    CHROMIUM,
    IDLE_TIMEOUT_MS,
    ROOT,
    chromium,
    demo_environ,
    start_app,
    stop_app,
    wait_idle,
)
from tests.processes import working_under
from vultr_core.health.service_health import SERVICES

PAGES = ("Overview", "Instances", "Databases", "Valkey", "Inference Chat", "Cache Tools")
OVERVIEW_METRICS = ("Month to date", "Month-end forecast")
BASELINE_APP = 'import streamlit as st\n\nst.title("hello")\n'
EMBEDDED_START = """
import time
from vultr_core.health.embedded import embedded_postgres_url, embedded_valkey_url
started = time.perf_counter()
embedded_postgres_url()
embedded_valkey_url()
print(time.perf_counter() - started)
"""
COLD_START_TARGET_S = 5.0
MEMORY_TARGET_MB = 400.0


@dataclass(frozen=True)
class App:
    """A running server: its process id, URL and the private TMPDIR it works in."""

    pid: int
    url: str
    tmpdir: Path


@dataclass(frozen=True)
class ColdStart:
    served_s: float
    rendered_s: float

    @property
    def total_s(self) -> float:
        return self.served_s + self.rendered_s


@dataclass(frozen=True)
class Memory:
    rss_mb: float
    hwm_mb: float
    embedded_mb: dict[str, float]


@contextmanager
def private_tmpdir() -> Iterator[Path]:
    """A TMPDIR for one child: its embedded servers work in folders under it, which tells them
    from those of tests running beside the bench. Without XDG_RUNTIME_DIR, embedded-postgres's
    start lock lives there too, so its start never queues behind theirs. Whatever still runs
    there after is killed."""
    folder = Path(tempfile.mkdtemp(prefix="bench-app-"))
    try:
        yield folder
    finally:
        for pid in working_under(folder):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def launched(environ: dict[str, str], root: Path) -> Iterator[App]:
    """``start_app`` on ``root``'s app.py, in a private TMPDIR; stopped on exit."""
    with private_tmpdir() as tmpdir:
        process, url = start_app({**environ, "TMPDIR": str(tmpdir)}, app_dir=root)
        try:
            yield App(process.pid, url, tmpdir)
        finally:
            stop_app(process)


@contextmanager
def browser_page(browser: Browser) -> Iterator[Page]:
    """A fresh context, nothing cached: the page as a first visitor loads it."""
    context = browser.new_context(viewport={"width": 1280, "height": 1500})
    try:
        yield context.new_page()
    finally:
        context.close()


def overview_rendered(page: Page) -> None:
    """The Overview as a visitor first sees it: figures, health cards, charts, no exception."""
    timeout = IDLE_TIMEOUT_MS
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible(timeout=timeout)
    for label in OVERVIEW_METRICS:
        metric = page.get_by_test_id("stMetric").filter(has_text=label)
        expect(metric.get_by_test_id("stMetricValue")).to_be_visible(timeout=timeout)
    for service in SERVICES:
        expect(page.locator(f".st-key-ovw_health_{service}")).to_be_visible(timeout=timeout)
    wait_idle(page)
    # A chart in a tab not shown draws once shown: only the charts on view must be drawn.
    charts = page.get_by_test_id("stEChartsChart")
    for index in range(charts.count()):
        if charts.nth(index).is_visible():
            expect(charts.nth(index).locator("canvas").first).to_be_attached(timeout=timeout)
    expect(page.get_by_test_id("stException")).to_have_count(0)


def titled(title: str) -> Callable[[Page], None]:
    """A page rendered: its title shown, the script idle, no exception."""

    def rendered(page: Page) -> None:
        heading = page.get_by_role("heading", name=title, level=1)
        expect(heading).to_be_visible(timeout=IDLE_TIMEOUT_MS)
        wait_idle(page)
        expect(page.get_by_test_id("stException")).to_have_count(0)

    return rendered


def cold_start(
    browser: Browser, environ: dict[str, str], root: Path, rendered: Callable[[Page], None]
) -> ColdStart:
    """Spawn to /_stcore/health ok, then the first navigation until ``rendered``."""
    with browser_page(browser) as page:
        started = time.perf_counter()
        with launched(environ, root) as app:
            served = time.perf_counter()
            page.goto(app.url)
            rendered(page)
            done = time.perf_counter()
    return ColdStart(served - started, done - served)


def embedded_start_s(environ: dict[str, str]) -> float:
    """Starting the embedded PostgreSQL and Valkey in a bare process, as the Overview does."""
    with private_tmpdir() as tmpdir:
        child = subprocess.run(
            [sys.executable, "-c", EMBEDDED_START],
            cwd=ROOT,
            env={**environ, "TMPDIR": str(tmpdir)},
            capture_output=True,
            text=True,
            check=True,
        )
    return float(child.stdout.split()[-1])


def status_mb(pid: int, field: str) -> float:
    """A memory line of /proc/<pid>/status (given in kB), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no {field} in /proc/{pid}/status")


def memory(app: App) -> Memory:
    """The server's own RSS and peak; the embedded servers' RSS summed by program."""
    embedded: dict[str, float] = {}
    for pid in working_under(app.tmpdir):
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        embedded[name] = embedded.get(name, 0.0) + status_mb(pid, "VmRSS")
    return Memory(status_mb(app.pid, "VmRSS"), status_mb(app.pid, "VmHWM"), embedded)


def app_memory(browser: Browser, environ: dict[str, str]) -> Memory:
    """The app at ``large`` after each page of the sidebar in turn."""
    with (
        browser_page(browser) as page,
        launched({**environ, "VULTR_DEMO_SIZE": "large"}, ROOT) as app,
    ):
        page.goto(app.url)
        overview_rendered(page)
        for title in PAGES:
            page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
            titled(title)(page)
        return memory(app)


def baseline_memory(browser: Browser, environ: dict[str, str], root: Path) -> Memory:
    with browser_page(browser) as page, launched(environ, root) as app:
        page.goto(app.url)
        titled("hello")(page)
        return memory(app)


def baseline_root() -> Path:
    """A folder with the one-line app and the project's Streamlit config (same theme)."""
    root = Path(tempfile.mkdtemp(prefix="bench-app-baseline-"))
    (root / "app.py").write_text(BASELINE_APP)
    (root / ".streamlit").mkdir()
    shutil.copy(ROOT / ".streamlit" / "config.toml", root / ".streamlit" / "config.toml")
    return root


def amount(value: float, unit: str) -> str:
    return f"{value:.2f} s" if unit == "s" else f"{value:.0f} MB"


def row(
    figure: str, value: float, baseline: float | None, unit: str, target: float | None
) -> tuple[str, ...]:
    """One line of the table; without a baseline or target, those cells stay empty."""
    return (
        figure,
        amount(value, unit),
        "—" if baseline is None else amount(baseline, unit),
        "—" if baseline is None else f"{value / baseline:.2f}",
        "—" if target is None else f"≤ {amount(target, unit)}",
        "—" if target is None else ("yes" if value <= target else "NO"),
    )


def print_table(rows: list[tuple[str, ...]]) -> None:
    header = ("figure", "value", "baseline", "ratio", "target", "met?")
    widths = [max(len(cells[i]) for cells in (header, *rows)) for i in range(len(header))]
    for cells in (header, tuple("-" * width for width in widths), *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)))


def spread(values: list[float]) -> str:
    return f"min {min(values):.2f}, median {statistics.median(values):.2f}, max {max(values):.2f} s"


def load_average() -> str:
    return ", ".join(f"{load:.1f}" for load in os.getloadavg())


def browser_bench_arguments(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """A browser bench's options with ``--repeats`` beside them, parsed; then Chromium must be
    there (``--help`` works without it)."""
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    return args


def main() -> None:
    args = browser_bench_arguments(argparse.ArgumentParser(description=__doc__.splitlines()[0]))

    environ = demo_environ()
    root = baseline_root()
    apps: list[ColdStart] = []
    hellos: list[ColdStart] = []
    embedded: list[float] = []
    print(f"load average before: {load_average()} (1, 5, 15 min; {os.cpu_count()} CPUs)")
    try:
        with chromium() as browser:
            for run in range(1, args.repeats + 1):
                apps.append(cold_start(browser, environ, ROOT, overview_rendered))
                hellos.append(cold_start(browser, environ, root, titled("hello")))
                embedded.append(embedded_start_s(environ))
                app, hello = apps[-1], hellos[-1]
                print(
                    f"run {run}: app {app.served_s:.2f} + {app.rendered_s:.2f} ="
                    f" {app.total_s:.2f} s; baseline {hello.served_s:.2f} +"
                    f" {hello.rendered_s:.2f} = {hello.total_s:.2f} s;"
                    f" embedded servers alone {embedded[-1]:.2f} s"
                )
            app_mem = app_memory(browser, environ)
            hello_mem = baseline_memory(browser, environ, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"load average after: {load_average()}")

    totals = [run.total_s for run in apps]
    print(f"cold start, app: {spread(totals)}")
    print(f"cold start, baseline: {spread([run.total_s for run in hellos])}")
    median = statistics.median
    rows = [
        row(
            "cold start: server ready, median",
            median(run.served_s for run in apps),
            median(run.served_s for run in hellos),
            "s",
            None,
        ),
        row(
            "cold start: first render, median",
            median(run.rendered_s for run in apps),
            median(run.rendered_s for run in hellos),
            "s",
            None,
        ),
        row(
            "cold start: total, median",
            median(totals),
            median(run.total_s for run in hellos),
            "s",
            COLD_START_TARGET_S,
        ),
        row(
            "cold start: total, max",
            max(totals),
            max(run.total_s for run in hellos),
            "s",
            COLD_START_TARGET_S,
        ),
        row("embedded PG+Valkey start, alone", median(embedded), None, "s", None),
        row("memory at large: VmRSS", app_mem.rss_mb, hello_mem.rss_mb, "MB", MEMORY_TARGET_MB),
        row("memory at large: VmHWM", app_mem.hwm_mb, hello_mem.hwm_mb, "MB", MEMORY_TARGET_MB),
        *(
            row(f"embedded {name}: RSS sum", mb, None, "MB", None)
            for name, mb in sorted(app_mem.embedded_mb.items())
        ),
    ]
    print_table(rows)


if __name__ == "__main__":
    main()
