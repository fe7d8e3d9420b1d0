"""Writing a snapshot: only what changed becomes a row, and each hour is written once.

A resource's open row (``valid_to IS NULL``) is what it looks like now. A snapshot compares
what it saw with the open rows: a new resource gets a row (``began = 'created'``, or
``'baseline'`` in the very first snapshot, which saw everything at once and so saw nothing
appear), a changed one has its row closed and a new one opened (``'changed'``), a missing one
has its row closed as ``'destroyed'``. Unchanged resources cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from vultr_core.history.records import TRACKED_FIELDS, InvoiceMonth, ResourceState
from vultr_core.history.store import Connection

# The tracked fields in between, so a field added there is stored with no second list to keep.
_VERSION_COLUMNS = ("resource_id", "valid_from", "began", *TRACKED_FIELDS, "created_at")


@dataclass(frozen=True)
class Diff:
    """What a snapshot found against the open rows."""

    created: tuple[ResourceState, ...] = ()
    changed: tuple[tuple[ResourceState, ResourceState], ...] = ()
    destroyed: tuple[ResourceState, ...] = ()

    @property
    def count(self) -> int:
        return len(self.created) + len(self.changed) + len(self.destroyed)


def diff_states(
    current: Mapping[str, ResourceState], observed: Mapping[str, ResourceState]
) -> Diff:
    """Everything observed against everything open: what appeared, changed or went."""
    return diff_some(current, observed, [rid for rid in current if rid not in observed])


def diff_some(
    current: Mapping[str, ResourceState],
    seen: Mapping[str, ResourceState],
    gone: Iterable[str],
) -> Diff:
    """``seen`` resources and ``gone`` ids against the open rows; the rest is left alone (the
    demo's replay knows which objects changed in an hour)."""
    created, changed = [], []
    for resource_id, state in seen.items():
        before = current.get(resource_id)
        if before is None:
            created.append(state)
        elif not before.same_as(state):
            changed.append((before, state))
    destroyed = [current[rid] for rid in gone if rid in current and rid not in seen]
    return Diff(tuple(created), tuple(changed), tuple(destroyed))


def open_states(conn: Connection) -> dict[str, ResourceState]:
    """Every resource as the store last saw it."""
    rows = conn.execute("SELECT * FROM resource_versions WHERE valid_to IS NULL").fetchall()
    return {row["resource_id"]: ResourceState.from_row(row) for row in rows}


def apply_diff(
    conn: Connection,
    at: datetime,
    diff: Diff,
    *,
    baseline: bool = False,
    current: dict[str, ResourceState] | None = None,
) -> None:
    """Close and open rows for ``diff`` as of ``at``; keep ``current`` (the open rows, when
    the caller holds them) in step."""
    _close(conn, at, "destroyed", [state.resource_id for state in diff.destroyed])
    _close(conn, at, "changed", [after.resource_id for _, after in diff.changed])
    rows = [(state, "baseline" if baseline else "created") for state in diff.created]
    rows += [(after, "changed") for _, after in diff.changed]
    if rows:
        columns = ", ".join(_VERSION_COLUMNS)
        statement = f"COPY resource_versions ({columns}) FROM STDIN"
        with conn.cursor() as cur, cur.copy(statement) as copy:
            for state, began in rows:
                copy.write_row(_version_row(state, at, began))
    if current is not None:
        for state in diff.destroyed:
            current.pop(state.resource_id, None)
        for state, _ in rows:
            current[state.resource_id] = state


def _close(conn: Connection, at: datetime, ended: str, resource_ids: Sequence[str]) -> None:
    if resource_ids:
        conn.execute(
            "UPDATE resource_versions SET valid_to = %s, ended = %s "
            "WHERE valid_to IS NULL AND resource_id = ANY(%s)",
            (at, ended, list(resource_ids)),
        )


def _version_row(state: ResourceState, at: datetime, began: str) -> tuple[object, ...]:
    tracked = [getattr(state, name) for name in TRACKED_FIELDS]
    tracked[TRACKED_FIELDS.index("tags")] = list(state.tags)  # COPY writes a list as an array
    return (state.resource_id, at, began, *tracked, state.created_at)


def write_point(
    conn: Connection,
    *,
    hour: datetime,
    taken_at: datetime,
    pending_total_usd: float,
    resource_count: int,
    categories: Mapping[str, float],
    source: str = "api",
) -> None:
    """The hour's pending charges, in total and by category."""
    conn.execute(
        "INSERT INTO snapshots (hour, taken_at, pending_total_usd, resource_count, source) "
        "VALUES (%s, %s, %s, %s, %s)",
        (hour, taken_at, round(pending_total_usd, 2), resource_count, source),
    )
    if categories:
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO snapshot_categories (hour, category, month_to_date_usd) "
                "VALUES (%s, %s, %s)",
                [(hour, name, round(usd, 2)) for name, usd in categories.items()],
            )


def write_invoices(conn: Connection, invoices: Sequence[InvoiceMonth], at: datetime) -> None:
    """Each month's invoice, the latest word on it winning."""
    if not invoices:
        return
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO invoices (month, amount_usd, invoice_id, recorded_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (month) DO UPDATE SET "
            "amount_usd = excluded.amount_usd, invoice_id = excluded.invoice_id, "
            "recorded_at = excluded.recorded_at",
            [(i.month, round(i.amount_usd, 2), i.invoice_id, at) for i in invoices],
        )
