"""The sub-resources of each managed database: usage, alerts, maintenance, users, backups.

They are served under `/v2/databases/{id}/...` and follow the database's spec: full disks and
memory pressure raise alerts, and each engine has its own user fields, pools and logical dbs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .catalog import DATABASE_PLAN_BY_ID, DatabasePlan
from .database_specs import SQL_ENGINES, Spec
from .generation import Generator, SecretMaker, db_time
from .messages import JsonObject

BACKUP_RETENTION_DAYS = 7
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


def build_extras(
    gen: Generator, secrets: SecretMaker, spec: Spec, database: JsonObject
) -> DatabaseExtras:
    """Everything Vultr serves under one database's id, primary and replica alike."""
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
