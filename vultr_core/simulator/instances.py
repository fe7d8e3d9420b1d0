"""Compute instances and bare-metal servers of the demo organisation.

A small software team: web, API and worker fleets across a handful of regions, a few utility boxes
(bastions, VPN, CI runners), staging and dev machines (some stopped, still billing) and two GPU
machines. The role table below is the small organisation; larger sizes scale its counts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from .billing import GPU_HOURS_PER_BILLING_MONTH, HOURS_PER_BILLING_MONTH, Charge
from .catalog import METAL_PLAN_BY_ID, PLAN_BY_ID
from .estate import GIB_BYTES
from .generation import Generator, SecretMaker, iso, month_start
from .messages import JsonObject

MAX_AGE_DAYS = 730
"""The organisation is about two years old."""
DEPLOYING_AGE = timedelta(minutes=5)
"""The newest instance is still deploying, so it still shows its `default_password`."""
CREATED_THIS_MONTH_SHARE = 0.05
MIN_CREATED_THIS_MONTH = 3
IPV6_SHARE = 0.6
INBOUND_SHARE = 0.3
"""Inbound traffic as a share of outbound: the team serves more than it fetches."""
SENT_SHARE_OF_ALLOWANCE = (0.05, 0.6)
"""How much of its monthly transfer allowance a server sends: drawn once per server."""
DAILY_JITTER = (0.6, 1.4)
SECONDS_PER_DAY = 86_400

UBUNTU_2404 = ("Ubuntu 24.04 LTS x64", 2284)
UBUNTU_2204 = ("Ubuntu 22.04 LTS x64", 1743)
DEBIAN_12 = ("Debian 12 x64 (bookworm)", 2136)
ROCKY_9 = ("Rocky Linux 9 x64", 1869)

PRODUCT_BY_PLAN_TYPE = {
    "vc2": "Vultr Cloud Compute",
    "vhf": "Vultr High Frequency Compute",
    "vhp": "Vultr High Performance Compute",
    "vdc": "Vultr Dedicated Cloud",
    "voc-g": "Vultr Optimized Cloud Compute",
    "voc-c": "Vultr Optimized Cloud Compute",
    "voc-m": "Vultr Optimized Cloud Compute",
    "voc-s": "Vultr Optimized Cloud Compute",
    "vcg": "Vultr Cloud GPU",
}
BARE_METAL_PRODUCT = "Vultr Bare Metal"


@dataclass(frozen=True)
class Role:
    """A kind of machine the team runs; `small_count` is how many the small organisation has."""

    name: str
    small_count: int
    plans: tuple[str, ...]
    regions: tuple[str, ...]
    tags: tuple[str, ...]
    firewall: str = ""
    stopped_share: float = 0.0
    systems: tuple[tuple[str, int], ...] = (UBUNTU_2404, UBUNTU_2204)
    private: bool = True


ROLES: tuple[Role, ...] = (
    Role("web", 5, ("vhf-1c-2gb", "vhf-2c-4gb", "vc2-2c-4gb"),
         ("ewr", "ams", "sjc", "sgp", "syd", "lhr"), ("prod", "team:web"), "web"),
    Role("api", 4, ("vhp-2c-4gb-amd", "vhp-4c-8gb-amd"), ("ewr", "ord", "fra", "nrt"),
         ("prod", "team:platform"), "internal"),
    Role("worker", 4, ("vc2-2c-4gb", "voc-c-2c-4gb-50s", "vc2-4c-8gb"), ("ord", "ewr", "ams"),
         ("prod", "team:data"), "internal", 0.25),
    Role("etl", 1, ("voc-m-2c-16gb-50s",), ("ord",), ("prod", "team:data"), "internal"),
    Role("cron", 1, ("vc2-1c-1gb",), ("ewr",), ("prod",), "internal", systems=(DEBIAN_12,)),
    Role("bastion", 2, ("vc2-1c-0.5gb", "vc2-1c-1gb"), ("ewr", "ams"), (), "bastion",
         systems=(DEBIAN_12,), private=False),
    Role("vpn", 1, ("vc2-1c-1gb",), ("fra",), (), systems=(DEBIAN_12,), private=False),
    Role("mail", 1, ("vc2-1c-2gb",), ("ewr",), (), systems=(ROCKY_9,), private=False),
    Role("monitor", 1, ("vc2-2c-4gb",), ("sjc",), ("prod", "team:platform"), "internal"),
    Role("ci-runner", 2, ("voc-g-4c-16gb-80s", "vhf-3c-8gb"), ("ewr",), ("team:platform",)),
    Role("staging-web", 2, ("vc2-1c-2gb",), ("ewr", "ams"), ("staging", "team:web"), "web", 0.5),
    Role("staging-api", 2, ("vc2-2c-4gb",), ("ewr",), ("staging", "team:platform"), "internal",
         0.5),
    Role("dev", 2, ("vc2-1c-1gb", "vc2-1c-2gb"), ("lhr", "syd"), ("dev",), stopped_share=0.5,
         private=False),
    Role("gpu-trainer", 1, ("vcg-a100-1c-6g-4vram",), ("ewr",), ("team:data",),
         systems=(UBUNTU_2204,)),
    Role("ml-batch", 1, ("vcg-a16-2c-8g-2vram",), ("ord",), ("team:data",), stopped_share=1.0,
         systems=(UBUNTU_2204,)),
)  # fmt: skip

FIREWALL_GROUPS = ("web", "internal", "bastion")


def scaled_counts(total: int) -> list[int]:
    """Each role's count for an organisation of `total` instances (largest remainder)."""
    base = sum(role.small_count for role in ROLES)
    exact = [role.small_count * total / base for role in ROLES]
    counts = [int(value) for value in exact]
    by_remainder = sorted(range(len(ROLES)), key=lambda i: (counts[i] - exact[i], i))
    for index in by_remainder[: total - sum(counts)]:
        counts[index] += 1
    return counts


