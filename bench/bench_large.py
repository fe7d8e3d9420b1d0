"""The app in Chromium at the ``large`` organisation over real HTTP, against a one-line app.

Vultr is the simulator at ``large`` (2,000 instances, 200 databases), served over loopback HTTP
from a child process with 50 ms latency per request. The app reaches it as it would reach
Vultr: ``VULTR_API_KEY`` and ``VULTR_API_URL`` set, so its production client (pacing at 20
requests/s after a burst of 9, retries) and not demo mode; nothing else configured (the
README's "Point the app at a served simulator"). Each repeat starts a fresh ``streamlit run
app.py`` and a fresh browser context, then measures, from the moment of navigation (the
goto, or the click on the page's sidebar link):

- the Overview cold: its title, each headline figure (a metric whose label is "Month to date",
  "Month-end forecast" or "Balance" with its value drawn), and the page fully drawn;
- every page's first visit, then every page revisited with warm caches, from the sidebar; and
  the Overview revisited by reloading the browser tab;
- the marks each chart draws (bars, points, treemap tiles: the items of its ECharts option,
  from the Overview and Instances run once under AppTest against the same simulator, since
  ECharts draws on a canvas), requests the simulator received per page load, the server's
  CPU time per load, and the browser's long tasks (main thread busy > 50 ms).

Fully drawn: the websocket connected, the script state ``notRunning``, the page's own ``h1``
title shown, no spinner, skeleton or stale element left, every chart and every dataframe shown
with its canvas, and no long task of the browser's main thread since; all holding for
0.5 s. The time reported is when that state began; the mark ``drawn:<title>`` is when the
DOM alone was. A probe installed in every document (bench_large_probe.js) stamps those moments
from a MutationObserver, in the browser's own clock; bench_large_report.py prints the tables.

The cold visit starts once the fresh server has settled (its CPU under 5 % for 0.3 s, at most
10 s after /_stcore/health answers), the app's and the baseline's alike: what a server does
once at start (the app's warm-up thread, issue 14) is not the first visitor's, who rarely
arrives in the same second. Each wait is printed.

The app keeps closed invoices' items across its restarts, per API key and URL (issue 14): the
first repeat of a run asks Vultr for them, later repeats (same simulator URL) do not.

Baseline, in the same run and loaded the same way: ``st.title("hello")`` on a fresh server in
a fresh context (cold); revisited from the sidebar (a second one-line page, ``pages/other.py``,
gives it one: a click, then the way back, as the app's revisits) and by reloading the tab. App
and baseline alternate within each repeat.

    uv run python bench/bench_large.py [--repeats 3] [--latency-ms 50] [--root DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import time
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench_app import baseline_root, browser_bench_arguments, launched, load_average, status_mb
from bench_large_report import PAGES, Load, Repeat, report
from playwright.sync_api import Browser, Error, Page

from tests.e2e.conftest import ROOT, chromium, demo_environ
from vultr_core.simulator import Faults, Simulator, SimulatorServer
from vultr_core.simulator.messages import SimRequest, SimResponse

API_KEY = "bench-large-management-key"
SETTLE_S = 0.5
DRAWN_TIMEOUT_S = 180.0
POLL_S = 0.05
OTHER_PAGE = 'import streamlit as st\n\nst.title("other")\n'

PROBE = Path(__file__).with_name("bench_large_probe.js").read_text()
STATE = "() => window.__bench && window.__bench.state()"


# -- the simulated Vultr, in a child process -------------------------------------------------


class RemoteVultr:
    """The ``large`` organisation served from a child process (its JSON encoding must not
    compete with this process for the GIL); each request's wall-clock start and end on demand."""

    def __init__(self, latency_ms: float) -> None:
        self._conn, child = multiprocessing.Pipe()
        self._process = multiprocessing.get_context("spawn").Process(
            target=_serve, args=(child, latency_ms), daemon=True
        )
        self._process.start()
        self.base_url: str = self._conn.recv()

    def clear_log(self) -> None:
        self._ask("clear")

    def log(self) -> list[tuple[float, float, str, str, int]]:
        entries: list[tuple[float, float, str, str, int]] = self._ask("log")
        return entries

    def stop(self) -> None:
        self._ask("stop")
        self._process.join(timeout=10)

    def _ask(self, command: str) -> Any:
        self._conn.send(command)
        return self._conn.recv()


