"""The command line: the same settings and clients as the app, printed as text or JSON.

Exit status: 0 ok, 1 an API or service failed, 2 a setting is missing or malformed. Errors
are one line on stderr: never a traceback, never a secret.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO, TypeVar

from vultr_core.api.advice import settings_advice
from vultr_core.api.errors import ConfigurationError, VultrError
from vultr_core.api.models.compute import Instance
from vultr_core.cli_databases import (
    DatabaseRow,
    UnknownEngineError,
    database_rows,
    engine_id,
)
from vultr_core.clients import management_client
from vultr_core.config import Settings, read_secrets_file
from vultr_core.formatting import (
    format_balance,
    format_count,
    format_date,
    format_memory_mb,
    format_usd,
    terminal_text,
)
from vultr_core.health.checks import check_health
from vultr_core.health.service_tests import test_services as run_round_trips
from vultr_core.health.text import (
    configuration_error,
    health_document,
    health_exit_status,
    health_text,
    round_trip_document,
    round_trip_exit_status,
    round_trip_text,
)
from vultr_core.history.commands import HISTORY_COMMANDS
from vultr_core.json_document import json_document, labelled_demo
from vultr_core.log_output import logging_to
from vultr_core.redaction import redact
from vultr_core.simulator import DEMO_API_KEY, Faults, Simulator
from vultr_core.spend.summary import build_summary, summary_text

Row = TypeVar("Row")
SECRETS_PATH = Path(".streamlit") / "secrets.toml"
EXIT_OK, EXIT_FAILED, EXIT_CONFIGURATION = 0, 1, 2
# Vultr allows 255-character labels; past this a table stops fitting any terminal.
MAX_CELL_CHARS = 80
DEMO_NOTICE = (
    "Demo mode: a simulated Vultr organisation, not your account. "
    "Set VULTR_API_KEY to see your own."
)


@dataclass(frozen=True)
class Output:
    """What a command found: ``document`` for ``--json``, ``text`` for a person, and the exit
    status when the command ran but found something wrong (a service down)."""

    document: object
    text: str
    exit_status: int = EXIT_OK


Command = Callable[[Settings, argparse.Namespace], Output]


def command_account(settings: Settings, args: argparse.Namespace) -> Output:
    with management_client(settings) as client:
        account = client.account()
    # Vultr sends a payment as a negative amount, and an account that never paid as 0 with no
    # date: say "none" then, like the Overview, rather than "$0.00 on —".
    paid, paid_on = account.last_payment_amount_usd, account.last_payment_date
    last_payment = (
        f"{format_usd(abs(paid))} on {format_date(paid_on)}"
        if paid is not None and paid_on is not None
        else "none"
    )
    lines = [
        ("Account", f"{account.name} <{account.email}>"),
        ("Balance", format_balance(account.balance_usd)),
        ("Pending charges", format_usd(account.pending_charges_usd)),
        ("Last payment", last_payment),
    ]
    return Output(account, _key_values(lines))


def command_instances(settings: Settings, args: argparse.Namespace) -> Output:
    with management_client(settings) as client:
        instances = client.instances(region=args.region, tag=args.tag)
    return Output(instances, _table(instances, _INSTANCE_COLUMNS))


def command_databases(settings: Settings, args: argparse.Namespace) -> Output:
    """Every database, read replicas as rows of their own (the Databases page's count);
    ``--json`` keeps Vultr's shape: replicas nested in their primary."""
    with management_client(settings) as client:
        databases = client.databases()
    engine = None
    if args.engine is not None:
        engine = engine_id(args.engine, {database.engine for database in databases})
        databases = [database for database in databases if database.engine == engine]
    rows = database_rows(databases)
    return Output(databases, _table(rows, _DATABASE_COLUMNS))


def command_valkey(settings: Settings, args: argparse.Namespace) -> Output:
    with management_client(settings) as client:
        databases = client.databases(engine="valkey")
    rows = database_rows(databases)
    return Output(databases, _table(rows, _VALKEY_COLUMNS))


def command_summary(settings: Settings, args: argparse.Namespace) -> Output:
    """Account, month to date, forecast, run-rate by category, counts and waste."""
    with management_client(settings) as client:
        summary = build_summary(client, now=datetime.now(UTC))
    return Output(summary, summary_text(summary))


def command_health(settings: Settings, args: argparse.Namespace) -> Output:
    """Every service's status, latency and key figure; exit 1 if any is down."""
    report = check_health(settings)
    if (error := configuration_error(report)) is not None:
        raise error
    return Output(health_document(report), health_text(report), health_exit_status(report))


def command_test(settings: Settings, args: argparse.Namespace) -> Output:
    """An active round trip on every configured service; exit 1 if any fails."""
    report = run_round_trips(settings)
    if (error := configuration_error(report)) is not None:
        raise error
    return Output(
        round_trip_document(report), round_trip_text(report), round_trip_exit_status(report)
    )


def serve_simulator(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Serve the demo organisation on loopback until interrupted; exit 1 if it cannot listen
    (the port is taken, the host does not resolve)."""
    simulator = Simulator(size=args.size, seed=args.seed)
    simulator.faults = Faults(
        latency_ms=args.latency_ms,
        error_rate=args.error_rate,
        rate_limit_per_s=args.rate_limit_per_s,
    )
    try:
        serving = simulator.serve(host=args.host, port=args.port)
    except OSError as error:
        reason = error.strerror or type(error).__name__
        print(f"error: cannot serve on {args.host}:{args.port}: {reason}", file=stderr)
        return EXIT_FAILED
    with serving as server:
        print(f"Vultr simulator ({args.size}) at {server.base_url}/v2", file=stdout)
        print(
            f"Use it with: VULTR_API_URL={server.base_url}/v2 VULTR_API_KEY={DEMO_API_KEY}",
            file=stdout,
        )
        stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", file=stdout)
    return EXIT_OK


_INSTANCE_COLUMNS: list[tuple[str, Callable[[Instance], str]]] = [
    ("LABEL", lambda i: i.label),
    ("REGION", lambda i: i.region),
    ("PLAN", lambda i: i.plan),
    ("STATUS", lambda i: i.status),
    ("POWER", lambda i: i.power_status),
    ("VCPU", lambda i: format_count(i.vcpu_count)),
    ("RAM", lambda i: format_memory_mb(i.ram_mb)),
    ("TAGS", lambda i: ", ".join(i.tags)),
    ("CREATED", lambda i: format_date(i.date_created)),
]
_DATABASE_COLUMNS: list[tuple[str, Callable[[DatabaseRow], str]]] = [
    ("LABEL", lambda r: r.database.label),
    ("ENGINE", lambda r: f"{r.database.engine} {r.database.engine_version}".strip()),
    ("PLAN", lambda r: r.database.plan),
    ("REGION", lambda r: r.database.region),
    ("STATUS", lambda r: r.database.status),
    ("NODES", lambda r: str(r.database.node_count)),
    ("REPLICA OF", lambda r: r.replica_of or ""),
    ("TAG", lambda r: r.database.tag),
]
_VALKEY_COLUMNS: list[tuple[str, Callable[[DatabaseRow], str]]] = [
    ("LABEL", lambda r: r.database.label),
    ("VERSION", lambda r: r.database.engine_version),
    ("PLAN", lambda r: r.database.plan),
    ("REGION", lambda r: r.database.region),
    ("STATUS", lambda r: r.database.status),
    ("MEMORY", lambda r: format_memory_mb(r.database.plan_ram_mb)),
    ("EVICTION", lambda r: r.database.eviction_policy or "—"),
    ("REPLICA OF", lambda r: r.replica_of or ""),
]

COMMANDS: dict[str, tuple[Command, str]] = {
    "summary": (
        command_summary,
        "account, month-to-date and forecast spend, run-rate by category, counts, waste",
    ),
    "account": (
        command_account,
        "account name, balance, pending charges, last payment (--json: balance_usd has "
        "Vultr's sign, negative is credit)",
    ),
    "instances": (command_instances, "compute instances"),
    "databases": (command_databases, "managed databases, read replicas as rows of their own"),
    "valkey": (command_valkey, "managed Valkey instances, read replicas as rows of their own"),
    "health": (command_health, "status, latency and key figures of every service"),
    "test": (command_test, "an active round trip on every configured service"),
}


def _history_command(
    run: Callable[[Settings, argparse.Namespace], tuple[object, str, int]],
) -> Command:
    """A history command (``vultr_core.history.commands``) as a Command."""
    return lambda settings, args: Output(*run(settings, args))


COMMANDS |= {
    name: (_history_command(run), help_text)
    for name, (run, help_text, _) in HISTORY_COMMANDS.items()
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vultr_core",
        description="Vultr Dashboard from the command line (demo mode without VULTR_API_KEY: "
        'a simulated organisation, said on stderr and as "demo": true in --json).',
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="-v: log this tool's decisions (retries, fallbacks) to stderr; -vv: every "
        "library's debug too",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--json", action="store_true", help="print one JSON document")
        if name == "instances":
            sub.add_argument("--region", help="only this region id, e.g. ewr")
            sub.add_argument("--tag", help="only instances with this tag")
        if name == "databases":
            sub.add_argument(
                "--engine",
                help="only this engine: pg (or postgres), mysql, valkey (or redis), kafka, "
                "ferretpg (or ferretdb)",
            )
        if name in HISTORY_COMMANDS:
            HISTORY_COMMANDS[name][2](sub)
    sim = commands.add_parser("simulator", help="serve the simulated Vultr API on loopback")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--size", choices=("empty", "small", "large"), default="small")
    sim.add_argument("--seed", type=int, default=7)
    sim.add_argument("--latency-ms", type=float, default=0.0)
    sim.add_argument("--error-rate", type=float, default=0.0, help="share of requests that 500")
    sim.add_argument(
        "--rate-limit-per-s",
        type=float,
        default=None,
        help="answer 429 above this many requests per second (Vultr: 30)",
    )
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    secrets_path: Path = SECRETS_PATH,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    args = build_parser().parse_args(argv)
    if args.command == "simulator":
        return serve_simulator(args, out, err)
    command, _ = COMMANDS[args.command]
    with logging_to(err, args.verbose):
        try:
            settings = Settings.from_sources(
                os.environ if environ is None else environ, read_secrets_file(secrets_path)
            )
        except ConfigurationError as error:
            print(f"configuration error: {terminal_text(redact(str(error)))}", file=err)
            return EXIT_CONFIGURATION
        if settings.demo_mode and not args.json:
            print(DEMO_NOTICE, file=err)
        try:
            output = command(settings, args)
        except ConfigurationError as error:
            print(f"configuration error: {terminal_text(redact(str(error)))}", file=err)
            return EXIT_CONFIGURATION
        except UnknownEngineError as error:
            print(f"error: {terminal_text(str(error))}", file=err)
            return EXIT_CONFIGURATION
        except VultrError as error:
            advice = settings_advice(error, settings)
            said = f"{str(error).rstrip('.')}. {advice}" if advice else str(error)
            print(f"error: {terminal_text(redact(said))}", file=err)
            return EXIT_FAILED
    if args.json:
        document = labelled_demo(json_document(output.document), demo=settings.demo_mode)
        print(json.dumps(document, indent=2), file=out)
    else:
        print(redact(output.text), file=out)
    return output.exit_status


def _key_values(lines: Sequence[tuple[str, str]]) -> str:
    width = max(len(key) for key, _ in lines)
    return "\n".join(f"{key:<{width}}  {terminal_text(value)}" for key, value in lines)


def _table(rows: Sequence[Row], columns: Sequence[tuple[str, Callable[[Row], str]]]) -> str:
    if not rows:
        return "(none)"
    cells = [[_cell(render(row)) for _, render in columns] for row in rows]
    headers = [header for header, _ in columns]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.append(f"{len(rows)} total")
    return "\n".join(lines)


def _cell(text: str) -> str:
    """A table cell: the API's text without control characters, cut to a column's width."""
    safe = terminal_text(text)
    return safe if len(safe) <= MAX_CELL_CHARS else f"{safe[: MAX_CELL_CHARS - 1]}…"
