"""Tag sets and invalidation for CacheHelper; the key layout is in vultr_core.cache.store.

Choices (ANCHORS.md §4): tag sets are sorted sets scored by expiry, as in Laravel, so members
whose keys expired leave with one ZREMRANGEBYSCORE; they carry no TTL themselves, so a
``volatile-*`` eviction policy never drops a tag while its keys live (Symfony's rule).
Invalidation drains a tag with a short Lua script per batch (the server does the work, nothing
travels), falling back to transactions where scripting is refused, as some managed services do.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any, cast

import valkey
from valkey.commands.core import Script
from valkey.exceptions import NoPermissionError, ResponseError, WatchError

from vultr_core.cache.valkey_calls import execute, valkey_errors, watch

log = logging.getLogger(__name__)

# Keys per invalidation step: short enough that one step never holds the server for long.
BATCH_SIZE = 1000
# Replicas' clocks may disagree: a member is pruned only this long after its key expired.
PRUNE_GRACE_MS = 30_000

# One invalidation step: delete a batch of the draining set's keys and forget them, there and
# in the live tag set (a write may have re-tagged one since the drain began). The value keys
# are built from the members, so they are not declared: this suits a standalone server.
DRAIN_BATCH_LUA = """
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


class TagIndex:
    """CacheHelper's tag sets: listing, previewing and invalidating tags.

    A mixin: CacheHelper sets the attributes declared here.
    """

    client: valkey.Valkey
    namespace: str
    scripting: bool
    _clock: Callable[[], float]
    _value_prefix: str
    _tags_key: str
    _draining_key: str
    _drain_script: Script

    def tag_key(self, tag: str) -> str:
        return f"{self.namespace}:tag:{tag}"

    def invalidate_by_tag(self, tag: str) -> int:
        """Delete every key of the tag and the tag itself; returns how many keys were deleted.

        The tag's set is first renamed aside atomically, then drained in batches: each batch
        unlinks its keys and drops them from the tag (which new writes may have re-created) in
        one atomic step. A key tagged before the call is deleted; one tagged during it survives
        unless it is a re-write of a key being deleted. An interrupted invalidation leaves its
        set registered and the next invalidation of the tag finishes it.
        """
        (tag,) = checked_tags([tag])
        token = secrets.token_hex(8)
        with valkey_errors(self.client, f"invalidating tag {tag!r}"):
            removed = sum(self._drain(tag, old) for old in self._draining_tokens(tag))
            with self.client.pipeline(transaction=True) as begin:
                begin.rename(self.tag_key(tag), f"{self._draining_key}:{token}")
                begin.hset(self._draining_key, token, tag)
                begin.srem(self._tags_key, tag)
                renamed, _, _ = execute(begin, raise_on_error=False)
            if isinstance(renamed, ResponseError):
                self.client.hdel(self._draining_key, token)
                if "no such key" not in str(renamed).lower():
                    raise renamed
                return removed
            return removed + self._drain(tag, token)

    def preview_tag(self, tag: str, *, sample: int = 100) -> TagPreview:
        """The keys and bytes invalidating the tag would remove; expired members are pruned."""
        (tag,) = checked_tags([tag])
        with valkey_errors(self.client, f"previewing tag {tag!r}"):
            pruned = self._prune_expired([tag])[0]
            members = self._members(tag)
            figures = self._sizes_and_ttls([self._value_prefix + m for m in members])
            infos = [
                key_info(m, size, ttl) for m, (size, ttl) in zip(members, figures, strict=True)
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
                sizes = dict(zip(names, execute(counts), strict=True))
            pending = self._pending_invalidations()
            self._forget_empty_tags([tag for tag, size in sizes.items() if size == 0])
        listed = {
            tag: TagInfo(tag, sizes.get(tag, 0), pending.get(tag, 0))
            for tag in {*sizes, *pending}
            if sizes.get(tag, 0) or pending.get(tag, 0)
        }
        return sorted(listed.values(), key=lambda info: (-info.key_count, info.tag))

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

    # Internals

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
            execute(finish)
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
            unlinked, _, _ = execute(batch)
        return int(unlinked), len(members)

    def _draining_tokens(self, tag: str) -> list[str]:
        registered = cast(dict[bytes, bytes], self.client.hgetall(self._draining_key))
        return [token.decode() for token, owner in registered.items() if owner.decode() == tag]

    def _pending_invalidations(self) -> dict[str, int]:
        registered = cast(dict[bytes, bytes], self.client.hgetall(self._draining_key))
        with self.client.pipeline(transaction=False) as counts:
            for token in registered:
                counts.zcard(f"{self._draining_key}:{token.decode()}")
            sizes = execute(counts)
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
            found = execute(reads)
        return list(dict.fromkeys(m.decode(errors="replace") for ms in found for m in ms))

    def _prune_expired(self, tags: Sequence[str]) -> list[int]:
        """Drop members whose keys expired (by their score) from each tag; counts per tag."""
        cutoff = int(self._clock() * 1000) - PRUNE_GRACE_MS
        with self.client.pipeline(transaction=False) as prune:
            for tag in tags:
                prune.zremrangebyscore(self.tag_key(tag), "-inf", cutoff)
            return [int(count) for count in execute(prune)]

    def _prune_missing(self, tag: str, members: Sequence[str]) -> None:
        """Drop members whose keys are gone though unexpired (taken, or deleted through another
        tag), batch by batch under WATCH: a key re-written meanwhile keeps its membership."""
        for start in range(0, len(members), BATCH_SIZE):
            batch = members[start : start + BATCH_SIZE]
            with self.client.pipeline(transaction=True) as pipe:
                names = [self._value_prefix + m for m in batch]
                watch(pipe, *names)
                if pipe.exists(*names):
                    continue
                pipe.multi()
                pipe.zrem(self.tag_key(tag), *batch)
                with suppress(WatchError):
                    execute(pipe)

    def _forget_empty_tags(self, tags: Sequence[str]) -> None:
        """Unregister tags whose set is gone, unless a write re-creates one meanwhile (WATCH)."""
        if not tags:
            return
        with self.client.pipeline(transaction=True) as pipe:
            watch(pipe, *[self.tag_key(tag) for tag in tags])
            pipe.multi()
            pipe.srem(self._tags_key, *tags)
            try:
                execute(pipe)
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
                results = execute(reads)
            figures += zip(results[::2], results[1::2], strict=True)
        return figures


def _scripting_refused(error: ResponseError) -> bool:
    """NOPERM (an ACL without @scripting), or EVAL renamed away or disabled."""
    text = str(error).lower()
    return isinstance(error, NoPermissionError) or "unknown command" in text or "disabled" in text


def checked_tags(tags: Sequence[str]) -> tuple[str, ...]:
    """Tags deduplicated in order. A lone string is refused: it would read as its letters."""
    if isinstance(tags, str | bytes):
        raise TypeError(f"tags must be a list of tag names, not the string {tags!r}")
    for tag in tags:
        if not isinstance(tag, str) or not tag:
            raise ValueError(f"a tag must be a non-empty string, got {tag!r}")
    return tuple(dict.fromkeys(tags))


def key_info(key: str, size: int, pttl: int) -> KeyInfo:
    exists = pttl != -2
    return KeyInfo(key, exists, int(size), pttl / 1000 if pttl >= 0 else None)
