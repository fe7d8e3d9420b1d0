"""The JSON documents the HTTP API answers with: the same records and field names as the
command line's ``--json`` (both go through ``json_document``), so one parser serves both."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from vultr_core.api.management import ManagementClient
from vultr_core.inventory.database_health import judge_database
from vultr_core.json_document import json_document
from vultr_core.spend.summary import build_summary


def account_document(client: ManagementClient) -> Any:
    return json_document(client.account())


def instances_document(client: ManagementClient, *, region: str | None, tag: str | None) -> Any:
    return json_document(client.instances(region=region, tag=tag))


def databases_document(client: ManagementClient, *, engine: str | None = None) -> Any:
    return json_document(client.databases(engine=engine))


def database_document(client: ManagementClient, database_id: str) -> dict[str, Any]:
    """One database with what the Databases page shows below it."""
    return {
        "database": json_document(client.database(database_id)),
        "usage": json_document(client.database_usage(database_id)),
        "alerts": json_document(client.database_alerts(database_id)),
        "backups": json_document(client.database_backups(database_id)),
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
    return {"id": database_id, **json_document(health)}


def summary_document(client: ManagementClient) -> Any:
    return json_document(build_summary(client, now=datetime.now(UTC)))
