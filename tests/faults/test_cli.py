"""Every command against every case: a failure exits 1 with one clear line on stderr and
nothing on stdout that looks like an answer; ``health`` and ``test`` name the service that is
down and still report the others; an empty account exits 0 with zeros.

Commands run in this process, as tests/test_cli.py runs them, with their own environment.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.cli_support import run_cli
from tests.faults.cases import CASES, EMPTY_ACCOUNT, SAYS, SECRETS, Case
from tests.faults.conftest import Note, Vultr, settings_for

NOT_DOWN = r"(UP|DEGRADED)"
API_ERROR = rf"^error: (GET|POST) /v2/\S+ .*{SAYS}"
# The services each case breaks, as ``health`` and ``test`` label them, and the start of the
# reason they give.
BROKEN = {
    "api": ("Management API", "Inference API"),
    "wrong key": ("Management API",),
    "unreachable": ("Management API",),
    "postgres down": ("PostgreSQL",),
    "valkey down": ("Valkey",),
    "empty": (),
}
REASONS = {
    "Management API": r"GET /v2/account ",
    "Inference API": r"GET /v1/models ",
    "PostgreSQL": r"Could not reach PostgreSQL at 127\.0\.0\.1:\d+/app ",
    "Valkey": r"Could not reach Valkey at redis://:\*\*\*@127\.0\.0\.1:\d+/0 ",
}


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str
    seconds: float


def run(argv: list[str], environ: dict[str, str]) -> Ran:
    started = time.perf_counter()
    code, out, err = run_cli(*argv, environ=environ)
    return Ran(code, out, err, time.perf_counter() - started)


@dataclass(frozen=True)
class Expect:
    """An exit status, patterns every one of which matches a line of stdout, and stderr: one
    line matching ``err`` (or nothing, when it is None)."""

    code: int
    out: tuple[str, ...] = ()
    err: str | None = None


@dataclass(frozen=True)
class ApiCommand:
    """A command that reads the management API only."""

    name: str
    working: tuple[str, ...]
    empty: tuple[str, ...]

    def expect(self, case: Case) -> Expect:
        if case.kind in ("api", "wrong key", "unreachable"):
            return Expect(1, err=API_ERROR)
        if case.kind == "empty":
            return Expect(0, self.empty)
        # PostgreSQL and Valkey are none of its business.
        return Expect(0, self.working)


API_COMMANDS = (
    ApiCommand(
        "account",
        working=(r"^Pending charges\s+\$[1-9]", r"^Last payment\s+\$[1-9][\d,.]* on \d{4}-"),
        empty=(r"^Pending charges\s+\$0\.00$", r"^Last payment\s+none$"),
    ),
    ApiCommand(
        "instances", working=(r"^LABEL\s+REGION", r"^[1-9]\d* total$"), empty=(r"^\(none\)$",)
    ),
    ApiCommand(
        "databases", working=(r"^LABEL\s+ENGINE", r"^[1-9]\d* total$"), empty=(r"^\(none\)$",)
    ),
    ApiCommand(
        "valkey", working=(r"^LABEL\s+VERSION", r"^[1-9]\d* total$"), empty=(r"^\(none\)$",)
    ),
    ApiCommand(
        "summary",
        working=(r"^Month to date\s+\$[1-9]", r"^Resources\s+[1-9]\d* instances"),
        empty=(r"^Month to date\s+\$0\.00$", r"^Resources\s+0 instances", r"^Waste\s+\$0\.00"),
    ),
)


def service_lines(case: Case, *, bad: str, good: str) -> tuple[str, ...]:
    """``health`` and ``test`` lines: the broken service's with the case's words, the others'
    as fine (``bad``/``good`` are DOWN/UP for health, FAIL/PASS for test)."""
    return tuple(
        rf"^{label}\s+{bad}\s+—\s+{reason}.*{SAYS}"
        if label in BROKEN[case.kind]
        else rf"^{label}\s+{good}\s"
        for label, reason in REASONS.items()
    )


def health_expect(command: str, case: Case) -> Expect:
    bad, good = ("DOWN", NOT_DOWN) if command == "health" else ("FAIL", "PASS")
    return Expect(0 if case.kind == "empty" else 1, service_lines(case, bad=bad, good=good))


def check(ran: Ran, expect: Expect, case: Case) -> None:
    assert ran.code == expect.code, ran.err
    out_patterns = [case.fill(pattern) for pattern in expect.out]
    assert [p for p in out_patterns if not re.search(p, ran.out, re.MULTILINE)] == []
    if expect.err is None:
        assert ran.err == ""
    else:
        assert ran.out == ""
        assert ran.err.count("\n") == 1
        assert re.search(case.fill(expect.err), ran.err.rstrip("\n"))
    assert "Traceback" not in ran.out + ran.err
    assert [secret for secret in SECRETS if secret in ran.out + ran.err] == []


def outcome(ran: Ran, broken: str | None = None) -> str:
    """The exit status and the line that matters: the error, or the broken service's line."""
    lines = ran.out.splitlines()
    if ran.err:
        said = ran.err.strip()
    elif broken and (found := [line for line in lines if line.startswith(broken)]):
        said = re.sub(r"\s+", " ", found[0])
    else:
        said = lines[-1] if lines else ""
    return f"exit {ran.code}: {said[:90]}"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