def _serve(conn: Connection, latency_ms: float) -> None:
    simulator = Simulator(size="large", api_key=API_KEY)
    simulator.faults = Faults(latency_ms=latency_ms)
    log: list[tuple[float, float, str, str, int]] = []

    def timed(request: SimRequest, read_timeout_s: float | None) -> SimResponse:
        started = time.time()
        status = 0
        try:
            response = simulator.handle(request, read_timeout_s)
            status = response.status
            return response
        finally:
            log.append((started, time.time(), request.method, request.path, status))

    with SimulatorServer(timed, "127.0.0.1", 0) as server:
        conn.send(server.base_url)
        while (command := conn.recv()) != "stop":
            if command == "clear":
                log.clear()
                conn.send(None)
            else:
                conn.send(list(log))
        conn.send(None)


# -- one page load -----------------------------------------------------------------------------


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(
    pid: int, *, quiet_s: float = 0.3, busy_share: float = 0.05, most_s: float = 10.0
) -> float:
    """Wait until the server has used under ``busy_share`` of a CPU for ``quiet_s``; the wait."""
    started = time.monotonic()
    last = cpu_s(pid)
    while time.monotonic() - started < most_s:
        time.sleep(quiet_s)
        now = cpu_s(pid)
        if now - last < busy_share * quiet_s:
            break
        last = now
    return time.monotonic() - started


def probe_state(page: Page) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] | None = page.evaluate(STATE)
    except Error:  # the document is being replaced
        return None
    return state


def await_drawn(page: Page, title: str, zero_ms: float) -> tuple[float | None, dict[str, Any]]:
    """Until the page titled ``title`` is fully drawn and has held still for SETTLE_S."""
    deadline = time.monotonic() + DRAWN_TIMEOUT_S
    state: dict[str, Any] | None = None
    candidate = None
    while time.monotonic() < deadline:
        state = probe_state(page)
        full = state["full"] if state else None
        held = state and full and state["now"] - full["since"] >= SETTLE_S * 1000
        if state and full and held and full["title"] == title:
            # Once more a little later: a long task's report arrives after the task ended.
            if candidate == full["since"]:
                return (full["since"] - zero_ms) / 1000, state
            candidate = full["since"]
        time.sleep(POLL_S)
    why = state and state.get("why")
    print(f"  ! {title} not fully drawn within {DRAWN_TIMEOUT_S:.0f} s: {why}", flush=True)
    return None, state or {"marks": {}, "longTasks": [], "trail": []}


def measured(page: Page, title: str, zero_ms: float, vultr: RemoteVultr, pid: int) -> Load:
    cpu_before = cpu_s(pid)
    drawn_s, state = await_drawn(page, title, zero_ms)

    def since(at_ms: float) -> float:
        return (at_ms - zero_ms) / 1000

    return Load(
        drawn_s=drawn_s,
        marks={name: since(at) for name, at in state["marks"].items()},
        zero_s=zero_ms / 1000,
        requests=vultr.log(),
        server_cpu_s=cpu_s(pid) - cpu_before,
        long_tasks=[(since(at), ms / 1000) for at, ms in state["longTasks"] if at >= zero_ms],
        trail=[(since(at), why) for at, why in state["trail"]],
        charts=page.evaluate("() => window.__bench.charts()"),
    )


def items(series: dict[str, Any]) -> int:
    """The marks a series draws: its data items, a treemap's nodes at every level."""

    def count(nodes: list[Any]) -> int:
        return sum(1 + count(n.get("children", [])) if isinstance(n, dict) else 1 for n in nodes)

    return count(series.get("data", []))


def option_marks(environ: dict[str, str]) -> list[tuple[str, str, str, int]]:
    """(page, chart, series types, marks) of every chart the Overview and Instances draw for
    the simulated organisation, from the options they send (one AppTest run each)."""
    from streamlit.testing.v1 import AppTest

    saved = dict(os.environ)
    os.environ.update(environ)
    try:
        found = []
        for title, file in (("Overview", "overview"), ("Instances", "instances")):
            app = AppTest.from_file(str(ROOT / "pages" / f"{file}.py"), default_timeout=120).run()
            for chart in app.get("echarts_chart"):
                series = json.loads(chart.proto.spec).get("series", [])
                types = "+".join(sorted({s.get("type", "?") for s in series}))
                found.append((title, str(chart.key), types, sum(items(s) for s in series)))
        return found
    finally:
        os.environ.clear()
        os.environ.update(saved)


def navigate(page: Page, url: str, title: str, vultr: RemoteVultr, pid: int) -> Load:
    """A goto (cold, or a reload of the tab): zero is the moment it is asked for."""
    vultr.clear_log()
    zero_ms = time.time() * 1000
    page.goto(url, wait_until="commit")
    return measured(page, title, zero_ms, vultr, pid)


