"""Versioned schema migrations: numbered SQL files applied in order, once, under a lock.

``migrations/NNNN_name.sql`` are applied in version order inside one transaction that first
takes a PostgreSQL advisory lock, so replicas starting together migrate once: the first applies
what is missing, the others wait for it and find nothing left to do. Each applied file is
recorded in ``schema_migrations`` with a checksum; a file changed after it was applied, or a
store migrated by a newer release, is refused rather than guessed at.

A small runner rather than Alembic or yoyo: Alembic needs SQLAlchemy and an env.py to run
plain SQL, and neither tool takes an advisory lock for us (yoyo locks with a table of its own,
which a crashed run leaves held); this is the one place schema changes happen, in 80 lines.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import tuple_row

from vultr_core.api.errors import ServiceError

VERSION_TABLE = "schema_migrations"
_FILE_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available_migrations() -> tuple[Migration, ...]:
    """Every migration this release knows, oldest first."""
    folder = resources.files("vultr_core.history") / "migrations"
    found = []
    for entry in folder.iterdir():
        match = _FILE_NAME.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return tuple(sorted(found, key=lambda migration: migration.version))


def lock_key(schema: str, purpose: str) -> int:
    """A signed 64-bit advisory lock key for one purpose in one schema."""
    digest = hashlib.sha256(f"vultr-dashboard:{schema}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def checked_schema(schema: str) -> str:
    """A schema name we create ourselves: lower-case letters, digits and underscores."""
    if not _SCHEMA_NAME.fullmatch(schema):
        raise ValueError(f"not a schema name we create: {schema!r}")
    return schema


def migrate(conn: psycopg.Connection[Any], schema: str, *, target: int | None = None) -> list[int]:
    """Bring ``schema`` up to ``target`` (default: the newest); return the versions applied.

    Raises:
        ServiceError: an applied migration differs from this release's file, or the store
            was migrated by a newer release.
    """
    known = available_migrations()
    wanted = [m for m in known if target is None or m.version <= target]
    name = sql.Identifier(checked_schema(schema))
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(schema, "migrate"),))
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
        cur.execute(sql.SQL("SET LOCAL search_path TO {}").format(name))
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version integer PRIMARY KEY, "
            "name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL "
            "DEFAULT now())"
        )
        rows = cur.execute(f"SELECT version, checksum FROM {VERSION_TABLE}").fetchall()
        applied: dict[int, str] = dict(rows)
        _check_applied(applied, known)
        done = []
        for migration in wanted:
            if migration.version in applied:
                continue
            cur.execute(migration.sql.encode())
            cur.execute(
                f"INSERT INTO {VERSION_TABLE} (version, name, checksum) VALUES (%s, %s, %s)",
                (migration.version, migration.name, migration.checksum),
            )
            done.append(migration.version)
    return done


def _check_applied(applied: dict[int, str], known: tuple[Migration, ...]) -> None:
    by_version = {migration.version: migration for migration in known}
    newest = max(by_version, default=0)
    if applied and max(applied) > newest:
        raise ServiceError(
            f"the history store's schema is at version {max(applied)}, newer than this "
            f"release knows ({newest}): upgrade the dashboard"
        )
    for version, checksum in applied.items():
        if version in by_version and by_version[version].checksum != checksum:
            raise ServiceError(
                f"history migration {version} ({by_version[version].name}) was changed after "
                "it was applied; restore the original file or migrate by hand"
            )


def schema_version(conn: psycopg.Connection[Any], schema: str) -> int:
    """The newest version applied to ``schema``; 0 when it has none."""
    with conn.cursor(row_factory=tuple_row) as cur:
        row = cur.execute(
            "SELECT to_regclass(%s) IS NOT NULL", (f"{checked_schema(schema)}.{VERSION_TABLE}",)
        ).fetchone()
        if row is None or not row[0]:
            return 0
        query = sql.SQL("SELECT coalesce(max(version), 0) FROM {}.{}").format(
            sql.Identifier(schema), sql.Identifier(VERSION_TABLE)
        )
        found = cur.execute(query).fetchone()
    return int(found[0]) if found else 0
