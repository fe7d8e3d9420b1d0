"""CacheHelper: get-or-compute, tags and invalidation over Valkey, shared by every app replica.

Every key it touches starts with its namespace ``N``::

    N:v:<key>            a value, always with a TTL (format: vultr_core.cache.format)
    N:lock:<key>         the get-or-compute lock (SET NX PX), holding its owner's random token
    N:tag:<tag>          sorted set of the tag's keys, scored by each key's expiry (ms since epoch)
    N:tags               set of tag names, so listing tags never scans the keyspace
    N:draining           hash: token → tag, for each invalidation in progress (or interrupted)
    N:draining:<token>   a tag's members, moved aside when its invalidation began
    N:stats              counters (hits, misses, compute time, ...) overall and per tag

Choices (ANCHORS.md §4): writes are MULTI/EXEC transactions; tag sets and their invalidation
are in vultr_core.cache.tags, the counters in vultr_core.cache.stats. Every step is atomic and
idempotent, so a cut connection or a client that retries on its own leaves nothing half done.
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import valkey
from valkey.exceptions import ValkeyError, WatchError

from vultr_core.cache.format import HEADER_START, decode, encode, value_of
from vultr_core.cache.stats import DEFAULT_STATS_FLUSH_INTERVAL_S, StatsRecorder
from vultr_core.cache.tags import (
    BATCH_SIZE,
    DRAIN_BATCH_LUA,
    PRUNE_GRACE_MS,
    KeyInfo,
    TagIndex,
    checked_tags,
    key_info,
)
from vultr_core.cache.valkey_calls import client_location, execute, valkey_errors, watch
from vultr_core.health.valkey import mget_and_delete, valkey_error

__all__ = ["MAX_TTL_S", "CacheHelper", "Fetched"]

T = TypeVar("T")
Source = Literal["hit", "computed", "waited"]

log = logging.getLogger(__name__)

DEFAULT_NAMESPACE = "vultr-dashboard"
DEFAULT_TTL_S = 3600.0
# Every value expires within this: a value written by mistake (or by someone forging one) is
# gone within a month at most, whatever TTL was asked for.
MAX_TTL_S = 30 * 24 * 3600.0
# Longer than a management API listing takes on a large account; a dead holder blocks others
# at most this long.
DEFAULT_LOCK_TTL_S = 10.0
LOCK_POLL_MIN_S = 0.002
LOCK_POLL_MAX_S = 0.05
_NAMESPACE_PATTERN = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """What get-or-compute did: a hit, a computation, or a wait for another caller's result."""

    value: T
    source: Source
    elapsed_ms: float
    # How long computing this value took when it was computed (0 for values set directly).
    compute_ms: float


