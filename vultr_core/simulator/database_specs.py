"""What each managed database of the demo organisation is: engine, plan, region and load.

The small organisation's databases are written out; larger sizes add generated ones after them,
so the records and their sub-resources can both be derived from one `Spec`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import DATABASE_PLANS
from .generation import Generator

SQL_ENGINES = ("pg", "mysql", "ferretpg")
"""Engines with logical databases (`dbname`, `/dbs`); FerretDB runs on PostgreSQL."""


@dataclass(frozen=True)
class Spec:
    """What a database is: engine, plan, region and how loaded it is."""

    label: str
    engine: str
    plan: str
    region: str
    tag: str
    disk_share: float
    memory_share: float
    cpu_share: float
    replica_region: str = ""
    status: str = "Running"
    vpc: bool = False


# The small organisation's databases; larger sizes add generated ones after these.
SMALL_SPECS: tuple[Spec, ...] = (
    Spec(
        "orders-pg",
        "pg",
        "vultr-dbaas-business-cc-2-80-4",
        "ewr",
        "prod",
        0.41,
        0.63,
        0.22,
        "ord",
        vpc=True,
    ),
    Spec(
        "analytics-pg", "pg", "vultr-dbaas-startup-cc-4-160-8", "ams", "team:data", 0.93, 0.71, 0.48
    ),
    Spec("staging-pg", "pg", "vultr-dbaas-hobbyist-cc-1-25-1", "sjc", "staging", 0.22, 0.35, 0.05),
    Spec(
        "billing-mysql", "mysql", "vultr-dbaas-business-cc-1-55-2", "ewr", "prod", 0.37, 0.58, 0.31
    ),
    Spec(
        "wordpress-mysql",
        "mysql",
        "vultr-dbaas-startup-cc-1-55-2",
        "fra",
        "marketing",
        0.041,
        0.079,
        0.012,
    ),
    Spec("cache-valkey", "valkey", "vultr-dbaas-startup-cc-hp-2-4", "ewr", "prod", 0.0, 0.66, 0.18),
    Spec(
        "sessions-valkey",
        "valkey",
        "vultr-dbaas-hobbyist-cc-hp-1-1",
        "ams",
        "prod",
        0.0,
        0.88,
        0.09,
    ),
    Spec(
        "events-kafka",
        "kafka",
        "vultr-dbaas-startup-occ-kafka-2-90-4",
        "ord",
        "team:data",
        0.52,
        0.47,
        0.27,
        status="Rebalancing",
    ),
    Spec(
        "docs-ferretdb",
        "ferretpg",
        "vultr-dbaas-startup-cc-1-55-2",
        "sjc",
        "staging",
        0.18,
        0.3,
        0.04,
    ),
)

_GENERATED_ENGINES = ("pg", "pg", "pg", "pg", "mysql", "mysql", "valkey", "valkey", "kafka")
_GENERATED_REGIONS = ("ewr", "ord", "sjc", "ams", "fra", "lhr", "nrt", "sgp", "syd")
_GENERATED_APPS = ("orders", "users", "search", "billing", "events", "reports", "auth", "catalog")
_GENERATED_STATUSES = ("Running",) * 46 + ("Rebuilding", "Configuring", "Rebalancing", "Error")
REPLICA_SHARE = 0.1
VPC_SHARE = 0.3


def specs_for(gen: Generator, count: int) -> list[Spec]:
    """The small organisation's databases first, then generated ones up to `count`."""
    specs = list(SMALL_SPECS[:count])
    for number in range(len(specs), count):
        engine = gen.rng.choice(_GENERATED_ENGINES)
        plan = gen.rng.choice([p for p in DATABASE_PLANS if engine in p.engines])
        region = gen.rng.choice(_GENERATED_REGIONS)
        replica = engine in ("pg", "mysql") and gen.rng.random() < REPLICA_SHARE
        specs.append(
            Spec(
                label=f"{gen.rng.choice(_GENERATED_APPS)}-{engine}-{number + 1}",
                engine=engine,
                plan=plan.id,
                region=region,
                tag=gen.rng.choice(("prod", "prod", "staging", "team:data", "")),
                disk_share=0.0 if engine == "valkey" else gen.rng.uniform(0.05, 0.95),
                memory_share=gen.rng.uniform(0.1, 0.9),
                cpu_share=gen.rng.uniform(0.01, 0.8),
                replica_region=gen.rng.choice([r for r in _GENERATED_REGIONS if r != region])
                if replica
                else "",
                status=gen.rng.choice(_GENERATED_STATUSES),
                vpc=gen.rng.random() < VPC_SHARE,
            )
        )
    return specs
