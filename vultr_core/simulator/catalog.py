"""The public catalogue: regions, instance plans, bare-metal plans and managed-database plans.

Static tables, identical for every organisation size and seed. Prices follow the price points in
vultr-api.md 2.5 (e.g. vc2-1c-1gb $5, vhf-1c-1gb $6, vc2-1c-0.5gb-v6 $2.5); the rest are scaled
the way Vultr scales its plan families.
"""

from __future__ import annotations

from dataclasses import dataclass

from .messages import JsonObject

# (id, city, country, continent)
_REGIONS: tuple[tuple[str, str, str, str], ...] = (
    ("ams", "Amsterdam", "NL", "Europe"),
    ("atl", "Atlanta", "US", "North America"),
    ("blr", "Bangalore", "IN", "Asia"),
    ("bom", "Mumbai", "IN", "Asia"),
    ("cdg", "Paris", "FR", "Europe"),
    ("del", "Delhi NCR", "IN", "Asia"),
    ("dfw", "Dallas", "US", "North America"),
    ("ewr", "New Jersey", "US", "North America"),
    ("fra", "Frankfurt", "DE", "Europe"),
    ("hnl", "Honolulu", "US", "North America"),
    ("icn", "Seoul", "KR", "Asia"),
    ("itm", "Osaka", "JP", "Asia"),
    ("jnb", "Johannesburg", "ZA", "Africa"),
    ("lax", "Los Angeles", "US", "North America"),
    ("lhr", "London", "GB", "Europe"),
    ("mad", "Madrid", "ES", "Europe"),
    ("man", "Manchester", "GB", "Europe"),
    ("mel", "Melbourne", "AU", "Australia"),
    ("mex", "Mexico City", "MX", "North America"),
    ("mia", "Miami", "US", "North America"),
    ("nrt", "Tokyo", "JP", "Asia"),
    ("ord", "Chicago", "US", "North America"),
    ("sao", "São Paulo", "BR", "South America"),
    ("scl", "Santiago", "CL", "South America"),
    ("sea", "Seattle", "US", "North America"),
    ("sgp", "Singapore", "SG", "Asia"),
    ("sjc", "Silicon Valley", "US", "North America"),
    ("sto", "Stockholm", "SE", "Europe"),
    ("syd", "Sydney", "AU", "Australia"),
    ("tlv", "Tel Aviv", "IL", "Asia"),
    ("waw", "Warsaw", "PL", "Europe"),
    ("yto", "Toronto", "CA", "North America"),
)

ALL_REGION_IDS = tuple(region[0] for region in _REGIONS)
CITY_BY_REGION = {region[0]: region[1] for region in _REGIONS}

# Large sites: every product, including high-performance block storage and NAT gateways.
CORE_REGION_IDS = (
    "ams", "atl", "cdg", "dfw", "ewr", "fra", "lax", "lhr", "mia", "nrt", "ord", "sea", "sgp",
    "sjc", "syd", "yto",
)  # fmt: skip
# Sites without DDoS protection (small edge locations).
_NO_DDOS_REGION_IDS = ("hnl", "jnb", "scl", "tlv", "man")
GPU_REGION_IDS = ("ewr", "ord", "sjc", "ams", "fra", "nrt", "sgp")


def regions() -> list[JsonObject]:
    """`/v2/regions` items, sorted by id as Vultr lists them."""
    result = []
    for region_id, city, country, continent in _REGIONS:
        core = region_id in CORE_REGION_IDS
        options = [] if region_id in _NO_DDOS_REGION_IDS else ["ddos_protection"]
        if core:
            options.append("block_storage_high_perf")
        options += ["block_storage_storage_opt", "load_balancers"]
        if region_id not in _NO_DDOS_REGION_IDS:
            options.append("kubernetes")
        connectivity = ["public_ip", "nat_gateway"] if core else ["public_ip"]
        result.append(
            {
                "id": region_id,
                "city": city,
                "country": country,
                "continent": continent,
                "options": options,
                "connectivity": connectivity,
            }
        )
    return result