@pytest.mark.parametrize("command", API_COMMANDS, ids=lambda command: command.name)
def test_an_api_command_fails_in_one_line_or_answers(
    command: ApiCommand, case: Case, broken: Vultr, note: Note
) -> None:
    if case.kind == "api":
        broken.simulator.faults = case.faults("")
    ran = run([command.name], settings_for(case, broken, database_url=None, valkey_url=None))
    note(f"cli {command.name}", case.name, outcome(ran), ran.seconds)
    check(ran, command.expect(case), case)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
@pytest.mark.parametrize("command", ["health", "test"])
def test_health_and_test_name_the_broken_service_and_report_the_rest(
    command: str, case: Case, broken: Vultr, postgres_url: str, valkey_url: str, note: Note
) -> None:
    if case.kind == "api":
        broken.simulator.faults = case.faults("")
    environ = settings_for(case, broken, database_url=postgres_url, valkey_url=valkey_url)
    ran = run([command], environ)
    note(
        f"cli {command}", case.name, outcome(ran, next(iter(BROKEN[case.kind]), None)), ran.seconds
    )
    check(ran, health_expect(command, case), case)


JSON_CASES = (next(case for case in CASES if case.name == "500 server error"), EMPTY_ACCOUNT)


@pytest.mark.parametrize("case", JSON_CASES, ids=lambda case: case.id)
@pytest.mark.parametrize("command", [command.name for command in API_COMMANDS])
def test_json_output_is_an_answer_or_nothing(
    command: str, case: Case, broken: Vultr, note: Note
) -> None:
    if case.kind == "api":
        broken.simulator.faults = case.faults("")
    ran = run([command, "--json"], settings_for(case, broken, database_url=None, valkey_url=None))
    note(f"cli {command} --json", case.name, outcome(ran), ran.seconds)
    if case.kind == "api":
        check(ran, Expect(1, err=API_ERROR), case)
        return
    check(ran, Expect(0), case)
    document = json.loads(ran.out)
    if isinstance(document, list):
        assert document == []
    else:
        money = {"pending_charges_usd", "month_to_date_usd", "run_rate_usd", "waste_usd"}
        figures = {key: document[key] for key in money & set(document)}
        assert figures
        assert figures == dict.fromkeys(figures, 0.0)


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def test_the_simulator_on_a_taken_port_says_so_in_one_line(taken_port: int, note: Note) -> None:
    ran = run(["simulator", "--port", str(taken_port)], {})
    note("cli simulator", "port already taken", outcome(ran), ran.seconds)
    assert (ran.code, ran.out) == (1, "")
    assert ran.err == f"error: cannot serve on 127.0.0.1:{taken_port}: Address already in use\n"


def test_the_simulator_on_an_unknown_host_says_so_in_one_line(note: Note) -> None:
    ran = run(["simulator", "--host", "no-such-host.invalid"], {})
    note("cli simulator", "host does not resolve", outcome(ran), ran.seconds)
    assert (ran.code, ran.out) == (1, "")
    assert ran.err.startswith("error: cannot serve on no-such-host.invalid:8765: ")
    assert ran.err.count("\n") == 1
