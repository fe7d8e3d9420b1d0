"""The OpenAPI 3.1 document of the HTTP API, its schemas derived from the very records the
routes serialise, so the description cannot drift from the answers."""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import types
from datetime import date, datetime
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from vultr_core import __version__
from vultr_core.api.models.billing import Account
from vultr_core.api.models.compute import Instance
from vultr_core.api.models.databases import (
    Database,
    DatabaseAlert,
    DatabaseBackups,
    DatabaseUsage,
)
from vultr_core.health.postgres_pool import PoolStats
from vultr_core.inventory.database_health import DatabaseHealth
from vultr_core.spend.summary import SpendSummary

JsonSchema = dict[str, Any]
# Fields whose meaning a name cannot carry: added to the derived schemas as descriptions.
FIELD_NOTES = {
    ("Account", "balance_usd"): (
        "Vultr's sign: negative is credit (money you have paid ahead), positive is owed. "
        "-300.0 means $300.00 in credit."
    ),
    ("Account", "last_payment_amount_usd"): "Vultr's sign: a payment is negative.",
    ("SpendSummary", "balance_usd"): (
        "Vultr's sign: negative is credit, positive is owed (as Account.balance_usd)."
    ),
}
DEMO: JsonSchema = {
    "type": "boolean",
    "description": (
        "true when the figures are the simulated demo organisation's (no VULTR_API_KEY is set), "
        "as in the command line's --json."
    ),
}
_SCALARS: dict[Any, JsonSchema] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    datetime: {"type": "string", "format": "date-time"},
    date: {"type": "string", "format": "date"},
    type(None): {"type": "null"},
}


def schema_of(annotation: Any, components: dict[str, JsonSchema]) -> JsonSchema:
    """The JSON schema of a type hint; records become components referenced by name."""
    if annotation in _SCALARS:
        return dict(_SCALARS[annotation])
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        return {"anyOf": [schema_of(arg, components) for arg in args]}
    if origin is Literal:
        return {"enum": list(args)}
    if origin in (list, tuple):
        item = args[0] if args else Any
        return {"type": "array", "items": schema_of(item, components)}
    if origin in (dict, collections.abc.Mapping):
        return {"type": "object", "additionalProperties": schema_of(args[1], components)}
    if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
        name = annotation.__name__
        if name not in components:
            components[name] = {}  # placeholder: records may refer to themselves
            hints = get_type_hints(annotation)
            fields = [f.name for f in dataclasses.fields(annotation)]
            components[name] = {
                "type": "object",
                "properties": {
                    field: _noted(
                        schema_of(hints[field], components), FIELD_NOTES.get((name, field))
                    )
                    for field in fields
                },
                "required": fields,
            }
        return {"$ref": f"#/components/schemas/{name}"}
    return {}


def _noted(schema: JsonSchema, note: str | None) -> JsonSchema:
    return schema if note is None else {**schema, "description": note}


def _labelled(schema: JsonSchema) -> JsonSchema:
    """A management document's schema with the ``demo`` each of its records carries."""
    if schema.get("type") == "array":
        return {**schema, "items": _labelled(schema["items"])}
    if "$ref" in schema:
        return {"allOf": [schema], "properties": {"demo": DEMO}, "required": ["demo"]}
    return {
        **schema,
        "properties": {**schema.get("properties", {}), "demo": DEMO},
        "required": [*schema.get("required", []), "demo"],
    }


def _ok(schema: JsonSchema, description: str) -> JsonSchema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problem(description: str) -> JsonSchema:
    return _ok({"$ref": "#/components/schemas/RouteError"}, description)


