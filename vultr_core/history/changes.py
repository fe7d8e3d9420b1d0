"""What changed, and what each change did to the monthly run-rate.

"+$1,752/month: gpu-a100 created in ewr on 2 Dec". Changes come from the resource rows: a row
that began as ``created`` or ``changed`` (its predecessor is the row that ended when it
began), and a row that ended as ``destroyed``. A change of several fields at once names each
(a resize and a retag), the run-rate change going with the first. Labels and tags are the API's
text: callers make them safe for where they show them (a terminal, Markdown, a spreadsheet).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd
from psycopg.rows import tuple_row

from vultr_core.history.records import ResourceState
from vultr_core.history.store import Connection
from vultr_core.inventory.spreadsheet import spreadsheet_csv

CREATED, DESTROYED = "created", "destroyed"
RESIZED, REPRICED = "resized", "repriced"
STOPPED, STARTED = "stopped", "started"
RETAGGED, RELABELLED, MOVED, STATUS = "retagged", "relabelled", "moved", "status changed"
KINDS = (CREATED, DESTROYED, RESIZED, REPRICED, STOPPED, STARTED, RETAGGED, RELABELLED, MOVED,
         STATUS)  # fmt: skip
CHANGE_COLUMNS = [
    "at",
    "kind",
    "label",
    "category",
    "region",
    "run_rate_change_usd",
    "detail",
    "tags",
    "resource_id",
    "sentence",
]
_DURATION = re.compile(r"(\d+)\s*([hdw])")
_UNIT = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


@dataclass(frozen=True)
class Change:
    """One change to one resource; ``before`` is None for a creation, ``after`` for a
    destruction."""

    at: datetime
    kind: str
    before: ResourceState | None
    after: ResourceState | None
    run_rate_change_usd: float

    @property
    def state(self) -> ResourceState:
        """The resource as it is after the change (as it was, for a destruction)."""
        state = self.after or self.before
        assert state is not None
        return state

    @property
    def detail(self) -> str:
        before, after = self.before, self.after
        if before is None or after is None:
            return self.state.plan
        if self.kind in (RESIZED, REPRICED):
            prices = f"${before.monthly_usd:,.2f} → ${after.monthly_usd:,.2f} a month"
            return f"{before.plan} → {after.plan}" if self.kind == RESIZED else prices
        fields = {
            STOPPED: "power",
            STARTED: "power",
            RELABELLED: "label",
            MOVED: "region",
            STATUS: "status",
        }
        if self.kind == RETAGGED:
            return f"{', '.join(before.tags) or 'no tags'} → {', '.join(after.tags) or 'no tags'}"
        name = fields.get(self.kind, "plan")
        return f"{getattr(before, name)} → {getattr(after, name)}"

    def sentence(self) -> str:
        """The change in one line: run-rate first, then what, where and when."""
        state = self.state
        where = f" in {state.region}" if state.region else ""
        detail = f" ({self.detail})" if self.kind not in (CREATED, DESTROYED) else ""
        note = " (a stopped instance still bills)" if self.kind == STOPPED else ""
        return (
            f"{signed_monthly(self.run_rate_change_usd)}: {state.label} {self.kind}{detail}"
            f"{where} on {self.at.day} {self.at:%b}{note}"
        )


def signed_monthly(amount_usd: float) -> str:
    """``+$1,752/month``; cents only when there are any."""
    cents = round(abs(amount_usd) * 100)
    sign = "+" if amount_usd > 0.004 else "-" if amount_usd < -0.004 else ""
    figure = f"{cents // 100:,}" if cents % 100 == 0 else f"{cents / 100:,.2f}"
    return f"{sign}${figure}/month"


def classify(before: ResourceState, after: ResourceState) -> list[tuple[str, float]]:
    """Each kind of change between two rows of one resource; the run-rate change goes with
    the first."""
    kinds = []
    if before.plan != after.plan:
        kinds.append(RESIZED)
    elif before.monthly_usd != after.monthly_usd:
        kinds.append(REPRICED)
    if before.power != after.power and after.power in ("running", "stopped"):
        kinds.append(STOPPED if after.power == "stopped" else STARTED)
    if before.status != after.status:
        kinds.append(STATUS)
    if before.tags != after.tags:
        kinds.append(RETAGGED)
    if before.label != after.label:
        kinds.append(RELABELLED)
    if before.region != after.region:
        kinds.append(MOVED)
    delta = after.monthly_usd - before.monthly_usd
    if not kinds:
        return [(REPRICED, delta)] if delta else []
    return [(kind, delta if index == 0 else 0.0) for index, kind in enumerate(kinds)]


_COLUMNS = (
    "resource_id, category, label, region, plan, status, power, tags, monthly_usd, cap_hours, "
    "priced, created_at"
)


def find_changes(
    conn: Connection,
    *,
    since: datetime,
    until: datetime,
    kinds: Iterable[str] = (),
    tag: str | None = None,
    resource_id: str | None = None,
) -> list[Change]:
    """Changes in [since, until), oldest first, filtered by kind, tag (before or after the
    change) and resource."""
    names = [name.strip() for name in _COLUMNS.split(",")]
    prefixed = ", ".join(f"p.{name} AS p_{name}" for name in names)
    nothing = ", ".join(f"NULL AS p_{name}" for name in names)
    current = ", ".join(f"v.{name}" for name in names)
    filters, params = "", {"since": since, "until": until, "tag": tag, "rid": resource_id}
    if resource_id is not None:
        filters += " AND v.resource_id = %(rid)s"
    with conn.cursor(row_factory=tuple_row) as cursor:
        rows = cursor.execute(
            f"SELECT 'began' AS side, v.valid_from AS at, v.began, {current}, {prefixed} "
            "FROM resource_versions v LEFT JOIN resource_versions p "
            " ON v.began = 'changed' AND p.resource_id = v.resource_id "
            " AND p.valid_to = v.valid_from "
            "WHERE v.valid_from >= %(since)s AND v.valid_from < %(until)s "
            f" AND v.began IN ('created', 'changed'){filters} "
            "UNION ALL "
            f"SELECT 'ended', v.valid_to, v.began, {current}, {nothing} "
            "FROM resource_versions v "
            "WHERE v.ended = 'destroyed' AND v.valid_to >= %(since)s AND v.valid_to < %(until)s"
            f"{filters} ORDER BY 2, 4",
            params,
        ).fetchall()
    wanted = set(kinds)
    return [
        change
        for row in rows
        for change in _changes_of(row)
        if (not wanted or change.kind in wanted) and (tag is None or _has_tag(change, tag))
    ]


def _has_tag(change: Change, tag: str) -> bool:
    return any(tag in state.tags for state in (change.before, change.after) if state)


_WIDTH = len(_COLUMNS.split(","))


def _state(values: tuple[Any, ...]) -> ResourceState:
    """A state from a row's columns in ``_COLUMNS`` order."""
    rid, category, label, region, plan, status, power, tags, monthly, cap, priced, created = values
    return ResourceState(rid, category, label, region, plan, status, power, tuple(tags),
                         float(monthly), int(cap), bool(priced), created)  # fmt: skip


