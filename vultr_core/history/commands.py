"""The command line's history commands: snapshot, changes, budget and alerts.

Each returns ``(document, text, exit_status)``; ``vultr_core.cli`` prints one or the other and
exits with the status, as for every other command. Outside text (labels, tags) reaches the
terminal through ``terminal_text``, and CSV through the spreadsheet rules as well.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from vultr_core.api.errors import ConfigurationError
from vultr_core.config import Settings
from vultr_core.formatting import format_usd, terminal_text
from vultr_core.history.alerts import AlertRun, run_alerts
from vultr_core.history.budgets import forecast_budgets
from vultr_core.history.changes import (
    KINDS,
    Change,
    changes_frame,
    find_changes,
    parse_since,
    signed_monthly,
)
from vultr_core.history.location import open_history
from vultr_core.history.snapshot import take_snapshot
from vultr_core.history.store import HistoryStore
from vultr_core.inventory.spreadsheet import spreadsheet_csv
from vultr_core.redaction import Secret, remember_secret

Result = tuple[object, str, int]
EXIT_OK, EXIT_FAILED = 0, 1
DEFAULT_SINCE = "7d"
MAX_CELL_CHARS = 60


def command_snapshot(settings: Settings, args: argparse.Namespace) -> Result:
    outcome = take_snapshot(settings)
    document = dataclasses.asdict(outcome) | {"store": outcome.where}
    return document, f"{outcome.sentence()}\nStore: {outcome.where}", EXIT_OK


def _store(settings: Settings) -> HistoryStore:
    """The store, with this hour in it in demo mode (whose store lives only as long as this
    process: its past is replayed, then this hour's snapshot taken)."""
    if settings.demo_mode:
        take_snapshot(settings)
    return open_history(settings)


def command_changes(settings: Settings, args: argparse.Namespace) -> Result:
    now = datetime.now(UTC)
    try:
        since = parse_since(args.since, now=now)
        until = parse_since(args.until, now=now) if args.until else now
    except ValueError as error:
        raise ConfigurationError(f"--since/--until: {error}", setting="--since") from None
    with _store(settings).connection("reading the changes") as conn:
        changes = find_changes(conn, since=since, until=until, kinds=args.kind or (), tag=args.tag)
    net = sum(change.run_rate_change_usd for change in changes)
    document = {
        "since": since,
        "until": until,
        "net_run_rate_change_usd": round(net, 2),
        "changes": [_change_document(change) for change in changes],
    }
    if args.csv:
        return document, _safe_csv(changes), EXIT_OK
    if not changes:
        return document, f"No changes since {since:%Y-%m-%d %H:%M} UTC.", EXIT_OK
    table = text_table(
        ["WHEN", "CHANGE", "RESOURCE", "REGION", "RUN-RATE", "DETAIL"],
        [
            [
                f"{c.at:%Y-%m-%d %H:%M}",
                c.kind,
                c.state.label,
                c.state.region,
                signed_monthly(c.run_rate_change_usd),
                c.detail,
            ]
            for c in changes
        ],
    )
    summary = f"{len(changes)} changes; run-rate {signed_monthly(net)} in all."
    return document, f"{table}\n{summary}", EXIT_OK


def _change_document(change: Change) -> dict[str, Any]:
    def state(which: Any) -> dict[str, Any] | None:
        return None if which is None else dataclasses.asdict(which)

    return {
        "at": change.at,
        "kind": change.kind,
        "resource_id": change.state.resource_id,
        "label": change.state.label,
        "category": change.state.category,
        "region": change.state.region,
        "run_rate_change_usd": round(change.run_rate_change_usd, 2),
        "detail": change.detail,
        "sentence": change.sentence(),
        "before": state(change.before),
        "after": state(change.after),
    }


def _safe_csv(changes: Sequence[Change]) -> str:
    """Spreadsheet-safe CSV whose text cells carry no terminal control sequence either."""
    frame = changes_frame(changes)
    for column in frame.select_dtypes(include=["object"]).columns:
        frame[column] = frame[column].map(_terminal_safe)
    return spreadsheet_csv(frame).rstrip("\r\n")


def _terminal_safe(value: object) -> object:
    if isinstance(value, str):
        return terminal_text(value)
    if isinstance(value, list):
        return [terminal_text(str(item)) for item in value]
    return value


def command_budget(settings: Settings, args: argparse.Namespace) -> Result:
    if not settings.budgets:
        text = 'No budgets set: set BUDGETS, e.g. BUDGETS="total=5000; tag:team:data=1200".'
        return {"budgets": []}, text, EXIT_OK
    now = datetime.now(UTC)
    with _store(settings).connection("forecasting the budgets") as conn:
        forecasts = forecast_budgets(conn, settings.budgets, now=now)
    if not forecasts:
        text = "No snapshot this month yet: run `python -m vultr_core snapshot` first."
        return {"budgets": []}, text, EXIT_OK
    document = {
        "as_of": forecasts[0].as_of,
        "budgets": [
            {
                "key": f.budget.key,
                "label": f.budget.label,
                "monthly_usd": f.budget.monthly_usd,
                "spent_usd": f.spent_usd,
                "forecast_usd": f.forecast_usd,
                "runs_out_on": f.runs_out_on.isoformat() if f.runs_out_on else None,
                "over": f.over,
                "already_over": f.already_over,
                "sentence": f.sentence(),
            }
            for f in forecasts
        ],
    }
    table = text_table(
        ["BUDGET", "MONTHLY", "SPENT", "FORECAST", "RUNS OUT", "STATUS"],
        [
            [
                f.budget.label,
                format_usd(f.budget.monthly_usd),
                format_usd(f.spent_usd),
                format_usd(f.forecast_usd),
                f.runs_out_on.isoformat() if f.runs_out_on else "—",
                "OVER" if f.over else "ok",
            ]
            for f in forecasts
        ],
    )
    status = EXIT_FAILED if any(f.over for f in forecasts) else EXIT_OK
    return document, f"{table}\n" + "\n".join(f.sentence() for f in forecasts), status


def command_alerts(settings: Settings, args: argparse.Namespace) -> Result:
    webhook = settings.alert_webhook_url
    if args.webhook:
        remember_secret(args.webhook)
        webhook = Secret(args.webhook)
    run = run_alerts(settings, _store(settings), webhook=webhook, dry_run=args.dry_run)
    document = {
        "dry_run": run.dry_run,
        "fired": [dataclasses.asdict(alert) for alert in run.sent],
        "already_sent_today": [dataclasses.asdict(alert) for alert in run.already_sent],
        "delivered_to_webhook": run.delivered_to_webhook,
        "problems": run.problems,
    }
    return document, _alerts_text(run, webhook is not None), EXIT_FAILED if run.fired else EXIT_OK


def _alerts_text(run: AlertRun, has_webhook: bool) -> str:
    lines = [f"{alert.kind}: {terminal_text(alert.text)}" for alert in run.sent]
    if not run.sent:
        lines.append("Nothing fired.")
    elif run.dry_run:
        lines.append(f"Dry run: {len(run.sent)} would be sent; nothing was sent or recorded.")
    elif run.delivered_to_webhook:
        lines.append(f"Sent {len(run.sent)} to the webhook.")
    elif not has_webhook:
        lines.append("No webhook set (ALERT_WEBHOOK_URL or --webhook): printed here only.")
    if run.already_sent:
        lines.append(f"{len(run.already_sent)} more already sent today.")
    lines += [f"Problem: {terminal_text(problem)}" for problem in run.problems]
    return "\n".join(lines)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Aligned columns of outside text, each cell without control characters and cut to
    ``MAX_CELL_CHARS``."""
    cells = [[_cell(value) for value in row] for row in rows]
    widths = [max(len(h), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


def _cell(text: str) -> str:
    safe = terminal_text(text)
    return safe if len(safe) <= MAX_CELL_CHARS else f"{safe[: MAX_CELL_CHARS - 1]}…"


def _changes_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--since", default=DEFAULT_SINCE, help="7d, 24h, 2w or a date (UTC)")
    sub.add_argument("--until", help="the same forms; default: now")
    sub.add_argument("--kind", action="append", choices=KINDS, help="only these (repeatable)")
    sub.add_argument("--tag", help="only resources with this tag, before or after the change")
    sub.add_argument("--csv", action="store_true", help="print CSV for a spreadsheet")


def _alerts_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--webhook", help="post here instead of ALERT_WEBHOOK_URL (a secret)")
    sub.add_argument(
        "--dry-run", action="store_true", help="evaluate and print; send and record nothing"
    )


def _no_arguments(sub: argparse.ArgumentParser) -> None:
    del sub


HISTORY_COMMANDS: dict[
    str,
    tuple[
        Callable[[Settings, argparse.Namespace], Result],
        str,
        Callable[[argparse.ArgumentParser], None],
    ],
] = {
    "snapshot": (
        command_snapshot,
        "record the inventory and pending charges (once an hour; safe on every replica)",
        _no_arguments,
    ),
    "changes": (
        command_changes,
        "what changed and what it did to the monthly run-rate",
        _changes_arguments,
    ),
    "budget": (
        command_budget,
        "budgets against this month's forecast (exit 1: over)",
        _no_arguments,
    ),
    "alerts": (
        command_alerts,
        "budgets, anomalies, services down and new waste to a webhook (exit 1: fired)",
        _alerts_arguments,
    ),
}
