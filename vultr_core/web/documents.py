"""The JSON documents the HTTP API answers with: the same records and field names as the
command line's ``--json``, so one parser serves both."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from vultr_core.api.management import ManagementClient
from vultr_core.inventory.database_health import judge_database
from vultr_core.spend.summary import build_summary


def jsonable(value: object) -> Any:
    """Records, lists, mappings and dates as plain JSON values."""
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def account_document(client: ManagementClient) -> Any:
    return jsonable(client.account())


def instances_document(client: ManagementClient, *, region: str | None, tag: str | None) -> Any:
    return jsonable(client.instances(region=region, tag=tag))


def databases_document(client: ManagementClient, *, engine: str | None = None) -> Any:
    return jsonable(client.databases(engine=engine))


def database_document(client: ManagementClient, database_id: str) -> dict[str, Any]:
    """One database with what the Databases page shows below it."""
    return {
        "database": jsonable(client.database(database_id)),
        "usage": jsonable(client.database_usage(database_id)),
        "alerts": jsonable(client.database_alerts(database_id)),
        "backups": jsonable(client.database_backups(database_id)),
        "maintenance": client.database_maintenance(database_id),
    }


def database_health_document(client: ManagementClient, database_id: str) -> dict[str, Any]:
    health = judge_database(
        client.database(database_id),
        usage=client.database_usage(database_id),
        alerts=client.database_alerts(database_id),
        backups=client.database_backups(database_id),
        maintenance=client.database_maintenance(database_id),
        now=datetime.now(UTC),
    )
    return {"id": database_id, **jsonable(health)}


def summary_document(client: ManagementClient) -> Any:
    return jsonable(build_summary(client, now=datetime.now(UTC)))
