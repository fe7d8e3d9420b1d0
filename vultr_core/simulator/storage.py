"""The organisation's storage: block volumes, snapshots and object storage.

Volumes attach to instances in their own region and snapshots are taken of instances, where
Vultr links them; each is billed by size or tier as Vultr bills it.
"""

from __future__ import annotations

from datetime import datetime

from .billing import Charge
from .catalog import CITY_BY_REGION
from .estate import GIB_BYTES, Estate, cycled_label
from .generation import Generator, SecretMaker, iso, money
from .messages import JsonObject

HIGH_PERF_USD_PER_GB = 0.10
STORAGE_OPT_USD_PER_GB = 0.025
"""Block storage list prices per GB-month (NVMe `high_perf`, HDD `storage_opt`)."""
SNAPSHOT_USD_PER_GB_MONTH = 0.05
"""ANCHORS.md section 0: snapshots are billed $0.05 per GB-month (compressed size)."""
OLD_SNAPSHOT_DAYS = 90

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
                "s3_hostname": f"{region}1.vultrobjects.com",
                "s3_access_key": secrets.token(20),
                "s3_secret_key": secrets.password(length=40),
                "tier": {**tier, "locations": list(OBJECT_STORAGE_CLUSTERS)},
            }
        )
        estate.charges.append(
            Charge(f"Object Storage ({label})", "Object Storage", tier["price"], created)
        )