class CacheHelper(TagIndex, StatsRecorder):
    """A tag-aware get-or-compute cache in one Valkey namespace; safe to share between threads.

    Values are JSON: what ``json.dumps`` accepts comes back as ``json.loads`` gives it (tuples
    as lists, dict keys as strings).
    """

    def __init__(
        self,
        client: valkey.Valkey,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        lock_ttl_s: float = DEFAULT_LOCK_TTL_S,
        stats_flush_interval_s: float = DEFAULT_STATS_FLUSH_INTERVAL_S,
        scripting: bool = True,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``scripting=False`` never tries Lua; without it, a refusal is detected and
        remembered. ``clock`` (epoch seconds) scores tag members; tests move it forward."""
        if not _NAMESPACE_PATTERN.fullmatch(namespace):
            raise ValueError(
                f"namespace must be letters, digits, '_', '.' or '-', got {namespace!r}"
            )
        self.client = client
        self.namespace = namespace
        self.scripting = scripting
        self._lock_ttl_ms = _ttl_ms(lock_ttl_s, "lock_ttl_s")
        self._flush_interval_s = stats_flush_interval_s
        self._clock = clock
        self._sleep = sleep
        self._value_prefix = f"{namespace}:v:"
        self._tags_key = f"{namespace}:tags"
        self._draining_key = f"{namespace}:draining"
        self._stats_key = f"{namespace}:stats"
        self._drain_script = client.register_script(DRAIN_BATCH_LUA)
        # Counts not yet in Valkey, by value header (one dict lookup per hit).
        self._pending: dict[bytes, dict[str, float]] = {}
        self._pending_lock = threading.Lock()
        self._flushed_at = 0.0

    # Naming

    def value_key(self, key: str) -> str:
        """The Valkey key that holds ``key``'s value."""
        return self._value_prefix + _checked_key(key)

    # Reading and writing

    def get_or_compute(
        self,
        key: str,
        compute: Callable[[], T],
        ttl: float = DEFAULT_TTL_S,
        *,
        tags: Sequence[str] = (),
    ) -> T:
        """The cached value, or ``compute()``'s, stored for ``ttl`` seconds with ``tags``.

        On a miss one caller computes while the others wait for its result.

        Raises:
            ValueError: a bad key, tag or TTL, or a result JSON cannot hold (nothing is stored).
            ConnectionError, TimeoutError, ServiceError: Valkey failed.
        """
        # The hit path, kept lean (inlined, no context managers): bench/bench_cache.py holds it
        # near raw GET speed.
        name = self._value_prefix + (key if key and type(key) is str else _checked_key(key))
        tag_list = checked_tags(tags) if tags else ()
        ttl_ms = _ttl_ms(ttl, "ttl")
        raw: Any
        try:
            if time.monotonic() - self._flushed_at < self._flush_interval_s:
                raw = self.client.get(name)
            else:
                raw = self._get_carrying_counts(name)
        except ValkeyError as err:
            raise valkey_error(err, client_location(self.client), f"reading {key!r}") from err
        if raw is not None:
            header, _, body = raw.partition(b"\n")
            if header.startswith(HEADER_START):
                try:
                    value: T = json.loads(body)
                except ValueError:
                    log.warning("%s holds a value CacheHelper cannot read; recomputing", name)
                else:
                    self._count(header, "hits")
                    return value
        return self._compute_under_lock(key, compute, ttl_ms, tag_list, time.perf_counter()).value

    def fetch(
        self,
        key: str,
        compute: Callable[[], T],
        ttl: float = DEFAULT_TTL_S,
        *,
        tags: Sequence[str] = (),
    ) -> Fetched[T]:
        """get_or_compute, also saying where the value came from and how long it took."""
        name = self.value_key(key)
        ttl_ms = _ttl_ms(ttl, "ttl")
        tag_list = checked_tags(tags)
        started = time.perf_counter()
        with valkey_errors(self.client, f"reading {key!r}"):
            envelope = decode(self._get_carrying_counts(name))
        if envelope is not None:
            self._count(envelope.header, "hits")
            return Fetched(envelope.value, "hit", _ms_since(started), envelope.compute_ms)
        return self._compute_under_lock(key, compute, ttl_ms, tag_list, started)

    def set_with_tags(
        self, key: str, value: object, tags: Sequence[str], ttl: float = DEFAULT_TTL_S
    ) -> None:
        """Store a value and its tag membership in one round trip (one MULTI/EXEC).

        An empty tag list stores the value untagged.
        """
        self.set_many({key: value}, tags, ttl)

    def set_many(
        self,
        values: Mapping[str, object],
        tags: Sequence[str] = (),
        ttl: float = DEFAULT_TTL_S,
        *,
        compute_ms: float = 0.0,
    ) -> None:
        """Store many values under the same tags, ``BATCH_SIZE`` per round trip.

        ``compute_ms`` is what computing each value cost elsewhere: every later hit counts it
        as time saved. Everything is serialised before anything is sent; each batch is one
        transaction, so an interruption leaves whole batches: never a value without its tags,
        nor the reverse.
        """
        ttl_ms = _ttl_ms(ttl, "ttl")
        tag_list = checked_tags(tags)
        payloads = [
            (_checked_key(key), encode(value, compute_ms, tag_list))
            for key, value in values.items()
        ]
        for start in range(0, len(payloads), BATCH_SIZE):
            with valkey_errors(self.client, f"storing {len(payloads)} keys"):
                self._store(payloads[start : start + BATCH_SIZE], tag_list, ttl_ms)

    def mget_and_delete(self, keys: Sequence[str]) -> list[Any]:
        """Take several values atomically: values in key order, None for a missing key; a
        value CacheHelper did not write comes back as its text rather than being lost."""
        names = [self.value_key(key) for key in keys]
        with valkey_errors(self.client, f"taking {len(names)} keys"):
            raws = mget_and_delete(self.client, names)
        return [_taken_value(raw) for raw in raws]

    def describe_keys(self, keys: Sequence[str]) -> list[KeyInfo]:
        """Existence, size and TTL of some keys: the preview of a take or a delete."""
        names = [self.value_key(key) for key in keys]
        with valkey_errors(self.client, f"describing {len(names)} keys"):
            figures = self._sizes_and_ttls(names)
        return [key_info(key, size, ttl) for key, (size, ttl) in zip(keys, figures, strict=True)]

    # Internals: get-or-compute

    def _compute_under_lock(
        self,
        key: str,
        compute: Callable[[], T],
        ttl_ms: int,
        tags: tuple[str, ...],
        started: float,
    ) -> Fetched[T]:
        name, lock, token = (
            self.value_key(key),
            f"{self.namespace}:lock:{key}",
            secrets.token_hex(16),
        )
        poll_s, waiting_since = LOCK_POLL_MIN_S, None
        while True:
            with (
                valkey_errors(self.client, f"waiting for {key!r} to be computed"),
                self.client.pipeline(transaction=False) as attempt,
            ):
                attempt.set(lock, token, nx=True, px=self._lock_ttl_ms)
                attempt.get(name)
                acquired, raw = execute(attempt)
            waited_ms = None if waiting_since is None else _ms_since(waiting_since)
            envelope = decode(raw)
            if envelope is not None:
                if acquired:
                    self._release(lock, token)
                self._count(envelope.header, "hits", waited_ms)
                source: Source = "hit" if waiting_since is None else "waited"
                return Fetched(envelope.value, source, _ms_since(started), envelope.compute_ms)
            if acquired:
                break
            waiting_since = waiting_since or time.perf_counter()
            self._sleep(poll_s)
            poll_s = min(poll_s * 2, LOCK_POLL_MAX_S)
        try:
            compute_started = time.perf_counter()
            value = compute()
            compute_ms = _ms_since(compute_started)
            payload = encode(value, compute_ms, tags)
            with valkey_errors(self.client, f"storing {key!r}"):
                self._store([(key, payload)], tags, ttl_ms, release=(lock, token))
        except BaseException:
            self._release_quietly(lock, token)
            raise
        self._count(payload.partition(b"\n")[0], "misses", waited_ms)
        return Fetched(value, "computed", _ms_since(started), compute_ms)

    def _store(
        self,
        entries: Sequence[tuple[str, bytes]],
        tags: tuple[str, ...],
        ttl_ms: int,
        *,
        release: tuple[str, str] | None = None,
    ) -> None:
        """Values and tag memberships in one transaction; with ``release``, also free our lock
        (checked under WATCH: a lock that expired and passed to someone else stays theirs)."""
        now_ms = int(self._clock() * 1000)
        expiry_ms = now_ms + ttl_ms
        for _attempt in range(3):
            with self.client.pipeline(transaction=True) as pipe:
                holds_lock = False
                if release is not None:
                    watch(pipe, release[0])
                    holds_lock = pipe.get(release[0]) == release[1].encode()
                    pipe.multi()
                for key, payload in entries:
                    pipe.set(self.value_key(key), payload, px=ttl_ms)
                for tag in tags:
                    pipe.zremrangebyscore(self.tag_key(tag), "-inf", now_ms - PRUNE_GRACE_MS)
                    pipe.zadd(self.tag_key(tag), {key: expiry_ms for key, _ in entries})
                if tags:
                    pipe.sadd(self._tags_key, *tags)
                if holds_lock and release is not None:
                    pipe.delete(release[0])
                try:
                    execute(pipe)
                    return
                except WatchError:
                    continue
        raise WatchError(f"the lock on {entries[0][0]!r} kept changing while storing")

    def _release(self, lock: str, token: str) -> None:
        """Delete the lock only while it is still ours."""
        with self.client.pipeline(transaction=True) as pipe:
            watch(pipe, lock)
            if pipe.get(lock) == token.encode():
                pipe.multi()
                pipe.delete(lock)
                # Changed under WATCH: it expired and is someone else's now.
                with suppress(WatchError):
                    execute(pipe)

    def _release_quietly(self, lock: str, token: str) -> None:
        """After a failed computation: free the lock if Valkey lets us; it expires anyway."""
        try:
            self._release(lock, token)
        except ValkeyError as err:
            log.debug("could not release %s after a failure: %s", lock, err)


def _checked_key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"a cache key must be a non-empty string, got {key!r}")
    return key


def _ttl_ms(ttl_s: float, name: str) -> int:
    # type() rather than isinstance: True is an int, and a TTL of True is a mistake. NaN fails
    # the comparison with infinity.
    if type(ttl_s) in (int, float) and ttl_s < math.inf:
        if ttl_s > MAX_TTL_S:
            raise ValueError(
                f"{name} may be at most {MAX_TTL_S:,.0f} s ({MAX_TTL_S / 86400:,.0f} days), "
                f"got {ttl_s:,.0f} s"
            )
        milliseconds = round(ttl_s * 1000)
        if milliseconds >= 1:
            return milliseconds
    raise ValueError(f"{name} must be a positive number of seconds, got {ttl_s!r}")


def _taken_value(raw: bytes | None) -> Any:
    if raw is None:
        return None
    found = value_of(raw)
    return found[1] if found is not None else raw.decode(errors="replace")


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
