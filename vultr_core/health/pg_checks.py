"""pghero's PostgreSQL checks: one small query per figure, then one verdict per check.

The SQL follows pghero (``lib/pghero/methods/*.rb``, ANCHORS.md §2.1) and runs as a read-only
monitoring user. A figure the user may not read is recorded in ``ServerInfo.unavailable`` with
the reason, rather than failing the whole probe; sessions of other users are only visible with
``pg_read_all_stats`` (part of ``pg_monitor``), and the session checks say so.

Thresholds are keyword arguments whose defaults are pghero's, unless the docstring says why not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row

from vultr_core.health.probing import CheckResult

T = TypeVar("T")

# pghero: PGHERO_LONG_RUNNING_QUERY_SEC, PGHERO_TOTAL_CONNECTIONS_THRESHOLD, idle in transaction
# warning, replication lag "good" under 5 s, cache hit rate good at 99 %, and the overview's
# transaction-ID threshold (tables with fewer than 1.5 billion transactions left).
LONG_RUNNING_QUERY_S = 60.0
TOTAL_CONNECTIONS_THRESHOLD = 500
IDLE_IN_TRANSACTION_THRESHOLD = 100
REPLICATION_LAG_S = 5.0
CACHE_HIT_RATE_THRESHOLD = 0.99
TRANSACTION_ID_THRESHOLD = 1_500_000_000
# Ours, not pghero's: pghero's 500 never fires on a Vultr plan whose max_connections is ~100,
# so connections are also judged against the server's own limit.
CONNECTION_USAGE_THRESHOLD = 0.8
# Ours: a hit rate over a few dozen blocks says nothing; wait for this many block reads.
CACHE_HIT_MIN_BLOCKS = 1000
# Ours: a SELECT 1 slower than this at p95 is felt by every page that queries the database.
LATENCY_P95_THRESHOLD_MS = 250.0
# The age at which PostgreSQL stops accepting transactions (pghero's max_value).
TRANSACTION_ID_LIMIT = 2_146_483_648
NEEDS_PG_MONITOR = "needs the pg_monitor role (or pg_read_all_stats)"
QUERY_TEXT_CHARS = 200


@dataclass(frozen=True)
class ConnectionCounts:
    """Client sessions by state, against the server's limit."""

    total: int
    active: int
    idle_in_transaction: int
    max_connections: int
    reserved_connections: int

    @property
    def usable(self) -> int:
        """Slots an ordinary role can take (superusers keep the reserved ones)."""
        return max(self.max_connections - self.reserved_connections, 1)


@dataclass(frozen=True)
class LongRunningQuery:
    pid: int
    duration_s: float
    state: str
    application: str
    query: str


@dataclass(frozen=True)
class TransactionIdDanger:
    schema: str
    table: str
    transactions_left: int


@dataclass(frozen=True)
class ServerInfo:
    """What the server says about itself; ``unavailable`` maps a figure to why it is missing."""

    version: str
    database: str
    size_bytes: int | None
    uptime_s: float | None
    ssl_in_use: bool
    sees_all_sessions: bool
    connections: ConnectionCounts | None
    table_hit_rate: float | None
    index_hit_rate: float | None
    cache_blocks_read: int
    long_running_queries: tuple[LongRunningQuery, ...]
    is_replica: bool
    replicas: int | None
    replication_lag_s: float | None
    transactions_left: int | None
    transaction_id_danger: tuple[TransactionIdDanger, ...]
    unavailable: Mapping[str, str] = field(default_factory=dict)


