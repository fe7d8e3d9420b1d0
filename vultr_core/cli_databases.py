"""The ``databases`` and ``valkey`` commands' rows: engine names as people type them, and
read replicas as databases of their own, as on the Databases page (each bills on its own)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from vultr_core.api.models.databases import Database, normalise_engine

# Vultr's engine ids (vultr-api.md §2.7), each with the names people use for it.
ENGINE_NAMES = {
    "pg": ("postgres", "postgresql", "psql", "pgsql"),
    "mysql": (),
    "valkey": ("redis",),
    "kafka": (),
    "ferretpg": ("ferretdb", "ferret"),
}
_ALIASES = {alias: engine for engine, aliases in ENGINE_NAMES.items() for alias in aliases}


class UnknownEngineError(ValueError):
    """``--engine`` names no engine Vultr has, nor one found in this account."""


@dataclass(frozen=True)
class DatabaseRow:
    """One line of the table: a database, or a read replica with the label of its primary."""

    database: Database
    replica_of: str | None = None


def engine_id(name: str, found: Iterable[str] = ()) -> str:
    """Vultr's id for an engine as typed (``postgres`` → ``pg``, ``redis`` → ``valkey``).

    ``found``: the engines in this account, accepted as they are even when new to us.

    Raises:
        UnknownEngineError: the name is no engine; the message lists the ones there are.
    """
    wanted = normalise_engine(name)
    wanted = _ALIASES.get(wanted, wanted)
    found = set(found)
    if wanted in ENGINE_NAMES or wanted in found:
        return wanted
    listed = ", ".join(
        f"{engine} ({', '.join(aliases)})" if aliases else engine
        for engine, aliases in ENGINE_NAMES.items()
    )
    others = sorted(found - set(ENGINE_NAMES))
    extra = f"; also in this account: {', '.join(others)}" if others else ""
    raise UnknownEngineError(f"--engine {name!r} is no database engine: use {listed}{extra}")


def database_rows(databases: Sequence[Database], engine: str | None = None) -> list[DatabaseRow]:
    """Every database, each read replica on the line after its primary; only ``engine``'s
    when given (a replica has its primary's engine)."""
    return [
        row
        for primary in databases
        if engine is None or primary.engine == engine
        for row in (
            DatabaseRow(primary),
            *(DatabaseRow(replica, primary.label) for replica in primary.read_replicas),
        )
    ]
