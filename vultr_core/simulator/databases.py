"""Managed databases of the demo organisation, with their usage, alerts, backups and more.

Field names, string-typed numbers, upper-case regions and date formats follow vultr-api.md 2.7
to the letter. Engines are emitted with their current names (`valkey`, `eviction_policy`); the
management API renames them on the way out when the simulator runs with legacy names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .billing import Charge
from .catalog import DATABASE_PLAN_BY_ID, DATABASE_PLANS, DatabasePlan
from .generation import Generator, SecretMaker, db_time
from .messages import JsonObject

DATABASE_PRODUCT = "Managed Database"
BACKUP_RETENTION_DAYS = 7
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
SQL_ENGINES = ("pg", "mysql", "ferretpg")
"""Engines with logical databases (`dbname`, `/dbs`); FerretDB runs on PostgreSQL."""
EVICTION_POLICIES = ("allkeys-lru", "volatile-lru", "noeviction", "allkeys-lfu", "volatile-ttl")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALERT_DESCRIPTIONS = {
    "RESOURCE USAGE DISK": "Disk usage is critically high for a database service, service is not "
    "performing normally.",
    "MAINTENANCE SCHEDULED": "Mandatory maintenance has been scheduled for a database service.",
    "MISSING MYSQL PRIMARY KEYS": "Tables without primary keys were found; replication and "
    "backups may be affected.",
    "DB MASTER PROMOTION": "A standby node was promoted to primary after the primary failed.",
    "RESOURCE USAGE OOM KILLED": "The database process ran out of memory and was restarted.",
}
UPGRADE_RECOMMENDATION = (
    "We recommend you review your application or upgrade to the next plan size."
)


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
POOLED_CONNECTION_SHARE = 0.6
"""Share of a PostgreSQL plan's connections in use, relative to its memory load."""
MISSING_PRIMARY_KEYS_SHARE = 0.5
SCHEDULED_MAINTENANCE_SHARE = 0.4
PENDING_UPDATES_SHARE = 0.4


@dataclass
class DatabaseExtras:
    """The per-database sub-resources served under `/v2/databases/{id}/...`."""

    usage: JsonObject
    alerts: list[JsonObject]
    maintenance: list[str]
    users: list[JsonObject]
    backups: JsonObject | None = None
    """None for Kafka: Vultr has no backups to show for it."""
    connection_pools: JsonObject | None = None
    """PostgreSQL only."""
    dbs: list[JsonObject] | None = None
    """MySQL and PostgreSQL only."""


@dataclass
class DatabaseFleet:
    databases: list[JsonObject] = field(default_factory=list)
    extras: dict[str, DatabaseExtras] = field(default_factory=dict)
    charges: list[Charge] = field(default_factory=list)


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


def build_databases(gen: Generator, secrets: SecretMaker, count: int) -> DatabaseFleet:
    fleet = DatabaseFleet()
    for spec in specs_for(gen, count):
        created = gen.days_ago(20, 700)
        primary = _database(gen, secrets, spec, spec.region, spec.label, spec.status, created)
        fleet.extras[primary["id"]] = _extras(gen, secrets, spec, primary)
        fleet.charges.append(_charge(primary, created))
        if spec.replica_region:
            replica_created = gen.between(created, gen.now - timedelta(days=1))
            replica_label = f"{spec.label}-replica-{spec.replica_region}"
            replica = _database(
                gen, secrets, spec, spec.replica_region, replica_label, "Running", replica_created
            )
            replica["read_replicas"] = []
            primary["read_replicas"].append(replica)
            fleet.extras[replica["id"]] = _extras(gen, secrets, spec, replica)
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


def _extras(
    gen: Generator, secrets: SecretMaker, spec: Spec, database: JsonObject
) -> DatabaseExtras:
    plan = DATABASE_PLAN_BY_ID[database["plan"]]
    engine = spec.engine
    extras = DatabaseExtras(
        usage=_usage(plan, spec),
        alerts=_alerts(gen, spec, database),
        maintenance=_maintenance(gen, engine),
        users=_users(gen, secrets, engine, database["password"]),
    )
    if engine != "kafka":
        latest = database["latest_backup"]
        oldest = datetime.fromisoformat(latest) - timedelta(
            days=BACKUP_RETENTION_DAYS - 1, seconds=2
        )
        extras.backups = {
            "latest_backup": {"date": latest[:10], "time": latest[11:]},
            "oldest_backup": {"date": db_time(oldest)[:10], "time": db_time(oldest)[11:]},
        }
    if engine == "pg":
        most = dict(plan.max_connections)["pg"]
        used = max(1, round(most * spec.memory_share * POOLED_CONNECTION_SHARE))
        extras.connection_pools = {
            "connections": {"used": used, "available": most - used, "max": most},
            "connection_pools": [
                _pool("app_pool", "app", "transaction", 10),
                _pool("reporting_pool", "readonly", "session", 4),
            ],
        }
    if engine in SQL_ENGINES:
        extras.dbs = [{"name": "defaultdb"}, {"name": "app"}]
    return extras


