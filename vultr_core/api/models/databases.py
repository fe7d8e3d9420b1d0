"""Managed databases and what the API reports about them: usage, alerts, backups, pools, plans.

The legacy engine name ``redis`` reads as ``valkey`` everywhere here, so one engine never
appears under two names.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from vultr_core.api.models.common import Json
from vultr_core.api.parsing import (
    mapping,
    mappings,
    parse_bool,
    parse_count,
    parse_datetime,
    parse_float,
    parse_int,
    parse_percent,
    parse_price,
    parse_str,
    parse_str_list,
    parse_usd,
)

# vultr-api.md §2.7.1: Vultr renamed its Redis product to Valkey in late 2024.
_ENGINE_ALIASES = {"redis": "valkey"}


def normalise_engine(engine: str) -> str:
    """The current engine name: ``redis`` (before the 2024 rename) reads as ``valkey``."""
    lowered = engine.strip().lower()
    return _ENGINE_ALIASES.get(lowered, lowered)


@dataclass(frozen=True, slots=True)
class Database:
    """A managed database; read replicas are databases of their own, nested one level."""

    id: str
    label: str
    tag: str
    engine: str
    engine_version: str
    plan: str
    # None when the API sent no valid figure: shown as "—", left out of sums.
    plan_vcpus: int | None
    plan_ram_mb: int | None
    plan_disk_gb: int | None
    plan_replicas: int
    region: str
    status: str
    date_created: datetime | None
    host: str
    public_host: str
    port: int | None
    dbname: str
    user: str
    vpc_id: str
    maintenance_dow: str
    maintenance_time: str
    backup_hour: int | None
    backup_minute: int | None
    latest_backup: datetime | None
    trusted_ips: tuple[str, ...]
    eviction_policy: str | None
    cluster_time_zone: str
    # Added in 2026 (govultr v3.28.0); None on older responses.
    pending_charges_usd: float | None
    read_replicas: tuple[Database, ...]

    @property
    def node_count(self) -> int:
        """Primary plus standby nodes (replicas excluded: they are billed on their own)."""
        return 1 + self.plan_replicas

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            id=parse_str(data.get("id")),
            label=parse_str(data.get("label")),
            tag=parse_str(data.get("tag")),
            engine=normalise_engine(parse_str(data.get("database_engine"))),
            engine_version=parse_str(data.get("database_engine_version")),
            plan=parse_str(data.get("plan")),
            plan_vcpus=parse_count(data.get("plan_vcpus")),
            plan_ram_mb=parse_count(data.get("plan_ram")),
            plan_disk_gb=parse_count(data.get("plan_disk")),
            plan_replicas=parse_count(data.get("plan_replicas")) or 0,
            # Databases report regions in upper case (vultr-api.md §1.6); instances do not.
            region=parse_str(data.get("region")).lower(),
            status=parse_str(data.get("status")),
            date_created=parse_datetime(data.get("date_created")),
            host=parse_str(data.get("host")),
            public_host=parse_str(data.get("public_host")),
            port=parse_int(data.get("port"), minimum=1, maximum=65_535),
            dbname=parse_str(data.get("dbname")),
            user=parse_str(data.get("user")),
            vpc_id=parse_str(data.get("vpc_id")),
            maintenance_dow=parse_str(data.get("maintenance_dow")),
            maintenance_time=parse_str(data.get("maintenance_time")),
            backup_hour=parse_int(data.get("backup_hour"), minimum=0, maximum=23),
            backup_minute=parse_int(data.get("backup_minute"), minimum=0, maximum=59),
            latest_backup=parse_datetime(data.get("latest_backup")),
            trusted_ips=parse_str_list(data.get("trusted_ips")),
            eviction_policy=parse_str(
                data.get("eviction_policy") or data.get("redis_eviction_policy")
            )
            or None,
            cluster_time_zone=parse_str(data.get("cluster_time_zone")),
            pending_charges_usd=parse_usd(data.get("pending_charges")),
            read_replicas=tuple(
                Database.from_api(replica) for replica in mappings(data.get("read_replicas"))
            ),
        )


@dataclass(frozen=True, slots=True)
class UsageFigure:
    current: float | None
    maximum: float | None
    percentage: float | None


@dataclass(frozen=True, slots=True)
class DatabaseUsage:
    disk_gb: UsageFigure
    memory_mb: UsageFigure
    cpu_percentage: float | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        disk, memory = mapping(data.get("disk")), mapping(data.get("memory"))
        return cls(
            disk_gb=UsageFigure(
                parse_float(disk.get("current_gb"), minimum=0.0),
                parse_float(disk.get("max_gb"), minimum=0.0),
                parse_percent(disk.get("percentage")),
            ),
            memory_mb=UsageFigure(
                parse_float(memory.get("current_mb"), minimum=0.0),
                parse_float(memory.get("max_mb"), minimum=0.0),
                parse_percent(memory.get("percentage")),
            ),
            cpu_percentage=parse_percent(mapping(data.get("cpu")).get("percentage")),
        )


@dataclass(frozen=True, slots=True)
class DatabaseAlert:
    timestamp: datetime | None
    message_type: str
    description: str
    recommendation: str | None
    maintenance_scheduled: datetime | None
    resource_type: str | None
    table_count: int | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            timestamp=parse_datetime(data.get("timestamp")),
            message_type=parse_str(data.get("message_type")),
            description=parse_str(data.get("description")),
            recommendation=parse_str(data.get("recommendation")) or None,
            maintenance_scheduled=parse_datetime(data.get("maintenance_scheduled")),
            resource_type=parse_str(data.get("resource_type")) or None,
            table_count=parse_count(data.get("table_count")),
        )


def _backup_time(data: Json) -> datetime | None:
    date, time = parse_str(data.get("date")), parse_str(data.get("time"))
    return parse_datetime(f"{date} {time}".strip()) if date else None


@dataclass(frozen=True, slots=True)
class DatabaseBackups:
    latest: datetime | None
    oldest: datetime | None

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            latest=_backup_time(mapping(data.get("latest_backup"))),
            oldest=_backup_time(mapping(data.get("oldest_backup"))),
        )


@dataclass(frozen=True, slots=True)
class ConnectionPool:
    name: str
    database: str
    username: str
    mode: str
    size: int

    @classmethod
    def from_api(cls, data: Json) -> Self:
        return cls(
            name=parse_str(data.get("name")),
            database=parse_str(data.get("database")),
            username=parse_str(data.get("username")),
            mode=parse_str(data.get("mode")),
            size=parse_count(data.get("size")) or 0,
        )


@dataclass(frozen=True, slots=True)
class ConnectionPools:
    connections_used: int
    connections_available: int
    connections_max: int
    pools: tuple[ConnectionPool, ...]

    @classmethod
    def from_api(cls, data: Json) -> Self:
        connections = mapping(data.get("connections"))
        return cls(
            connections_used=parse_count(connections.get("used")) or 0,
            connections_available=parse_count(connections.get("available")) or 0,
            connections_max=parse_count(connections.get("max")) or 0,
            pools=tuple(ConnectionPool.from_api(p) for p in mappings(data.get("connection_pools"))),
        )


@dataclass(frozen=True, slots=True)
class DatabasePlan:
    id: str
    type: str
    number_of_nodes: int
    vcpu_count: int
    ram_mb: int
    disk_gb: int | None
    # None when the catalogue sent no valid price: databases on the plan are then unpriced.
    monthly_cost_usd: float | None
    supported_engines: tuple[str, ...]
    max_connections: Mapping[str, int]
    locations: tuple[str, ...]

    @classmethod
    def from_api(cls, data: Json) -> Self:
        engines = mapping(data.get("supported_engines"))
        connections = mapping(data.get("max_connections"))
        return cls(
            id=parse_str(data.get("id")),
            type=parse_str(data.get("type")),
            number_of_nodes=parse_count(data.get("number_of_nodes")) or 1,
            vcpu_count=parse_count(data.get("vcpu_count")) or 0,
            ram_mb=parse_count(data.get("ram")) or 0,
            disk_gb=parse_count(data.get("disk")),
            monthly_cost_usd=parse_price(data.get("monthly_cost")),
            supported_engines=tuple(
                sorted({normalise_engine(name) for name, on in engines.items() if parse_bool(on)})
            ),
            max_connections={
                normalise_engine(engine): count
                for engine, value in connections.items()
                if (count := parse_count(value)) is not None
            },
            locations=tuple(loc.lower() for loc in parse_str_list(data.get("locations"))),
        )