@dataclass
class Fleet:
    """What the instance builder produces; `roles` maps instance id to its role name."""

    instances: list[JsonObject]
    bare_metals: list[JsonObject]
    roles: dict[str, str]
    charges: list[Charge]


@dataclass
class _Draft:
    """An instance decided on but not yet generated."""

    created: datetime
    role: Role
    deploying: bool = False
    stopped: bool = False


def build_fleet(gen: Generator, secrets: SecretMaker, instances: int, bare_metals: int) -> Fleet:
    firewall_groups = {name: gen.uuid() for name in FIREWALL_GROUPS}
    fleet = Fleet([], [], {}, [])
    planned = [
        _Draft(gen.days_ago(1, MAX_AGE_DAYS), role)
        for role, count in zip(ROLES, scaled_counts(instances), strict=True)
        for _ in range(count)
    ]
    if planned:
        recent = max(MIN_CREATED_THIS_MONTH, round(len(planned) * CREATED_THIS_MONTH_SHARE))
        for index in gen.rng.sample(range(len(planned)), min(recent, len(planned))):
            planned[index].created = gen.between(month_start(gen.now), gen.now)
        newest = gen.rng.choice(planned)
        newest.created, newest.deploying = gen.now - DEPLOYING_AGE, True
    _choose_stopped(gen, planned)
    planned.sort(key=lambda draft: draft.created)
    numbers: dict[str, int] = {}
    for draft in planned:
        numbers[draft.role.name] = numbers.get(draft.role.name, 0) + 1
        label = f"{draft.role.name}-{numbers[draft.role.name]}"
        instance = _instance(gen, secrets, draft, label, firewall_groups)
        fleet.instances.append(instance)
        fleet.roles[instance["id"]] = draft.role.name
        fleet.charges.append(_instance_charge(instance, draft.created))
    for number in range(1, bare_metals + 1):
        metal, created = _bare_metal(gen, number)
        fleet.bare_metals.append(metal)
        fleet.charges.append(
            Charge(
                f"{metal['main_ip']} ({metal['ram']}) [{metal['label']}]",
                BARE_METAL_PRODUCT,
                METAL_PLAN_BY_ID[metal["plan"]].monthly_cost,
                created,
            )
        )
    return fleet


def _choose_stopped(gen: Generator, planned: list[_Draft]) -> None:
    """Stop a fixed share of each role (still billing), never the machine still deploying."""
    for role in ROLES:
        candidates = [draft for draft in planned if draft.role is role and not draft.deploying]
        for draft in gen.rng.sample(candidates, round(len(candidates) * role.stopped_share)):
            draft.stopped = True


