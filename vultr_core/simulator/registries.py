"""The organisation's container registries, with Vultr's nested storage and region metadata."""

from __future__ import annotations

from .billing import Charge
from .estate import GIB_BYTES, Estate
from .generation import Generator, SecretMaker, db_time
from .messages import JsonObject

MIB_BYTES = 1024**2

# `/v2/registry/plan/list` as govultr's test has it: plan key -> (vanity name, MB, $/month).
REGISTRY_PLANS: dict[str, tuple[str, int, int]] = {
    "start_up": ("Start Up", 10_240, 0),
    "business": ("Business", 20_480, 5),
    "premium": ("Premium", 51_200, 10),
    "enterprise": ("Enterprise", 1_048_576, 20),
}
REGISTRY_PLAN = "business"
"""The team's registries are all on this plan: 20 GB for $5 a month."""
REGISTRY_USD_MONTH = REGISTRY_PLANS[REGISTRY_PLAN][2]

# (name, city, site code, area, country, continent); the position + 1 is the region id.
REGISTRY_REGIONS = (
    ("sjc", "Silicon Valley", "SJC2", "West", "US", "North America"),
    ("ams", "Amsterdam", "AMS1", "Europe", "NL", "Europe"),
)
REGISTRY_REGIONS_ADDED = "2023-06-01 00:00:00"


def registry_plans() -> JsonObject:
    """`/v2/registry/plan/list`: an object keyed by plan, not a list, and no `meta`."""
    return {
        key: {"vanity_name": name, "max_storage_mb": storage_mb, "monthly_price": price}
        for key, (name, storage_mb, price) in REGISTRY_PLANS.items()
    }


def registry_regions() -> list[JsonObject]:
    """`/v2/registry/region/list` items, the same objects a registry's `metadata.region` holds."""
    return [
        {
            "id": number,
            "name": name,
            "urn": f"{name}.vultrcr.com",
            "base_url": f"https://{name}.vultrcr.com",
            "public": True,
            "added_at": REGISTRY_REGIONS_ADDED,
            "updated_at": REGISTRY_REGIONS_ADDED,
            "data_center": {
                "id": number,
                "name": city,
                "site_code": site,
                "region": area,
                "country": country,
                "continent": continent,
                "description": city,
                "airport": name.upper(),
            },
        }
        for number, (name, city, site, area, country, continent) in enumerate(
            REGISTRY_REGIONS, start=1
        )
    ]


def build_registries(
    gen: Generator, secrets: SecretMaker, estate: Estate, count: int, team: str
) -> None:
    allowed_bytes = REGISTRY_PLANS[REGISTRY_PLAN][1] * MIB_BYTES
    for number in range(count):
        # A fresh copy each: registries never share a nested object.
        region = registry_regions()[number % len(REGISTRY_REGIONS)]
        name = team + (f"{number + 1}" if number else "")
        created = gen.days_ago(10, 500)
        used_bytes = gen.rng.randint(2, 18) * GIB_BYTES
        registry_id = gen.uuid()
        estate.registries.append(
            {
                "id": registry_id,
                "name": name,
                "urn": f"{region['urn']}/{name}",
                "storage": {
                    "used": _storage_size(used_bytes) | {"updated_at": db_time(gen.now)},
                    "allowed": _storage_size(allowed_bytes),
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
                    "region": region,
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
        "mb": round(size_bytes / MIB_BYTES, 2),
        "gb": round(size_bytes / GIB_BYTES, 2),
        "tb": round(size_bytes / 1024**4, 4),
    }
