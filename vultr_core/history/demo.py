"""The demo's past in the history store: the simulated organisation's last 90 days, replayed
into an empty store once, so every view has something to show from the first visit.

The replay writes what hourly snapshots at five past each hour would have written (the
README's cron line), through the same row writer as a real snapshot: each hour's changed
objects become resource rows, and ``past.pending_at`` gives the hour's pending charges. The
current hour is left to the first real snapshot, which then finds only what changed since.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from vultr_core.api.models.compute import BareMetal, Instance, MetalPlan, Plan
from vultr_core.api.models.databases import Database, DatabasePlan
from vultr_core.api.models.kubernetes import KubernetesCluster
from vultr_core.api.models.storage import BlockStorage, ObjectStorage, Snapshot
from vultr_core.clients import demo_simulator
from vultr_core.config import Settings
from vultr_core.history.location import open_history
from vultr_core.history.migrations import lock_key
from vultr_core.history.records import InvoiceMonth, ResourceState, states_from_inventory
from vultr_core.history.retention import compact
from vultr_core.history.store import LONG_STATEMENT_TIMEOUT_MS, Connection, HistoryStore
from vultr_core.history.writer import Diff, apply_diff, diff_some, write_invoices
from vultr_core.simulator.instances import BARE_METAL_PRODUCT, PRODUCT_BY_PLAN_TYPE
from vultr_core.simulator.messages import JsonObject
from vultr_core.simulator.organisation import Organisation
from vultr_core.simulator.past import Past, organisation_past, parse_moment
from vultr_core.spend import costs
from vultr_core.spend.costs import Inventory

SOURCE = "demo-past"
SNAPSHOT_MINUTE = 5
HOUR = timedelta(hours=1)
# The simulator's products, in the categories the app uses; the rest is usage-based.
PRODUCT_CATEGORIES = {
    **dict.fromkeys(PRODUCT_BY_PLAN_TYPE.values(), costs.COMPUTE),
    BARE_METAL_PRODUCT: costs.BARE_METAL,
    "Managed Database": costs.DATABASES,
    "Kubernetes Engine": costs.KUBERNETES,
    "Block Storage": costs.BLOCK_STORAGE,
    "Object Storage": costs.OBJECT_STORAGE,
    "Snapshots": costs.SNAPSHOTS,
}
T = TypeVar("T")

_lock = threading.Lock()
_ready: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Replay:
    """What a replay wrote (nothing when the store already had history)."""

    replayed: bool
    snapshots: int = 0
    changes: int = 0


def snapshot_moments(past: Past) -> Iterator[datetime]:
    """Five past every hour from the window's start, up to the hour before ``past.now``."""
    moment = past.start + timedelta(minutes=SNAPSHOT_MINUTE)
    last_hour = past.now.replace(minute=0, second=0, microsecond=0)
    while moment < last_hour:
        yield moment
        moment += HOUR


def open_history_with_past(settings: Settings) -> HistoryStore:
    """The store the settings name, migrated; in demo mode, with the demo's past in it.

    Raises:
        VultrError: the store cannot be started, reached, migrated or written.
    """
    store = open_history(settings)
    if settings.demo_mode:
        ensure_demo_past(store, settings)
    return store


def ensure_demo_past(store: HistoryStore, settings: Settings) -> Replay:
    """Replay the demo organisation's past into ``store`` unless it has history already."""
    key = (store.where, store.schema)
    with _lock:
        if key in _ready:
            return Replay(False)
    organisation = demo_simulator(settings.demo_size).organisation
    replay = replay_past(store, organisation)
    with _lock:
        _ready.add(key)
    return replay


def replay_past(
    store: HistoryStore, organisation: Organisation, *, days: int | None = None
) -> Replay:
    """Write ``organisation``'s past (its last ``days`` days; default: its 90) into an empty
    store (waiting for, then skipping after, a replay another process is running)."""
    past = organisation_past(organisation, days)
    with store.connection(
        "replaying the demo's past", statement_timeout_ms=LONG_STATEMENT_TIMEOUT_MS
    ) as conn:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(store.schema, "snapshot"),))
            found = conn.execute("SELECT EXISTS (SELECT 1 FROM snapshots) AS found").fetchone()
            if found and found["found"]:
                return Replay(False)
            snapshots, changes = _write_past(conn, past, _Converter(organisation))
            write_invoices(conn, _invoices(organisation), past.now)
        compact(conn, past.now)
    return Replay(True, snapshots, changes)


