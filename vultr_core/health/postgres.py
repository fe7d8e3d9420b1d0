"""PostgreSQL probe over a psycopg_pool pool: latency, pool statistics, server info, checks.

One ``PostgresProbe`` per watched database, shared by every thread: its pool is the app's view
of the database (ANCHORS.md §2.4), and the server's own view comes from pghero's queries
(``vultr_core.health.pg_checks``). The URL's own options (``sslmode``, ``sslrootcert``…) reach libpq
untouched, so a managed database's ``sslmode=require`` is honoured.

Its URL handling and error messages live in ``vultr_core.health.postgres_errors``, its pool's
counters in ``vultr_core.health.postgres_pool``.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from vultr_core.api.errors import ServiceError, TimeoutError, VultrError
from vultr_core.config import Secret
from vultr_core.health import pg_checks
from vultr_core.health.pg_checks import ServerInfo
from vultr_core.health.postgres_errors import describe_postgres, postgres_error, validated_conninfo
from vultr_core.health.postgres_pool import POOL_SATURATION_THRESHOLD, PoolStats, pool_check
from vultr_core.health.probing import (
    CheckResult,
    LatencySummary,
    latency_check,
    time_round_trips,
)

logger = logging.getLogger(__name__)
# psycopg_pool logs every failed background connection attempt at WARNING; without a handler
# Python prints them on stderr, which would break the command line's one-line errors. The
# check reports the cause itself; with logging configured (-v) the records still show.
logging.getLogger("psycopg").addHandler(logging.NullHandler())

DEFAULT_POOL_MIN_SIZE = 1
DEFAULT_POOL_MAX_SIZE = 4
# How long a check waits for a pooled connection before asking the server directly why not.
DEFAULT_POOL_TIMEOUT_S = 2.0
# psycopg counts whole seconds and waits at least 2 (libpq's advice for connect_timeout).
DEFAULT_CONNECT_TIMEOUT_S = 2
DEFAULT_STATEMENT_TIMEOUT_MS = 3000
DEFAULT_LATENCY_SAMPLES = 20
DEFAULT_APPLICATION_NAME = "vultr-dashboard"
# A pool whose server stays unreachable stops retrying in the background after this; the
# next check opens a fresh pool anyway.
RECONNECT_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class PostgresThresholds:
    """Every check's threshold in one place (pghero's defaults; see ``pg_checks``)."""

    latency_p95_ms: float = pg_checks.LATENCY_P95_THRESHOLD_MS
    long_running_query_s: float = pg_checks.LONG_RUNNING_QUERY_S
    total_connections: int = pg_checks.TOTAL_CONNECTIONS_THRESHOLD
    connection_usage: float = pg_checks.CONNECTION_USAGE_THRESHOLD
    idle_in_transaction: int = pg_checks.IDLE_IN_TRANSACTION_THRESHOLD
    cache_hit_rate: float = pg_checks.CACHE_HIT_RATE_THRESHOLD
    replication_lag_s: float = pg_checks.REPLICATION_LAG_S
    transaction_ids_left: int = pg_checks.TRANSACTION_ID_THRESHOLD
    pool_saturation: float = POOL_SATURATION_THRESHOLD


@dataclass(frozen=True)
class PostgresReport:
    """One probe run: where, how fast, the pool, the server, and the verdicts."""

    where: str
    checked_at: datetime
    latency: LatencySummary
    acquire_ms: float
    pool: PoolStats
    server: ServerInfo
    checks: tuple[CheckResult, ...] = field(default=())

    @property
    def warnings(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if check.verdict == "warning")


class PostgresProbe:
    """A pool on one database and the checks that run over it; thread-safe.

    A failure at the connection level closes the pool, and the next check opens a fresh one
    instead of waiting out psycopg_pool's reconnection backoff: a restarted server is seen
    again on the very next check.
    """

    def __init__(
        self,
        url: Secret | str,
        *,
        pool_min_size: int = DEFAULT_POOL_MIN_SIZE,
        pool_max_size: int = DEFAULT_POOL_MAX_SIZE,
        pool_timeout_s: float = DEFAULT_POOL_TIMEOUT_S,
        connect_timeout_s: int = DEFAULT_CONNECT_TIMEOUT_S,
        statement_timeout_ms: int = DEFAULT_STATEMENT_TIMEOUT_MS,
        application_name: str = DEFAULT_APPLICATION_NAME,
    ) -> None:
        self._url = url
        self._conninfo = validated_conninfo(url)
        self.where = describe_postgres(url)
        self._pool_min_size = pool_min_size
        self._pool_max_size = pool_max_size
        self._pool_timeout_s = pool_timeout_s
        self._connect_kwargs: dict[str, Any] = {
            "autocommit": True,
            "connect_timeout": connect_timeout_s,
            "application_name": application_name,
        }
        self._statement_timeout_ms = statement_timeout_ms
        self._lock = threading.Lock()
        self._pool = self._open_pool()
        self._pool_failed = False

    def _open_pool(self) -> ConnectionPool[psycopg.Connection[Any]]:
        pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            self._conninfo,
            kwargs=self._connect_kwargs,
            min_size=self._pool_min_size,
            max_size=self._pool_max_size,
            timeout=self._pool_timeout_s,
            configure=self._configure,
            check=ConnectionPool.check_connection,
            reconnect_timeout=RECONNECT_TIMEOUT_S,
            name=self._connect_kwargs["application_name"],
            open=False,
        )
        pool.open(wait=False)
        return pool

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        # set_config rather than the startup "options": PgBouncer refuses unknown options.
        conn.execute(
            "SELECT set_config('statement_timeout', %s, false)", (str(self._statement_timeout_ms),)
        )

    def pool_stats(self) -> PoolStats:
        return PoolStats.from_pool_stats(self._pool.get_stats())

    def check(
        self,
        *,
        latency_samples: int = DEFAULT_LATENCY_SAMPLES,
        thresholds: PostgresThresholds | None = None,
    ) -> PostgresReport:
        """Time ``latency_samples`` round trips of ``SELECT 1``, read the server's figures and
        judge them.

        Raises:
            VultrError: the database could not be reached or refused us; never a psycopg error.
        """
        limits = thresholds or PostgresThresholds()
        pool = self._usable_pool()
        started = time.perf_counter()
        try:
            with pool.connection() as conn:
                acquire_ms = (time.perf_counter() - started) * 1000.0
                latency = time_round_trips(
                    lambda: conn.execute("SELECT 1").fetchone(), latency_samples
                )
                server = pg_checks.read_server_info(
                    conn, long_running_query_s=limits.long_running_query_s
                )
        except PoolTimeout as err:
            raise self._explain_pool_timeout(pool) from err
        except psycopg.Error as err:
            if isinstance(err, psycopg.OperationalError):
                self._discard_pool(pool)
            raise postgres_error(err, self._url, "checking its health") from err
        stats = self.pool_stats()
        return PostgresReport(
            where=self.where,
            checked_at=datetime.now(UTC),
            latency=latency,
            acquire_ms=acquire_ms,
            pool=stats,
            server=server,
            checks=judge(latency, stats, server, limits),
        )

    def round_trip_test(self) -> float:
        """Write, read back and roll back a row of a temporary table; milliseconds taken.

        Raises:
            VultrError: any step failed, or the row read back differs.
        """
        token = uuid.uuid4().hex
        pool = self._usable_pool()
        started = time.perf_counter()
        try:
            with pool.connection() as conn, conn.transaction(force_rollback=True):
                conn.execute(
                    "CREATE TEMPORARY TABLE vultr_dashboard_round_trip "
                    "(id int PRIMARY KEY, token text NOT NULL) ON COMMIT DROP"
                )
                conn.execute("INSERT INTO vultr_dashboard_round_trip VALUES (1, %s)", (token,))
                row = conn.execute("SELECT token FROM vultr_dashboard_round_trip").fetchone()
        except PoolTimeout as err:
            raise self._explain_pool_timeout(pool) from err
        except psycopg.Error as err:
            if isinstance(err, psycopg.OperationalError):
                self._discard_pool(pool)
            raise postgres_error(err, self._url, "writing a temporary table") from err
        if row != (token,):
            raise ServiceError(f"{self.where} returned {row!r} for the row just written")
        return (time.perf_counter() - started) * 1000.0

    def close(self) -> None:
        self._pool.close()

    def _explain_pool_timeout(self, pool: ConnectionPool[Any]) -> VultrError:
        """Why no pooled connection came: the pool is busy, or the server says no. The pool
        logs its connection errors but does not return them, so ask the server directly."""
        stats = PoolStats.from_pool_stats(pool.get_stats())
        lent = stats.counters["pool_size"] - stats.counters["pool_available"]
        if stats.counters["connections_errors"] == 0 and lent >= stats.counters["pool_max"]:
            return TimeoutError(
                f"all {lent} pooled connections to {self.where} stayed busy for "
                f"{self._pool_timeout_s:g} s"
            )
        self._discard_pool(pool)
        try:
            psycopg.connect(self._conninfo, **self._connect_kwargs).close()
        except psycopg.Error as err:
            return postgres_error(err, self._url, "connecting")
        return TimeoutError(
            f"{self.where} gave the pool no connection within {self._pool_timeout_s:g} s, "
            "though it answers now; the next check starts with a fresh pool"
        )

    def _usable_pool(self) -> ConnectionPool[psycopg.Connection[Any]]:
        """The pool, or a fresh one if the last check failed: a fresh pool connects at once,
        where the old one would wait out its reconnection backoff."""
        with self._lock:
            if self._pool_failed:
                self._pool, self._pool_failed = self._open_pool(), False
            return self._pool

    def _discard_pool(self, broken: ConnectionPool[Any]) -> None:
        """Stop a failing pool's background reconnection attempts; the next check opens a
        fresh pool."""
        with self._lock:
            if self._pool is not broken or self._pool_failed:
                return
            self._pool_failed = True
        logger.info("closing the connection pool of %s after a failure", self.where)
        # Its workers may sit in a connect attempt for connect_timeout: close it off-thread.
        threading.Thread(target=broken.close, name="close-broken-pool", daemon=True).start()


def judge(
    latency: LatencySummary, pool: PoolStats, server: ServerInfo, limits: PostgresThresholds
) -> tuple[CheckResult, ...]:
    """Every check's verdict, in the order the page lists them."""
    return (
        latency_check(latency, p95_threshold_ms=limits.latency_p95_ms, subject="Round trips are"),
        pg_checks.connections_check(
            server,
            total_threshold=limits.total_connections,
            usage_threshold=limits.connection_usage,
        ),
        pg_checks.idle_in_transaction_check(server, threshold=limits.idle_in_transaction),
        pg_checks.long_running_queries_check(server, min_duration_s=limits.long_running_query_s),
        pg_checks.cache_hit_rate_check(server, threshold=limits.cache_hit_rate),
        pg_checks.replication_check(server, max_lag_s=limits.replication_lag_s),
        pg_checks.transaction_id_check(server, threshold=limits.transaction_ids_left),
        pool_check(pool, saturation_threshold=limits.pool_saturation),
    )