@dataclass(frozen=True)
class InstancePlan:
    """One `/v2/plans` row; `windows` is the `os=windows` filter's rule, not an API field."""

    id: str
    type: str
    vcpu_count: int
    ram_mb: int
    disk_gb: int
    bandwidth_gb: int
    monthly_cost: float
    locations: tuple[str, ...] = ALL_REGION_IDS
    disk_count: int = 1
    gpu_type: str | None = None
    gpu_vram_gb: int | None = None

    @property
    def windows(self) -> bool:
        """Windows needs 2 GB of RAM and a public IPv4 (so no -v6 plans)."""
        return self.ram_mb >= 2048 and not self.id.endswith("-v6")

    @property
    def is_gpu(self) -> bool:
        return self.gpu_type is not None

    def as_json(self) -> JsonObject:
        plan: JsonObject = {
            "id": self.id,
            "vcpu_count": self.vcpu_count,
            "ram": self.ram_mb,
            "disk": self.disk_gb,
            "disk_count": self.disk_count,
            "bandwidth": self.bandwidth_gb,
            "monthly_cost": self.monthly_cost,
            "type": self.type,
            "locations": list(self.locations),
        }
        if self.gpu_type is not None:
            plan["gpu_vram_gb"] = self.gpu_vram_gb
            plan["gpu_type"] = self.gpu_type
        return plan


_SURCHARGE_REGION_IDS = ("jnb", "sao", "scl", "tlv")

INSTANCE_PLANS: tuple[InstancePlan, ...] = (
    InstancePlan("vc2-1c-0.5gb-v6", "vc2", 1, 512, 10, 512, 2.5),
    InstancePlan("vc2-1c-0.5gb", "vc2", 1, 512, 10, 512, 3.5),
    InstancePlan("vc2-1c-1gb", "vc2", 1, 1024, 25, 1024, 5),
    InstancePlan("vc2-1c-1gb-sc1", "vc2", 1, 1024, 25, 1024, 7.5, _SURCHARGE_REGION_IDS),
    InstancePlan("vc2-1c-2gb", "vc2", 1, 2048, 55, 2048, 10),
    InstancePlan("vc2-2c-2gb", "vc2", 2, 2048, 65, 3072, 15),
    InstancePlan("vc2-2c-4gb", "vc2", 2, 4096, 80, 3072, 20),
    InstancePlan("vc2-4c-8gb", "vc2", 4, 8192, 160, 4096, 40),
    InstancePlan("vc2-6c-16gb", "vc2", 6, 16384, 320, 5120, 80),
    InstancePlan("vc2-8c-32gb", "vc2", 8, 32768, 640, 6144, 160),
    InstancePlan("vc2-16c-64gb", "vc2", 16, 65536, 1280, 10240, 320),
    InstancePlan("vc2-24c-96gb", "vc2", 24, 98304, 1600, 15360, 640),
    InstancePlan("vhf-1c-1gb", "vhf", 1, 1024, 32, 1024, 6, CORE_REGION_IDS),
    InstancePlan("vhf-1c-2gb", "vhf", 1, 2048, 64, 2048, 12, CORE_REGION_IDS),
    InstancePlan("vhf-2c-4gb", "vhf", 2, 4096, 128, 3072, 24, CORE_REGION_IDS),
    InstancePlan("vhf-3c-8gb", "vhf", 3, 8192, 256, 4096, 48, CORE_REGION_IDS),
    InstancePlan("vhf-4c-16gb", "vhf", 4, 16384, 384, 5120, 96, CORE_REGION_IDS),
    InstancePlan("vhf-8c-32gb", "vhf", 8, 32768, 512, 6144, 192, CORE_REGION_IDS),
    InstancePlan("vhp-1c-1gb-amd", "vhp", 1, 1024, 25, 2048, 6, CORE_REGION_IDS),
    InstancePlan("vhp-1c-2gb-amd", "vhp", 1, 2048, 50, 3072, 12, CORE_REGION_IDS),
    InstancePlan("vhp-2c-4gb-amd", "vhp", 2, 4096, 100, 5120, 24, CORE_REGION_IDS),
    InstancePlan("vhp-4c-8gb-amd", "vhp", 4, 8192, 180, 6144, 48, CORE_REGION_IDS),
    InstancePlan("vhp-8c-16gb-amd", "vhp", 8, 16384, 350, 7168, 96, CORE_REGION_IDS),
    InstancePlan("vhp-1c-1gb-intel", "vhp", 1, 1024, 25, 2048, 6, CORE_REGION_IDS),
    InstancePlan("vhp-2c-4gb-intel", "vhp", 2, 4096, 100, 5120, 24, CORE_REGION_IDS),
    InstancePlan("vdc-2c-8gb", "vdc", 2, 8192, 110, 10240, 60, CORE_REGION_IDS),
    InstancePlan("vdc-4c-16gb", "vdc", 4, 16384, 220, 10240, 120, CORE_REGION_IDS),
    InstancePlan("voc-g-2c-8gb-50s", "voc-g", 2, 8192, 50, 4096, 60, CORE_REGION_IDS),
    InstancePlan("voc-g-4c-16gb-80s", "voc-g", 4, 16384, 80, 5120, 120, CORE_REGION_IDS),
    InstancePlan("voc-c-2c-4gb-50s", "voc-c", 2, 4096, 50, 4096, 40, CORE_REGION_IDS),
    InstancePlan("voc-c-4c-8gb-75s", "voc-c", 4, 8192, 75, 5120, 80, CORE_REGION_IDS),
    InstancePlan("voc-m-2c-16gb-50s", "voc-m", 2, 16384, 50, 5120, 90, CORE_REGION_IDS),
    InstancePlan("voc-m-4c-32gb-100s", "voc-m", 4, 32768, 100, 6144, 180, CORE_REGION_IDS),
    InstancePlan("voc-s-2c-16gb-300s", "voc-s", 2, 16384, 300, 5120, 110, CORE_REGION_IDS),
    InstancePlan(
        "vcg-a16-2c-8g-2vram", "vcg", 2, 8192, 50, 1024, 43, GPU_REGION_IDS, 1, "NVIDIA_A16", 2
    ),
    InstancePlan(
        "vcg-a100-1c-6g-4vram", "vcg", 1, 6144, 70, 1024, 90, GPU_REGION_IDS, 1, "NVIDIA_A100", 4
    ),
    InstancePlan(
        "vcg-l40s-16c-180g-48vram",
        "vcg",
        16,
        184320,
        1200,
        10240,
        1314,
        GPU_REGION_IDS,
        1,
        "NVIDIA_L40S",
        48,
    ),
)