def follow(page: Page, title: str, vultr: RemoteVultr, pid: int, link: str | None = None) -> Load:
    """A click on the page's sidebar link (``link``, else its title): zero is the click, in
    the browser's clock."""
    vultr.clear_log()
    zero_ms = page.evaluate("label => window.__bench.click(label)", link or title)
    if zero_ms is None:
        raise SystemExit(f"no sidebar link for {link or title!r}")
    return measured(page, title, zero_ms, vultr, pid)


# -- one repeat --------------------------------------------------------------------------------


AppRun = tuple[Load, dict[str, Load], dict[str, Load], Load, float, float]


def app_run(browser: Browser, environ: dict[str, str], root: Path, vultr: RemoteVultr) -> AppRun:
    """Cold Overview, each page's first visit and warm revisit, and a reload of the Overview;
    then the oldest cache a revisit met (s) and the server's peak RSS (MB)."""
    with launched(environ, root) as app:
        context = browser.new_context(viewport={"width": 1280, "height": 1500})
        context.add_init_script(PROBE)
        page = context.new_page()
        try:
            print(f"  app settled in {settle(app.pid):.2f} s", flush=True)
            first = {"Overview": navigate(page, app.url, "Overview", vultr, app.pid)}
            visited = {"Overview": time.monotonic()}
            revisit: dict[str, Load] = {}
            oldest = 0.0
            # Each page is revisited right after the next one's first visit, well within the
            # caches' TTL however slow the machine is.
            for previous, title in zip(PAGES, (*PAGES[1:], None), strict=True):
                if title is not None:
                    first[title] = follow(page, title, vultr, app.pid)
                    visited[title] = time.monotonic()
                oldest = max(oldest, time.monotonic() - visited[previous])
                revisit[previous] = follow(page, previous, vultr, app.pid)
                if previous == "Overview":
                    reload = navigate(page, app.url, "Overview", vultr, app.pid)
            cold = first.pop("Overview")
        finally:
            context.close()
        return cold, first, revisit, reload, oldest, status_mb(app.pid, "VmHWM")


def hello_run(
    browser: Browser, environ: dict[str, str], root: Path, vultr: RemoteVultr
) -> tuple[Load, Load, Load]:
    """The baseline: cold, revisited from the sidebar (after its other page), reloaded."""
    with launched(environ, root) as app:
        context = browser.new_context(viewport={"width": 1280, "height": 1500})
        context.add_init_script(PROBE)
        page = context.new_page()
        try:
            print(f"  baseline settled in {settle(app.pid):.2f} s", flush=True)
            cold = navigate(page, app.url, "hello", vultr, app.pid)
            follow(page, "other", vultr, app.pid)
            again = follow(page, "hello", vultr, app.pid, link="app")
            reload = navigate(page, app.url, "hello", vultr, app.pid)
        finally:
            context.close()
        return cold, again, reload


def seconds(value: float | None) -> str:
    return "timed out" if value is None else f"{value:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose app.py runs")
    parser.add_argument("--json", type=Path, help="also write every figure of every repeat here")
    args = browser_bench_arguments(parser)

    vultr = RemoteVultr(args.latency_ms)
    environ = demo_environ() | {"VULTR_API_KEY": API_KEY, "VULTR_API_URL": f"{vultr.base_url}/v2"}
    hello_root = baseline_root()
    (hello_root / "pages").mkdir()
    (hello_root / "pages" / "other.py").write_text(OTHER_PAGE)
    repeats: list[Repeat] = []
    marks: list[tuple[str, str, str, int]] = []
    print(f"app: {args.root}; Vultr: {vultr.base_url} (large, {args.latency_ms:g} ms)")
    print(f"load average before: {load_average()} (1, 5, 15 min; {os.cpu_count()} CPUs)")
    try:
        with chromium() as browser:
            for number in range(1, args.repeats + 1):
                app = app_run(browser, environ, args.root, vultr)
                hello = hello_run(browser, demo_environ(), hello_root, vultr)
                repeats.append(Repeat(*app, *hello))
                done = repeats[-1]
                print(
                    f"run {number}: Overview cold drawn {seconds(done.cold.drawn_s)}, revisit"
                    f" {seconds(done.revisit['Overview'].drawn_s)}; baseline cold"
                    f" {seconds(done.hello_cold.drawn_s)}; load {load_average()}",
                    flush=True,
                )
        marks = option_marks(environ)
    finally:
        vultr.stop()
        shutil.rmtree(hello_root, ignore_errors=True)
    print(f"load average after: {load_average()}\n")
    report(repeats, marks)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in repeats], indent=1))


if __name__ == "__main__":
    main()
