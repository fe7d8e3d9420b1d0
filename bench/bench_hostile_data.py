"""Hostile data: how many pages crash, render planted markup or hand out formula cells, and how
many commands print a traceback or a terminal escape, when the API's values turn hostile.

Every mode of ``vultr_core.simulator.hostile_data`` (text, dates, numbers, then all three) is
set against the sane simulator (the baseline, same run). Pages run under AppTest in demo mode:
Overview, Instances, Databases (every database picked in turn) and Valkey; a page fails when it
raises, and a field counts when Markdown or chart HTML would render the planted markup. CSV rows
count when a text cell starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
unescaped. Commands run in process in demo mode on the same simulator: a traceback is an
exception out of ``main``, a line too many on stderr counts, and so does an ESC byte on stdout.

    uv run python bench/bench_hostile_data.py
"""

from __future__ import annotations

import csv
import io
import json
import resource
import sys
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
import streamlit.testing.v1.app_test as app_test_module
from streamlit.testing.v1 import AppTest

from tests.app.conftest import KeptMediaStorage, new_app, page_path
from tests.app.markup import rendered_markup
from tests.cli_support import run_cli
from ui.clients import close_shared_clients
from vultr_core import clients
from vultr_core.simulator import Faults, Simulator
from vultr_core.simulator.hostile_data import PLANTED

MODES: Mapping[str, Mapping[str, bool]] = {
    "sane (baseline)": {},
    "hostile text": {"hostile_text": True},
    "hostile dates": {"hostile_dates": True},
    "hostile numbers": {"hostile_numbers": True},
    "all three": {"hostile_text": True, "hostile_dates": True, "hostile_numbers": True},
}
PAGES = ("overview.py", "instances.py", "databases.py", "valkey_health.py")
CSV_DOWNLOADS = {"instances.py": "inst_csv", "databases.py": "db_csv"}
COMMANDS = ("account", "summary", "instances", "databases", "valkey", "health", "test")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A bare carriage return left unquoted splits a row for Python's csv reader: read it as this.
BARE_CR = "\N{RETURN SYMBOL}"


@dataclass
class Tally:
    seconds: float = 0.0
    pages_failed: list[str] = field(default_factory=list)
    markup: list[str] = field(default_factory=list)
    csv_rows: dict[str, tuple[int, int]] = field(default_factory=dict)
    tracebacks: list[str] = field(default_factory=list)
    noisy_stderr: list[str] = field(default_factory=list)
    escapes: list[str] = field(default_factory=list)
    exits: dict[str, int] = field(default_factory=dict)


@contextmanager
def demo_simulator(knobs: Mapping[str, bool]) -> Iterator[Simulator]:
    """The demo organisation of this process, hostile as asked, with caches cleared."""
    simulator = Simulator(size="small")
    simulator.faults = Faults(**knobs)
    clients._demo_simulators["small"] = simulator
    st.cache_data.clear()
    st.cache_resource.clear()
    close_shared_clients()
    try:
        yield simulator
    finally:
        clients._demo_simulators.pop("small", None)


def unescaped_rows(text: str) -> tuple[int, int]:
    """Rows with a text cell a spreadsheet would read as a formula, and all rows."""
    readable = text.replace("\r\n", "\n").replace("\r", BARE_CR)
    rows = list(csv.reader(io.StringIO(readable)))[1:]
    starts = (*FORMULA_STARTS, BARE_CR)
    bad = sum(any(cell.startswith(starts) and not _number(cell) for cell in row) for row in rows)
    return bad, len(rows)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def downloaded(page: AppTest, key: str) -> str:
    url = page.download_button(key=key).proto.url
    assert KeptMediaStorage.last is not None
    return KeptMediaStorage.last.get_file(url.rsplit("/", 1)[1]).content.decode()


def run_page(name: str, tally: Tally) -> None:
    app = new_app().run()
    app.switch_page(page_path(name)).run()
    runs = [app]
    if name == "databases.py" and not app.exception and app.selectbox:
        picker = app.selectbox(key="db_pick")
        for option in picker.options[1:]:
            picker.set_value(option).run()
            runs.append(app)
            if app.exception:
                break
    for state in runs:
        if state.exception:
            reason = state.exception[0].value.splitlines()[0][:100]
            tally.pages_failed.append(f"{name}: {reason}")
            return
        tally.markup += [f"{name} {where}" for where in rendered_markup(state, PLANTED)]
    if name in CSV_DOWNLOADS and app.download_button:
        tally.csv_rows[name] = unescaped_rows(downloaded(app, CSV_DOWNLOADS[name]))


def run_command(command: str, environ: dict[str, str], tally: Tally) -> None:
    try:
        code, out, err = run_cli(command, environ=environ)
    except Exception:  # a traceback is what is being counted
        tally.tracebacks.append(f"{command}: {traceback.format_exc().splitlines()[-1][:100]}")
        return
    tally.exits[command] = code
    if "\x1b" in out:
        tally.escapes.append(command)
    if len(err.strip().splitlines()) > 1 or "Traceback" in err:
        tally.noisy_stderr.append(command)


def measure(knobs: Mapping[str, bool]) -> Tally:
    tally = Tally()
    started = time.perf_counter()
    with demo_simulator(knobs):
        for name in PAGES:
            run_page(name, tally)
        for command in COMMANDS:
            run_command(command, {}, tally)
    tally.seconds = time.perf_counter() - started
    return tally


def main() -> int:
    app_test_module.MemoryMediaFileStorage = KeptMediaStorage  # type: ignore[misc]
    results: dict[str, Any] = {}
    for mode, knobs in MODES.items():
        tally = measure(knobs)
        results[mode] = vars(tally)
        csv_figures = ", ".join(
            f"{page} {bad}/{rows}" for page, (bad, rows) in tally.csv_rows.items()
        )
        print(
            f"{mode:<16} pages failed {len(tally.pages_failed)}/{len(PAGES)} · markup rendered "
            f"{len(tally.markup)} · CSV rows unescaped {csv_figures or '—'} · tracebacks "
            f"{len(tally.tracebacks)}/{len(COMMANDS)} · noisy stderr {len(tally.noisy_stderr)} · "
            f"ESC on stdout {len(tally.escapes)} · {tally.seconds:.1f} s"
        )
        for line in (*tally.pages_failed, *tally.tracebacks, *tally.markup[:8]):
            print(f"    {line}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak_mb:.0f} MB")
    if "--json" in sys.argv:
        print(json.dumps(results, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