def _instance(
    gen: Generator, secrets: SecretMaker, draft: _Draft, label: str, firewall_groups: dict[str, str]
) -> JsonObject:
    role, created, deploying = draft.role, draft.created, draft.deploying
    plan = PLAN_BY_ID[gen.rng.choice(role.plans)]
    region = gen.rng.choice([r for r in role.regions if r in plan.locations])
    os_name, os_id = gen.rng.choice(role.systems)
    main_ip = gen.ipv4()
    has_ipv6 = gen.rng.random() < IPV6_SHARE
    v6_network = gen.ipv6_network() if has_ipv6 else ""
    features = ["ddos_protection"] if "prod" in role.tags and role.firewall == "web" else []
    if has_ipv6:
        features.append("ipv6")
    if "prod" in role.tags:
        features.append("auto_backups")
    instance: JsonObject = {
        "id": gen.uuid(),
        "os": os_name,
        "ram": plan.ram_mb,
        "disk": plan.disk_gb,
        "main_ip": main_ip,
        "vcpu_count": plan.vcpu_count,
        "region": region,
        "plan": plan.id,
        "date_created": iso(created),
    }
    password = secrets.password(length=15)
    if deploying:
        instance["default_password"] = password
    instance |= {
        "status": "pending" if deploying else "active",
        "allowed_bandwidth": plan.bandwidth_gb,
        "netmask_v4": "255.255.254.0",
        "gateway_v4": main_ip.rsplit(".", 1)[0] + ".1",
        "power_status": "stopped" if draft.stopped else "running",
        "server_status": "installingbooting" if deploying else "ok",
        "v6_network": v6_network,
        "v6_main_ip": f"{v6_network}5400:5ff:fe{gen.hex(2)}:{gen.hex(4)}" if has_ipv6 else "",
        "v6_network_size": 64 if has_ipv6 else 0,
        "label": label,
        "internal_ip": gen.private_ipv4() if role.private else "",
        "kvm": f"https://my.vultr.com/subs/vps/novnc/api.php?data={gen.hex(40)}",
        "hostname": label,
        "os_id": os_id,
        "app_id": 0,
        "image_id": "",
        "snapshot_id": "",
        "firewall_group_id": firewall_groups.get(role.firewall, ""),
        "features": features,
        "tags": list(role.tags),
        "user_scheme": "root" if role.name != "dev" else "limited",
        "vpc_only": False,
    }
    return instance


def _instance_charge(instance: JsonObject, created: datetime) -> Charge:
    plan = PLAN_BY_ID[instance["plan"]]
    return Charge(
        f"{instance['main_ip']} ({instance['ram']} MB) [{instance['label']}]",
        PRODUCT_BY_PLAN_TYPE[plan.type],
        plan.monthly_cost,
        created,
        cap_hours=GPU_HOURS_PER_BILLING_MONTH if plan.is_gpu else HOURS_PER_BILLING_MONTH,
    )


_METAL_ROLES = (
    ("db-metal", "vbm-8c-132gb", "ewr"),
    ("build-metal", "vbm-6c-32gb", "ams"),
    ("render-metal", "vbm-24c-256gb-amd", "fra"),
    ("edge-metal", "vbm-4c-32gb", "sjc"),
)


def _bare_metal(gen: Generator, number: int) -> tuple[JsonObject, datetime]:
    name, plan_id, region = _METAL_ROLES[(number - 1) % len(_METAL_ROLES)]
    plan = METAL_PLAN_BY_ID[plan_id]
    main_ip = gen.ipv4(("45.77", "144.202", "155.138"))
    v6_network = gen.ipv6_network()
    created = gen.days_ago(20, MAX_AGE_DAYS)
    metal = {
        "id": gen.uuid(),
        "os": UBUNTU_2204[0],
        "ram": f"{plan.ram_mb} MB",
        "disk": plan.disk_label,
        "main_ip": main_ip,
        "cpu_count": plan.cpu_count,
        "region": region,
        "date_created": iso(created),
        "status": "active",
        "netmask_v4": "255.255.254.0",
        "gateway_v4": main_ip.rsplit(".", 1)[0] + ".1",
        "plan": plan.id,
        "label": f"{name}-{(number - 1) // len(_METAL_ROLES) + 1}",
        "os_id": UBUNTU_2204[1],
        "app_id": 0,
        "image_id": "",
        "snapshot_id": "",
        "v6_network": v6_network,
        "v6_main_ip": f"{v6_network}ae1:2ff:fe{gen.hex(2)}:{gen.hex(4)}",
        "v6_network_size": 64,
        "mac_address": gen.rng.randint(2**40, 2**47),
        "features": ["ipv6"],
        "tags": ["prod"] if name != "build-metal" else ["team:platform"],
        "user_scheme": "root",
        "vpc_only": False,
    }
    return metal, created


def daily_bandwidth(
    server_id: str, allowance_gb: int, created: datetime, now: datetime, days: int
) -> JsonObject:
    """`/bandwidth` of an instance or bare-metal server: bytes per UTC day, the last `days` days
    up to today (today and the day it was created count in part, days before it not at all).

    Seeded by the server's id and the day rather than the organisation's generators, so serving
    it draws nothing from them and the same day always reads the same.
    """
    sent_share = random.Random(server_id).uniform(*SENT_SHARE_OF_ALLOWANCE)
    bytes_per_day = allowance_gb * GIB_BYTES * sent_share * 24 / HOURS_PER_BILLING_MONTH
    today = now.date()
    result: JsonObject = {}
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        start = datetime.combine(day, time(), tzinfo=UTC)
        begin, end = max(start, created), min(start + timedelta(days=1), now)
        if end <= begin:
            continue
        jitter = random.Random(f"{server_id}:{day.isoformat()}").uniform(*DAILY_JITTER)
        sent = int(bytes_per_day * jitter * (end - begin).total_seconds() / SECONDS_PER_DAY)
        result[day.isoformat()] = {
            "incoming_bytes": int(sent * INBOUND_SHARE),
            "outgoing_bytes": sent,
        }
    return result
