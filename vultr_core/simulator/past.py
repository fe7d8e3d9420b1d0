"""The demo organisation's last 90 days, hour by hour: what it looked like, what changed, and
what Vultr's pending charges said at any moment.

    past = organisation_past(simulator.organisation)
    past.objects_at(moment)      # every billed object as the API served it then
    past.object_changes          # each object's new shape from the moment it changed
    past.events                  # created / destroyed / resized / stopped / started / retagged
    past.pending_at(moment)      # the month's pending charges then, in total and by product

Today's organisation is the end of this past: every object as served now, with the stories of
``past_stories`` undone before they happened, and the objects they destroyed added back for the
time they lived. Charges follow the ledger's own rule (``billing.Charge``): whole hours started,
``monthly / cap`` each, up to the monthly price; usage lines (bandwidth, inference) accrue
evenly over their month. So ``pending_at(now)`` is the account's pending charges, and the last
moment of a past month is that month's invoice.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

from .generation import add_months, month_start
from .messages import JsonObject
from .past_stories import PastPlan, Story

if TYPE_CHECKING:
    from .organisation import Organisation

SECONDS_PER_HOUR = 3600
COLLECTIONS = (
    "instances",
    "bare_metals",
    "databases",
    "kubernetes_clusters",
    "blocks",
    "object_storages",
    "snapshots",
)
"""What the app records as resources: everything with a list price."""
_NESTED = {"databases": "read_replicas", "kubernetes_clusters": "node_pools"}


@dataclass(frozen=True)
class PastEvent:
    """A change a person would name, to one billed resource (a replica, a node pool)."""

    at: datetime
    kind: str
    collection: str
    resource_id: str
    story: str = ""


@dataclass(frozen=True)
class ObjectChange:
    """From ``at`` on, the top-level object ``object_id`` read as ``after`` (None: gone)."""

    at: datetime
    collection: str
    object_id: str
    after: JsonObject | None


@dataclass(frozen=True)
class PendingCharges:
    total_usd: float
    by_product: dict[str, float]


def parse_moment(text: str) -> datetime:
    """Vultr's two timestamp shapes: ISO with an offset, or bare ``YYYY-MM-DD HH:MM:SS`` UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass
class _Lifetime:
    collection: str
    base: JsonObject
    gone_at: datetime | None = None


@dataclass
class Past:
    """The organisation over ``[start, now]``; build it with ``organisation_past``."""

    start: datetime
    now: datetime
    plan: PastPlan
    lifetimes: list[_Lifetime]
    invoices: dict[datetime, float]
    object_changes: list[ObjectChange] = field(default_factory=list)
    events: list[PastEvent] = field(default_factory=list)
    billing: _Billing | None = field(default=None, repr=False)

    def object_at(self, life: _Lifetime, moment: datetime) -> JsonObject | None:
        """The object as served at ``moment``: None before its creation or after its end."""
        base = life.base
        if parse_moment(base["date_created"]) > moment:
            return None
        if life.gone_at is not None and moment >= life.gone_at:
            return None
        shaped = dict(base)
        nested = _NESTED.get(life.collection)
        if nested is not None:
            shaped[nested] = [
                copy.deepcopy(child)
                for child in base.get(nested, [])
                if parse_moment(child["date_created"]) <= moment
            ]
        for override in self.plan.overrides:
            if override.object_id == base["id"] and override.active_at(moment):
                shaped |= copy.deepcopy(override.fields)
        return shaped

    def objects_at(self, moment: datetime) -> dict[str, list[JsonObject]]:
        """Every billed object as the API would have served it at ``moment``."""
        found: dict[str, list[JsonObject]] = {name: [] for name in COLLECTIONS}
        for life in self.lifetimes:
            shaped = self.object_at(life, moment)
            if shaped is not None:
                found[life.collection].append(shaped)
        return found

    def pending_at(self, moment: datetime) -> PendingCharges:
        """This month's pending charges at ``moment``, as ``/v2/billing/pending-charges``
        would have added them up then."""
        if self.billing is None:
            self.billing = _billing_of(self)
        return self.billing.pending_at(moment)


def organisation_past(organisation: Organisation, days: int | None = None) -> Past:
    """The past of ``organisation`` over its last ``days`` days (default: the 90 its stories
    were chosen for; more for a benchmark's year), built on first use and kept on it."""
    plan = organisation.past_plan
    start = (
        plan.start
        if days is None
        else plan.now.replace(minute=0, second=0, microsecond=0) - timedelta(days=days)
    )
    cached = plan.built.get(f"past:{start.isoformat()}")
    if isinstance(cached, Past):
        return cached
    lifetimes = [
        _Lifetime(name, item) for name in COLLECTIONS for item in getattr(organisation, name)
    ]
    for name, items in plan.gone.items():
        lifetimes += [_Lifetime(name, item, gone_at) for item, gone_at in items]
    past = Past(
        start=start,
        now=plan.now,
        plan=plan,
        lifetimes=lifetimes,
        invoices=_invoice_months(organisation),
    )
    past.object_changes = sorted(_object_changes(past), key=lambda c: (c.at, c.object_id))
    past.events = sorted(_events(past), key=lambda e: (e.at, e.resource_id, e.kind))
    plan.built[f"past:{start.isoformat()}"] = past
    return past


