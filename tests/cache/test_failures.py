"""CacheHelper when Valkey fails: down, cut off part-way through a command, restarted.

The cut comes from a real TCP relay that stops forwarding at a chosen byte of the request
stream, so the server sees half a transaction, reproducibly, at any point of an operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import valkey

from tests.cache_support import CuttingRelay, closed_port, throwaway_valkey
from vultr_core.api.errors import ConnectionError
from vultr_core.cache.store import CacheHelper
from vultr_core.cache.tags import BATCH_SIZE

NAMESPACE = "test-fail"
OUTSIDE = {"outside:key": b"1", "test-fail-other:v:a": b"2"}


@pytest.fixture
def direct(valkey_client: valkey.Valkey) -> Iterator[CacheHelper]:
    """The helper on an unbroken connection, to set up and to inspect what a failure left."""
    valkey_client.mset(OUTSIDE)
    yield CacheHelper(valkey_client, namespace=NAMESPACE)
    assert {key: valkey_client.get(key) for key in OUTSIDE} == OUTSIDE, "outside keys touched"


def through(relay: CuttingRelay) -> CacheHelper:
    return CacheHelper(valkey.Valkey.from_url(relay.url, socket_timeout=5), namespace=NAMESPACE)


def request_bytes(valkey_url: str, operation: Callable[[CacheHelper], object]) -> int:
    """How many request bytes an operation sends, measured by running it whole once."""
    relay = CuttingRelay(valkey_url)
    try:
        operation(through(relay))
        return relay.forwarded
    finally:
        relay.close()


def clear_namespace(client: valkey.Valkey) -> None:
    for key in client.scan_iter(match=f"{NAMESPACE}:*", count=1000):
        client.unlink(key)


def value_keys(client: valkey.Valkey) -> set[str]:
    prefix = f"{NAMESPACE}:v:"
    return {k.decode().removeprefix(prefix) for k in client.scan_iter(match=f"{prefix}*")}


def tag_members(client: valkey.Valkey, tag: str) -> set[str]:
    """Members of the tag's set and of any invalidation of it still draining."""
    sets = [f"{NAMESPACE}:tag:{tag}"]
    sets += [
        f"{NAMESPACE}:draining:{token.decode()}"
        for token, owner in client.hgetall(f"{NAMESPACE}:draining").items()
        if owner.decode() == tag
    ]
    return {m.decode() for name in sets for m in client.zrange(name, 0, -1)}


# (scripting, where to cut). Lua: each batch is one small EVALSHA, so any point past the start
# falls between or inside batches. Transactions: four batches of ~25% of the bytes each, mostly
# UNLINK's key names then two ZREMs; these points cut inside different commands of a batch.
CUTS = [(True, 0.3), (True, 0.6), (False, 0.31), (False, 0.43), (False, 0.65)]


@pytest.mark.parametrize(("scripting", "fraction"), CUTS)
def test_an_invalidation_cut_off_part_way_leaves_every_key_tracked_and_is_finished_next_time(
    valkey_client: valkey.Valkey, valkey_url: str, scripting: bool, fraction: float
) -> None:
    valkey_client.mset(OUTSIDE)
    direct = CacheHelper(valkey_client, namespace=NAMESPACE, scripting=scripting)
    keys = {f"k{n}": n for n in range(4 * BATCH_SIZE)}

    def populate() -> None:
        clear_namespace(valkey_client)
        direct.set_many(keys, ["doomed"])
        direct.set_with_tags("kept", 1, ["kept"])

    def invalidate_through(relay: CuttingRelay) -> int:
        client = valkey.Valkey.from_url(relay.url, socket_timeout=5)
        return CacheHelper(client, namespace=NAMESPACE, scripting=scripting).invalidate_by_tag(
            "doomed"
        )

    total = 0
    for _warm_up_then_measure in range(2):  # the first run may also load the script
        populate()
        relay = CuttingRelay(valkey_url)
        invalidate_through(relay)
        relay.close()
        total = relay.forwarded
    populate()
    relay = CuttingRelay(valkey_url, cut_after=int(total * fraction))
    with pytest.raises(ConnectionError, match="invalidating tag 'doomed'"):
        invalidate_through(relay)
    relay.close()

    remaining = value_keys(valkey_client) - {"kept"}
    assert valkey_client.hlen(f"{NAMESPACE}:draining") == 1, "the cut fell part-way through"
    assert remaining == tag_members(valkey_client, "doomed"), "every survivor is still tracked"
    assert direct.preview_tag("doomed").key_count == len(remaining)
    assert {t.tag: t.pending_invalidation for t in direct.tags()}["doomed"] == len(remaining)
    assert direct.invalidate_by_tag("doomed") == len(remaining)
    assert value_keys(valkey_client) == {"kept"}
    assert valkey_client.exists(f"{NAMESPACE}:draining") == 0
    assert {key: valkey_client.get(key) for key in OUTSIDE} == OUTSIDE


