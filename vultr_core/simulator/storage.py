"""The organisation's storage: block volumes, snapshots and object storage.

Volumes attach to instances in their own region and snapshots are taken of instances, where
Vultr links them; each is billed by size or tier as Vultr bills it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .billing import Charge
from .catalog import CITY_BY_REGION
from .estate import GIB_BYTES, Estate, cycled_label
from .generation import Generator, SecretMaker, db_time, iso, money
from .messages import JsonObject

HIGH_PERF_USD_PER_GB = 0.10
STORAGE_OPT_USD_PER_GB = 0.025
"""Block storage list prices per GB-month (NVMe `high_perf`, HDD `storage_opt`)."""
SNAPSHOT_USD_PER_GB_MONTH = 0.05
"""ANCHORS.md section 0: snapshots are billed $0.05 per GB-month (compressed size)."""
OLD_SNAPSHOT_DAYS = 90
BLOCK_SNAPSHOT_SHARE = 0.5
"""About half the volumes have a snapshot of their own (`/v2/blocks/snapshots`)."""
BLOCK_SNAPSHOT_DURATION = timedelta(seconds=4)

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
"""Cluster id by region (object-storage cluster ids are ints, vultr-api.md 1.6)."""
_OBJECT_STORAGE_REGIONS = ("ewr", "sjc", "ams")


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


def build_object_storage(gen: Generator, secrets: SecretMaker, estate: Estate, count: int) -> None:
    names = ("assets", "backups", "logs", "ml-datasets", "uploads")
    for number in range(count):
        region = _OBJECT_STORAGE_REGIONS[number % len(_OBJECT_STORAGE_REGIONS)]
        tier = STORAGE_TIERS[number % len(STORAGE_TIERS)]
        label = cycled_label(names, number)
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
                "s3_hostname": _s3_hostname(region),
                "s3_access_key": secrets.token(20),
                "s3_secret_key": secrets.password(length=40),
                "tier": {**tier, "locations": list(OBJECT_STORAGE_CLUSTERS)},
            }
        )
        estate.charges.append(
            Charge(f"Object Storage ({label})", "Object Storage", tier["price"], created)
        )


def object_storage_clusters() -> list[JsonObject]:
    """`/v2/object-storage/clusters` items, by id; every one still open to new deployments."""
    return [
        {"id": cluster_id, "region": region, "hostname": _s3_hostname(region), "deploy": "yes"}
        for region, cluster_id in sorted(OBJECT_STORAGE_CLUSTERS.items(), key=lambda kv: kv[1])
    ]


def object_storage_tiers() -> list[JsonObject]:
    """`/v2/object-storage/tiers`: the tiers subscriptions carry, but keyed `id` (not
    `OBJSTORETIERID`) and located by cluster objects (govultr `ObjectStorageTier`)."""
    clusters = object_storage_clusters()
    return [
        {"id": tier["OBJSTORETIERID"]}
        | {key: value for key, value in tier.items() if key != "OBJSTORETIERID"}
        | {"locations": clusters}
        for tier in STORAGE_TIERS
    ]


def block_snapshots(blocks: list[JsonObject], now: datetime) -> list[JsonObject]:
    """`/v2/blocks/snapshots` items (govultr `BlockStorageSnapshot`), oldest first.

    Each volume's draw is seeded by its own id rather than the organisation's generators, so no
    other resource shifts. Their `next_invoice_*` fields are "" as in govultr's examples, and
    they bill nothing: the simulated invoices and pending charges leave block snapshots out.
    """
    snapshots = []
    for block in blocks:
        gen = Generator(f"block-snapshot:{block['id']}", now)
        if gen.rng.random() >= BLOCK_SNAPSHOT_SHARE:
            continue
        taken = gen.between(datetime.fromisoformat(block["date_created"]), now)
        snapshots.append(
            {
                "id": gen.uuid(),
                "block_id": block["id"],
                "description": f"{block['label']} snapshot",
                "state": "COMPLETE",
                "added_at": db_time(taken),
                "updated_at": db_time(taken + BLOCK_SNAPSHOT_DURATION),
                "size": block["size_gb"] * GIB_BYTES,
                "next_invoice_date": "",
                "next_invoice_price": "",
            }
        )
    return sorted(snapshots, key=lambda snapshot: snapshot["added_at"])


def _s3_hostname(region: str) -> str:
    return f"{region}1.vultrobjects.com"