def read_server_info(
    conn: psycopg.Connection[Any], *, long_running_query_s: float = LONG_RUNNING_QUERY_S
) -> ServerInfo:
    """Every figure of the server-info panel, each from its own small query."""
    unavailable: dict[str, str] = {}

    def attempt(name: str, query: Callable[[psycopg.Connection[Any]], T], default: T) -> T:
        try:
            return query(conn)
        except psycopg.errors.InsufficientPrivilege:
            unavailable[name] = NEEDS_PG_MONITOR
            return default

    no_rates: tuple[float | None, float | None, int] = (None, None, 0)
    no_replication: tuple[bool, int | None, float | None] = (False, None, None)
    hit_rates = attempt("cache hit rate", cache_hit_rates, no_rates)
    is_replica, replicas, lag = attempt("replication", replication_status, no_replication)
    return ServerInfo(
        version=_scalar(conn, "SHOW server_version"),
        database=_scalar(conn, "SELECT current_database()"),
        size_bytes=attempt("database size", database_size, None),
        uptime_s=attempt("uptime", uptime_s, None),
        ssl_in_use=bool(conn.pgconn.ssl_in_use),
        sees_all_sessions=sees_all_sessions(conn),
        connections=attempt("connections", connection_counts, None),
        table_hit_rate=hit_rates[0],
        index_hit_rate=hit_rates[1],
        cache_blocks_read=hit_rates[2],
        long_running_queries=attempt(
            "long-running queries",
            lambda c: long_running_queries(c, min_duration_s=long_running_query_s),
            (),
        ),
        is_replica=is_replica,
        replicas=replicas,
        replication_lag_s=lag,
        transactions_left=attempt("transaction IDs", transactions_left, None),
        transaction_id_danger=attempt("transaction IDs", transaction_id_danger, ()),
        unavailable=unavailable,
    )