PLAN_BY_ID = {plan.id: plan for plan in INSTANCE_PLANS}

ALL_PLAN_TYPES = "all"
METAL_PLAN_TYPE = "vbm"
"""The `type` filter's name for bare metal in `/regions/{id}/availability` (vultr-api.md 2.6)."""


def plan_type_matches(wanted: str, plan_type: str) -> bool:
    """The `type` filter of `/plans` and `/regions/{id}/availability`: `all`, one family, or a
    family prefix (`voc` means every Optimized Cloud family: voc-g, voc-c, voc-m, voc-s)."""
    return wanted == ALL_PLAN_TYPES or plan_type == wanted or plan_type.startswith(f"{wanted}-")


@dataclass(frozen=True)
class MetalPlan:
    id: str
    cpu_count: int
    cpu_threads: int
    cpu_model: str
    ram_mb: int
    disk_gb: int
    disk_count: int
    disk_kind: str
    bandwidth_gb: int
    monthly_cost: float
    locations: tuple[str, ...] = CORE_REGION_IDS

    @property
    def disk_label(self) -> str:
        """How `/v2/bare-metals` spells the disks: a string such as "2x 240GB SSD"."""
        return f"{self.disk_count}x {self.disk_gb}GB {self.disk_kind}"

    def as_json(self) -> JsonObject:
        return {
            "id": self.id,
            "cpu_count": self.cpu_count,
            "cpu_threads": self.cpu_threads,
            "cpu_model": self.cpu_model,
            "ram": self.ram_mb,
            "disk": self.disk_gb,
            "disk_count": self.disk_count,
            "bandwidth": self.bandwidth_gb,
            "monthly_cost": self.monthly_cost,
            "type": self.disk_kind,
            "locations": list(self.locations),
        }


METAL_PLANS: tuple[MetalPlan, ...] = (
    MetalPlan("vbm-4c-32gb", 4, 8, "E3-1270v6", 32768, 240, 2, "SSD", 5120, 185),
    MetalPlan("vbm-6c-32gb", 6, 12, "E-2286G", 32768, 960, 2, "SSD", 5120, 220),
    MetalPlan("vbm-8c-132gb", 8, 16, "E-2288G", 131072, 1920, 2, "NVMe", 10240, 350),
    MetalPlan("vbm-24c-256gb-amd", 24, 48, "AMD EPYC 7443P", 262144, 1920, 2, "NVMe", 15360, 725),
)

