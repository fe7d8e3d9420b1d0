"""CacheHelper: get-or-compute, tags and invalidation over Valkey, shared by every app replica.

Every key it touches starts with its namespace ``N``::

    N:v:<key>            a value, always with a TTL (format: vultr_core.cache_format)
    N:lock:<key>         the get-or-compute lock (SET NX PX), holding its owner's random token
    N:tag:<tag>          sorted set of the tag's keys, scored by each key's expiry (ms since epoch)
    N:tags               set of tag names, so listing tags never scans the keyspace
    N:draining           hash: token → tag, for each invalidation in progress (or interrupted)
    N:draining:<token>   a tag's members, moved aside when its invalidation began
    N:stats              counters (hits, misses, compute time, ...) overall and per tag

Choices (ANCHORS.md §4): tag sets are sorted sets scored by expiry, as in Laravel, so members
whose keys expired leave with one ZREMRANGEBYSCORE; they carry no TTL themselves, so a
``volatile-*`` eviction policy never drops a tag while its keys live (Symfony's rule). Writes
are MULTI/EXEC transactions. Invalidation drains a tag with a short Lua script per batch (the
server does the work, nothing travels), falling back to transactions where scripting is
refused, as some managed services do. Every step is atomic and idempotent, so a cut
connection or a client that retries on its own leaves nothing half done.
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

import valkey
from valkey.exceptions import NoPermissionError, ResponseError, ValkeyError, WatchError

from vultr_core.cache_format import (
    COUNTS,
    HEADER_START,
    CacheCounters,
    CacheStats,
    decode,
    encode,
    parse_stats,
    stats_fields,
    value_of,
)
from vultr_core.valkey import mget_and_delete, valkey_error

__all__ = [
    "CacheCounters",
    "CacheHelper",
    "CacheStats",
    "Fetched",
    "KeyInfo",
    "TagInfo",
    "TagPreview",
    "client_location",
    "valkey_errors",
]

T = TypeVar("T")
Source = Literal["hit", "computed", "waited"]

log = logging.getLogger(__name__)

DEFAULT_NAMESPACE = "vultr-dashboard"
DEFAULT_TTL_S = 3600.0
# Longer than a management API listing takes on a large account; a dead holder blocks others
# at most this long.
DEFAULT_LOCK_TTL_S = 10.0
# Counts are kept in memory and added to Valkey at most this often, riding on the next round
# trip, so a hit stays one round trip.
DEFAULT_STATS_FLUSH_INTERVAL_S = 1.0
# Keys per invalidation step: short enough that one step never holds the server for long.
BATCH_SIZE = 1000
# Replicas' clocks may disagree: a member is pruned only this long after its key expired.
PRUNE_GRACE_MS = 30_000
LOCK_POLL_MIN_S = 0.002
LOCK_POLL_MAX_S = 0.05
_NAMESPACE_PATTERN = re.compile(r"[A-Za-z0-9_.-]+")

# One invalidation step: delete a batch of the draining set's keys and forget them, there and
# in the live tag set (a write may have re-tagged one since the drain began). The value keys
# are built from the members, so they are not declared: this suits a standalone server.
_DRAIN_BATCH_LUA = """
local members = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
if #members == 0 then return {0, 0} end
local names = {}
for i, member in ipairs(members) do names[i] = ARGV[1] .. member end
local removed = redis.call('UNLINK', unpack(names))
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, #members - 1)
redis.call('ZREM', KEYS[2], unpack(members))
return {removed, #members}
"""


@dataclass(frozen=True, slots=True)
class Fetched(Generic[T]):
    """What get-or-compute did: a hit, a computation, or a wait for another caller's result."""

    value: T
    source: Source
    elapsed_ms: float
    # How long computing this value took when it was computed (0 for values set directly).
    compute_ms: float


@dataclass(frozen=True, slots=True)
class TagInfo:
    tag: str
    # Members listed; a key deleted through another tag stays listed until a preview prunes it.
    key_count: int
    # Members of an interrupted invalidation, still to delete (invalidate the tag again).
    pending_invalidation: int = 0


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key: str
    exists: bool
    size_bytes: int
    ttl_s: float | None


@dataclass(frozen=True, slots=True)
class TagPreview:
    """What invalidating a tag would remove, before anything is removed."""

    tag: str
    key_count: int
    total_bytes: int
    keys: tuple[KeyInfo, ...]
    # Listed by the tag but already gone (taken, or deleted through another tag); pruned.
    stale_members: int
    pruned_expired: int


def client_location(client: valkey.Valkey) -> str:
    """Where a client points, for messages: scheme, host, port and database, never a password."""
    options = client.connection_pool.connection_kwargs
    if "path" in options:
        return f"unix://{options['path']}"
    return f"redis://{options.get('host', '?')}:{options.get('port', '?')}/{options.get('db', 0)}"


@contextmanager
def valkey_errors(client: valkey.Valkey, doing: str) -> Iterator[None]:
    """Turn valkey-py's exceptions into ours, saying what we were doing and where."""
    try:
        yield
    except ValkeyError as err:
        raise valkey_error(err, client_location(client), doing) from err


class CacheHelper:
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
        self._drain_script = client.register_script(_DRAIN_BATCH_LUA)
        # Counts not yet in Valkey, by value header (one dict lookup per hit).
        self._pending: dict[bytes, dict[str, float]] = {}
        self._pending_lock = threading.Lock()
        self._flushed_at = 0.0

    # Naming

    def value_key(self, key: str) -> str:
        """The Valkey key that holds ``key``'s value."""
        return self._value_prefix + _checked_key(key)

    def tag_key(self, tag: str) -> str:
        return f"{self.namespace}:tag:{tag}"

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
        tag_list = _checked_tags(tags) if tags else ()
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
        tag_list = _checked_tags(tags)
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
        self, values: Mapping[str, object], tags: Sequence[str] = (), ttl: float = DEFAULT_TTL_S
    ) -> None:
        """Store many values under the same tags, ``BATCH_SIZE`` per round trip.

        Everything is serialised before anything is sent; each batch is one transaction, so an
        interruption leaves whole batches: never a value without its tags, nor the reverse.
        """
        ttl_ms = _ttl_ms(ttl, "ttl")
        tag_list = _checked_tags(tags)
        payloads = [
            (_checked_key(key), encode(value, 0.0, tag_list)) for key, value in values.items()
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
        return [_key_info(key, size, ttl) for key, (size, ttl) in zip(keys, figures, strict=True)]

    # Tags

    def invalidate_by_tag(self, tag: str) -> int:
        """Delete every key of the tag and the tag itself; returns how many keys were deleted.

        The tag's set is first renamed aside atomically, then drained in batches: each batch
        unlinks its keys and drops them from the tag (which new writes may have re-created) in
        one atomic step. A key tagged before the call is deleted; one tagged during it survives
        unless it is a re-write of a key being deleted. An interrupted invalidation leaves its
        set registered and the next invalidation of the tag finishes it.
        """
        (tag,) = _checked_tags([tag])
        token = secrets.token_hex(8)
        with valkey_errors(self.client, f"invalidating tag {tag!r}"):
            removed = sum(self._drain(tag, old) for old in self._draining_tokens(tag))
            with self.client.pipeline(transaction=True) as begin:
                begin.rename(self.tag_key(tag), f"{self._draining_key}:{token}")
                begin.hset(self._draining_key, token, tag)
                begin.srem(self._tags_key, tag)
                renamed, _, _ = _execute(begin, raise_on_error=False)
            if isinstance(renamed, ResponseError):
                self.client.hdel(self._draining_key, token)
                if "no such key" not in str(renamed).lower():
                    raise renamed
                return removed
            return removed + self._drain(tag, token)

    def preview_tag(self, tag: str, *, sample: int = 100) -> TagPreview:
        """The keys and bytes invalidating the tag would remove; expired members are pruned."""
        (tag,) = _checked_tags([tag])
        with valkey_errors(self.client, f"previewing tag {tag!r}"):
            pruned = self._prune_expired([tag])[0]
            members = self._members(tag)
            figures = self._sizes_and_ttls([self._value_prefix + m for m in members])
            infos = [
                _key_info(m, size, ttl) for m, (size, ttl) in zip(members, figures, strict=True)
            ]
            self._prune_missing(tag, [info.key for info in infos if not info.exists])
        present = [info for info in infos if info.exists]
        return TagPreview(
            tag=tag,
            key_count=len(present),
            total_bytes=sum(info.size_bytes for info in present),
            keys=tuple(present[:sample]),
            stale_members=len(infos) - len(present),
            pruned_expired=pruned,
        )

    def tags(self) -> list[TagInfo]:
        """Every tag with its key count, largest first; expired members and empty tags pruned."""
        with valkey_errors(self.client, "listing tags"):
            registered = cast(Iterable[bytes], self.client.smembers(self._tags_key))
            names = sorted(m.decode() for m in registered)
            self._prune_expired(names)
            with self.client.pipeline(transaction=False) as counts:
                for tag in names:
                    counts.zcard(self.tag_key(tag))
                sizes = dict(zip(names, _execute(counts), strict=True))
            pending = self._pending_invalidations()
            self._forget_empty_tags([tag for tag, size in sizes.items() if size == 0])
        listed = {
            tag: TagInfo(tag, sizes.get(tag, 0), pending.get(tag, 0))
            for tag in {*sizes, *pending}
            if sizes.get(tag, 0) or pending.get(tag, 0)
        }
        return sorted(listed.values(), key=lambda info: (-info.key_count, info.tag))

    # Figures and checks

    def stats(self) -> CacheStats:
        """The counters every replica has added to, including this process's latest."""
        self.flush_stats()
        with valkey_errors(self.client, "reading cache statistics"):
            raw = cast(dict[bytes, bytes], self.client.hgetall(self._stats_key))
        return parse_stats(raw)

    def flush_stats(self) -> None:
        """Add this process's counted-but-unsent figures to Valkey now."""
        taken = self._take_counts(force=True)
        if not taken:
            return
        try:
            with (
                valkey_errors(self.client, "saving cache statistics"),
                self.client.pipeline(transaction=False) as pipe,
            ):
                self._queue_counts(pipe, taken)
                _execute(pipe)
        except Exception:
            self._restore_counts(taken)
            raise

    def eviction_warning(self) -> str | None:
        """A sentence when the eviction policy can drop tag sets while their keys live on."""
        with valkey_errors(self.client, "reading the eviction policy"):
            memory = cast(dict[str, Any], self.client.info("memory"))
        policy = str(memory.get("maxmemory_policy", ""))
        if not policy.startswith("allkeys-"):
            return None
        return (
            f"maxmemory-policy is {policy}: under memory pressure Valkey may evict a tag's set "
            "while its keys live on, and invalidating that tag would then miss them. Use a "
            "volatile-* policy or noeviction for a tagged cache."
        )

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
                acquired, raw = _execute(attempt)
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
                    _watch(pipe, release[0])
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
                    _execute(pipe)
                    return
                except WatchError:
                    continue
        raise WatchError(f"the lock on {entries[0][0]!r} kept changing while storing")

    def _release(self, lock: str, token: str) -> None:
        """Delete the lock only while it is still ours."""
        with self.client.pipeline(transaction=True) as pipe:
            _watch(pipe, lock)
            if pipe.get(lock) == token.encode():
                pipe.multi()
                pipe.delete(lock)
                # Changed under WATCH: it expired and is someone else's now.
                with suppress(WatchError):
                    _execute(pipe)

    def _release_quietly(self, lock: str, token: str) -> None:
        """After a failed computation: free the lock if Valkey lets us; it expires anyway."""
        try:
            self._release(lock, token)
        except ValkeyError as err:
            log.debug("could not release %s after a failure: %s", lock, err)

    # Internals: tags

    def _drain(self, tag: str, token: str) -> int:
        """Delete a draining set's keys batch by batch, then forget the set."""
        draining = f"{self._draining_key}:{token}"
        removed = 0
        while True:
            deleted, batch = self._drain_batch(draining, self.tag_key(tag))
            removed += deleted
            if batch < BATCH_SIZE:
                break
        with self.client.pipeline(transaction=True) as finish:
            finish.delete(draining)
            finish.hdel(self._draining_key, token)
            _execute(finish)
        return removed

    def _drain_batch(self, draining: str, live: str) -> tuple[int, int]:
        """One step: (keys deleted, members processed). Lua where allowed, else a
        transaction that ships the batch's names (slower, same effect)."""
        if self.scripting:
            try:
                deleted, batch = self._drain_script(
                    keys=[draining, live], args=[self._value_prefix, BATCH_SIZE]
                )
                return int(deleted), int(batch)
            except ResponseError as err:
                if not _scripting_refused(err):
                    raise
                log.info("Valkey refuses Lua (%s); invalidating with transactions", err)
                self.scripting = False
        members = cast(list[bytes], self.client.zrange(draining, 0, BATCH_SIZE - 1))
        if not members:
            return 0, 0
        with self.client.pipeline(transaction=True) as batch:
            batch.unlink(*[self._value_prefix.encode() + m for m in members])
            batch.zrem(live, *members)
            batch.zrem(draining, *members)
            unlinked, _, _ = _execute(batch)
        return int(unlinked), len(members)

    def _draining_tokens(self, tag: str) -> list[str]:
        registered = cast(dict[bytes, bytes], self.client.hgetall(self._draining_key))
        return [token.decode() for token, owner in registered.items() if owner.decode() == tag]

    def _pending_invalidations(self) -> dict[str, int]:
        registered = cast(dict[bytes, bytes], self.client.hgetall(self._draining_key))
        with self.client.pipeline(transaction=False) as counts:
            for token in registered:
                counts.zcard(f"{self._draining_key}:{token.decode()}")
            sizes = _execute(counts)
        pending: dict[str, int] = {}
        for owner, size in zip(registered.values(), sizes, strict=True):
            pending[owner.decode()] = pending.get(owner.decode(), 0) + int(size)
        return pending

    def _members(self, tag: str) -> list[str]:
        """The tag's members, including those of an interrupted invalidation, each once."""
        sets = [self.tag_key(tag)]
        sets += [f"{self._draining_key}:{token}" for token in self._draining_tokens(tag)]
        with self.client.pipeline(transaction=False) as reads:
            for name in sets:
                reads.zrange(name, 0, -1)
            found = _execute(reads)
        return list(dict.fromkeys(m.decode(errors="replace") for ms in found for m in ms))

    def _prune_expired(self, tags: Sequence[str]) -> list[int]:
        """Drop members whose keys expired (by their score) from each tag; counts per tag."""
        cutoff = int(self._clock() * 1000) - PRUNE_GRACE_MS
        with self.client.pipeline(transaction=False) as prune:
            for tag in tags:
                prune.zremrangebyscore(self.tag_key(tag), "-inf", cutoff)
            return [int(count) for count in _execute(prune)]

    def _prune_missing(self, tag: str, members: Sequence[str]) -> None:
        """Drop members whose keys are gone though unexpired (taken, or deleted through another
        tag), batch by batch under WATCH: a key re-written meanwhile keeps its membership."""
        for start in range(0, len(members), BATCH_SIZE):
            batch = members[start : start + BATCH_SIZE]
            with self.client.pipeline(transaction=True) as pipe:
                names = [self._value_prefix + m for m in batch]
                _watch(pipe, *names)
                if pipe.exists(*names):
                    continue
                pipe.multi()
                pipe.zrem(self.tag_key(tag), *batch)
                with suppress(WatchError):
                    _execute(pipe)

    def _forget_empty_tags(self, tags: Sequence[str]) -> None:
        """Unregister tags whose set is gone, unless a write re-creates one meanwhile (WATCH)."""
        if not tags:
            return
        with self.client.pipeline(transaction=True) as pipe:
            _watch(pipe, *[self.tag_key(tag) for tag in tags])
            pipe.multi()
            pipe.srem(self._tags_key, *tags)
            try:
                _execute(pipe)
            except WatchError:
                log.debug("a tag was written while pruning; leaving the registry for next time")

    def _sizes_and_ttls(self, names: Sequence[str]) -> list[tuple[int, int]]:
        """(bytes, PTTL) per key in batches: PTTL -2 means the key does not exist."""
        figures: list[tuple[int, int]] = []
        for start in range(0, len(names), BATCH_SIZE):
            with self.client.pipeline(transaction=False) as reads:
                for name in names[start : start + BATCH_SIZE]:
                    reads.strlen(name)
                    reads.pttl(name)
                results = _execute(reads)
            figures += zip(results[::2], results[1::2], strict=True)
        return figures

    # Internals: counters

    def _get_carrying_counts(self, name: str) -> bytes | None:
        """GET; when a flush is due, the counts ride along in the same round trip."""
        taken = self._take_counts(force=False)
        if not taken:
            return cast(bytes | None, self.client.get(name))
        try:
            with self.client.pipeline(transaction=False) as pipe:
                self._queue_counts(pipe, taken)
                pipe.get(name)
                return cast(bytes | None, _execute(pipe)[-1])
        except Exception:
            self._restore_counts(taken)
            raise

    def _count(self, header: bytes, outcome: str, waited_ms: float | None = None) -> None:
        with self._pending_lock:
            counts = self._pending.get(header)
            if counts is None:
                counts = self._pending[header] = dict.fromkeys(COUNTS, 0.0)
            counts[outcome] += 1
            if waited_ms is not None:
                counts["lock_waits"] += 1
                counts["lock_wait_ms"] += waited_ms

    def _take_counts(self, *, force: bool) -> dict[bytes, dict[str, float]]:
        now = time.monotonic()
        with self._pending_lock:
            if not force and now - self._flushed_at < self._flush_interval_s:
                return {}
            taken, self._pending, self._flushed_at = self._pending, {}, now
        return taken

    def _restore_counts(self, taken: Mapping[bytes, Mapping[str, float]]) -> None:
        """Put back counts a failed round trip could not deliver."""
        with self._pending_lock:
            for header, counts in taken.items():
                mine = self._pending.setdefault(header, dict.fromkeys(COUNTS, 0.0))
                for outcome, amount in counts.items():
                    mine[outcome] += amount

    def _queue_counts(self, pipe: Any, taken: Mapping[bytes, Mapping[str, float]]) -> None:
        for name, amount in stats_fields(taken).items():
            pipe.hincrbyfloat(self._stats_key, name, round(amount, 3))


def _execute(pipe: Any, *, raise_on_error: bool = True) -> list[Any]:
    # valkey-py leaves Pipeline.execute and Pipeline.watch unannotated.
    return cast(list[Any], pipe.execute(raise_on_error=raise_on_error))


def _watch(pipe: Any, *names: str) -> None:
    pipe.watch(*names)


def _scripting_refused(error: ResponseError) -> bool:
    """NOPERM (an ACL without @scripting), or EVAL renamed away or disabled."""
    text = str(error).lower()
    return isinstance(error, NoPermissionError) or "unknown command" in text or "disabled" in text


def _checked_key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError(f"a cache key must be a non-empty string, got {key!r}")
    return key


def _checked_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Tags deduplicated in order. A lone string is refused: it would read as its letters."""
    if isinstance(tags, str | bytes):
        raise TypeError(f"tags must be a list of tag names, not the string {tags!r}")
    for tag in tags:
        if not isinstance(tag, str) or not tag:
            raise ValueError(f"a tag must be a non-empty string, got {tag!r}")
    return tuple(dict.fromkeys(tags))


def _ttl_ms(ttl_s: float, name: str) -> int:
    # type() rather than isinstance: True is an int, and a TTL of True is a mistake. NaN fails
    # the comparison with infinity.
    if type(ttl_s) in (int, float) and ttl_s < math.inf:
        milliseconds = round(ttl_s * 1000)
        if milliseconds >= 1:
            return milliseconds
    raise ValueError(f"{name} must be a positive number of seconds, got {ttl_s!r}")


def _taken_value(raw: bytes | None) -> Any:
    if raw is None:
        return None
    found = value_of(raw)
    return found[1] if found is not None else raw.decode(errors="replace")


def _key_info(key: str, size: int, pttl: int) -> KeyInfo:
    exists = pttl != -2
    return KeyInfo(key, exists, int(size), pttl / 1000 if pttl >= 0 else None)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