def _invoice_months(organisation: Organisation) -> dict[datetime, float]:
    """Invoice amounts by the month they bill (an invoice on the 1st bills the month before)."""
    months = {}
    for invoice in organisation.ledger.invoices:
        issued = parse_moment(invoice["date"])
        months[add_months(issued, -1)] = float(invoice["amount"])
    return months


def _change_moments(past: Past, life: _Lifetime) -> set[datetime]:
    base = life.base
    moments = {parse_moment(base["date_created"])}
    nested = _NESTED.get(life.collection)
    if nested is not None:
        moments |= {parse_moment(child["date_created"]) for child in base.get(nested, [])}
    for override in past.plan.overrides:
        if override.object_id == base["id"]:
            moments |= {m for m in (override.start, override.end) if m is not None}
    if life.gone_at is not None:
        moments.add(life.gone_at)
    return {m for m in moments if past.start < m <= past.now}


def _object_changes(past: Past) -> Iterator[ObjectChange]:
    for life in past.lifetimes:
        before = past.object_at(life, past.start)
        for moment in sorted(_change_moments(past, life)):
            after = past.object_at(life, moment)
            if after != before:
                yield ObjectChange(moment, life.collection, life.base["id"], after)
            before = after


def _resources(life: _Lifetime) -> Iterator[tuple[str, datetime]]:
    """Each billed resource of a top-level object, with its creation: a database and its
    replicas, a cluster's node pools, or the object itself."""
    nested = _NESTED.get(life.collection)
    if life.collection == "databases":
        yield life.base["id"], parse_moment(life.base["date_created"])
    if nested is None:
        yield life.base["id"], parse_moment(life.base["date_created"])
        return
    for child in life.base.get(nested, []):
        yield child["id"], parse_moment(child["date_created"])


def _events(past: Past) -> Iterator[PastEvent]:
    """Creations seen in the window, then every story (whose own creations replace those)."""
    told = {(s.resource_id, s.kind): s for s in past.plan.stories}
    for life in past.lifetimes:
        for resource_id, created in _resources(life):
            if past.start < created <= past.now and (resource_id, "created") not in told:
                yield PastEvent(created, "created", life.collection, resource_id)
    for story in past.plan.stories:
        if past.start < story.at <= past.now:
            yield _event(story)


def _event(story: Story) -> PastEvent:
    return PastEvent(story.at, story.kind, story.collection, story.resource_id, story.name)


@dataclass(frozen=True)
class _Billing:
    """Every charge as arrays, so a moment's pending charges are a few vector operations."""

    created_s: np.ndarray
    ended_s: np.ndarray
    monthly_usd: np.ndarray
    cap_hours: np.ndarray
    quantity: np.ndarray
    product: np.ndarray
    products: tuple[str, ...]
    usage_by_month: dict[datetime, dict[str, float]]
    now: datetime

    def pending_at(self, moment: datetime) -> PendingCharges:
        start = month_start(moment)
        end_s = np.minimum(moment.timestamp(), self.ended_s)
        begin_s = np.maximum(self.created_s, start.timestamp())
        live = begin_s < end_s
        hours = np.where(live, np.maximum(1, np.ceil((end_s - begin_s) / SECONDS_PER_HOUR)), 0)
        # The ledger's own order of operations, so each line rounds to the same cent.
        billed = np.minimum(hours * (self.monthly_usd / self.cap_hours), self.monthly_usd)
        # Each line is rounded to the cent, as the ledger rounds it (half to even).
        lines = np.round(billed * self.quantity * 100) / 100
        totals = np.bincount(self.product, weights=lines, minlength=len(self.products))
        by_product = {name: float(usd) for name, usd in zip(self.products, totals, strict=True)}
        for product, usd in self._usage_at(moment, start).items():
            by_product[product] = by_product.get(product, 0.0) + usd
        rounded = {name: round(usd, 2) for name, usd in by_product.items() if usd}
        return PendingCharges(round(sum(by_product.values()), 2), rounded)

    def _usage_at(self, moment: datetime, start: datetime) -> dict[str, float]:
        """Usage accrues evenly over its month; this month's goes on at its pace so far, so
        a moment after ``now`` reads as the organisation staying as it is."""
        usage = self.usage_by_month.get(start, {})
        if start == month_start(self.now):
            elapsed = self.now - start
            share = (moment - start) / elapsed if elapsed.total_seconds() > 0 else 1.0
        else:
            share = min(1.0, (moment - start) / (add_months(start, 1) - start))
        return {product: usd * share for product, usd in usage.items()}


def _billing_of(past: Past) -> _Billing:
    charges = past.plan.charges
    products = tuple(sorted({charge.product for charge in charges}))
    index = {name: number for number, name in enumerate(products)}
    never = float("inf")
    return _Billing(
        created_s=np.array([c.created.timestamp() for c in charges], dtype=float),
        ended_s=np.array([c.ended.timestamp() if c.ended else never for c in charges]),
        monthly_usd=np.array([c.monthly_usd for c in charges], dtype=float),
        cap_hours=np.array([c.cap_hours for c in charges], dtype=float),
        quantity=np.array([c.quantity for c in charges], dtype=float),
        product=np.array([index[c.product] for c in charges], dtype=np.int64),
        products=products,
        usage_by_month=past.plan.usage_by_month,
        now=past.now,
    )