class _Converter:
    """Objects as the API serves them → resource states, through the app's own pricing."""

    def __init__(self, organisation: Organisation) -> None:
        self.plans = [Plan.from_api(item) for item in organisation.plans]
        self.metal_plans = [MetalPlan.from_api(item) for item in organisation.metal_plans]
        self.database_plans = [DatabasePlan.from_api(i) for i in organisation.database_plans]

    def states(
        self, objects: Mapping[str, Sequence[JsonObject]], now: datetime
    ) -> dict[str, ResourceState]:
        def each(name: str, parse: Callable[[JsonObject], T]) -> tuple[T, ...]:
            return tuple(parse(item) for item in objects.get(name, ()))

        inventory = Inventory(
            instances=each("instances", Instance.from_api),
            plans=self.plans,
            bare_metals=each("bare_metals", BareMetal.from_api),
            metal_plans=self.metal_plans,
            databases=each("databases", Database.from_api),
            database_plans=self.database_plans,
            kubernetes_clusters=each("kubernetes_clusters", KubernetesCluster.from_api),
            block_storage=each("blocks", BlockStorage.from_api),
            object_storage=each("object_storages", ObjectStorage.from_api),
            snapshots=each("snapshots", Snapshot.from_api),
        )
        return states_from_inventory(inventory, now=now)


def resource_ids(collection: str, item: JsonObject) -> set[str]:
    """The resources one object bills as: a database and its replicas, a cluster's pools."""
    if collection == "databases":
        return {item["id"], *(replica["id"] for replica in item.get("read_replicas", []))}
    if collection == "kubernetes_clusters":
        return {pool["id"] for pool in item.get("node_pools", [])}
    return {item["id"]}


def _write_past(conn: Connection, past: Past, converter: _Converter) -> tuple[int, int]:
    moments = list(snapshot_moments(past))
    if not moments:
        return 0, 0
    first = moments[0]
    initial = past.objects_at(first)
    current: dict[str, ResourceState] = {}
    apply_diff(conn, first, Diff(tuple(converter.states(initial, first).values())),
               baseline=True, current=current)  # fmt: skip
    owned = {
        item["id"]: resource_ids(name, item) for name, items in initial.items() for item in items
    }
    pending = [change for change in past.object_changes if change.at > first]
    points: list[tuple[datetime, float, int, dict[str, float]]] = []
    changes = 0
    index = 0
    for moment in moments:
        hour_changes: dict[str, tuple[str, JsonObject | None]] = {}
        while index < len(pending) and pending[index].at <= moment:
            change = pending[index]
            hour_changes[change.object_id] = (change.collection, change.after)
            index += 1
        if hour_changes:
            changes += _apply_hour(conn, moment, hour_changes, owned, current, converter)
        charges = past.pending_at(moment)
        points.append((moment, charges.total_usd, len(current), _categories(charges.by_product)))
    _copy_points(conn, points)
    return len(points), changes


def _apply_hour(
    conn: Connection,
    moment: datetime,
    hour_changes: Mapping[str, tuple[str, JsonObject | None]],
    owned: dict[str, set[str]],
    current: dict[str, ResourceState],
    converter: _Converter,
) -> int:
    objects: dict[str, list[JsonObject]] = {}
    gone: set[str] = set()
    for object_id, (collection, after) in hour_changes.items():
        now_owned = set() if after is None else resource_ids(collection, after)
        gone |= owned.get(object_id, set()) - now_owned
        owned[object_id] = now_owned
        if after is not None:
            objects.setdefault(collection, []).append(after)
    diff = diff_some(current, converter.states(objects, moment), gone)
    apply_diff(conn, moment, diff, current=current)
    return diff.count


def _categories(by_product: Mapping[str, float]) -> dict[str, float]:
    """Pending charges by the app's categories; what no list price explains is usage-based."""
    categories: dict[str, float] = {}
    for product, usd in by_product.items():
        category = PRODUCT_CATEGORIES.get(product, costs.UNATTRIBUTED)
        categories[category] = round(categories.get(category, 0.0) + usd, 2)
    return categories


def _copy_points(
    conn: Connection, points: Sequence[tuple[datetime, float, int, dict[str, float]]]
) -> None:
    with conn.cursor() as cur:
        with cur.copy(
            "COPY snapshots (hour, taken_at, pending_total_usd, resource_count, source) FROM STDIN"
        ) as copy:
            for moment, total, count, _ in points:
                hour = moment.replace(minute=0, second=0, microsecond=0)
                copy.write_row((hour, moment, round(total, 2), count, SOURCE))
        with cur.copy(
            "COPY snapshot_categories (hour, category, month_to_date_usd) FROM STDIN"
        ) as copy:
            for moment, _, _, categories in points:
                hour = moment.replace(minute=0, second=0, microsecond=0)
                for name, usd in categories.items():
                    copy.write_row((hour, name, usd))


def _invoices(organisation: Organisation) -> list[InvoiceMonth]:
    months = []
    for invoice in organisation.ledger.invoices:
        issued = parse_moment(invoice["date"]).astimezone(UTC)
        billed = (issued - timedelta(days=1)).replace(day=1).date()
        months.append(InvoiceMonth(billed, float(invoice["amount"]), str(invoice["id"])))
    return months
