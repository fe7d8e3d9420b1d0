"""CacheHelper against a real Valkey: get-or-compute, tags, invalidation, counters, bad input."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator

import pytest
import valkey

from tests.cache_support import counting_client
from vultr_core.cache.format import decode
from vultr_core.cache.store import MAX_TTL_S, CacheHelper
from vultr_core.health.valkey import mget_and_delete

NAMESPACE = "test-cache"
# Keys a careless prefix match would catch: they must survive everything the helper does.
OUTSIDE = {
    "outside:key": b"1",
    "test-cache-other:v:a": b"2",
    "test-cachev:a": b"3",
    "test-cache-other:tag:t": b"4",
}


@pytest.fixture
def cache(valkey_client: valkey.Valkey) -> Iterator[CacheHelper]:
    valkey_client.mset(OUTSIDE)
    yield CacheHelper(valkey_client, namespace=NAMESPACE)
    assert {key: valkey_client.get(key) for key in OUTSIDE} == OUTSIDE, "outside keys touched"


def value_keys(client: valkey.Valkey) -> set[str]:
    return {key.decode() for key in client.scan_iter(match=f"{NAMESPACE}:v:*", count=1000)}


def members(client: valkey.Valkey, tag: str) -> set[str]:
    return {m.decode() for m in client.zrange(f"{NAMESPACE}:tag:{tag}", 0, -1)}


# get-or-compute


def test_a_miss_computes_and_stores_and_a_hit_does_not_compute(cache: CacheHelper) -> None:
    calls: list[int] = []

    def compute() -> dict[str, object]:
        calls.append(1)
        return {"plans": ["vc2-1c-1gb"], "count": 3}

    first = cache.fetch("report", compute, tags=["reports"])
    second = cache.fetch("report", compute, tags=["reports"])
    assert (first.source, second.source) == ("computed", "hit")
    assert first.value == second.value == {"plans": ["vc2-1c-1gb"], "count": 3}
    assert len(calls) == 1
    assert cache.get_or_compute("report", compute) == first.value


def test_a_hit_is_one_round_trip_and_set_with_tags_is_one(valkey_url: str) -> None:
    client, counter = counting_client(valkey_url)
    cache = CacheHelper(client, namespace=NAMESPACE)
    client.delete(cache.value_key("k"))
    counter.sends = 0
    cache.set_with_tags("k", {"a": 1}, ["t1", "t2", "t3"])
    assert counter.sends == 1
    counter.sends = 0
    for _ in range(5):
        assert cache.get_or_compute("k", lambda: pytest.fail("must not compute")) == {"a": 1}
    assert counter.sends == 5
    client.close()


def test_values_expire_after_their_ttl_and_are_computed_again(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    cache.get_or_compute("short", lambda: 1, ttl=0.2)
    remaining_ms = valkey_client.pttl(cache.value_key("short"))
    assert 0 < remaining_ms <= 200
    cache.set_with_tags("long", 2, ["t"], ttl=3600)
    assert 3_590_000 < valkey_client.pttl(cache.value_key("long")) <= 3_600_000
    time.sleep(0.3)
    assert cache.fetch("short", lambda: 3).source == "computed"
    assert cache.get_or_compute("short", lambda: 4) == 3


def test_fifty_threads_on_one_cold_key_compute_it_once(cache: CacheHelper) -> None:
    calls: list[int] = []
    start = threading.Barrier(50)
    results: list[tuple[str, object]] = []
    lock = threading.Lock()

    def compute() -> list[int]:
        calls.append(1)
        time.sleep(0.2)
        return [1, 2, 3]

    def caller() -> None:
        start.wait()
        fetched = cache.fetch("cold", compute, tags=["stampede"])
        with lock:
            results.append((fetched.source, fetched.value))

    threads = [threading.Thread(target=caller) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert [value for _, value in results] == [[1, 2, 3]] * 50
    sources = [source for source, _ in results]
    assert sources.count("computed") == 1
    stats = cache.stats()
    assert (stats.overall.misses, stats.overall.hits) == (1, 49)
    assert stats.overall.lock_waits == sources.count("waited") > 0
    assert stats.by_tag["stampede"].hits == 49


def test_when_the_lock_holder_dies_a_waiter_takes_over_after_the_lock_expires(
    valkey_client: valkey.Valkey,
) -> None:
    cache = CacheHelper(valkey_client, namespace=NAMESPACE, lock_ttl_s=0.3)
    # A holder that took the lock and died: only the lock's expiry frees it.
    valkey_client.set(f"{NAMESPACE}:lock:orphan", "dead-holder", px=300)
    fetched = cache.fetch("orphan", lambda: "computed by the waiter")
    assert (fetched.source, fetched.value) == ("computed", "computed by the waiter")
    assert valkey_client.exists(f"{NAMESPACE}:lock:orphan") == 0
    assert cache.stats().overall.lock_waits == 1


def test_a_failing_compute_frees_the_lock_stores_nothing_and_raises_its_own_error(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    def broken() -> int:
        raise RuntimeError("upstream down")

    with pytest.raises(RuntimeError, match="upstream down"):
        cache.get_or_compute("k", broken, tags=["t"])
    assert valkey_client.exists(f"{NAMESPACE}:lock:k", cache.value_key("k")) == 0
    assert cache.tags() == []
    # The next caller does not wait for a lock nobody holds.
    assert cache.fetch("k", lambda: 5).source == "computed"


# Bad input: a clear error, nothing stored


@pytest.mark.parametrize(
    "value",
    [{1, 2}, object(), b"bytes", float("nan"), {"nested": [math.inf]}],
    ids=["set", "object", "bytes", "nan", "nested-inf"],
)
def test_a_value_json_cannot_hold_is_refused_before_anything_is_written(
    cache: CacheHelper, valkey_client: valkey.Valkey, value: object
) -> None:
    with pytest.raises(ValueError, match="stored as JSON"):
        cache.set_with_tags("k", value, ["t"])
    with pytest.raises(ValueError, match="stored as JSON"):
        cache.get_or_compute("k", lambda: value, tags=["t"])
    assert valkey_client.exists(cache.value_key("k"), f"{NAMESPACE}:lock:k") == 0
    assert cache.tags() == []
    assert cache.fetch("k", lambda: "fine").source == "computed"


@pytest.mark.parametrize("ttl", [0, -1, 0.0001, float("nan"), float("inf"), True])
def test_a_ttl_that_is_not_positive_is_refused(
    cache: CacheHelper, valkey_client: valkey.Valkey, ttl: float
) -> None:
    with pytest.raises(ValueError, match="positive number of seconds"):
        cache.set_with_tags("k", 1, ["t"], ttl=ttl)
    with pytest.raises(ValueError, match="positive number of seconds"):
        cache.get_or_compute("k", lambda: 1, ttl=ttl)
    assert valkey_client.dbsize() == len(OUTSIDE)


def test_a_ttl_beyond_the_maximum_is_refused_and_the_maximum_itself_is_kept(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    ten_years_s = 10 * 365 * 86400
    with pytest.raises(ValueError, match=r"at most 2,592,000 s \(30 days\), got 315,360,000 s"):
        cache.set_with_tags("k", 1, ["t"], ttl=ten_years_s)
    with pytest.raises(ValueError, match="at most"):
        cache.get_or_compute("k", lambda: 1, ttl=MAX_TTL_S + 1)
    assert valkey_client.dbsize() == len(OUTSIDE), "nothing stored"
    cache.set_with_tags("k", 1, ["t"], ttl=MAX_TTL_S)
    assert MAX_TTL_S * 1000 - 10_000 < valkey_client.pttl(cache.value_key("k")) <= MAX_TTL_S * 1000


def test_bad_keys_and_tags_are_refused_with_their_reason(cache: CacheHelper) -> None:
    with pytest.raises(ValueError, match="non-empty string"):
        cache.set_with_tags("", 1, ["t"])
    with pytest.raises(TypeError, match="list of tag names"):
        cache.set_with_tags("k", 1, "reports")
    with pytest.raises(ValueError, match="tag must be a non-empty string"):
        cache.set_with_tags("k", 1, ["ok", ""])
    with pytest.raises(ValueError, match="tag must be a non-empty string"):
        cache.invalidate_by_tag("")
    with pytest.raises(ValueError, match="namespace"):
        CacheHelper(cache.client, namespace="a:b*")


def test_an_empty_tag_list_stores_the_value_untagged(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    cache.set_with_tags("plain", {"x": 1}, [])
    assert cache.get_or_compute("plain", lambda: None) == {"x": 1}
    assert cache.tags() == []
    assert valkey_client.exists(f"{NAMESPACE}:tags") == 0


STRANGE_KEYS = ["with spaces", "ünïcødé ключ 鍵 🔑", "glob*?[x]\\", "tag:looking", "v:nested"]


def test_keys_with_spaces_unicode_and_glob_characters_round_trip_and_invalidate(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    megabyte = "x" * (1024 * 1024)
    for key in STRANGE_KEYS:
        cache.set_with_tags(key, {"key": key, "blob": megabyte}, ["strange", "ключ*"])
    cache.set_with_tags("bystander", 1, ["other"])
    for key in STRANGE_KEYS:
        assert cache.get_or_compute(key, lambda: None) == {"key": key, "blob": megabyte}
    preview = cache.preview_tag("ключ*")
    assert {info.key for info in preview.keys} == set(STRANGE_KEYS)
    assert all(info.size_bytes > 1024 * 1024 for info in preview.keys)
    assert cache.invalidate_by_tag("strange") == len(STRANGE_KEYS)
    assert value_keys(valkey_client) == {cache.value_key("bystander")}


# Tags


def test_set_many_tags_every_key_and_tags_lists_counts_largest_first(cache: CacheHelper) -> None:
    cache.set_many({f"i{n}": n for n in range(2500)}, ["instances", "all"])
    cache.set_many({f"d{n}": n for n in range(3)}, ["databases", "all"])
    assert [(t.tag, t.key_count) for t in cache.tags()] == [
        ("all", 2503),
        ("instances", 2500),
        ("databases", 3),
    ]


def test_preview_shows_what_invalidation_would_remove_and_removes_nothing(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    cache.set_with_tags("a", "x" * 100, ["t"])
    cache.set_with_tags("b", "y" * 10, ["t", "u"])
    cache.mget_and_delete(["b"])  # b leaves its tags listing a key that is gone
    preview = cache.preview_tag("t")
    assert preview.key_count == 1
    assert [info.key for info in preview.keys] == ["a"]
    assert preview.total_bytes == valkey_client.strlen(cache.value_key("a"))
    assert preview.stale_members == 1
    assert members(valkey_client, "t") == {"a"}, "the missing member was pruned"
    assert cache.get_or_compute("a", lambda: None) == "x" * 100


def test_expired_members_and_empty_tags_are_pruned(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    cache.set_with_tags("gone-soon", 1, ["brief"], ttl=0.05)
    cache.set_with_tags("stays", 2, ["lasting"])
    time.sleep(0.1)
    # Pruning waits out replicas' clock skew: seen from a clock past the grace period.
    later = CacheHelper(valkey_client, namespace=NAMESPACE, clock=lambda: time.time() + 120)
    assert [(t.tag, t.key_count) for t in later.tags()] == [("lasting", 1)]
    assert set(valkey_client.smembers(f"{NAMESPACE}:tags")) == {b"lasting"}


def test_invalidate_deletes_the_tags_keys_and_the_tag_and_nothing_else(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    cache.set_many({f"k{n}": n for n in range(2300)}, ["doomed"])
    cache.set_many({"keep1": 1, "keep2": 2}, ["kept"])
    assert cache.invalidate_by_tag("doomed") == 2300
    assert value_keys(valkey_client) == {cache.value_key("keep1"), cache.value_key("keep2")}
    assert [t.tag for t in cache.tags()] == ["kept"]
    assert valkey_client.exists(f"{NAMESPACE}:tag:doomed", f"{NAMESPACE}:draining") == 0
    assert cache.invalidate_by_tag("doomed") == 0
    assert cache.invalidate_by_tag("never-existed") == 0


def test_a_hundred_thousand_key_tag_is_previewed_and_invalidated_completely(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    cache.set_many({f"row:{n}": n for n in range(100_000)}, ["huge"])
    cache.set_with_tags("neighbour", 1, ["small"])
    preview = cache.preview_tag("huge", sample=10)
    assert preview.key_count == 100_000
    assert len(preview.keys) == 10
    assert cache.invalidate_by_tag("huge") == 100_000
    assert value_keys(valkey_client) == {cache.value_key("neighbour")}
    assert [t.tag for t in cache.tags()] == ["small"]


@pytest.mark.parametrize("scripting", [True, False], ids=["lua", "transactions"])
def test_invalidation_racing_writes_leaves_no_old_key_and_no_dangling_member(
    cache: CacheHelper, valkey_client: valkey.Valkey, scripting: bool
) -> None:
    cache.scripting = scripting
    old = {f"old:{n}": n for n in range(20_000)}
    cache.set_many(old, ["race"])
    written: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            # New keys, and re-writes of keys being deleted: both race the batches.
            key = f"new:{n}" if n % 2 else f"old:{n * 7 % 20_000}"
            cache.set_with_tags(key, n, ["race"])
            written.append(key)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    while len(written) < 50:
        time.sleep(0.001)
    began = len(written)
    cache.invalidate_by_tag("race")
    finished = len(written)
    while len(written) < finished + 50:
        time.sleep(0.001)
    stop.set()
    thread.join()
    survivors = {key.removeprefix(f"{NAMESPACE}:v:") for key in value_keys(valkey_client)}
    assert finished > began, "the writer must have raced the invalidation"
    assert survivors <= set(written[began:]), "only keys (re-)written after it began survive"
    assert survivors == members(valkey_client, "race"), "no dangling member, no untagged key"
    # The write in flight as it returned may have been caught; every later one stands.
    assert set(written[finished + 1 :]) <= survivors


def test_a_server_that_refuses_lua_is_detected_and_invalidation_still_completes(
    cache: CacheHelper, valkey_client: valkey.Valkey, valkey_url: str
) -> None:
    """An ACL without @scripting, as some managed plans have: the helper switches to
    transactions once, and says so by its ``scripting`` flag."""
    user, password = "test-cache-no-lua", "no-lua-password"
    valkey_client.acl_setuser(
        user,
        enabled=True,
        passwords=[f"+{password}"],
        keys=["*"],
        channels=["*"],
        commands=["+@all", "-@scripting"],
    )
    try:
        limited = valkey.Valkey.from_url(valkey_url, username=user, password=password)
        helper = CacheHelper(limited, namespace=NAMESPACE)
        helper.set_many({f"k{n}": n for n in range(2500)}, ["t"])
        assert helper.invalidate_by_tag("t") == 2500
        assert helper.scripting is False
        assert value_keys(valkey_client) == set()
        limited.close()
    finally:
        valkey_client.acl_deluser(user)


# mget-and-delete through the helper


def test_mget_and_delete_returns_decoded_values_in_order_and_removes_them(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    cache.set_with_tags("a", {"n": 1}, ["t"])
    cache.set_with_tags("b", [2], ["t"])
    valkey_client.set(cache.value_key("raw"), "written by someone else")
    assert cache.mget_and_delete(["b", "missing", "a", "raw"]) == [
        [2],
        None,
        {"n": 1},
        "written by someone else",
    ]
    assert value_keys(valkey_client) == set()
    assert [info.exists for info in cache.describe_keys(["a", "b"])] == [False, False]


def test_twenty_concurrent_callers_over_the_same_keys_get_every_value_exactly_once(
    valkey_client: valkey.Valkey, valkey_url: str
) -> None:
    keys = [f"{NAMESPACE}:take:{n}" for n in range(1000)]
    valkey_client.mset({key: f"value-{n}" for n, key in enumerate(keys)})
    start = threading.Barrier(20)
    taken: list[bytes] = []
    lock = threading.Lock()

    def caller(seed: int) -> None:
        own = valkey.Valkey.from_url(valkey_url, socket_timeout=5)
        order = random.Random(seed).sample(keys, len(keys))  # each caller its own order
        start.wait()
        for at in range(0, len(order), 50):
            got = [v for v in mget_and_delete(own, order[at : at + 50]) if v is not None]
            with lock:
                taken.extend(got)
        own.close()

    threads = [threading.Thread(target=caller, args=(seed,)) for seed in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(taken) == Counter(f"value-{n}".encode() for n in range(1000))
    assert valkey_client.exists(*keys) == 0


# Counters


def test_counters_add_up_across_replicas_per_tag_with_time_saved(valkey_url: str) -> None:
    first = CacheHelper(valkey.Valkey.from_url(valkey_url), namespace=NAMESPACE)
    second = CacheHelper(valkey.Valkey.from_url(valkey_url), namespace=NAMESPACE)
    first.client.flushdb()

    def slow() -> str:
        time.sleep(0.05)
        return "report"

    computed = first.fetch("r", slow, tags=["reports"])
    for replica in (first, second, second):
        assert replica.fetch("r", slow, tags=["reports"]).source == "hit"
    first.fetch("other", lambda: 1, tags=["misc"])
    first.flush_stats()
    stats = second.stats()
    assert (stats.overall.hits, stats.overall.misses, stats.overall.computes) == (3, 2, 2)
    assert stats.by_tag["reports"].hit_ratio == pytest.approx(0.75)
    assert stats.by_tag["misc"].hit_ratio == 0
    stored = decode(first.client.get(first.value_key("r")))
    assert stored is not None
    stored_ms = stored.compute_ms
    assert stored_ms >= 50
    assert stats.by_tag["reports"].saved_ms == pytest.approx(3 * stored_ms, abs=0.01)
    assert stats.by_tag["reports"].compute_ms == pytest.approx(computed.compute_ms, abs=0.01)
    first.client.flushdb()


def test_the_eviction_policy_warning_names_allkeys_policies_only(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    original = valkey_client.config_get("maxmemory-policy")["maxmemory-policy"]
    try:
        valkey_client.config_set("maxmemory-policy", "allkeys-lru")
        warning = cache.eviction_warning()
        assert warning is not None
        assert "allkeys-lru" in warning
        valkey_client.config_set("maxmemory-policy", "volatile-lru")
        assert cache.eviction_warning() is None
    finally:
        valkey_client.config_set("maxmemory-policy", original)
