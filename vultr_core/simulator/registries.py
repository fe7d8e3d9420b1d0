"""The organisation's container registries, with Vultr's nested storage and region metadata."""

from __future__ import annotations

from .billing import Charge
from .estate import GIB_BYTES, Estate
from .generation import Generator, SecretMaker, db_time
from .messages import JsonObject

REGISTRY_USD_MONTH = 5


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
