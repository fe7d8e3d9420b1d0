"""What happened to the demo organisation over its last 90 days, chosen from the organisation.

``plan_past`` runs inside ``build_organisation`` before the ledger is priced: the stories that
change what Vultr bills (a resize, a deleted database, a day of batch GPUs) add their charges
to the ledger, so invoices, pending charges and the past agree. Each story picks its resource
from the organisation by a fixed rule and draws only from its own seeded generator, so the
rest of the organisation is unchanged by it.

Stories that change the bill all happen before the current month began (a month begins at
most 31 days ago): this month's pending charges are priced from today's inventory alone.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from .billing import GPU_HOURS_PER_BILLING_MONTH, Charge
from .catalog import DATABASE_PLAN_BY_ID, PLAN_BY_ID, InstancePlan
from .databases import DATABASE_PRODUCT, DatabaseFleet
from .generation import Generator, db_time, iso
from .instances import PRODUCT_BY_PLAN_TYPE, ROLES, Fleet
from .messages import JsonObject

PAST_DAYS = 90
HOUR = timedelta(hours=1)

GPU_MIN_AGE_DAYS = 14
"""A GPU left running: created at least two weeks ago and still there."""
GPU_LEFT_RUNNING_DAYS_AGO = 38
"""When the newest running GPU is said to have been created, if no GPU was created in the
window (the small organisation's only A100 is older)."""
RESIZE_DAYS_AGO = 60
SPIKE_DAYS_AGO = 52
SPIKE_START_HOUR = 8
SPIKE_HOURS = 10
SPIKE_EXTRA_SHARE = 0.8
"""The batch adds this share of an ordinary day's spend: the day reads about 1.8× the usual."""
DELETED_DATABASE_DAYS_AGO = 45
DELETED_DATABASE_AGE_DAYS = 200
WEEKEND_STOP_DAYS_AGO = 20
WEEKEND_START_DAYS_AGO = 17
STOPPED_DAYS_AGO = 5
RETAG_DAYS_AGO = 3
OLD_TEAM_TAG = "team:ml"
OLD_TEAM_TAG_FALLBACK = "team:research"
BATCH_TAGS = ("team:data", "batch")
_SECRET_WORDS = ("password", "certificate", "access_key", "access_cert", "credentials")


@dataclass(frozen=True)
class Override:
    """From ``start`` (None: always) until ``end`` (None: still) the object had ``fields``."""

    object_id: str
    fields: JsonObject
    start: datetime | None = None
    end: datetime | None = None

    def active_at(self, moment: datetime) -> bool:
        return (self.start is None or self.start <= moment) and (
            self.end is None or moment < self.end
        )


@dataclass(frozen=True)
class Story:
    """One thing a person would tell: ``kind`` happened to ``resource_id`` at ``at``."""

    name: str
    kind: str
    at: datetime
    collection: str
    resource_id: str


@dataclass
class PastPlan:
    """The stories, the overrides they put on today's objects, the objects that no longer
    exist (with when they went), and every charge the ledger bills."""

    start: datetime
    now: datetime
    charges: list[Charge]
    overrides: list[Override] = field(default_factory=list)
    gone: dict[str, list[tuple[JsonObject, datetime]]] = field(default_factory=dict)
    stories: list[Story] = field(default_factory=list)
    usage_by_month: dict[datetime, dict[str, float]] = field(default_factory=dict)
    # What past.py builds from the plan, kept so it is built once per organisation.
    built: dict[str, object] = field(default_factory=dict)


def usage_by_product(lines: Sequence[JsonObject]) -> dict[str, float]:
    """A month's usage lines (bandwidth, inference) totalled by product."""
    totals: dict[str, float] = {}
    for line in lines:
        totals[line["product"]] = totals.get(line["product"], 0.0) + float(line["total"])
    return totals


def day_at(now: datetime, days_ago: int, hour: int) -> datetime:
    """``hour`` o'clock UTC on the day ``days_ago`` days before ``now``."""
    day = (now - timedelta(days=days_ago)).replace(minute=0, second=0, microsecond=0)
    return day.replace(hour=hour)


def plan_past(
    gen: Generator,
    fleet: Fleet,
    databases: DatabaseFleet,
    charges: Sequence[Charge],
    days: int = PAST_DAYS,
) -> PastPlan:
    """Choose the stories of the last ``days`` days and adjust ``fleet`` and the charges."""
    now = gen.now
    plan = PastPlan(
        start=now.replace(minute=0, second=0, microsecond=0) - timedelta(days=days),
        now=now,
        charges=list(charges),
    )
    if not fleet.instances:
        return plan
    used: set[str] = set()
    _gpu_left_running(plan, fleet, used)
    _resize(plan, fleet, used)
    _deleted_database(gen, plan, databases)
    _spike(gen, plan, fleet)
    _weekend_off(plan, fleet, used)
    _stopped_but_billed(plan, fleet, used)
    _retag(plan, fleet, used)
    fleet.instances.sort(key=lambda instance: instance["date_created"])
    plan.stories.sort(key=lambda story: (story.at, story.resource_id))
    return plan


def _created(instance: JsonObject) -> datetime:
    return datetime.fromisoformat(instance["date_created"])


def _plan(instance: JsonObject) -> InstancePlan:
    return PLAN_BY_ID[instance["plan"]]


def _instance_charge_index(plan: PastPlan, instance: JsonObject) -> int:
    description = f"{instance['main_ip']} ({instance['ram']} MB) [{instance['label']}]"
    return next(i for i, c in enumerate(plan.charges) if c.description == description)


def _pick(
    fleet: Fleet, used: set[str], wanted: Callable[[JsonObject], bool], prefer: tuple[str, ...]
) -> JsonObject | None:
    """The first instance (by preferred role, then label) that ``wanted`` accepts."""
    rank = {role: index for index, role in enumerate(prefer)}
    candidates = [i for i in fleet.instances if i["id"] not in used and wanted(i)]
    candidates.sort(key=lambda i: (rank.get(fleet.roles[i["id"]], len(rank)), i["label"]))
    if not candidates:
        return None
    used.add(candidates[0]["id"])
    return candidates[0]


def _gpu_left_running(plan: PastPlan, fleet: Fleet, used: set[str]) -> None:
    """The newest running GPU created in the window (at least two weeks ago); failing that,
    the newest running GPU, whose creation moves into the window."""
    gpus = [
        i
        for i in fleet.instances
        if _plan(i).is_gpu and i["power_status"] == "running" and i["status"] == "active"
    ]
    if not gpus:
        return
    old_enough = plan.now - timedelta(days=GPU_MIN_AGE_DAYS)
    in_window = [i for i in gpus if plan.start < _created(i) <= old_enough]
    if in_window:
        chosen = max(in_window, key=_created)
    else:
        chosen = max(gpus, key=_created)
        moved = day_at(plan.now, GPU_LEFT_RUNNING_DAYS_AGO, 10)
        index = _instance_charge_index(plan, chosen)
        chosen["date_created"] = iso(moved)
        plan.charges[index] = replace(plan.charges[index], created=moved)
    used.add(chosen["id"])
    plan.stories.append(
        Story("gpu-left-running", "created", _created(chosen), "instances", chosen["id"])
    )


def _smaller_plan(instance: JsonObject, role_plans: Sequence[str]) -> InstancePlan | None:
    current = _plan(instance)
    cheaper = [
        PLAN_BY_ID[p]
        for p in role_plans
        if PLAN_BY_ID[p].monthly_cost < current.monthly_cost
        and PLAN_BY_ID[p].type == current.type
        and instance["region"] in PLAN_BY_ID[p].locations
    ]
    return max(cheaper, key=lambda p: p.monthly_cost) if cheaper else None


def _resize(plan: PastPlan, fleet: Fleet, used: set[str]) -> None:
    """An instance that was one plan smaller until it was resized."""
    role_plans = {role.name: role.plans for role in ROLES}
    before = plan.start - timedelta(days=1)

    def resizable(instance: JsonObject) -> bool:
        smaller = _smaller_plan(instance, role_plans[fleet.roles[instance["id"]]])
        return smaller is not None and _created(instance) < before

    chosen = _pick(fleet, used, resizable, ("api", "worker", "web"))
    if chosen is None:
        return
    old = _smaller_plan(chosen, role_plans[fleet.roles[chosen["id"]]])
    assert old is not None
    at = day_at(plan.now, RESIZE_DAYS_AGO, 14)
    index = _instance_charge_index(plan, chosen)
    current = plan.charges[index]
    plan.charges[index] = replace(current, created=at)
    plan.charges.append(
        replace(
            current,
            description=f"{chosen['main_ip']} ({old.ram_mb} MB) [{chosen['label']}]",
            product=PRODUCT_BY_PLAN_TYPE[old.type],
            monthly_usd=old.monthly_cost,
            ended=at,
        )
    )
    fields = {
        "plan": old.id,
        "ram": old.ram_mb,
        "vcpu_count": old.vcpu_count,
        "disk": old.disk_gb,
        "allowed_bandwidth": old.bandwidth_gb,
    }
    plan.overrides.append(Override(chosen["id"], fields, end=at))
    plan.stories.append(Story("resize", "resized", at, "instances", chosen["id"]))


def _without_secrets(value: JsonObject) -> JsonObject:
    return {
        key: item for key, item in value.items() if not any(word in key for word in _SECRET_WORDS)
    }


def _deleted_database(gen: Generator, plan: PastPlan, databases: DatabaseFleet) -> None:
    """A database that ran for months and was deleted in the window."""
    if not databases.databases:
        return
    template = databases.databases[0]
    created = day_at(plan.now, DELETED_DATABASE_AGE_DAYS, 9)
    deleted = day_at(plan.now, DELETED_DATABASE_DAYS_AGO, 16)
    label = f"reports-{template['database_engine']}"
    database = _without_secrets(copy.deepcopy(template))
    database |= {
        "id": gen.uuid(),
        "label": label,
        "tag": "team:data",
        "date_created": db_time(created),
        "read_replicas": [],
        "pending_charges": 0,
    }
    monthly = DATABASE_PLAN_BY_ID[database["plan"]].monthly_cost
    plan.charges.append(
        Charge(
            f"Managed Database ({label})",
            DATABASE_PRODUCT,
            monthly,
            created,
            owner=database["id"],
            ended=deleted,
        )
    )
    plan.gone.setdefault("databases", []).append((database, deleted))
    plan.stories.append(
        Story("deleted-database", "destroyed", deleted, "databases", database["id"])
    )


def _ordinary_day_usd(charges: Sequence[Charge], moment: datetime) -> float:
    """What a day of the charges running at ``moment`` costs, caps aside."""
    return sum(
        charge.monthly_usd / charge.cap_hours * charge.quantity * 24
        for charge in charges
        if charge.created <= moment and (charge.ended is None or charge.ended > moment)
    )


def _spike(gen: Generator, plan: PastPlan, fleet: Fleet) -> None:
    """A day of batch GPUs: created at 08:00, destroyed ten hours later."""
    gpu = max((p for p in PLAN_BY_ID.values() if p.is_gpu), key=lambda p: p.monthly_cost)
    start = day_at(plan.now, SPIKE_DAYS_AGO, SPIKE_START_HOUR)
    end = start + SPIKE_HOURS * HOUR
    one_usd = gpu.monthly_cost / GPU_HOURS_PER_BILLING_MONTH * SPIKE_HOURS
    count = max(1, math.ceil(SPIKE_EXTRA_SHARE * _ordinary_day_usd(plan.charges, start) / one_usd))
    template = _without_secrets(fleet.instances[0])
    region = "ewr" if "ewr" in gpu.locations else gpu.locations[0]
    for number in range(1, count + 1):
        label = f"batch-gpu-{number}"
        main_ip = gen.ipv4()
        instance = {
            **copy.deepcopy(template),
            "id": gen.uuid(),
            "label": label,
            "hostname": label,
            "plan": gpu.id,
            "ram": gpu.ram_mb,
            "vcpu_count": gpu.vcpu_count,
            "disk": gpu.disk_gb,
            "allowed_bandwidth": gpu.bandwidth_gb,
            "region": region,
            "main_ip": main_ip,
            "date_created": iso(start),
            "status": "active",
            "power_status": "running",
            "server_status": "ok",
            "tags": list(BATCH_TAGS),
        }
        plan.charges.append(
            Charge(
                f"{main_ip} ({gpu.ram_mb} MB) [{label}]",
                PRODUCT_BY_PLAN_TYPE[gpu.type],
                gpu.monthly_cost,
                start,
                cap_hours=GPU_HOURS_PER_BILLING_MONTH,
                ended=end,
            )
        )
        plan.gone.setdefault("instances", []).append((instance, end))
        plan.stories.append(Story("spike", "created", start, "instances", instance["id"]))
        plan.stories.append(Story("spike", "destroyed", end, "instances", instance["id"]))


def _old_and(plan: PastPlan, test: Callable[[JsonObject], bool]) -> Callable[[JsonObject], bool]:
    return lambda i: _created(i) < plan.start and i["status"] == "active" and test(i)


def _weekend_off(plan: PastPlan, fleet: Fleet, used: set[str]) -> None:
    """A staging machine switched off on a Friday evening and on again on Monday morning."""
    chosen = _pick(
        fleet,
        used,
        _old_and(plan, lambda i: i["power_status"] == "running" and not _plan(i).is_gpu),
        ("staging-web", "staging-api", "dev"),
    )
    if chosen is None:
        return
    stop, start = (
        day_at(plan.now, WEEKEND_STOP_DAYS_AGO, 18),
        day_at(plan.now, WEEKEND_START_DAYS_AGO, 8),
    )
    plan.overrides.append(Override(chosen["id"], {"power_status": "stopped"}, stop, start))
    plan.stories.append(Story("weekend-off", "stopped", stop, "instances", chosen["id"]))
    plan.stories.append(Story("weekend-off", "started", start, "instances", chosen["id"]))


def _stopped_but_billed(plan: PastPlan, fleet: Fleet, used: set[str]) -> None:
    """An instance stopped a few days ago: Vultr still bills it in full."""
    chosen = _pick(
        fleet,
        used,
        _old_and(plan, lambda i: i["power_status"] == "stopped"),
        ("ml-batch", "worker", "staging-web", "staging-api", "dev"),
    )
    if chosen is None:
        return
    at = day_at(plan.now, STOPPED_DAYS_AGO, 19)
    plan.overrides.append(Override(chosen["id"], {"power_status": "running"}, end=at))
    plan.stories.append(Story("stopped-but-billed", "stopped", at, "instances", chosen["id"]))


def _retag(plan: PastPlan, fleet: Fleet, used: set[str]) -> None:
    """An instance moved to another team: its team tag changed."""
    chosen = _pick(
        fleet,
        used,
        _old_and(plan, lambda i: any(tag.startswith("team:") for tag in i["tags"])),
        ("worker", "etl", "api"),
    )
    if chosen is None:
        return
    old_tag = OLD_TEAM_TAG if OLD_TEAM_TAG not in chosen["tags"] else OLD_TEAM_TAG_FALLBACK
    old_tags = [old_tag if tag.startswith("team:") else tag for tag in chosen["tags"]]
    at = day_at(plan.now, RETAG_DAYS_AGO, 11)
    plan.overrides.append(Override(chosen["id"], {"tags": old_tags}, end=at))
    plan.stories.append(Story("retag", "retagged", at, "instances", chosen["id"]))
