"""The `/v2/databases` routes: records, plans and each database's sub-resources.

With legacy engine names on, Valkey is served as it was before 2025 (`redis`, `redis_*` fields,
vultr-api.md 2.7.1), so clients can be tested against both spellings.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta

from .database_extras import DatabaseExtras
from .management_routing import ApiError
from .messages import JsonObject, SimRequest, SimResponse
from .organisation import Organisation

ALERT_PERIODS = {
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
    "month": timedelta(days=31),
    "year": timedelta(days=365),
}
ALERT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# Legacy (pre-2025) names of the Valkey engine and its fields (vultr-api.md 2.7.1).
LEGACY_ENGINE = "redis"
LEGACY_FIELD_PREFIX = "redis_"


class DatabaseHandlers:
    """Handlers for the database routes; `ManagementApi` runs them under its lock."""

    def __init__(self, organisation: Organisation, legacy_engine_names: bool) -> None:
        self._org = organisation
        self._legacy = legacy_engine_names
        self._databases = {db["id"]: db for db in organisation.databases}
        self._databases |= {
            r["id"]: r for db in organisation.databases for r in db["read_replicas"]
        }

    def database_list(self, request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        """Not paged: `meta` has `total` and no `links`; filters label, tag, region only."""
        label, tag, region = request.param("label"), request.param("tag"), request.param("region")
        databases = [
            self._render_database(db)
            for db in self._org.databases
            if (label is None or db["label"] == label)
            and (tag is None or db["tag"] == tag)
            and (region is None or db["region"] == region.upper())
        ]
        return SimResponse.json({"databases": databases, "meta": {"total": len(databases)}})

    def database_plans(self, request: SimRequest, _ids: dict[str, str]) -> SimResponse:
        engine, nodes, region = (
            request.param("engine"),
            request.param("nodes"),
            request.param("region"),
        )
        if engine == LEGACY_ENGINE:
            engine = "valkey"
        try:
            node_count = int(nodes) if nodes else None
        except ValueError as err:
            raise ApiError(400, "Invalid nodes value.") from err
        plans = [
            self._render_engines(plan)
            for plan in self._org.database_plans
            if (engine is None or plan["supported_engines"].get(engine, False))
            and (node_count is None or plan["number_of_nodes"] == node_count)
            and (region is None or region.upper() in plan["locations"])
        ]
        return SimResponse.json({"plans": plans})

    def _find_database(self, ids: dict[str, str]) -> JsonObject:
        database = self._databases.get(ids["database_id"])
        if database is None:
            raise ApiError(404, "Database not found.")
        return database

    def _extras(self, ids: dict[str, str]) -> tuple[JsonObject, DatabaseExtras]:
        database = self._find_database(ids)
        return database, self._org.database_extras[database["id"]]

    def database(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        return SimResponse.json({"database": self._render_database(self._find_database(ids))})

    def database_usage(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        return SimResponse.json({"usage": self._extras(ids)[1].usage})

    def database_backups(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        """No wrapper key; Kafka has no backups, which Vultr answers with an error."""
        extras = self._extras(ids)[1]
        if extras.backups is None:
            raise ApiError(404, "Backups are not available for Kafka databases.")
        return SimResponse.json(extras.backups)

    def database_maintenance(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        return SimResponse.json({"available_updates": self._extras(ids)[1].maintenance})

    def connection_pools(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        pools = self._pools(ids)
        return SimResponse.json({**pools, "meta": {"total": len(pools["connection_pools"])}})

    def database_users(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        users = self._extras(ids)[1].users
        if self._legacy:
            users = [_legacy_user(user) for user in users]
        return SimResponse.json({"users": users, "meta": {"total": len(users)}})

    def database_user(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        user = _named(self._extras(ids)[1].users, "username", ids["username"], "User")
        return SimResponse.json({"user": _legacy_user(user) if self._legacy else user})

    def database_dbs(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        dbs = self._logical_databases(ids)
        return SimResponse.json({"dbs": dbs, "meta": {"total": len(dbs)}})

    def database_db(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        db = _named(self._logical_databases(ids), "name", ids["db_name"], "Logical database")
        return SimResponse.json({"db": db})

    def connection_pool(self, _request: SimRequest, ids: dict[str, str]) -> SimResponse:
        pools = self._pools(ids)["connection_pools"]
        pool = _named(pools, "name", ids["pool_name"], "Connection pool")
        return SimResponse.json({"connection_pool": pool})

    def _logical_databases(self, ids: dict[str, str]) -> list[JsonObject]:
        dbs = self._extras(ids)[1].dbs
        if dbs is None:
            raise ApiError(400, "Logical databases are only available for MySQL and PostgreSQL.")
        return dbs

    def _pools(self, ids: dict[str, str]) -> JsonObject:
        pools = self._extras(ids)[1].connection_pools
        if pools is None:
            raise ApiError(400, "Connection pools are only available for PostgreSQL databases.")
        return pools

    def database_alerts(self, request: SimRequest, ids: dict[str, str]) -> SimResponse:
        """A read served as POST with `{"period": "day|week|month|year"}`; 422 otherwise."""
        extras = self._extras(ids)[1]
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            body = None
        period = body.get("period") if isinstance(body, dict) else None
        if period not in ALERT_PERIODS:
            raise ApiError(422, "Invalid period. Expected one of: day, week, month, year.")
        since = self._org.now - ALERT_PERIODS[period]
        alerts = [
            alert
            for alert in extras.alerts
            if datetime.strptime(alert["timestamp"], ALERT_TIME_FORMAT).replace(tzinfo=since.tzinfo)
            >= since
        ]
        return SimResponse.json({"alerts": alerts})

    def _render_database(self, database: JsonObject) -> JsonObject:
        if not self._legacy or database["database_engine"] != "valkey":
            return database
        legacy = {
            (LEGACY_FIELD_PREFIX + key if key == "eviction_policy" else key): value
            for key, value in database.items()
        }
        legacy["database_engine"] = LEGACY_ENGINE
        legacy["read_replicas"] = [self._render_database(r) for r in database["read_replicas"]]
        return legacy

    def _render_engines(self, plan: JsonObject) -> JsonObject:
        if not self._legacy:
            return plan
        engines = {
            (LEGACY_ENGINE if engine == "valkey" else engine): supported
            for engine, supported in plan["supported_engines"].items()
        }
        return {**plan, "supported_engines": engines}


def _named(items: list[JsonObject], field: str, value: str, kind: str) -> JsonObject:
    """The item whose `field` is `value`; Vultr's 404 names what was not found."""
    found = next((item for item in items if item[field] == value), None)
    if found is None:
        raise ApiError(404, f"{kind} not found.")
    return found


def _legacy_user(user: JsonObject) -> JsonObject:
    """Valkey ACL fields under their pre-2025 `redis_acl_*` names."""
    if "access_control" not in user:
        return user
    legacy = copy.copy(user)
    legacy["access_control"] = {
        LEGACY_FIELD_PREFIX + key: value for key, value in user["access_control"].items()
    }
    return legacy
