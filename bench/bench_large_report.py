"""bench_large.py's figures: what one page load measured, and the tables it prints."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

PAGES = ("Overview", "Instances", "Databases", "Valkey", "Inference Chat", "Cache Tools")
HEADLINES = ("Month to date", "Month-end forecast", "Balance")
CACHE_TTL_S = 60.0  # ui/page.py INVENTORY_TTL_S: a revisit later than this is not warm
# The targets (issue 14), in seconds, and marks per chart.
HEADLINE_TARGET_S = 1.5
DRAWN_TARGET_S = 3.5
REVISIT_TARGET_S = 1.0
MARKS_TARGET = 100


@dataclass
class Load:
    """One navigation: seconds from it to each mark and to fully drawn, and what it cost."""

    drawn_s: float | None
    marks: dict[str, float]
    zero_s: float  # the navigation, in seconds since the epoch (the requests' clock)
    requests: list[tuple[float, float, str, str, int]]
    server_cpu_s: float
    long_tasks: list[tuple[float, float]]  # start (s from zero) and duration (s)
    trail: list[tuple[float, str]]  # s from zero, and what kept the page from fully drawn
    charts: list[str] = field(default_factory=list)  # the keys of the charts drawn

    def mark(self, name: str) -> float | None:
        return self.marks.get(name)

    @property
    def long_task_s(self) -> float:
        return sum(duration for _, duration in self.long_tasks)


@dataclass
class Repeat:
    """One fresh server of the app and one of the baseline, each loaded as a new visitor."""

    cold: Load
    first: dict[str, Load]
    revisit: dict[str, Load]
    reload: Load
    oldest_cache_s: float
    peak_rss_mb: float
    hello_cold: Load
    hello_revisit: Load
    hello_reload: Load


# -- tables ------------------------------------------------------------------------------------


def median(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def spread(values: list[float | None]) -> str:
    present = [value for value in values if value is not None]
    missed = len(values) - len(present)
    text = f"{min(present):.2f}–{max(present):.2f}" if present else "—"
    return text + (f" ({missed} timed out)" if missed else "")


def row(
    figure: str, values: list[float | None], baseline: float | None, target: float | None
) -> tuple[str, ...]:
    value = median(values)
    return (
        figure,
        "—" if value is None else f"{value:.2f} s",
        spread(values),
        "—" if baseline is None else f"{baseline:.2f} s",
        "—" if value is None or not baseline else f"{value / baseline:.1f}×",
        "—" if target is None else f"≤ {target:g} s",
        "—" if target is None else ("yes" if value is not None and value <= target else "NO"),
    )


def print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(cells[i]) for cells in (header, *rows)) for i in range(len(header))]
    for cells in (header, tuple("-" * width for width in widths), *rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)))
    print()


def route(path: str) -> str:
    """A request path with its ids replaced, so requests group by endpoint."""
    return re.sub(r"/(?=[^/]*\d)[0-9a-zA-Z-]{6,}(?=/|$)", "/{id}", path)


def requests_summary(load: Load) -> str:
    if not load.requests:
        return "no request"
    counts = Counter(route(path) for _, _, _, path, _ in load.requests)
    first = min(start for start, *_ in load.requests) - load.zero_s
    last = max(end for _, end, *_ in load.requests) - load.zero_s
    top = ", ".join(f"{path} ×{count}" for path, count in counts.most_common(8))
    return (
        f"{len(load.requests)}, the first sent at {first:.2f} s, the last answered at"
        f" {last:.2f} s: {top}"
    )


def report(repeats: list[Repeat], marks: list[tuple[str, str, str, int]]) -> None:
    """The figures' table against the baseline and the targets, then each chart's marks."""
    hello_cold = median([r.hello_cold.mark("h1:hello") for r in repeats])
    hello_drawn = median([r.hello_cold.drawn_s for r in repeats])
    hello_revisit = median([r.hello_revisit.drawn_s for r in repeats])
    hello_reload = median([r.hello_reload.drawn_s for r in repeats])
    header = ("figure", "median", "range", "baseline", "ratio", "target", "met?")
    rows = [
        row("baseline: cold, title drawn", [r.hello_cold.mark("h1:hello") for r in repeats],
            None, None),
        row("baseline: cold, fully drawn", [r.hello_cold.drawn_s for r in repeats], None, None),
        row("baseline: revisit (sidebar), drawn", [r.hello_revisit.drawn_s for r in repeats],
            None, None),
        row("baseline: reload, drawn", [r.hello_reload.drawn_s for r in repeats], None, None),
        row("Overview cold: main area's first element",
            [r.cold.mark("main:element") for r in repeats], hello_cold, None),
        row("Overview cold: title drawn", [r.cold.mark("h1:Overview") for r in repeats],
            hello_cold, HEADLINE_TARGET_S),
        *(
            row(f"Overview cold: {label!r} drawn",
                [r.cold.mark(f"metric:{label}") for r in repeats], hello_cold, HEADLINE_TARGET_S)
            for label in HEADLINES
        ),
        row("Overview cold: DOM complete", [r.cold.mark("drawn:Overview") for r in repeats],
            hello_drawn, None),
        row("Overview cold: fully drawn", [r.cold.drawn_s for r in repeats], hello_drawn,
            DRAWN_TARGET_S),
        *(
            row(f"{title}: first visit (sidebar), drawn",
                [r.first[title].drawn_s for r in repeats], hello_revisit, None)
            for title in PAGES[1:]
        ),
        *(
            row(f"{title}: revisit, warm (sidebar), drawn",
                [r.revisit[title].drawn_s for r in repeats], hello_revisit, REVISIT_TARGET_S)
            for title in PAGES
        ),
        row("Overview: revisit, DOM complete",
            [r.revisit["Overview"].mark("drawn:Overview") for r in repeats], hello_revisit, None),
        row("Overview: revisit by reloading the tab, drawn", [r.reload.drawn_s for r in repeats],
            hello_reload, REVISIT_TARGET_S),
    ]  # fmt: skip
    print_table(header, rows)

    last = repeats[-1]
    chart_rows = [
        (page_name, chart, types, str(count), "yes" if count <= MARKS_TARGET else "NO")
        for page_name, chart, types, count in marks
    ]
    header = ("page", "chart", "type", "marks", f"≤ {MARKS_TARGET}?")
    print_table(header, chart_rows)

    def cost(name: str, pick: Any) -> tuple[str, ...]:
        loads = [pick(r) for r in repeats]
        return (
            name,
            f"{median([float(len(x.requests)) for x in loads]):.0f}",
            f"{median([x.server_cpu_s for x in loads]):.2f} s",
            f"{median([x.long_task_s for x in loads]):.2f} s",
        )

    cost_rows = [
        cost("Overview cold", lambda r: r.cold),
        *(cost(f"{t} first visit", lambda r, t=t: r.first[t]) for t in PAGES[1:]),
        *(cost(f"{t} revisit", lambda r, t=t: r.revisit[t]) for t in PAGES),
        cost("Overview reload", lambda r: r.reload),
        cost("baseline cold", lambda r: r.hello_cold),
        cost("baseline revisit", lambda r: r.hello_revisit),
    ]
    print_table(("load", "requests", "server CPU", "browser long tasks"), cost_rows)
    print("Requests per load (last repeat):")
    print(f"  Overview cold: {requests_summary(last.cold)}")
    for title in PAGES[1:]:
        print(f"  {title} first visit: {requests_summary(last.first[title])}")
    for title in PAGES:
        print(f"  {title} revisit: {requests_summary(last.revisit[title])}")
    print(f"  Overview reload: {requests_summary(last.reload)}")
    for name, load in (
        ("Overview cold", last.cold),
        ("Overview revisit", last.revisit["Overview"]),
    ):
        marks = sorted(load.marks.items(), key=lambda item: item[1])
        print(f"{name} (last repeat), first drawn: " + ", ".join(f"{n} {s:.2f}" for n, s in marks))
        print("  not yet fully drawn because: " + "; ".join(f"{s:.2f} {w}" for s, w in load.trail))
        tasks = [f"{at:.2f}+{took:.2f}" for at, took in load.long_tasks if took >= 0.2]
        print("  browser tasks ≥ 0.2 s (start+duration): " + (", ".join(tasks) or "none"))
    oldest = max(r.oldest_cache_s for r in repeats)
    print(f"oldest cache at a revisit: {oldest:.0f} s (TTL {CACHE_TTL_S:.0f} s"
          f"{'; some revisits were NOT warm' if oldest > CACHE_TTL_S else ''})")  # fmt: skip
    print(f"server peak RSS (VmHWM): {median([r.peak_rss_mb for r in repeats]):.0f} MB")