def _changes_of(row: tuple[Any, ...]) -> list[Change]:
    """The changes one row of the feed's query stands for: side, at, began, then the row's
    state and its predecessor's."""
    side, at, began = row[:3]
    state = _state(row[3 : 3 + _WIDTH])
    at = at.astimezone(UTC)
    if side == "ended":
        return [Change(at, DESTROYED, state, None, -state.monthly_usd)]
    if began == CREATED:
        return [Change(at, CREATED, None, state, state.monthly_usd)]
    if row[3 + _WIDTH] is None:
        return []
    before = _state(row[3 + _WIDTH :])
    return [Change(at, kind, before, state, delta) for kind, delta in classify(before, state)]


def changes_frame(changes: Sequence[Change]) -> pd.DataFrame:
    """The changes as a table (``CHANGE_COLUMNS``), newest first."""
    rows = [
        {
            "at": change.at,
            "kind": change.kind,
            "label": change.state.label,
            "category": change.state.category,
            "region": change.state.region,
            "run_rate_change_usd": round(change.run_rate_change_usd, 2),
            "detail": change.detail,
            "tags": list(change.state.tags),
            "resource_id": change.state.resource_id,
            "sentence": change.sentence(),
        }
        for change in sorted(changes, key=lambda c: c.at, reverse=True)
    ]
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def changes_csv(changes: Sequence[Change]) -> str:
    """The changes as CSV a spreadsheet opens safely (no cell runs as a formula)."""
    return spreadsheet_csv(changes_frame(changes))


def parse_since(text: str, *, now: datetime) -> datetime:
    """``7d``, ``24h``, ``2w`` back from ``now``, or a date (``2026-11-01``, UTC midnight).

    Raises:
        ValueError: neither.
    """
    match = _DURATION.fullmatch(text.strip().lower())
    if match:
        return now - int(match[1]) * _UNIT[match[2]]
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text[:40]!r} is neither a duration (7d, 24h, 2w) nor a date (2026-11-01)"
        ) from None
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


RESOURCE_ROW_COLUMNS = ["valid_from", "valid_to", "plan", "status", "power", "tags",
                        "monthly_usd", "state"]  # fmt: skip


def resource_rows(conn: Connection, resource_id: str) -> pd.DataFrame:
    """One resource's rows, oldest first: each state it was seen in, from when until when."""
    rows = conn.execute(
        "SELECT valid_from, valid_to, began, ended, plan, status, power, tags, monthly_usd "
        "FROM resource_versions WHERE resource_id = %s ORDER BY valid_from",
        (resource_id,),
    ).fetchall()
    return pd.DataFrame(
        [
            {
                **{name: row[name] for name in RESOURCE_ROW_COLUMNS[:-1]},
                "monthly_usd": float(row["monthly_usd"]),
                "state": ", ".join(
                    part for part in (row["plan"], row["power"] or row["status"]) if part
                )
                + (" (destroyed after)" if row["ended"] == DESTROYED else ""),
            }
            for row in rows
        ],
        columns=RESOURCE_ROW_COLUMNS,
    )