@functools.cache
def openapi_document() -> dict[str, Any]:
    """The whole document (built once: it depends on code only)."""
    components: dict[str, JsonSchema] = {}

    def ref(record: type) -> JsonSchema:
        return schema_of(record, components)

    health = {
        "type": "object",
        "properties": {
            "status": {"enum": ["up", "down"]},
            "checked_at": {"type": "string"},
            "services": {"type": "array", "items": {"type": "object"}},
        },
    }
    database_detail = {
        "type": "object",
        "properties": {
            "database": ref(Database),
            "usage": ref(DatabaseUsage),
            "alerts": {"type": "array", "items": ref(DatabaseAlert)},
            "backups": ref(DatabaseBackups),
            "maintenance": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["database", "usage", "alerts", "backups", "maintenance"],
    }
    database_health = {
        "allOf": [ref(DatabaseHealth)],
        "properties": {"id": {"type": "string"}},
        "required": ["id"],
    }
    pools = {
        "type": "object",
        "properties": {
            "postgres": {"anyOf": [ref(PoolStats), {"type": "null"}]},
            "valkey": {
                "anyOf": [
                    {"type": "object", "additionalProperties": {"type": "integer"}},
                    {"type": "null"},
                ]
            },
        },
    }
    stats = {
        "type": "object",
        "properties": {
            "pools": pools,
            "services": {"type": "object", "additionalProperties": {"type": "object"}},
            "inference_requests_per_minute": {"type": "integer"},
        },
        "required": ["pools", "services", "inference_requests_per_minute"],
    }
    denied = {"401": _problem("No bearer token"), "403": _problem("Wrong token, or API off")}
    upstream = {
        "502": _problem("Vultr failed"),
        "503": _problem("Not configured"),
        "504": _problem("Vultr timed out"),
    }
    database_id = {
        "name": "database_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9A-Za-z-]{1,64}$"},
    }

    def get(summary: str, ok: JsonSchema, **more: JsonSchema) -> JsonSchema:
        return {"get": {"summary": summary, "responses": {"200": ok, **denied, **more}}}

    paths: dict[str, Any] = {
        "/api/vultr/health": {
            "get": {
                "summary": "Every service's status; without a token only up/down",
                "responses": {
                    "200": _ok(health, "None is down"),
                    "503": _ok(health, "A service is down"),
                },
            }
        },
        "/api/vultr/stats": get("Connection pool statistics", _ok(stats, "Pools")),
        "/api/vultr/test": {
            "post": {
                "summary": "One active round trip per configured service",
                "responses": {
                    "200": _ok({"type": "object"}, "All passed"),
                    "503": _ok({"type": "object"}, "A round trip failed"),
                    **denied,
                },
            }
        },
        "/api/vultr/management/account": get(
            "The account", _ok(_labelled(ref(Account)), "Account"), **upstream
        ),
        "/api/vultr/management/databases": get(
            "Managed databases",
            _ok(_labelled({"type": "array", "items": ref(Database)}), "Databases"),
            **upstream,
        ),
        "/api/vultr/management/databases/{database_id}": {
            "parameters": [database_id],
            **get(
                "One database with usage, alerts, backups and maintenance",
                _ok(_labelled(database_detail), "The database"),
                **upstream,
                **{"400": _problem("Bad id"), "404": _problem("No such database")},
            ),
        },
        "/api/vultr/management/databases/{database_id}/health": {
            "parameters": [database_id],
            **get(
                "The database's verdict and its reasons",
                _ok(_labelled(database_health), "Verdict"),
                **upstream,
                **{"400": _problem("Bad id"), "404": _problem("No such database")},
            ),
        },
        "/api/vultr/management/valkey": get(
            "Managed Valkey instances",
            _ok(_labelled({"type": "array", "items": ref(Database)}), "Valkey instances"),
            **upstream,
        ),
        "/api/vultr/management/instances": {
            "parameters": [
                {"name": "region", "in": "query", "schema": {"type": "string"}},
                {"name": "tag", "in": "query", "schema": {"type": "string"}},
            ],
            **get(
                "Compute instances",
                _ok(_labelled({"type": "array", "items": ref(Instance)}), "Instances"),
                **upstream,
                **{"400": _problem("Bad filter")},
            ),
        },
        "/api/vultr/management/summary": get(
            "Month to date, forecast, run-rate, counts and waste",
            _ok(_labelled(ref(SpendSummary)), "Summary"),
            **upstream,
        ),
        "/metrics": {
            "get": {
                "summary": "Prometheus text format",
                "responses": {
                    "200": {"description": "Metrics", "content": {"text/plain": {}}},
                    **denied,
                },
            }
        },
        "/api/vultr/openapi.json": get("This document", _ok({"type": "object"}, "OpenAPI")),
    }
    components["RouteError"] = {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
                "required": ["type", "message"],
            }
        },
        "required": ["error"],
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Vultr Dashboard API", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{}, {"bearer": []}],
    }
