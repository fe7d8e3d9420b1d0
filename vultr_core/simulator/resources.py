"""The organisation's other billable resources: storage, networking, Kubernetes, registries.

Each builder returns API-shaped objects and the `Charge`s that bill them, linked to the
instances where Vultr links them (block attachments, reserved IPs, load-balancer targets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from .billing import Charge
from .catalog import CITY_BY_REGION, PLAN_BY_ID
from .generation import Generator, SecretMaker, db_time, iso, money
from .messages import JsonObject

GIB_BYTES = 1024**3

HIGH_PERF_USD_PER_GB = 0.10
STORAGE_OPT_USD_PER_GB = 0.025
"""Block storage list prices per GB-month (NVMe `high_perf`, HDD `storage_opt`)."""
SNAPSHOT_USD_PER_GB_MONTH = 0.05
"""ANCHORS.md section 0: snapshots are billed $0.05 per GB-month (compressed size)."""
LOAD_BALANCER_USD_PER_NODE_MONTH = 10
"""vultr-api.md 2.11: $10/month per node (720 h x $0.0149 in Vultr's own example)."""
RESERVED_IP_USD_MONTH = 3
HA_CONTROL_PLANE_USD_MONTH = 10
REGISTRY_USD_MONTH = 5
OLD_SNAPSHOT_DAYS = 90
HTTPS_SHARE = 0.7
"""Share of load balancers terminating TLS."""

STORAGE_TIERS: tuple[JsonObject, ...] = (
    {"OBJSTORETIERID": 2, "sales_name": "Standard", "slug": "tier_010k_5000m",
     "sales_desc": "Reliable storage for general workloads", "price": 18,
     "bw_gb_price": 0.01, "disk_gb_price": 0.018, "ratelimit_ops_secs": 400,
     "ratelimit_ops_bytes": 838860800, "is_default": "yes"},
    {"OBJSTORETIERID": 3, "sales_name": "Premium", "slug": "tier_025k_8000m",
     "sales_desc": "Faster storage for busier buckets", "price": 36,
     "bw_gb_price": 0.01, "disk_gb_price": 0.036, "ratelimit_ops_secs": 1000,
     "ratelimit_ops_bytes": 1048576000, "is_default": "no"},
)  # fmt: skip
OBJECT_STORAGE_CLUSTERS = {"ewr": 2, "sjc": 4, "ams": 6, "sgp": 9, "del": 11, "blr": 13}
_OBJECT_STORAGE_REGIONS = ("ewr", "sjc", "ams")


@dataclass
class Estate:
    """Everything besides instances, databases and billing, plus the charges it bills."""

    blocks: list[JsonObject] = field(default_factory=list)
    snapshots: list[JsonObject] = field(default_factory=list)
    reserved_ips: list[JsonObject] = field(default_factory=list)
    load_balancers: list[JsonObject] = field(default_factory=list)
    kubernetes_clusters: list[JsonObject] = field(default_factory=list)
    object_storages: list[JsonObject] = field(default_factory=list)
    registries: list[JsonObject] = field(default_factory=list)
    charges: list[Charge] = field(default_factory=list)


def build_blocks(gen: Generator, estate: Estate, count: int, instances: list[JsonObject]) -> None:
    """Two thirds attached to an instance in the same region; the rest left unattached."""
    scratch_names = ("old-backups", "migration-tmp", "scratch", "archive")
    for number in range(1, count + 1):
        attached = (
            instances[gen.rng.randrange(len(instances))] if instances and number % 3 else None
        )
        block_type = gen.rng.choice(("high_perf", "storage_opt"))
        size_gb = gen.rng.choice(
            (50, 100, 200, 500) if block_type == "high_perf" else (40, 150, 400, 1000)
        )
        per_gb = HIGH_PERF_USD_PER_GB if block_type == "high_perf" else STORAGE_OPT_USD_PER_GB
        region = attached["region"] if attached else gen.rng.choice(("ewr", "ams", "ord"))
        created = gen.days_ago(1, 600)
        if attached is not None:
            created = max(created, datetime.fromisoformat(attached["date_created"]))
            label = f"{attached['label']}-data"
        else:
            label = f"{scratch_names[number % len(scratch_names)]}-{number}"
        block: JsonObject = {
            "id": gen.uuid(),
            "date_created": iso(created),
            "cost": money(size_gb * per_gb),
            "pending_charges": 0,
            "status": "active",
            "size_gb": size_gb,
            "region": region,
            "attached_to_instance": attached["id"] if attached else "",
            "attached_to_instance_ip": attached["main_ip"] if attached else "",
            "attached_to_instance_label": attached["label"] if attached else "",
            "label": label,
            "mount_id": f"{region}-{gen.hex(12)}",
            "block_type": block_type,
            "os_id": 0,
            "snapshot_id": "",
            "bootable": False,
        }
        estate.blocks.append(block)
        estate.charges.append(
            Charge(
                f"Block Storage ({label})",
                "Block Storage",
                block["cost"],
                created,
                owner=block["id"],
            )
        )


def build_snapshots(
    gen: Generator, estate: Estate, count: int, instances: list[JsonObject]
) -> None:
    """Snapshots of instances; the first ones are old (over 90 days), as forgotten ones are."""
    for number in range(count):
        source = instances[gen.rng.randrange(len(instances))] if instances else None
        label = source["label"] if source else f"image-{number}"
        old = number < max(2, count // 3)
        created = gen.days_ago(OLD_SNAPSHOT_DAYS + 10, 700) if old else gen.days_ago(1, 60)
        size = (source["disk"] if source else 25) * GIB_BYTES
        compressed = int(size * gen.rng.uniform(0.08, 0.35))
        kind = gen.rng.choice(("before upgrade", "pre-migration", "nightly", "golden image"))
        snapshot = {
            "id": gen.uuid(),
            "date_created": iso(created),
            "description": f"{label} {kind}",
            "size": size,
            "compressed_size": compressed,
            "status": "complete",
            "os_id": source["os_id"] if source else 0,
            "app_id": 0,
        }
        estate.snapshots.append(snapshot)
        gb = compressed / GIB_BYTES
        estate.charges.append(
            Charge(
                f"Snapshot ({snapshot['description']}) {gb:.2f} GB",
                "Snapshots",
                gb * SNAPSHOT_USD_PER_GB_MONTH,
                created,
            )
        )


def build_reserved_ips(
    gen: Generator, estate: Estate, count: int, instances: list[JsonObject]
) -> None:
    """Half attached to instances, half idle (idle reserved IPs still bill)."""
    for number in range(count):
        target = (
            instances[gen.rng.randrange(len(instances))] if instances and number % 2 == 0 else None
        )
        ipv6 = number % 4 == 3
        region = target["region"] if target else gen.rng.choice(("ewr", "fra", "sgp"))
        label = f"{target['label']}-ip" if target else f"spare-{number + 1}"
        created = gen.days_ago(1, 500)
        reserved = {
            "id": gen.uuid(),
            "region": region,
            "ip_type": "v6" if ipv6 else "v4",
            "subnet": gen.ipv6_network() if ipv6 else gen.ipv4(("66.42", "95.179", "104.238")),
            "subnet_size": 64 if ipv6 else 32,
            "label": label,
            "instance_id": target["id"] if target else "",
        }
        estate.reserved_ips.append(reserved)
        estate.charges.append(
            Charge(
                f"Reserved IP {reserved['subnet']} ({label})",
                "Reserved IP",
                RESERVED_IP_USD_MONTH,
                created,
            )
        )


def build_load_balancers(
    gen: Generator, estate: Estate, count: int, instances: list[JsonObject], roles: dict[str, str]
) -> None:
    """Load balancers in front of the web and API fleets, one per (role, region)."""
    targets: dict[tuple[str, str], list[str]] = {}
    for instance in instances:
        role = roles[instance["id"]]
        if role in ("web", "api"):
            targets.setdefault((role, instance["region"]), []).append(instance["id"])
    groups = sorted(targets) or [("web", "ewr")]
    for number in range(count):
        role, region = groups[number % len(groups)]
        label = _cycled([f"{r}-lb-{g}" for r, g in groups], number)
        nodes = gen.rng.choice((1, 1, 2, 3))
        created = gen.days_ago(1, 650)
        balancer = _load_balancer(
            gen, label, region, nodes, targets.get((role, region), [])[:4], created
        )
        estate.load_balancers.append(balancer)
        estate.charges.append(
            Charge(
                f"Load Balancer ({label})",
                "Load Balancer",
                LOAD_BALANCER_USD_PER_NODE_MONTH * nodes,
                created,
            )
        )


def _load_balancer(
    gen: Generator, label: str, region: str, nodes: int, instance_ids: list[str], created: datetime
) -> JsonObject:
    https = gen.rng.random() < HTTPS_SHARE
    return {
        "id": gen.uuid(),
        "date_created": iso(created),
        "region": region,
        "label": label,
        "status": "active",
        "ipv4": gen.ipv4(("140.82", "208.167")),
        "ipv6": f"{gen.ipv6_network()}1",
        "generic_info": {
            "balancing_algorithm": gen.rng.choice(("roundrobin", "leastconn")),
            "ssl_redirect": https,
            "sticky_sessions": {"cookie_name": ""},
            "proxy_protocol": False,
            "timeout": 600,
            "vpc": "",
        },
        "health_check": {
            "protocol": "http",
            "port": 80,
            "path": "/healthz",
            "check_interval": 15,
            "response_timeout": 5,
            "unhealthy_threshold": 5,
            "healthy_threshold": 5,
        },
        "has_ssl": https,
        "auto_ssl": {"domain_zone": "", "domain_sub": "", "domain": ""},
        "http2": https,
        "http3": False,
        "nodes": nodes,
        "forwarding_rules": [_forwarding_rule(gen, "http", 80)]
        + ([_forwarding_rule(gen, "https", 443)] if https else []),
        "instances": instance_ids,
        "firewall_rules": [
            {"id": gen.hex(32), "port": 443, "ip_type": "v4", "source": "0.0.0.0/0"},
        ],
        "global_regions": [],
    }


def _forwarding_rule(gen: Generator, frontend: str, port: int) -> JsonObject:
    """TLS terminates at the balancer: the backends always speak plain HTTP on port 80."""
    return {
        "id": gen.hex(32),
        "frontend_protocol": frontend,
        "frontend_port": port,
        "backend_protocol": "http",
        "backend_port": 80,
    }


# (label, region, HA control plane, node pools as (label, plan, node_quantity, autoscaler))
_CLUSTER_SHAPES = (
    ("prod-cluster", "ewr", True,
     (("default", "vc2-2c-4gb", 3, False), ("highmem", "vc2-4c-8gb", 2, True))),
    ("staging-cluster", "ams", False, (("default", "vc2-1c-2gb", 2, False),)),
    ("data-cluster", "ord", True, (("spark", "voc-m-2c-16gb-50s", 3, True),)),
)  # fmt: skip
KUBERNETES_VERSION = "v1.31.2+1"


def build_kubernetes(gen: Generator, estate: Estate, count: int) -> None:
    """Clusters with node pools; the cost is plan price x node_quantity (+ HA control plane)."""
    for number in range(count):
        _, region, ha, pools = _CLUSTER_SHAPES[number % len(_CLUSTER_SHAPES)]
        label = _cycled([shape[0] for shape in _CLUSTER_SHAPES], number)
        cluster_id = gen.uuid()
        created = gen.days_ago(30, 600)
        node_pools = []
        for index, (pool_label, plan_id, quantity, autoscale) in enumerate(pools):
            # The first pool comes with the cluster; later ones were added afterwards.
            pool_created = gen.between(created, gen.now) if index else created
            node_pools.append(
                _node_pool(gen, pool_label, plan_id, quantity, autoscale, pool_created)
            )
            estate.charges.append(
                Charge(
                    f"{label} / {pool_label} ({quantity} x {plan_id})",
                    "Kubernetes Engine",
                    PLAN_BY_ID[plan_id].monthly_cost,
                    pool_created,
                    quantity=quantity,
                )
            )
        if ha:
            estate.charges.append(
                Charge(
                    f"HA Control Plane ({label})",
                    "Kubernetes Engine",
                    HA_CONTROL_PLANE_USD_MONTH,
                    created,
                )
            )
        estate.kubernetes_clusters.append(
            {
                "id": cluster_id,
                "firewall_group_id": "",
                "label": label,
                "date_created": iso(created),
                "cluster_subnet": "10.244.0.0/16",
                "service_subnet": "10.96.0.0/12",
                "ip": gen.ipv4(("45.32", "149.28")),
                "endpoint": f"{cluster_id}.vultr-k8s.com",
                "version": KUBERNETES_VERSION,
                "region": region,
                "status": "active",
                "ha_controlplanes": ha,
                "oidc": {
                    "issuer_url": "",
                    "client_id": "",
                    "username_claim": "",
                    "groups_claim": "",
                },
                "node_pools": node_pools,
            }
        )


def _node_pool(
    gen: Generator, label: str, plan_id: str, quantity: int, autoscale: bool, created: datetime
) -> JsonObject:
    nodes = [
        {
            "id": gen.uuid(),
            "label": f"{label}-{gen.hex(8)}",
            "date_created": iso(created),
            "ip": gen.private_ipv4(),
            "status": "active",
        }
        for _ in range(quantity)
    ]
    return {
        "id": gen.uuid(),
        "date_created": iso(created),
        "date_updated": iso(gen.between(created, gen.now)),
        "label": label,
        "tag": label,
        "plan": plan_id,
        "status": "active",
        "node_quantity": quantity,
        "min_nodes": 1 if autoscale else quantity,
        "max_nodes": quantity * 2 if autoscale else quantity,
        "auto_scaler": autoscale,
        "user_data": "",
        "vpc_only": False,
        "labels": {"pool": label},
        "taints": [],
        "nodes": nodes,
    }


def build_object_storage(gen: Generator, secrets: SecretMaker, estate: Estate, count: int) -> None:
    names = ("assets", "backups", "logs", "ml-datasets", "uploads")
    for number in range(count):
        region = _OBJECT_STORAGE_REGIONS[number % len(_OBJECT_STORAGE_REGIONS)]
        tier = STORAGE_TIERS[number % len(STORAGE_TIERS)]
        label = _cycled(names, number)
        created = gen.days_ago(1, 700)
        estate.object_storages.append(
            {
                "id": gen.uuid(),
                "date_created": iso(created),
                "cluster_id": OBJECT_STORAGE_CLUSTERS[region],
                "region": region,
                "location": CITY_BY_REGION[region],
                "label": label,
                "status": "active",
                "s3_hostname": f"{region}1.vultrobjects.com",
                "s3_access_key": secrets.token(20),
                "s3_secret_key": secrets.password(length=40),
                "tier": {**tier, "locations": list(OBJECT_STORAGE_CLUSTERS)},
            }
        )
        estate.charges.append(
            Charge(f"Object Storage ({label})", "Object Storage", tier["price"], created)
        )


def build_registries(
    gen: Generator, secrets: SecretMaker, estate: Estate, count: int, team: str
) -> None:
    regions = (("sjc", "Silicon Valley", "SJC2", "West"), ("ams", "Amsterdam", "AMS1", "Europe"))
    for number in range(count):
        region, city, site, area = regions[number % len(regions)]
        name = team + (f"{number + 1}" if number else "")
        created = gen.days_ago(10, 500)
        used_bytes = gen.rng.randint(2, 18) * GIB_BYTES
        registry_id = gen.uuid()
        estate.registries.append(
            {
                "id": registry_id,
                "name": name,
                "urn": f"{region}.vultrcr.com/{name}",
                "storage": {
                    "used": _storage_size(used_bytes) | {"updated_at": db_time(gen.now)},
                    "allowed": _storage_size(20 * GIB_BYTES),
                },
                "date_created": db_time(created),
                "public": False,
                "root_user": {
                    "id": gen.rng.randint(1000, 99999),
                    "username": gen.uuid(),
                    "password": secrets.password(length=32),
                    "root": True,
                    "added_at": db_time(created),
                    "updated_at": db_time(created),
                },
                "metadata": {
                    "region": {
                        "id": number + 1,
                        "name": region,
                        "urn": f"{region}.vultrcr.com",
                        "base_url": f"https://{region}.vultrcr.com",
                        "public": True,
                        "added_at": "2023-06-01 00:00:00",
                        "updated_at": "2023-06-01 00:00:00",
                        "data_center": {
                            "id": number + 1,
                            "name": city,
                            "site_code": site,
                            "region": area,
                            "country": "US" if region == "sjc" else "NL",
                            "continent": "North America" if region == "sjc" else "Europe",
                            "description": city,
                            "airport": region.upper(),
                        },
                    },
                    "subscription": {
                        "billing": {"monthly_price": REGISTRY_USD_MONTH, "pending_charges": 0}
                    },
                },
            }
        )
        description = f"Container Registry ({name})"
        estate.charges.append(
            Charge(
                description, "Container Registry", REGISTRY_USD_MONTH, created, owner=registry_id
            )
        )


def _storage_size(size_bytes: int) -> JsonObject:
    return {
        "bytes": size_bytes,
        "mb": round(size_bytes / 1024**2, 2),
        "gb": round(size_bytes / GIB_BYTES, 2),
        "tb": round(size_bytes / 1024**4, 4),
    }


def _cycled(names: Sequence[str], number: int) -> str:
    """The `number`-th label: names in turn, then again with -2, -3, ... once they run out."""
    name = names[number % len(names)]
    lap = number // len(names)
    return f"{name}-{lap + 1}" if lap else name