def _scalar(conn: psycopg.Connection[Any], query: str, params: tuple[Any, ...] = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    return None if row is None else row[0]


def database_size(conn: psycopg.Connection[Any]) -> int:
    return int(_scalar(conn, "SELECT pg_database_size(current_database())"))


def uptime_s(conn: psycopg.Connection[Any]) -> float:
    return float(_scalar(conn, "SELECT extract(epoch FROM now() - pg_postmaster_start_time())"))


def sees_all_sessions(conn: psycopg.Connection[Any]) -> bool:
    """Whether pg_stat_activity shows other roles' states and queries to this user."""
    return bool(
        _scalar(
            conn,
            "SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE') "
            "FROM pg_roles WHERE rolname = current_user",
        )
    )


def connection_counts(conn: psycopg.Connection[Any]) -> ConnectionCounts:
    row = conn.execute(
        """
        SELECT count(*),
               count(*) FILTER (WHERE state = 'active'),
               count(*) FILTER (WHERE state = 'idle in transaction'),
               current_setting('max_connections')::int,
               current_setting('superuser_reserved_connections')::int
        FROM pg_stat_activity
        WHERE backend_type = 'client backend'
        """
    ).fetchone()
    assert row is not None  # an aggregate always returns one row
    return ConnectionCounts(*row)


def cache_hit_rates(conn: psycopg.Connection[Any]) -> tuple[float | None, float | None, int]:
    """Table and index hit rates (pghero's ``table_hit_rate`` and ``index_hit_rate``), and
    how many blocks they are computed over."""
    row = conn.execute(
        """
        SELECT (SELECT sum(heap_blks_hit)::float
                       / nullif(sum(heap_blks_hit) + sum(heap_blks_read), 0)
                FROM pg_statio_user_tables),
               (SELECT sum(idx_blks_hit)::float
                       / nullif(sum(idx_blks_hit) + sum(idx_blks_read), 0)
                FROM pg_statio_user_indexes),
               (SELECT coalesce(sum(heap_blks_hit + heap_blks_read), 0)::bigint
                FROM pg_statio_user_tables)
        """
    ).fetchone()
    assert row is not None
    return row[0], row[1], int(row[2])


def long_running_queries(
    conn: psycopg.Connection[Any], *, min_duration_s: float = LONG_RUNNING_QUERY_S
) -> tuple[LongRunningQuery, ...]:
    """pghero's ``long_running_queries``: non-idle sessions of this database older than the
    threshold, longest first. Query text is shortened and its string literals hidden."""
    with conn.cursor(row_factory=dict_row) as cursor:
        rows = cursor.execute(
            """
            SELECT pid, state, coalesce(application_name, '') AS application,
                   extract(epoch FROM now() - coalesce(query_start, xact_start)) AS duration_s,
                   coalesce(query, '') AS query
            FROM pg_stat_activity
            WHERE state <> 'idle' AND pid <> pg_backend_pid()
              AND datname = current_database()
              AND now() - coalesce(query_start, xact_start) > make_interval(secs => %s)
            ORDER BY duration_s DESC
            """,
            (min_duration_s,),
        ).fetchall()
    return tuple(
        LongRunningQuery(
            pid=row["pid"],
            duration_s=float(row["duration_s"]),
            state=row["state"],
            application=row["application"],
            query=redact_literals(row["query"])[:QUERY_TEXT_CHARS],
        )
        for row in rows
    )


def redact_literals(query: str) -> str:
    """The query with every quoted string replaced by '…': a query of another session may
    carry a password or a token, and the page must never show one."""
    return re.sub(r"'(?:[^']|'')*'", "'…'", query)


def replication_status(conn: psycopg.Connection[Any]) -> tuple[bool, int | None, float | None]:
    """(is a replica, replicas streaming from this primary, replica lag in s): pghero's
    ``replication_lag``, which counts a caught-up replica as 0 s behind."""
    row = conn.execute(
        """
        SELECT pg_is_in_recovery(),
               (SELECT count(*) FROM pg_stat_replication),
               CASE WHEN NOT pg_is_in_recovery()
                         OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
                    ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
        """
    ).fetchone()
    assert row is not None
    is_replica = bool(row[0])
    return (
        is_replica,
        None if is_replica else int(row[1]),
        float(row[2]) if is_replica and row[2] is not None else None,
    )


def transactions_left(conn: psycopg.Connection[Any]) -> int:
    """Transactions this database can run before PostgreSQL must freeze it (wraparound)."""
    query = (
        "SELECT %s::bigint - age(datfrozenxid) FROM pg_database WHERE datname = current_database()"
    )
    return int(_scalar(conn, query, (TRANSACTION_ID_LIMIT,)))


def transaction_id_danger(
    conn: psycopg.Connection[Any], *, threshold: int = TRANSACTION_ID_THRESHOLD
) -> tuple[TransactionIdDanger, ...]:
    """pghero's ``transaction_id_danger``: tables (with their TOAST) closest to wraparound."""
    rows = conn.execute(
        """
        SELECT n.nspname, c.relname,
               %(limit)s - greatest(age(c.relfrozenxid), age(t.relfrozenxid)) AS left_
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_class t ON c.reltoastrelid = t.oid
        WHERE c.relkind = 'r'
          AND %(limit)s - greatest(age(c.relfrozenxid), age(t.relfrozenxid)) < %(threshold)s
        ORDER BY left_, 1, 2
        """,
        {"limit": TRANSACTION_ID_LIMIT, "threshold": threshold},
    ).fetchall()
    return tuple(TransactionIdDanger(schema, table, int(left)) for schema, table, left in rows)


# --- verdicts: figures in, one plain sentence out --------------------------------------------


def connections_check(
    info: ServerInfo,
    *,
    total_threshold: int = TOTAL_CONNECTIONS_THRESHOLD,
    usage_threshold: float = CONNECTION_USAGE_THRESHOLD,
) -> CheckResult:
    counts = info.connections
    if counts is None:
        return CheckResult("connections", "unavailable", _why(info, "connections"))
    used = f"{counts.total} of {counts.usable} connections in use"
    if counts.total >= total_threshold or counts.total >= usage_threshold * counts.usable:
        return CheckResult("connections", "warning", f"High number of connections: {used}")
    return CheckResult("connections", "ok", f"Connections are fine: {used}")


def idle_in_transaction_check(
    info: ServerInfo, *, threshold: int = IDLE_IN_TRANSACTION_THRESHOLD
) -> CheckResult:
    name = "idle in transaction"
    if info.connections is None:
        return CheckResult(name, "unavailable", _why(info, "connections"))
    if not info.sees_all_sessions:
        return CheckResult(name, "unavailable", f"Other users' sessions are hidden: {_HIDDEN}")
    count = info.connections.idle_in_transaction
    if count >= threshold:
        return CheckResult(name, "warning", f"{count} connections are idle in transaction")
    return CheckResult(name, "ok", f"{count} connections idle in transaction")


def long_running_queries_check(
    info: ServerInfo, *, min_duration_s: float = LONG_RUNNING_QUERY_S
) -> CheckResult:
    name = "long-running queries"
    if name in info.unavailable:
        return CheckResult(name, "unavailable", _why(info, name))
    count = len(info.long_running_queries)
    if count:
        noun = "query is" if count == 1 else "queries are"
        return CheckResult(
            name, "warning", f"{count} {noun} running longer than {min_duration_s:g} s"
        )
    if not info.sees_all_sessions:
        return CheckResult(
            name, "unavailable", f"None of yours; other users' sessions are hidden: {_HIDDEN}"
        )
    return CheckResult(name, "ok", f"No queries running longer than {min_duration_s:g} s")


def cache_hit_rate_check(
    info: ServerInfo,
    *,
    threshold: float = CACHE_HIT_RATE_THRESHOLD,
    min_blocks: int = CACHE_HIT_MIN_BLOCKS,
) -> CheckResult:
    name = "cache hit rate"
    if name in info.unavailable:
        return CheckResult(name, "unavailable", _why(info, name))
    if info.cache_blocks_read < min_blocks or info.table_hit_rate is None:
        return CheckResult(name, "unavailable", "Not enough table reads yet to judge")
    rates = [r for r in (info.table_hit_rate, info.index_hit_rate) if r is not None]
    shown = ", ".join(
        f"{label} {rate:.1%}"
        for label, rate in (("tables", info.table_hit_rate), ("indexes", info.index_hit_rate))
        if rate is not None
    )
    if min(rates) < threshold:
        return CheckResult(name, "warning", f"Low cache hit rate: {shown} (below {threshold:.0%})")
    return CheckResult(name, "ok", f"Cache hit rate is good: {shown}")


def replication_check(info: ServerInfo, *, max_lag_s: float = REPLICATION_LAG_S) -> CheckResult:
    name = "replication"
    if name in info.unavailable:
        return CheckResult(name, "unavailable", _why(info, name))
    if not info.is_replica:
        replicas = info.replicas or 0
        return CheckResult(name, "ok", f"Primary with {replicas} streaming replica(s)")
    lag = info.replication_lag_s
    if lag is None:
        return CheckResult(name, "warning", "Replica has not replayed any transaction yet")
    if lag >= max_lag_s:
        return CheckResult(name, "warning", f"High replication lag: {lag:.1f} s behind")
    return CheckResult(name, "ok", f"Replica is {lag:.1f} s behind the primary")


def transaction_id_check(
    info: ServerInfo, *, threshold: int = TRANSACTION_ID_THRESHOLD
) -> CheckResult:
    name = "transaction IDs"
    if info.transactions_left is None:
        return CheckResult(name, "unavailable", _why(info, name))
    left = f"{info.transactions_left / 1e9:.2f} billion transactions left before wraparound"
    danger = [d for d in info.transaction_id_danger if d.transactions_left < threshold]
    if info.transactions_left < threshold or danger:
        tables = ", ".join(f"{d.schema}.{d.table}" for d in danger[:5])
        return CheckResult(
            name,
            "warning",
            f"Vacuum is not keeping up: {left}" + (f" ({tables})" if tables else ""),
        )
    return CheckResult(name, "ok", f"Vacuuming properly: {left}")


_HIDDEN = "grant pg_monitor to the monitoring user to see them"


def _why(info: ServerInfo, name: str) -> str:
    reason = info.unavailable.get(name, "not reported by this server")
    return f"Not available: {reason}"
