"""The PostgreSQL probe against a real server: figures, verdicts, and every fault the issue
names (closed port, wrong password, malformed URL, silent server, restart, full server)."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from tests.fault_servers import FaultProxy, postgres_upstream, silent_server, with_host
from vultr_core.api.errors import (
    AuthenticationError,
    ConfigurationError,
    ConnectionError,
    ServiceError,
    TimeoutError,
)
from vultr_core.health import pg_checks
from vultr_core.health.pg_checks import ConnectionCounts, ServerInfo
from vultr_core.health.postgres import PostgresProbe, PostgresThresholds
from vultr_core.health.postgres_errors import postgres_error
from vultr_core.health.postgres_pool import POOL_STAT_KEYS, PoolStats
from vultr_core.health.probing import LatencySummary, latency_check

PASSWORD_SENTINEL = "pw-SENTINEL-7f3a"


@pytest.fixture
def admin(postgres_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def make_role(admin: psycopg.Connection[tuple[object, ...]]) -> Iterator[Callable[..., str]]:
    """Roles with unique names, dropped (sessions first) after the test."""
    created: list[str] = []

    def make(options: str = "") -> str:
        name = f"vd_test_{uuid.uuid4().hex[:10]}"
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN " + options).format(sql.Identifier(name))  # type: ignore[arg-type]
        )
        created.append(name)
        return name

    yield make
    for name in created:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,)
        )
        admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture
def probes() -> Iterator[Callable[..., PostgresProbe]]:
    """Probes that are closed after the test, each with its own application_name."""
    opened: list[PostgresProbe] = []

    def make(url: str, **options: object) -> PostgresProbe:
        options.setdefault("application_name", f"vd-test-{uuid.uuid4().hex[:8]}")
        probe = PostgresProbe(url, **options)  # type: ignore[arg-type]
        opened.append(probe)
        return probe

    yield make
    for probe in opened:
        probe.close()


def as_role(url: str, role: str, password: str | None = None) -> str:
    return make_conninfo(url, user=role, password=password)


# --- figures a person reads ------------------------------------------------------------------


def test_a_check_reports_the_latency_distribution_pool_and_server(
    postgres_url: str,
    admin: psycopg.Connection[tuple[object, ...]],
    probes: Callable[..., PostgresProbe],
) -> None:
    report = probes(postgres_url).check(latency_samples=25)

    latency = report.latency
    assert len(latency.samples_ms) == 25
    assert 0 < latency.p50_ms <= latency.p95_ms <= latency.p99_ms <= latency.max_ms
    server = report.server
    assert server.version == admin.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    assert server.database == admin.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    assert server.size_bytes is not None
    assert server.size_bytes > 1_000_000
    assert server.connections is not None
    assert 2 <= server.connections.total <= server.connections.max_connections
    assert server.uptime_s is not None
    assert server.uptime_s > 0
    assert not server.is_replica
    assert server.replicas == 0
    assert server.transactions_left is not None
    assert server.transactions_left > 1_500_000_000
    assert set(report.pool.counters) == set(POOL_STAT_KEYS)
    assert report.pool.counters["requests_num"] == 1
    assert report.pool.counters["requests_errors"] == 0
    assert report.pool.error_rate == 0.0
    assert [c.name for c in report.checks] == [
        "latency",
        "connections",
        "idle in transaction",
        "long-running queries",
        "cache hit rate",
        "replication",
        "transaction IDs",
        "connection pool",
    ]


def test_pool_stats_default_absent_counters_to_zero_and_derive_signals() -> None:
    stats = PoolStats.from_pool_stats(
        {
            "pool_max": 4,
            "pool_size": 4,
            "pool_available": 1,
            "requests_num": 20,
            "requests_queued": 4,
            "requests_wait_ms": 100,
            "requests_errors": 2,
        }
    )
    assert stats.counters["connections_lost"] == 0
    assert stats.counters["returns_bad"] == 0
    assert stats.saturation == 0.75
    assert stats.mean_wait_ms == 25.0
    assert stats.error_rate == 0.1
    idle = PoolStats.from_pool_stats({})
    assert (idle.saturation, idle.mean_wait_ms, idle.error_rate) == (None, None, None)


def test_a_long_running_query_is_named_without_its_string_literals(
    postgres_url: str,
    admin: psycopg.Connection[tuple[object, ...]],
    probes: Callable[..., PostgresProbe],
) -> None:
    sleeper = psycopg.connect(postgres_url, autocommit=True)
    pid = sleeper.info.backend_pid
    outcome: list[BaseException] = []

    def sleep() -> None:
        try:
            sleeper.execute("SELECT pg_sleep(30), 'hunter2-literal'")
        except psycopg.errors.QueryCanceled as err:
            outcome.append(err)

    thread = threading.Thread(target=sleep)
    thread.start()
    try:
        _wait_for(
            lambda: admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = %s AND state = 'active' "
                "AND now() - query_start > interval '300 milliseconds'",
                (pid,),
            ).fetchone()
        )
        report = probes(postgres_url).check(thresholds=PostgresThresholds(long_running_query_s=0.3))
    finally:
        admin.execute("SELECT pg_cancel_backend(%s)", (pid,))
        thread.join()
        sleeper.close()

    ours = [q for q in report.server.long_running_queries if q.pid == pid]
    assert len(ours) == 1
    assert "pg_sleep(30)" in ours[0].query
    assert "hunter2-literal" not in ours[0].query
    verdict = next(c for c in report.checks if c.name == "long-running queries")
    assert verdict.verdict == "warning"
    assert "running longer than 0.3 s" in verdict.message
    assert outcome, "the sleeping query was cancelled, not left running"


def test_sessions_idle_in_transaction_are_counted_and_judged(
    postgres_url: str, probes: Callable[..., PostgresProbe]
) -> None:
    with psycopg.connect(postgres_url) as idle:
        idle.execute("SELECT 1")  # opens a transaction and leaves it open
        report = probes(postgres_url).check(thresholds=PostgresThresholds(idle_in_transaction=1))
        idle.rollback()
    assert report.server.connections is not None
    assert report.server.connections.idle_in_transaction >= 1
    verdict = next(c for c in report.checks if c.name == "idle in transaction")
    assert verdict.verdict == "warning"


def test_a_monitoring_user_without_pg_monitor_is_told_what_it_cannot_see(
    postgres_url: str,
    make_role: Callable[..., str],
    probes: Callable[..., PostgresProbe],
) -> None:
    role = make_role()
    report = probes(as_role(postgres_url, role)).check()
    assert report.server.sees_all_sessions is False
    verdicts = {c.name: c for c in report.checks}
    assert verdicts["idle in transaction"].verdict == "unavailable"
    assert "pg_monitor" in verdicts["idle in transaction"].message
    assert verdicts["connections"].verdict == "ok", "what it may read is still judged"


def test_a_read_only_user_fails_the_round_trip_with_the_servers_reason(
    postgres_url: str,
    admin: psycopg.Connection[tuple[object, ...]],
    make_role: Callable[..., str],
    probes: Callable[..., PostgresProbe],
) -> None:
    role = make_role()
    admin.execute(
        sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(sql.Identifier(role))
    )
    probe = probes(as_role(postgres_url, role))
    with pytest.raises(ServiceError, match="read-only transaction"):
        probe.round_trip_test()
    assert probe.check().server.version, "a read-only user can still be monitored"


def test_the_round_trip_leaves_no_table_behind(
    postgres_url: str,
    admin: psycopg.Connection[tuple[object, ...]],
    probes: Callable[..., PostgresProbe],
) -> None:
    assert probes(postgres_url).round_trip_test() > 0
    leftover = admin.execute(
        "SELECT count(*) FROM pg_class WHERE relname = 'vultr_dashboard_round_trip'"
    ).fetchone()
    assert leftover == (0,)


# --- faults: each a clear error, never a psycopg traceback, never a hang ------------------------


def test_a_closed_port_is_a_connection_error_without_the_password(
    probes: Callable[..., PostgresProbe],
) -> None:
    probe = probes(f"postgresql://monitor:{PASSWORD_SENTINEL}@127.0.0.1:1/app", pool_timeout_s=0.3)
    with pytest.raises(ConnectionError, match="Connection refused") as caught:
        probe.check()
    assert "PostgreSQL at 127.0.0.1:1/app" in str(caught.value)
    assert PASSWORD_SENTINEL not in str(caught.value)


@pytest.mark.parametrize("password", ["4217#pgTAIL9", "pgHEAD9@pgTAIL9", "pgHEAD9/pgTAIL9?x"])
def test_a_password_with_reserved_characters_shows_nowhere_and_moves_no_host(
    probes: Callable[..., PostgresProbe], password: str
) -> None:
    """libpq ends the user info at the first @ and urlsplit at the first # / ?: either way a
    piece of the password became the host or port, shown on every card and message."""
    probe = probes(f"postgresql://monitor:{password}@127.0.0.1:1/app", pool_timeout_s=0.3)
    assert probe.where == "PostgreSQL at 127.0.0.1:1/app"
    with pytest.raises(ConnectionError, match="Connection refused") as caught:
        probe.check()
    assert "PostgreSQL at 127.0.0.1:1/app" in str(caught.value)
    assert "pgHEAD9" not in str(caught.value)
    assert "pgTAIL9" not in str(caught.value)


def test_a_server_that_accepts_and_never_answers_times_out(
    probes: Callable[..., PostgresProbe],
) -> None:
    with silent_server() as silent:
        probe = probes(f"postgresql://monitor@127.0.0.1:{silent.port}/app", pool_timeout_s=0.3)
        with pytest.raises(TimeoutError, match="did not answer in time"):
            probe.check()


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        (f"postgresql://u:{PASSWORD_SENTINEL}@db.example:5432/app?nope=1", "invalid URI query"),
        (f"postgresql://u:{PASSWORD_SENTINEL}@db.example:70000/app", "invalid port"),
        (f"postgresql://u:{PASSWORD_SENTINEL}@db.example/app?sslmode=sometimes", "sslmode"),
        (f"postgres://u:{PASSWORD_SENTINEL}@[::1", "IPv6"),
    ],
)
def test_a_malformed_url_is_a_configuration_error_naming_the_setting(
    url: str, complaint: str
) -> None:
    with pytest.raises(ConfigurationError, match=complaint) as caught:
        PostgresProbe(url)
    assert caught.value.setting == "DATABASE_URL"
    assert PASSWORD_SENTINEL not in str(caught.value)


def test_sslmode_from_the_url_reaches_libpq(
    postgres_url: str, probes: Callable[..., PostgresProbe]
) -> None:
    """A managed database's sslmode=require is honoured: the test servers have no TLS, so
    the connection is refused for that reason rather than silently made in clear."""
    proxy = FaultProxy(postgres_upstream(postgres_url))
    try:
        plain = with_host(postgres_url, proxy.port)
        assert probes(f"{plain}?sslmode=disable").check().server.ssl_in_use is False
        strict = probes(f"{plain}?sslmode=require", pool_timeout_s=0.3)
        with pytest.raises(ConnectionError, match=r"disagree on TLS \(sslmode\)") as caught:
            strict.check()
        assert "SSL was required" in str(caught.value)
    finally:
        proxy.close()


def test_a_wrong_password_is_an_authentication_error(
    postgres_url: str,
    admin: psycopg.Connection[tuple[object, ...]],
    make_role: Callable[..., str],
    probes: Callable[..., PostgresProbe],
) -> None:
    role = make_role("PASSWORD 'right-horse-battery'")
    with _password_required(admin, postgres_url, role):
        probe = probes(as_role(postgres_url, role, PASSWORD_SENTINEL), pool_timeout_s=0.3)
        with pytest.raises(AuthenticationError, match="password authentication failed") as caught:
            probe.check()
        assert PASSWORD_SENTINEL not in str(caught.value)
        good = probes(as_role(postgres_url, role, "right-horse-battery"))
        assert good.check().server.version


def test_a_full_server_says_so_and_the_next_check_recovers(
    postgres_url: str,
    admin: psycopg.Connection[tuple[object, ...]],
    make_role: Callable[..., str],
    probes: Callable[..., PostgresProbe],
) -> None:
    """max_connections exhausted, as a role's CONNECTION LIMIT: the server refuses the same way
    (SQLSTATE 53300) without starving the shared test server."""
    role = make_role("CONNECTION LIMIT 1")
    url = as_role(postgres_url, role)
    held = psycopg.connect(url)
    held_pid = held.info.backend_pid
    # The default pool timeout: the server counts a slot free a moment after its backend has
    # left pg_stat_activity, and a fresh pool that meets "too many connections" in that moment
    # backs off before its next attempt (seen on a loaded PostgreSQL 15 with 0.3 s).
    probe = probes(url)
    try:
        with pytest.raises(ServiceError, match="no free connection slot") as caught:
            probe.check()
        assert "too many connections" in str(caught.value)
    finally:
        held.close()
    # The server frees the slot when the backend has exited, a moment after the client left.
    _wait_for(
        lambda: admin.execute(
            "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = %s", (held_pid,)
        ).fetchone()[0]  # type: ignore[index]
    )
    assert probe.check().server.connections is not None


def test_a_restarted_server_is_seen_again_on_the_next_check(
    postgres_url: str,
    admin: psycopg.Connection[tuple[object, ...]],
    probes: Callable[..., PostgresProbe],
) -> None:
    """Every pooled connection killed server-side, as a restart does to them."""
    name = f"vd-test-{uuid.uuid4().hex[:8]}"
    probe = probes(postgres_url, application_name=name)
    before = probe.check().pool.counters["connections_num"]
    admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
        (name,),
    )
    report = probe.check()
    assert report.pool.counters["connections_num"] > before, "fresh connections were made"
    assert report.latency.p50_ms > 0


def test_a_server_unreachable_for_a_while_fails_clearly_then_recovers(
    postgres_url: str, probes: Callable[..., PostgresProbe]
) -> None:
    proxy = FaultProxy(postgres_upstream(postgres_url))
    try:
        probe = probes(with_host(postgres_url, proxy.port), pool_timeout_s=0.3)
        assert probe.check().latency.p50_ms > 0
        proxy.cut()
        with pytest.raises(ConnectionError, match=r"could not reach PostgreSQL at 127\.0\.0\.1"):
            probe.check()
        proxy.restore()
        assert probe.check().latency.p50_ms > 0
    finally:
        proxy.close()


def test_a_statement_over_its_timeout_is_a_timeout_error(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("SET statement_timeout = 50")
        with pytest.raises(psycopg.errors.QueryCanceled) as caught:
            conn.execute("SELECT pg_sleep(2)")
    error = postgres_error(caught.value, postgres_url, "reading figures")
    assert isinstance(error, TimeoutError)
    assert "cancelled a query that ran too long while reading figures" in str(error)


# --- verdicts: thresholds at their edges (pghero's defaults) ----------------------------------


def server_info(**changes: object) -> ServerInfo:
    values: dict[str, object] = {
        "version": "15.20",
        "database": "app",
        "size_bytes": 10_000_000,
        "uptime_s": 3600.0,
        "ssl_in_use": True,
        "sees_all_sessions": True,
        "connections": ConnectionCounts(10, 2, 0, 100, 3),
        "table_hit_rate": 0.999,
        "index_hit_rate": 0.995,
        "cache_blocks_read": 50_000,
        "long_running_queries": (),
        "is_replica": False,
        "replicas": 1,
        "replication_lag_s": None,
        "transactions_left": 2_000_000_000,
        "transaction_id_danger": (),
    }
    values.update(changes)
    return ServerInfo(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("total", "verdict"), [(77, "ok"), (78, "warning")]
)  # 80 % of 97 usable slots is 77.6
def test_connections_warn_at_80_percent_of_the_usable_slots(total: int, verdict: str) -> None:
    info = server_info(connections=ConnectionCounts(total, 1, 0, 100, 3))
    assert pg_checks.connections_check(info).verdict == verdict


def test_connections_warn_at_pghero_s_500_on_a_big_server() -> None:
    info = server_info(connections=ConnectionCounts(500, 1, 0, 5000, 3))
    result = pg_checks.connections_check(info)
    assert (result.verdict, result.message) == (
        "warning",
        "High number of connections: 500 of 4997 connections in use",
    )


@pytest.mark.parametrize(
    ("table", "index", "blocks", "verdict"),
    [
        (0.995, 0.999, 50_000, "ok"),
        (0.98, 0.999, 50_000, "warning"),
        (0.999, 0.97, 50_000, "warning"),
        (0.5, 0.5, 999, "unavailable"),
    ],
)
def test_cache_hit_rate_needs_99_percent_of_enough_reads(
    table: float, index: float, blocks: int, verdict: str
) -> None:
    info = server_info(table_hit_rate=table, index_hit_rate=index, cache_blocks_read=blocks)
    assert pg_checks.cache_hit_rate_check(info).verdict == verdict


@pytest.mark.parametrize(("lag", "verdict"), [(4.9, "ok"), (5.0, "warning"), (None, "warning")])
def test_a_replica_warns_from_5_s_of_lag(lag: float | None, verdict: str) -> None:
    info = server_info(is_replica=True, replicas=None, replication_lag_s=lag)
    assert pg_checks.replication_check(info).verdict == verdict


def test_transaction_id_wraparound_names_the_tables_in_danger() -> None:
    danger = (pg_checks.TransactionIdDanger("public", "events", 1_200_000_000),)
    info = server_info(transactions_left=1_200_000_000, transaction_id_danger=danger)
    result = pg_checks.transaction_id_check(info)
    assert result.verdict == "warning"
    assert "1.20 billion transactions left" in result.message
    assert "public.events" in result.message


def test_latency_warns_above_its_p95_threshold() -> None:
    slow = LatencySummary.from_samples([1.0] * 18 + [400.0, 500.0])
    default = latency_check(
        slow, p95_threshold_ms=pg_checks.LATENCY_P95_THRESHOLD_MS, subject="Round trips are"
    )
    assert default.verdict == "warning"
    assert default.message.startswith("Round trips are slow: p50 1.00 ms, p95 ")
    assert latency_check(slow, p95_threshold_ms=600, subject="Round trips are").verdict == "ok"


def test_string_literals_are_hidden_doubled_quotes_included() -> None:
    query = "UPDATE users SET token = 'a''b' WHERE name = 'x'"
    assert pg_checks.redact_literals(query) == "UPDATE users SET token = '…' WHERE name = '…'"


# --- helpers -----------------------------------------------------------------------------------


def _wait_for(condition: Callable[[], object], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


class _password_required:  # noqa: N801 - used as a context manager, reads like one
    """Make the server ask ``role`` for its password. The embedded server (ours, in a temp
    folder) gets a pg_hba.conf line for that one role; a shared server that trusts every
    connection from this host cannot be changed, and the test is skipped there."""

    def __init__(self, admin: psycopg.Connection[tuple[object, ...]], url: str, role: str) -> None:
        self._admin, self._url, self._role = admin, url, role
        self._hba: Path | None = None
        self._original = ""

    def __enter__(self) -> None:
        if self._rejects_wrong_password():
            return
        hba = Path(str(self._admin.execute("SHOW hba_file").fetchone()[0]))  # type: ignore[index]
        ours = "vultr-dashboard-postgres-" in str(hba) and os.access(hba, os.W_OK)
        if not ours or os.environ.get("TEST_DATABASE_URL"):
            pytest.skip(
                "this server trusts every connection from this host (pg_hba.conf 'trust'), "
                "so no password can be wrong here; the embedded server's run covers the case"
            )
        self._hba, self._original = hba, hba.read_text()
        rules = "".join(
            f"{kind} all {self._role} {where} scram-sha-256\n"
            for kind, where in (("local", ""), ("host", "127.0.0.1/32"), ("host", "::1/128"))
        )
        hba.write_text(rules + self._original)
        self._admin.execute("SELECT pg_reload_conf()")
        _wait_for(self._rejects_wrong_password)

    def __exit__(self, *exc_info: object) -> None:
        if self._hba is not None:
            self._hba.write_text(self._original)
            self._admin.execute("SELECT pg_reload_conf()")

    def _rejects_wrong_password(self) -> bool:
        try:
            psycopg.connect(as_role(self._url, self._role, "not-the-password")).close()
        except psycopg.OperationalError:
            return True
        return False
