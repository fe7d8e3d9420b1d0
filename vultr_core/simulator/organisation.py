"""The demo organisation: a deterministic Vultr account for a small software team.

`build_organisation(size, seed, now)` is a pure function: every section draws from its own
seeded `random.Random` (never the global one), so adding resources to one section cannot shift
another, and the same (size, seed, now) always yields the same bytes on the wire.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from . import catalog
from .billing import (
    HOURS_PER_BILLING_MONTH,
    SECONDS_PER_HOUR,
    Ledger,
    Period,
    billing_month,
    build_ledger,
)
from .database_extras import DatabaseExtras
from .databases import build_databases
from .estate import Estate
from .generation import Generator, SecretMaker, add_months, money, month_start
from .inference_usage import INFERENCE_PRODUCT, Subscription, build_subscriptions
from .instances import INBOUND_SHARE, build_fleet
from .kubernetes import build_kubernetes
from .messages import JsonObject
from .networking import build_load_balancers, build_reserved_ips
from .past_stories import PastPlan, plan_past, usage_by_product
from .registries import build_registries
from .storage import build_blocks, build_object_storage, build_snapshots

ACCOUNT_NAME = "Northwind Labs"
ACCOUNT_EMAIL = "ops@northwind-labs.example"
TEAM_SLUG = "northwind"
ACCOUNT_ACLS = (
    "manage_users", "subscriptions_view", "subscriptions", "billing", "support", "provisioning",
    "dns", "abuse", "upgrade", "firewall", "alerts", "objstore", "loadbalancer",
)  # fmt: skip

FREE_BANDWIDTH_GB = 2048
"""Account-wide free outbound transfer per month (vultr-api.md 2.2 example)."""
OVERAGE_USD_PER_GB = 0.01
MONTHLY_OVERAGE_GB = (40, 400)
TOKENS_PER_UNIT = 1_000_000


@dataclass(frozen=True)
class SizeProfile:
    """How many of each thing an organisation size has."""

    instances: int
    databases: int
    invoices: int
    history_months: int
    bare_metals: int
    kubernetes_clusters: int
    blocks: int
    object_storages: int
    load_balancers: int
    snapshots: int
    reserved_ips: int
    registries: int
    inference_subscriptions: int


SIZES: dict[str, SizeProfile] = {
    "empty": SizeProfile(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    "small": SizeProfile(30, 9, 12, 12, 2, 2, 6, 2, 2, 6, 4, 1, 2),
    "large": SizeProfile(2000, 200, 24, 12, 20, 20, 300, 10, 30, 150, 100, 3, 2),
}


@dataclass
class Organisation:
    """The generated account, in API shape (JSON-ready dicts), plus the indexes routes need.

    `subids` holds Vultr's numeric subscription id of each resource: it never appears in a body,
    but cursors carry it (`next__1319815`), as they do on the real API.
    """

    size: str
    now: datetime
    account: JsonObject
    bandwidth: JsonObject
    regions: list[JsonObject]
    plans: list[JsonObject]
    windows_plan_ids: frozenset[str]
    metal_plans: list[JsonObject]
    database_plans: list[JsonObject]
    instances: list[JsonObject]
    bare_metals: list[JsonObject]
    databases: list[JsonObject]
    database_extras: dict[str, DatabaseExtras]
    kubernetes_clusters: list[JsonObject]
    blocks: list[JsonObject]
    object_storages: list[JsonObject]
    load_balancers: list[JsonObject]
    snapshots: list[JsonObject]
    reserved_ips: list[JsonObject]
    registries: list[JsonObject]
    inference_subscriptions: list[Subscription]
    ledger: Ledger
    past_plan: PastPlan
    subids: dict[str, int] = field(default_factory=dict)

    @property
    def pending_charges(self) -> list[JsonObject]:
        return self.ledger.pending_charges


def build_organisation(
    size: str, seed: int, now: datetime | None = None, secret_sentinel: str | None = None
) -> Organisation:
    """Generate the organisation of `size` ("empty", "small" or "large") around `now` (UTC)."""
    if size not in SIZES:
        raise ValueError(f"unknown organisation size {size!r}; expected one of {sorted(SIZES)}")
    profile = SIZES[size]
    moment = _utc(now or datetime.now(UTC)).replace(microsecond=0)

    def section(name: str) -> Generator:
        return Generator(f"{seed}:{size}:{name}", moment)

    secrets = SecretMaker(section("secrets"), secret_sentinel)
    fleet = build_fleet(section("instances"), secrets, profile.instances, profile.bare_metals)
    dbs = build_databases(section("databases"), secrets, profile.databases)
    estate = Estate()
    gen = section("estate")
    build_blocks(gen, estate, profile.blocks, fleet.instances)
    build_snapshots(gen, estate, profile.snapshots, fleet.instances)
    build_reserved_ips(gen, estate, profile.reserved_ips, fleet.instances)
    build_load_balancers(gen, estate, profile.load_balancers, fleet.instances, fleet.roles)
    build_kubernetes(gen, estate, profile.kubernetes_clusters)
    build_object_storage(gen, secrets, estate, profile.object_storages)
    build_registries(gen, secrets, estate, profile.registries, TEAM_SLUG)
    subscriptions = build_subscriptions(
        section("inference"), secrets, profile.inference_subscriptions, profile.invoices
    )
    overage_gb = _overage_by_month(section("usage"), bool(fleet.instances), profile.invoices)
    usage_lines = [
        _usage_lines(billing_month(moment, k), overage_gb[k], subscriptions, k)
        for k in range(profile.invoices + 1)
    ]
    # The last 90 days (past.py): its stories may add charges, so it comes before the ledger.
    past = plan_past(section("past"), fleet, dbs, fleet.charges + dbs.charges + estate.charges)
    past.usage_by_month = {
        billing_month(moment, k).start: usage_by_product(lines)
        for k, lines in enumerate(usage_lines)
    }
    ledger = build_ledger(
        section("billing"),
        past.charges,
        usage_lines,
        profile.invoices,
        profile.history_months,
    )
    _fill_pending_charges(ledger, dbs.databases, estate)
    organisation = Organisation(
        size=size,
        now=moment,
        account={
            "name": ACCOUNT_NAME,
            "email": ACCOUNT_EMAIL,
            "acls": list(ACCOUNT_ACLS),
            "balance": ledger.balance,
            "pending_charges": ledger.pending_total,
            "last_payment_date": ledger.last_payment_date,
            "last_payment_amount": ledger.last_payment_amount,
        },
        bandwidth=_bandwidth(moment, fleet.instances, overage_gb),
        regions=catalog.regions(),
        plans=[plan.as_json() for plan in catalog.INSTANCE_PLANS],
        windows_plan_ids=frozenset(plan.id for plan in catalog.INSTANCE_PLANS if plan.windows),
        metal_plans=[plan.as_json() for plan in catalog.METAL_PLANS],
        database_plans=[plan.as_json() for plan in catalog.DATABASE_PLANS],
        instances=fleet.instances,
        bare_metals=_by_creation(fleet.bare_metals),
        databases=dbs.databases,
        database_extras=dbs.extras,
        kubernetes_clusters=_by_creation(estate.kubernetes_clusters),
        blocks=_by_creation(estate.blocks),
        object_storages=_by_creation(estate.object_storages),
        load_balancers=_by_creation(estate.load_balancers),
        snapshots=_by_creation(estate.snapshots),
        reserved_ips=estate.reserved_ips,
        registries=estate.registries,
        inference_subscriptions=subscriptions,
        ledger=ledger,
        past_plan=past,
    )
    _assign_subids(section("subids"), organisation)
    return organisation


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC (Vultr's clock), not as local time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _by_creation(items: list[JsonObject]) -> list[JsonObject]:
    """Vultr lists subscriptions in the order they were created (ascending SUBID)."""
    return sorted(items, key=lambda item: item["date_created"])


def _assign_subids(gen: Generator, organisation: Organisation) -> None:
    subid = gen.rng.randint(1_000_000, 1_500_000)
    collections = (
        organisation.instances,
        organisation.bare_metals,
        organisation.blocks,
        organisation.load_balancers,
        organisation.kubernetes_clusters,
        organisation.object_storages,
        organisation.reserved_ips,
        organisation.snapshots,
        organisation.registries,
    )
    for collection in collections:
        for item in collection:
            subid += gen.rng.randint(1, 97)
            organisation.subids[item["id"]] = subid


def _fill_pending_charges(ledger: Ledger, databases: list[JsonObject], estate: Estate) -> None:
    """Per-resource `pending_charges` are the totals of their own pending line items."""
    owed = ledger.pending_by_owner
    for database in databases:
        database["pending_charges"] = owed.get(database["id"], 0)
        for replica in database["read_replicas"]:
            replica["pending_charges"] = owed.get(replica["id"], 0)
    for block in estate.blocks:
        block["pending_charges"] = owed.get(block["id"], 0)
    for registry in estate.registries:
        registry["metadata"]["subscription"]["billing"]["pending_charges"] = owed.get(
            registry["id"], 0
        )


def _usage_lines(
    period: Period, overage_gb: int, subscriptions: list[Subscription], months_ago: int
) -> list[JsonObject]:
    lines = []
    if overage_gb > 0:
        lines.append(
            period.usage_line(
                "Bandwidth Overage", "Bandwidth", overage_gb, "overage", OVERAGE_USD_PER_GB
            )
        )
    for subscription in subscriptions:
        if subscription.created >= period.end:
            continue
        models = subscription.month(months_ago)
        tokens = sum(m.input_tokens + m.output_tokens for m in models)
        cost = sum(m.input_cost_usd + m.output_cost_usd for m in models)
        units = round(tokens / TOKENS_PER_UNIT, 2)
        if units > 0:
            description = f"Serverless Inference ({subscription.json['label']})"
            lines.append(
                period.usage_line(
                    description, INFERENCE_PRODUCT, units, "1M tokens", round(cost / units, 4)
                )
            )
    return lines


def _overage_by_month(gen: Generator, busy: bool, invoices: int) -> list[int]:
    """Outbound GB over the free allowance, per month back from now (0 = month to date).

    The team serves downloads, so a busy account always runs a little over its credits.
    """
    months = max(2, invoices + 1)  # account bandwidth always shows the previous month
    overage = [gen.rng.randint(*MONTHLY_OVERAGE_GB) if busy else 0 for _ in range(months)]
    overage[0] = round(overage[0] * _elapsed_share(gen.now))
    return overage


def _elapsed_share(now: datetime) -> float:
    """How much of the current calendar month has passed."""
    start, end = month_start(now), add_months(now, 1)
    return (now - start).total_seconds() / (end - start).total_seconds()


def _bandwidth(now: datetime, instances: list[JsonObject], overage_gb: list[int]) -> JsonObject:
    """`/v2/account/bandwidth`: transfer, credits and overage for three periods (epoch strings)."""
    this_month = month_start(now)
    previous = _bandwidth_period(instances, Period(add_months(now, -1), this_month), overage_gb[1])
    to_date = _bandwidth_period(instances, Period(this_month, now), overage_gb[0])
    share = _elapsed_share(now)
    projected_overage = round(overage_gb[0] / share) if share > 0 else 0
    projected = _bandwidth_period(
        instances, Period(this_month, add_months(now, 1)), projected_overage
    )
    return {
        "bandwidth": {
            "previous_month": previous,
            "current_month_to_date": to_date,
            "current_month_projected": projected,
        }
    }


def _bandwidth_period(instances: list[JsonObject], period: Period, overage_gb: int) -> JsonObject:
    hours = 0
    count = 0
    credits = 0.0
    for instance in instances:
        created = datetime.fromisoformat(instance["date_created"])
        begin = max(created, period.start)
        if begin >= period.end:
            continue
        instance_hours = math.ceil((period.end - begin).total_seconds() / SECONDS_PER_HOUR)
        hours += instance_hours
        count += 1
        credits += (
            instance["allowed_bandwidth"]
            * min(instance_hours, HOURS_PER_BILLING_MONTH)
            / HOURS_PER_BILLING_MONTH
        )
    gb_out = int(credits) + FREE_BANDWIDTH_GB + overage_gb if count else 0
    return {
        "timestamp_start": str(int(period.start.timestamp())),
        "timestamp_end": str(int(period.end.timestamp())),
        "gb_in": round(gb_out * INBOUND_SHARE),
        "gb_out": gb_out,
        "total_instance_hours": hours,
        "total_instance_count": count,
        "instance_bandwidth_credits": int(credits),
        "free_bandwidth_credits": FREE_BANDWIDTH_GB,
        "purchased_bandwidth_credits": 0,
        "overage": overage_gb,
        "overage_unit_cost": OVERAGE_USD_PER_GB,
        "overage_cost": money(overage_gb * OVERAGE_USD_PER_GB),
    }
