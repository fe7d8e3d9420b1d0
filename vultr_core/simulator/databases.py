"""Managed databases of the demo organisation: the `/v2/databases` records and their charges.

Field names, string-typed numbers, upper-case regions and date formats follow vultr-api.md 2.7
to the letter. Engines are emitted with their current names (`valkey`, `eviction_policy`); the
management API renames them on the way out when the simulator runs with legacy names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .billing import Charge
from .catalog import DATABASE_PLAN_BY_ID
from .database_extras import DatabaseExtras, build_extras
from .database_specs import SQL_ENGINES, Spec, specs_for
from .generation import Generator, SecretMaker, db_time
from .messages import JsonObject

DATABASE_PRODUCT = "Managed Database"
ENGINE_VERSIONS = {
    "pg": ("15", "16"),
    "mysql": ("8",),
    "valkey": ("7",),
    "kafka": ("3.8",),
    "ferretpg": ("15",),
}
ENGINE_PORTS = {
    "pg": "16751",
    "mysql": "16751",
    "valkey": "16752",
    "kafka": "16753",
    "ferretpg": "16751",
}
FERRETDB_PORT = 27017
"""FerretDB speaks the MongoDB wire protocol, on MongoDB's port (an int, unlike `port`)."""
EVICTION_POLICIES = ("allkeys-lru", "volatile-lru", "noeviction", "allkeys-lfu", "volatile-ttl")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass
class DatabaseFleet:
    databases: list[JsonObject] = field(default_factory=list)
    extras: dict[str, DatabaseExtras] = field(default_factory=dict)
    charges: list[Charge] = field(default_factory=list)


def build_databases(gen: Generator, secrets: SecretMaker, count: int) -> DatabaseFleet:
    fleet = DatabaseFleet()
    for spec in specs_for(gen, count):
        created = gen.days_ago(20, 700)
        primary = _database(gen, secrets, spec, spec.region, spec.label, spec.status, created)
        fleet.extras[primary["id"]] = build_extras(gen, secrets, spec, primary)
        fleet.charges.append(_charge(primary, created))
        if spec.replica_region:
            replica_created = gen.between(created, gen.now - timedelta(days=1))
            replica_label = f"{spec.label}-replica-{spec.replica_region}"
            replica = _database(
                gen, secrets, spec, spec.replica_region, replica_label, "Running", replica_created
            )
            replica["read_replicas"] = []
            primary["read_replicas"].append(replica)
            fleet.extras[replica["id"]] = build_extras(gen, secrets, spec, replica)
            fleet.charges.append(_charge(replica, replica_created))
        fleet.databases.append(primary)
    return fleet


def _charge(database: JsonObject, created: datetime) -> Charge:
    plan = DATABASE_PLAN_BY_ID[database["plan"]]
    return Charge(
        f"Managed Database ({database['label']})",
        DATABASE_PRODUCT,
        plan.monthly_cost,
        created,
        owner=database["id"],
    )


def _database(
    gen: Generator,
    secrets: SecretMaker,
    spec: Spec,
    region: str,
    label: str,
    status: str,
    created: datetime,
) -> JsonObject:
    plan = DATABASE_PLAN_BY_ID[spec.plan]
    engine = spec.engine
    database_id = gen.uuid()
    public_host = f"vultr-prod-{database_id}-vultr-prod-{gen.hex(4)}.vultrdb.com"
    backup_hour, backup_minute = gen.rng.randint(0, 23), gen.rng.randint(0, 59)
    database: JsonObject = {
        "id": database_id,
        "date_created": db_time(created),
        "plan": plan.id,
    }
    if plan.disk_gb is not None:
        database["plan_disk"] = plan.disk_gb
    database |= {"plan_ram": plan.ram_mb, "plan_vcpus": plan.vcpu_count}
    if engine == "kafka":
        database["plan_brokers"] = plan.number_of_nodes
    else:
        database["plan_replicas"] = plan.number_of_nodes - 1
    database |= {
        "region": region.upper(),
        "database_engine": engine,
        "database_engine_version": gen.rng.choice(ENGINE_VERSIONS[engine]),
        "vpc_id": gen.uuid() if spec.vpc else "",
        "status": status,
        "label": label,
        "tag": spec.tag,
        "pending_charges": 0,
    }
    if engine in SQL_ENGINES:
        database["dbname"] = "defaultdb"
    database |= {
        "host": f"private-{public_host}" if spec.vpc else public_host,
        "public_host": public_host if spec.vpc else "",
        "user": "vultradmin",
        "password": secrets.password("AVNS_", 19),
        "port": ENGINE_PORTS[engine],
    }
    if engine == "kafka":
        database["sasl_port"] = "16754"
    database |= {
        "maintenance_dow": gen.rng.choice(WEEKDAYS),
        "maintenance_time": f"{gen.rng.randint(0, 23):02d}:00:00",
        "backup_hour": str(backup_hour),
        "backup_minute": str(backup_minute),
        "latest_backup": ""
        if engine == "kafka"
        else db_time(_latest_backup(gen.now, backup_hour, backup_minute)),
        "trusted_ips": ["203.0.113.0/24"] if spec.tag == "prod" else [],
        "ca_certificate": secrets.pem("CERTIFICATE"),
        "cluster_time_zone": gen.rng.choice(("UTC", "America/New_York", "Europe/Amsterdam")),
    }
    database |= _engine_fields(gen, secrets, engine, public_host)
    database["read_replicas"] = []
    return database


def _engine_fields(gen: Generator, secrets: SecretMaker, engine: str, host: str) -> JsonObject:
    if engine == "mysql":
        return {
            "mysql_sql_modes": [
                "ANSI",
                "ERROR_FOR_DIVISION_BY_ZERO",
                "NO_ZERO_DATE",
                "STRICT_ALL_TABLES",
            ],
            "mysql_require_primary_key": True,
            "mysql_slow_query_log": gen.rng.random() < 0.5,
            "mysql_long_query_time": 2,
        }
    if engine == "pg":
        return {
            "pg_available_extensions": [
                {"name": "pg_stat_statements", "versions": ["1.10"]},
                {"name": "postgis", "versions": ["3.4.2"]},
                {"name": "pgvector", "versions": ["0.7.4"]},
                {"name": "uuid-ossp"},
            ]
        }
    if engine == "valkey":
        return {"eviction_policy": gen.rng.choice(EVICTION_POLICIES)}
    if engine == "ferretpg":
        return {
            "ferretdb_credentials": {
                "host": f"ferretdb-{host}",
                "port": FERRETDB_PORT,
                "user": "vultradmin",
                "password": secrets.password("AVNS_", 19),
                "public_ip": gen.ipv4(("64.176", "137.220")),
                "private_ip": gen.private_ipv4(),
            }
        }
    return {
        "access_key": secrets.pem("PRIVATE KEY"),
        "access_cert": secrets.pem("CERTIFICATE"),
        "enable_kafka_rest": True,
        "kafka_rest_uri": f"https://{host}:16755",
        "enable_schema_registry": False,
        "schema_registry_uri": "",
        "enable_kafka_connect": False,
    }


def _latest_backup(now: datetime, hour: int, minute: int) -> datetime:
    """Daily backups at backup_hour:backup_minute UTC; the last one that has already run."""
    today = now.replace(
        hour=hour, minute=minute, second=_backup_second(hour, minute), microsecond=0
    )
    return today if today <= now else today - timedelta(days=1)


def _backup_second(hour: int, minute: int) -> int:
    """A stable seconds value, so backups do not all end on :00."""
    return (hour * 7 + minute * 13) % 60