METAL_PLAN_BY_ID = {plan.id: plan for plan in METAL_PLANS}


@dataclass(frozen=True)
class DatabasePlan:
    """One `/v2/databases/plans` row. `disk_gb` is None for Valkey plans (no `disk` field)."""

    id: str
    number_of_nodes: int
    type: str
    vcpu_count: int
    ram_mb: int
    disk_gb: int | None
    monthly_cost: int
    engines: tuple[str, ...]
    max_connections: tuple[tuple[str, int], ...] = ()

    def as_json(self) -> JsonObject:
        plan: JsonObject = {
            "id": self.id,
            "number_of_nodes": self.number_of_nodes,
            "type": self.type,
            "vcpu_count": self.vcpu_count,
            "ram": self.ram_mb,
        }
        if self.disk_gb is not None:
            plan["disk"] = self.disk_gb
        plan["monthly_cost"] = self.monthly_cost
        plan["supported_engines"] = {
            engine: engine in self.engines for engine in ("mysql", "pg", "valkey", "kafka")
        }
        plan["max_connections"] = dict(self.max_connections)
        plan["locations"] = [region.upper() for region in DATABASE_REGION_IDS]
        return plan


# Managed databases are sold in the larger sites only (plan `locations` are upper-case there).
DATABASE_REGION_IDS = (*CORE_REGION_IDS, "bom", "icn", "jnb", "mad", "mel", "sao", "sto", "waw")

_SQL = ("mysql", "pg")


def _sql_plan(tier: str, nodes: int, vcpus: int, disk: int, ram_gb: int, cost: int) -> DatabasePlan:
    """MySQL/PostgreSQL plans; connection limits grow with RAM as Vultr's do (75/22 per GB)."""
    return DatabasePlan(
        f"vultr-dbaas-{tier}-cc-{vcpus}-{disk}-{ram_gb}",
        nodes,
        "vc2",
        vcpus,
        ram_gb * 1024,
        disk,
        cost,
        _SQL,
        (("mysql", 75 * ram_gb), ("pg", 25 * ram_gb - 3)),
    )


DATABASE_PLANS: tuple[DatabasePlan, ...] = (
    _sql_plan("hobbyist", 1, 1, 25, 1, 15),
    _sql_plan("startup", 1, 1, 55, 2, 30),
    _sql_plan("startup", 1, 2, 80, 4, 60),
    _sql_plan("startup", 1, 4, 160, 8, 120),
    _sql_plan("business", 2, 1, 55, 2, 60),
    _sql_plan("business", 2, 2, 80, 4, 120),
    _sql_plan("business", 2, 4, 160, 8, 240),
    _sql_plan("premium", 3, 2, 80, 4, 180),
    _sql_plan("premium", 3, 4, 160, 8, 360),
    DatabasePlan("vultr-dbaas-hobbyist-cc-hp-1-1", 1, "vhf", 1, 1024, None, 15, ("valkey",)),
    DatabasePlan("vultr-dbaas-startup-cc-hp-1-2", 1, "vhf", 1, 2048, None, 30, ("valkey",)),
    DatabasePlan("vultr-dbaas-startup-cc-hp-2-4", 1, "vhf", 2, 4096, None, 60, ("valkey",)),
    DatabasePlan("vultr-dbaas-business-cc-hp-2-4", 2, "vhf", 2, 4096, None, 120, ("valkey",)),
    DatabasePlan("vultr-dbaas-premium-cc-hp-4-8", 3, "vhf", 4, 8192, None, 360, ("valkey",)),
    DatabasePlan("vultr-dbaas-startup-occ-kafka-2-90-4", 3, "voc", 2, 4096, 90, 180, ("kafka",)),
    DatabasePlan("vultr-dbaas-business-occ-kafka-4-180-8", 3, "voc", 4, 8192, 180, 360, ("kafka",)),
)

DATABASE_PLAN_BY_ID = {plan.id: plan for plan in DATABASE_PLANS}
