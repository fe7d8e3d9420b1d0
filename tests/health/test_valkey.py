"""Valkey helpers and the health probe against a real server."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import valkey

from tests.fault_servers import FaultProxy, silent_server
from vultr_core.api.errors import AuthenticationError, ConnectionError, TimeoutError
from vultr_core.health.valkey import (
    PROBE_CLIENT_NAME,
    ValkeyProbe,
    ValkeyThresholds,
    connect_valkey,
    mget_and_delete,
    valkey_error,
)
from vultr_core.health.valkey_checks import (
    CounterSample,
    IntervalRates,
    ValkeyInfo,
    eviction_policy_check,
    evictions_check,
    memory_check,
    parse_slowlog,
)


def test_mget_and_delete_returns_values_in_key_order_and_removes_them(
    valkey_client: valkey.Valkey,
) -> None:
    valkey_client.mset({"a": "1", "b": "2", "c": "3"})
    values = mget_and_delete(valkey_client, ["c", "missing", "a"])
    assert values == [b"3", None, b"1"]
    assert valkey_client.exists("a", "c") == 0
    assert valkey_client.get("b") == b"2", "keys not asked for are untouched"


def test_mget_and_delete_of_nothing_sends_nothing(valkey_client: valkey.Valkey) -> None:
    valkey_client.set("kept", "x")
    assert mget_and_delete(valkey_client, []) == []
    assert valkey_client.get("kept") == b"x"


def test_mget_and_delete_handles_more_keys_than_lua_could_unpack(
    valkey_client: valkey.Valkey,
) -> None:
    keys = [f"bulk:{n}" for n in range(20_000)]
    valkey_client.mset({key: str(n) for n, key in enumerate(keys)})
    values = mget_and_delete(valkey_client, keys)
    assert values[0] == b"0"
    assert values[-1] == b"19999"
    assert valkey_client.dbsize() == 0


def test_each_value_is_taken_exactly_once_under_contention(valkey_client: valkey.Valkey) -> None:
    """Eight threads race for the same 200 keys: every value ends up with exactly one taker."""
    keys = [f"race:{n}" for n in range(200)]
    valkey_client.mset({key: key for key in keys})
    taken: list[bytes] = []
    lock = threading.Lock()
    url = valkey_client.connection_pool.connection_kwargs

    def take() -> None:
        own = valkey.Valkey(**url)
        for start in range(0, 200, 10):
            got = [v for v in mget_and_delete(own, keys[start : start + 10]) if v is not None]
            with lock:
                taken.extend(got)
        own.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(key.encode() for key in keys)


def test_a_closed_port_is_a_clear_connection_error_without_the_password() -> None:
    url = "redis://default:hunter2-sentinel@127.0.0.1:1/0"
    client = connect_valkey(url, connect_timeout_s=0.5)
    with pytest.raises(valkey.exceptions.ConnectionError) as caught:
        client.ping()
    error = valkey_error(caught.value, url, "checking the connection")
    assert isinstance(error, ConnectionError)
    assert "hunter2-sentinel" not in str(error)
    assert "redis://default:***@127.0.0.1:1/0" in str(error)


@pytest.mark.parametrize("password", ["4217#vkTAIL9", "vkHEAD9/vkTAIL9", "vkHEAD9?x@vkTAIL9"])
def test_a_password_with_reserved_characters_is_masked_whole_in_every_message(
    password: str,
) -> None:
    url = f"redis://default:{password}@127.0.0.1:1/0"
    client = connect_valkey(url, connect_timeout_s=0.5)
    with pytest.raises(valkey.exceptions.ConnectionError) as caught:
        client.ping()
    message = str(valkey_error(caught.value, url, "checking the connection"))
    assert "could not reach Valkey at redis://default:***@127.0.0.1:1/0" in message
    assert "vkHEAD9" not in message
    assert "vkTAIL9" not in message


# --- the health probe -------------------------------------------------------------------------

PASSWORD_SENTINEL = "vk-SENTINEL-41d9"


@pytest.fixture
def probes() -> Iterator[Callable[..., ValkeyProbe]]:
    opened: list[ValkeyProbe] = []

    def make(url: str, **options: Any) -> ValkeyProbe:
        options.setdefault("first_interval_s", 0.05)
        probe = ValkeyProbe(url, **options)
        opened.append(probe)
        return probe

    yield make
    for probe in opened:
        probe.close()


@pytest.fixture
def acl_user(valkey_url: str, valkey_client: valkey.Valkey) -> Iterator[Callable[..., str]]:
    """A URL for a fresh ACL user allowed everything but ``denied`` commands; users (and their
    connections) are deleted after the test."""
    created: list[str] = []

    def make(*denied: str, password: str | None = None) -> str:
        name = f"vd-test-{uuid.uuid4().hex[:10]}"
        secret = f"acl-{uuid.uuid4().hex}"
        rules = ["on", f">{secret}", "~*", "&*", "+@all", *(f"-{cmd}" for cmd in denied)]
        valkey_client.execute_command("ACL", "SETUSER", name, *rules)
        created.append(name)
        parts = urlsplit(valkey_url)
        netloc = f"{name}:{password or secret}@{parts.hostname}:{parts.port}"
        return urlunsplit(parts._replace(netloc=netloc))

    yield make
    valkey_client.execute_command("CLIENT", "UNPAUSE")
    for name in created:
        valkey_client.execute_command("ACL", "DELUSER", name)


def test_a_check_reports_ping_latency_info_and_keyspace(
    valkey_url: str, valkey_client: valkey.Valkey, probes: Callable[..., ValkeyProbe]
) -> None:
    valkey_client.mset({"k1": "a", "k2": "b"})
    valkey_client.set("k3", "c", ex=300)
    report = probes(valkey_url).check(ping_samples=30)

    assert len(report.latency.samples_ms) == 30
    assert 0 < report.latency.p50_ms <= report.latency.p95_ms <= report.latency.max_ms
    info = report.info
    assert info is not None
    server = valkey_client.info("server")
    assert info.version == server.get("valkey_version", server["redis_version"])
    assert info.server == ("valkey" if "valkey_version" in server else "redis")
    db = valkey_client.connection_pool.connection_kwargs.get("db", 0)
    ours = next(entry for entry in info.keyspace if entry.db == db)
    assert (ours.keys, ours.expires) == (3, 1)
    assert info.role == "master"
    assert info.connected_clients >= 2
    assert report.rates is not None, "the first check measures an interval of its own"
    assert report.unavailable == {}
    assert [c.name for c in report.checks] == [
        "latency",
        "memory",
        "eviction policy",
        "evictions",
        "fragmentation",
        "replication",
    ]


def test_the_hit_ratio_covers_the_interval_since_the_last_check(
    valkey_url: str, valkey_client: valkey.Valkey, probes: Callable[..., ValkeyProbe]
) -> None:
    probe = probes(valkey_url)
    valkey_client.set("warm", "x")
    for _ in range(10):
        valkey_client.get("warm")  # lifetime hits the interval must not count
    probe.check()
    for _ in range(3):
        valkey_client.get("warm")
    valkey_client.get("cold")
    rates = probe.check().rates
    assert rates is not None
    assert (rates.hits, rates.misses, rates.hit_ratio) == (3, 1, 0.75)


def test_a_quick_first_check_skips_the_rates_and_the_next_one_measures_from_it(
    valkey_url: str, valkey_client: valkey.Valkey, probes: Callable[..., ValkeyProbe]
) -> None:
    slept: list[float] = []
    probe = probes(valkey_url, sleep=slept.append)
    first = probe.check(wait_for_rates=False)
    assert first.rates is None
    assert first.info is not None, "everything else is read as usual"
    valkey_client.get("cold")
    second = probe.check(wait_for_rates=False)
    assert second.rates is not None
    assert (second.rates.hits, second.rates.misses) == (0, 1)
    assert slept == []


def test_a_stalled_server_shows_in_the_latency_tail_but_one_blip_does_not_warn(
    valkey_url: str,
    valkey_client: valkey.Valkey,
    probes: Callable[..., ValkeyProbe],
    acl_user: Callable[..., str],
) -> None:
    """CLIENT PAUSE stalls every client for 400 ms (DEBUG SLEEP is disabled by default on
    Valkey and Redis 7). The distribution's tail shows it; one slow round trip in twenty is
    under the 95th percentile, so the verdict stays calm."""
    probe = probes(valkey_url)
    probe.check()  # connected before the stall
    valkey_client.execute_command("CLIENT", "PAUSE", 400, "ALL")
    report = probe.check(thresholds=ValkeyThresholds(latency_p95_ms=100))
    assert report.latency.max_ms >= 300
    assert report.latency.p50_ms < 100
    assert report.checks[0].verdict == "ok"


def test_a_server_stalled_past_the_timeout_is_a_timeout_then_recovers(
    valkey_url: str,
    valkey_client: valkey.Valkey,
    probes: Callable[..., ValkeyProbe],
    acl_user: Callable[..., str],
) -> None:
    probe = probes(valkey_url, timeout_s=0.3)
    valkey_client.execute_command("CLIENT", "PAUSE", 5000, "ALL")
    try:
        with pytest.raises(TimeoutError, match="did not answer in time"):
            probe.check()
    finally:
        valkey_client.execute_command("CLIENT", "UNPAUSE")
    assert probe.check().info is not None


def test_a_user_refused_info_still_gets_latency_and_a_clear_reason(
    acl_user: Callable[..., str], probes: Callable[..., ValkeyProbe]
) -> None:
    report = probes(acl_user("info")).check()
    assert report.info is None
    assert report.rates is None
    assert report.unavailable["server info"].startswith("not available on this service (")
    assert len(report.latency.samples_ms) == 20
    verdicts = {c.name: c.verdict for c in report.checks}
    assert verdicts["latency"] == "ok"
    assert verdicts["memory"] == verdicts["eviction policy"] == "unavailable"
    assert report.warnings == ()


def test_a_service_refusing_slowlog_and_latency_says_not_available(
    acl_user: Callable[..., str], probes: Callable[..., ValkeyProbe]
) -> None:
    report = probes(acl_user("slowlog", "latency")).check()
    assert report.slowlog is None
    assert report.latency_events is None
    assert "not available on this service" in report.unavailable["slow log"]
    assert "not available on this service" in report.unavailable["latency monitor"]
    assert report.info is not None, "INFO is still allowed and read"


def test_slow_commands_are_listed_from_the_slowlog(
    valkey_url: str, valkey_client: valkey.Valkey, probes: Callable[..., ValkeyProbe]
) -> None:
    script = "for i=1,20000000 do end return 1"
    valkey_client.eval(script, 0)
    report = probes(valkey_url).check(slowlog_entries=128)
    assert report.slowlog is not None
    ours = [e for e in report.slowlog if e.command.startswith(f"EVAL {script}")]
    assert ours, "the 20-million-step script is in the slow log"
    assert ours[0].duration_ms >= 10
    assert ours[0].command.endswith("(+1 args)")


def test_the_slowlog_never_shows_values() -> None:
    raw = [[7, 1_700_000_000, 15_000, [b"SET", b"session:1", b"secret-value"], b"10.0.0.1:5", b""]]
    (entry,) = parse_slowlog(raw)
    assert entry.command == "SET session:1 … (+1 args)"
    assert "secret-value" not in repr(entry)
    assert (entry.duration_ms, entry.client_address) == (15.0, "10.0.0.1:5")


def test_a_wrong_password_is_an_authentication_error(
    acl_user: Callable[..., str], probes: Callable[..., ValkeyProbe]
) -> None:
    url = acl_user(password=PASSWORD_SENTINEL)
    with pytest.raises(AuthenticationError, match="rejected the user name or password") as caught:
        probes(url).check()
    assert PASSWORD_SENTINEL not in str(caught.value)


def test_a_closed_port_and_a_silent_server_fail_clearly(
    probes: Callable[..., ValkeyProbe],
) -> None:
    with pytest.raises(
        ConnectionError, match=r"could not reach Valkey at redis://127\.0\.0\.1:1/0"
    ):
        probes("redis://127.0.0.1:1/0").check()
    with silent_server() as silent:
        probe = probes(f"redis://127.0.0.1:{silent.port}/0", timeout_s=0.3)
        with pytest.raises(TimeoutError, match="did not answer in time"):
            probe.check()


def test_connections_killed_by_a_restart_are_replaced_on_the_next_check(
    valkey_url: str, valkey_client: valkey.Valkey, probes: Callable[..., ValkeyProbe]
) -> None:
    probe = probes(valkey_url)
    probe.check()
    ours = [c["id"] for c in valkey_client.client_list() if c["name"] == PROBE_CLIENT_NAME]
    assert ours, "the probe names its connections"
    for client_id in ours:
        valkey_client.client_kill_filter(_id=client_id)
    assert probe.check().latency.p50_ms > 0


def test_a_server_down_for_a_while_fails_clearly_then_recovers(
    valkey_url: str, probes: Callable[..., ValkeyProbe]
) -> None:
    parts = urlsplit(valkey_url)
    proxy = FaultProxy((parts.hostname or "127.0.0.1", parts.port or 6379))
    try:
        probe = probes(f"redis://127.0.0.1:{proxy.port}{parts.path}")
        assert probe.check().info is not None
        proxy.cut()
        with pytest.raises(ConnectionError):
            probe.check()
        proxy.restore()
        assert probe.check().info is not None
    finally:
        proxy.close()


def test_the_round_trip_leaves_no_key_behind(
    valkey_url: str, valkey_client: valkey.Valkey, probes: Callable[..., ValkeyProbe]
) -> None:
    valkey_client.set("unrelated", "kept")
    assert probes(valkey_url).round_trip_test() > 0
    assert valkey_client.keys("*") == [b"unrelated"]


# --- verdicts ---------------------------------------------------------------------------------


def info_of(**fields: Any) -> ValkeyInfo:
    return ValkeyInfo.from_info({"redis_version": "7.0.15", "run_id": "r1", **fields})


@pytest.mark.parametrize(
    ("policy", "verdict"),
    [
        ("allkeys-lru", "warning"),
        ("allkeys-lfu", "warning"),
        ("volatile-lru", "ok"),
        ("noeviction", "ok"),
    ],
)
def test_allkeys_policies_warn_that_tag_sets_could_be_evicted(policy: str, verdict: str) -> None:
    result = eviction_policy_check(info_of(maxmemory_policy=policy))
    assert result.verdict == verdict
    if verdict == "warning":
        assert "tag sets" in result.message


@pytest.mark.parametrize(("used", "verdict"), [(899, "ok"), (900, "warning")])
def test_memory_warns_from_90_percent_of_maxmemory(used: int, verdict: str) -> None:
    assert memory_check(info_of(used_memory=used, maxmemory=1000)).verdict == verdict


def test_valkey_version_wins_over_the_compatibility_redis_version() -> None:
    info = ValkeyInfo.from_info({"redis_version": "7.2.4", "valkey_version": "9.1.2"})
    assert (info.server, info.version) == ("valkey", "9.1.2")
    assert info.maxmemory_bytes is None
    assert info.memory_usage is None


def test_rates_are_not_compared_across_a_restart() -> None:
    before = CounterSample(10.0, "run-a", 100, 10, 0, 0)
    after = CounterSample(20.0, "run-b", 5, 1, 0, 0)
    assert IntervalRates.between(before, after) is None
    later = CounterSample(20.0, "run-a", 130, 20, 50, 10)
    rates = IntervalRates.between(before, later)
    assert rates is not None
    assert (rates.hit_ratio, rates.evicted_per_s, rates.expired_per_s) == (0.75, 5.0, 1.0)
    assert evictions_check(rates).verdict == "warning"
