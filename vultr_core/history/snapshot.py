"""Taking a snapshot: the inventory with list prices and the pending charges, once an hour.

Safe to run from cron on every replica at once: the snapshot runs in one transaction holding
a PostgreSQL advisory lock taken without waiting, so when two start together one takes it and
the other says so and does nothing; and an hour that already has its snapshot is left alone.
Vultr is asked only after both checks pass, so a losing replica costs no API requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from vultr_core.api.concurrency import run_concurrently
from vultr_core.api.errors import MalformedResponseError
from vultr_core.api.management import ManagementClient
from vultr_core.clients import management_client
from vultr_core.config import Settings
from vultr_core.formatting import format_usd
from vultr_core.history.demo import open_history_with_past
from vultr_core.history.migrations import lock_key
from vultr_core.history.records import InvoiceMonth, Observation, states_from_costs
from vultr_core.history.retention import compact
from vultr_core.history.store import LONG_STATEMENT_TIMEOUT_MS, Connection, HistoryStore
from vultr_core.history.writer import (
    apply_diff,
    diff_states,
    open_states,
    write_invoices,
    write_point,
)
from vultr_core.spend.costs import resource_costs
from vultr_core.spend.data import fetch_inventory
from vultr_core.spend.history import billed_month
from vultr_core.spend.reconciliation import charges_by_product, reconcile

TAKEN, ALREADY_TAKEN, IN_PROGRESS = "taken", "already_taken", "in_progress"


@dataclass(frozen=True)
class SnapshotOutcome:
    """What a snapshot run did; every status is a success (the command exits 0)."""

    status: str
    hour: datetime
    where: str
    taken_at: datetime | None = None
    resources: int = 0
    changes: int = 0
    pending_total_usd: float | None = None

    def sentence(self) -> str:
        if self.status == IN_PROGRESS:
            return (
                "Another snapshot is being taken right now (another process or replica): "
                "nothing to do."
            )
        when = f"{self.taken_at:%Y-%m-%d %H:%M} UTC" if self.taken_at else "earlier"
        if self.status == ALREADY_TAKEN:
            return f"This hour's snapshot was already taken at {when}: nothing to do."
        return (
            f"Snapshot taken at {when}: {self.resources} resources, {self.changes} changed, "
            f"pending charges {format_usd(self.pending_total_usd)}."
        )


def hour_of(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def observe(client: ManagementClient, *, now: datetime) -> Observation:
    """Ask Vultr for everything a snapshot records, every request at once.

    Raises:
        VultrError: a request failed, or the account sent no valid pending charges.
    """
    fetched = run_concurrently(
        {
            "account": client.account,
            "pending": client.pending_charges,
            "inventory": lambda: fetch_inventory(client),
            "invoices": client.invoices,
        }
    )
    pending_usd = fetched["account"].pending_charges_usd
    if pending_usd is None:
        raise MalformedResponseError(
            "Vultr sent no valid pending charges for the account: no snapshot taken"
        )
    resources = resource_costs(fetched["inventory"], now=now)
    books = reconcile(
        resources,
        pending_total_usd=pending_usd,
        pending_by_product=charges_by_product(fetched["pending"]),
    )
    categories = dict(
        zip(books.by_category["category"], books.by_category["month_to_date_usd"], strict=True)
    )
    invoices = [
        InvoiceMonth(month.date(), invoice.amount_usd, str(invoice.id))
        for invoice in fetched["invoices"]
        if invoice.amount_usd is not None and (month := billed_month(invoice)) is not None
    ]
    return Observation(
        taken_at=now,
        states=states_from_costs(resources, fetched["inventory"]),
        pending_total_usd=pending_usd,
        categories={str(name): float(usd) for name, usd in categories.items()},
        invoices=invoices,
    )


def record_snapshot(
    store: HistoryStore, observe_now: Callable[[], Observation], *, now: datetime
) -> SnapshotOutcome:
    """This hour's snapshot, unless it exists or another run holds the lock; ``observe_now``
    is called only when this run will write.

    Raises:
        VultrError: the store or the observation failed (nothing is written then).
    """
    hour = hour_of(now)
    with store.connection(
        "taking a snapshot", statement_timeout_ms=LONG_STATEMENT_TIMEOUT_MS
    ) as conn:
        with conn.transaction():
            if not try_snapshot_lock(conn, store.schema):
                return SnapshotOutcome(IN_PROGRESS, hour, store.where)
            row = conn.execute("SELECT taken_at FROM snapshots WHERE hour = %s", (hour,)).fetchone()
            if row is not None:
                return SnapshotOutcome(ALREADY_TAKEN, hour, store.where, row["taken_at"])
            observation = observe_now()
            changes = write_observation(conn, observation, hour=hour)
        compact(conn, now)
    return SnapshotOutcome(
        TAKEN,
        hour,
        store.where,
        observation.taken_at,
        len(observation.states),
        changes,
        observation.pending_total_usd,
    )


def try_snapshot_lock(conn: Connection, schema: str) -> bool:
    """Take the snapshot lock for this transaction if nobody holds it; never wait."""
    row = conn.execute(
        "SELECT pg_try_advisory_xact_lock(%s) AS got", (lock_key(schema, "snapshot"),)
    ).fetchone()
    return bool(row and row["got"])


def write_observation(
    conn: Connection, observation: Observation, *, hour: datetime, source: str = "api"
) -> int:
    """Write one observation (inside the caller's transaction); the number of changes (none
    for the store's first snapshot, which saw everything at once and no change)."""
    current = open_states(conn)
    empty = conn.execute("SELECT NOT EXISTS (SELECT 1 FROM snapshots) AS empty").fetchone()
    baseline = bool(empty and empty["empty"])
    diff = diff_states(current, observation.states)
    apply_diff(conn, observation.taken_at, diff, baseline=baseline)
    write_point(
        conn,
        hour=hour,
        taken_at=observation.taken_at,
        pending_total_usd=observation.pending_total_usd,
        resource_count=len(observation.states),
        categories=observation.categories,
        source=source,
    )
    write_invoices(conn, observation.invoices, observation.taken_at)
    return 0 if baseline else diff.count


def take_snapshot(settings: Settings, *, now: datetime | None = None) -> SnapshotOutcome:
    """Open the store the settings name (the demo's past replayed into it first) and take
    this hour's snapshot of the account.

    Raises:
        VultrError: the store, or Vultr, failed.
    """
    moment = now or datetime.now(UTC)
    store = open_history_with_past(settings)
    with management_client(settings) as client:
        return record_snapshot(store, lambda: observe(client, now=moment), now=moment)
