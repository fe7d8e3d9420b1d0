"""A table of cases and outcomes printed at the end of a run: the fault and hostile matrices
each keep one, so a reader sees what every surface did in every case, not just pass or fail.

Under pytest-xdist the tests run in worker processes and the summary is printed by the
controller: each row travels in its test's report (``user_properties``, which xdist carries
across), and the table is built from the reports wherever they arrive.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass, field

import pytest
from _pytest.terminal import TerminalReporter

Note = Callable[[str, str, str, float], None]


@dataclass
class Outcome:
    """One row: where, what went wrong, what a person saw, and how long it took."""

    surface: str
    case: str
    outcome: str
    seconds: float
    result: str = "not run"


@dataclass
class OutcomeTable:
    title: str
    rows: dict[str, Outcome] = field(default_factory=dict)

    def note_for(self, request: pytest.FixtureRequest) -> Note:
        """Put this test's case in the table; its result is filled in after it ran."""

        def add(surface: str, case: str, outcome: str, seconds: float) -> None:
            self.rows[request.node.nodeid] = Outcome(surface, case, outcome, seconds)

        return add

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """A conftest's hook (``pytest_runtest_makereport = TABLE.pytest_runtest_makereport``)."""
        report = yield
        self.take_result(item, report)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A conftest's hook, like the one above: where the reports arrive (the controller,
        under xdist), the rows they carry join the table."""
        for name, row in report.user_properties:
            if name == self.title and isinstance(row, dict):
                self.rows[report.nodeid] = Outcome(**row)

    def pytest_terminal_summary(self, terminalreporter: TerminalReporter) -> None:
        """A conftest's hook, like the ones above."""
        self.print(terminalreporter)

    def take_result(self, item: pytest.Item, report: pytest.TestReport) -> None:
        row = self.rows.get(item.nodeid)
        if row is not None and (report.when == "call" or report.failed):
            row.result = report.outcome
            if hasattr(report, "wasxfail"):
                row.result = "xpassed" if report.passed else "xfailed"
            report.user_properties.append((self.title, asdict(row)))

    def print(self, terminalreporter: TerminalReporter) -> None:
        """Every case with what a person saw, then the totals."""
        if not self.rows:
            return
        rows = list(self.rows.values())
        write = terminalreporter.write_line
        terminalreporter.section(f"{self.title}: {len(rows)} case{'s' if len(rows) != 1 else ''}")
        surface_width = max(len(row.surface) for row in rows)
        case_width = max(len(row.case) for row in rows)
        write(f"{'surface':<{surface_width}}  {'case':<{case_width}}  result     s  outcome")
        for row in rows:
            write(
                f"{row.surface:<{surface_width}}  {row.case:<{case_width}}  {row.result:<6} "
                f"{row.seconds:5.2f}  {row.outcome}"
            )
        results = sorted({row.result for row in rows})
        counts = ", ".join(
            f"{sum(r.result == result for r in rows)} {result}" for result in results
        )
        slowest = max(rows, key=lambda row: row.seconds)
        write(
            f"{counts}; {sum(row.seconds for row in rows):.1f} s in all, slowest "
            f"{slowest.seconds:.2f} s ({slowest.surface}, {slowest.case})"
        )