def test_a_set_many_cut_off_part_way_leaves_whole_batches_each_with_its_tags(
    direct: CacheHelper, valkey_client: valkey.Valkey, valkey_url: str
) -> None:
    keys = {f"k{n}": n for n in range(5 * BATCH_SIZE)}
    total = request_bytes(valkey_url, lambda cache: cache.set_many(keys, ["a", "b"]))
    clear_namespace(valkey_client)
    relay = CuttingRelay(valkey_url, cut_after=int(total * 0.5))
    with pytest.raises(ConnectionError, match="storing 5000 keys"):
        through(relay).set_many(keys, ["a", "b"])
    relay.close()
    stored = value_keys(valkey_client)
    assert len(stored) % BATCH_SIZE == 0
    assert 0 < len(stored) < len(keys)
    assert tag_members(valkey_client, "a") == tag_members(valkey_client, "b") == stored


def test_a_cut_while_storing_a_computed_value_stores_nothing_and_the_lock_expires(
    direct: CacheHelper, valkey_client: valkey.Valkey, valkey_url: str
) -> None:
    relay = CuttingRelay(valkey_url)
    cache = CacheHelper(
        valkey.Valkey.from_url(relay.url, socket_timeout=5), namespace=NAMESPACE, lock_ttl_s=0.3
    )

    def compute_then_lose_the_network() -> str:
        relay.cut_after = relay.forwarded
        return "value"

    with pytest.raises(ConnectionError, match="storing 'k'"):
        cache.get_or_compute("k", compute_then_lose_the_network, tags=["t"])
    relay.close()
    assert valkey_client.exists(direct.value_key("k"), f"{NAMESPACE}:tag:t") == 0
    # The dead holder's lock blocks others only until it expires.
    retry = CacheHelper(valkey_client, namespace=NAMESPACE, lock_ttl_s=0.3)
    assert retry.fetch("k", lambda: "again", tags=["t"]).source == "computed"
    assert retry.preview_tag("t").key_count == 1


OPERATIONS: dict[str, Callable[[CacheHelper], object]] = {
    "get_or_compute": lambda c: c.get_or_compute("k", lambda: pytest.fail("computed")),
    "set_with_tags": lambda c: c.set_with_tags("k", 1, ["t"]),
    "invalidate_by_tag": lambda c: c.invalidate_by_tag("t"),
    "preview_tag": lambda c: c.preview_tag("t"),
    "tags": lambda c: c.tags(),
    "mget_and_delete": lambda c: c.mget_and_delete(["k"]),
    "stats": lambda c: c.stats(),
    "eviction_warning": lambda c: c.eviction_warning(),
}


@pytest.mark.parametrize("operation", OPERATIONS.values(), ids=OPERATIONS.keys())
def test_with_valkey_down_every_operation_says_where_it_could_not_reach(
    operation: Callable[[CacheHelper], object],
) -> None:
    port = closed_port()
    url = f"redis://default:hunter2-sentinel@127.0.0.1:{port}/0"
    cache = CacheHelper(valkey.Valkey.from_url(url, socket_connect_timeout=1), namespace="x")
    with pytest.raises(ConnectionError) as caught:
        operation(cache)
    assert f"could not reach Valkey at redis://127.0.0.1:{port}/0" in str(caught.value)
    assert "hunter2-sentinel" not in str(caught.value)


def test_after_a_restart_the_helper_reconnects_and_its_data_is_consistent(
    tmp_path: Path,
) -> None:
    with throwaway_valkey(tmp_path / "first") as server:
        port = server.port
        cache = CacheHelper(
            valkey.Valkey(host="127.0.0.1", port=port, socket_timeout=5), namespace=NAMESPACE
        )
        cache.set_many({f"k{n}": n for n in range(100)}, ["t"])
        cache.client.save()
        server.stop()
        with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
            cache.get_or_compute("k1", lambda: pytest.fail("must not compute while down"))
        with pytest.raises(ConnectionError):
            cache.invalidate_by_tag("t")
    with throwaway_valkey(tmp_path / "first", port=port):
        assert cache.get_or_compute("k1", lambda: pytest.fail("restored from disk")) == 1
        assert cache.invalidate_by_tag("t") == 100
        assert cache.tags() == []