def _pool(name: str, username: str, mode: str, size: int) -> JsonObject:
    return {"name": name, "database": "app", "username": username, "mode": mode, "size": size}


def _usage(plan: DatabasePlan, spec: Spec) -> JsonObject:
    max_gb = plan.disk_gb or 0
    return {
        "disk": {
            "current_gb": round(max_gb * spec.disk_share, 2),
            "max_gb": max_gb,
            "percentage": round(spec.disk_share * 100, 2),
        },
        "memory": {
            "current_mb": round(plan.ram_mb * spec.memory_share, 2),
            "max_mb": plan.ram_mb,
            "percentage": round(spec.memory_share * 100, 2),
        },
        "cpu": {"percentage": round(spec.cpu_share * 100, 2)},
    }


def _alerts(gen: Generator, spec: Spec, database: JsonObject) -> list[JsonObject]:
    """Alerts follow the database's state: full disks, memory pressure, schema problems."""
    now = gen.now
    alerts = []
    if spec.disk_share >= 0.9:
        alerts.append(_alert(now - timedelta(hours=3), "RESOURCE USAGE DISK", resource_type="disk"))
    if spec.memory_share >= 0.85:
        alerts.append(
            _alert(now - timedelta(days=4), "RESOURCE USAGE OOM KILLED", resource_type="memory")
        )
    if spec.engine == "mysql" and gen.rng.random() < MISSING_PRIMARY_KEYS_SHARE:
        alerts.append(
            {
                "timestamp": db_time(now - timedelta(days=12)),
                "message_type": "MISSING MYSQL PRIMARY KEYS",
                "description": ALERT_DESCRIPTIONS["MISSING MYSQL PRIMARY KEYS"],
                "recommendation": "Add a primary key to every table.",
                "table_count": gen.rng.randint(1, 6),
            }
        )
    if spec.replica_region:
        alerts.append(
            {
                "timestamp": db_time(now - timedelta(days=40)),
                "message_type": "DB MASTER PROMOTION",
                "description": ALERT_DESCRIPTIONS["DB MASTER PROMOTION"],
            }
        )
    if gen.rng.random() < SCHEDULED_MAINTENANCE_SHARE:
        scheduled = (now + timedelta(days=gen.rng.randint(1, 6))).replace(
            hour=1, minute=0, second=0
        )
        alerts.append(
            {
                "timestamp": db_time(now - timedelta(hours=gen.rng.randint(1, 60))),
                "message_type": "MAINTENANCE SCHEDULED",
                "description": ALERT_DESCRIPTIONS["MAINTENANCE SCHEDULED"],
                "maintenance_scheduled": f"{db_time(scheduled)} (UTC)",
            }
        )
    alerts.sort(key=lambda alert: alert["timestamp"], reverse=True)
    return alerts


def _alert(when: datetime, message_type: str, resource_type: str) -> JsonObject:
    return {
        "timestamp": db_time(when),
        "message_type": message_type,
        "description": ALERT_DESCRIPTIONS[message_type],
        "recommendation": UPGRADE_RECOMMENDATION,
        "resource_type": resource_type,
    }


def _maintenance(gen: Generator, engine: str) -> list[str]:
    if gen.rng.random() >= PENDING_UPDATES_SHARE:
        return []
    updates = {
        "pg": "Upgrade PostgreSQL to the latest minor version",
        "mysql": "Upgrade MySQL to the latest minor version",
        "valkey": "Upgrade Valkey to the latest patch release",
        "kafka": "Upgrade Apache Kafka to the latest patch release",
        "ferretpg": "Upgrade FerretDB to the latest release",
    }
    return [updates[engine], "Apply operating system security updates"]


def _users(
    gen: Generator, secrets: SecretMaker, engine: str, admin_password: str
) -> list[JsonObject]:
    admin: JsonObject = {"username": "vultradmin", "password": admin_password}
    others = [
        {"username": name, "password": secrets.password("AVNS_", 19)}
        for name in ("app", "readonly")
    ]
    users = [admin, *others]
    for user in users:
        if engine == "mysql":
            user["encryption"] = "Default (MySQL 8+)"
        elif engine == "valkey":
            user["access_control"] = {
                "acl_categories": ["+@all"] if user is admin else ["+@read", "+@write"],
                "acl_channels": ["*"],
                "acl_commands": [],
                "acl_keys": ["*"] if user is admin else [f"{user['username']}:*"],
            }
        elif engine == "kafka":
            user["permission"] = "admin" if user is admin else gen.rng.choice(("read", "readwrite"))
            user["access_key"] = secrets.pem("PRIVATE KEY")
            user["access_cert"] = secrets.pem("CERTIFICATE")
    return users
