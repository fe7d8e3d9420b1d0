"""What the Cache Tools page shows: keys (SCAN, never KEYS), values, tags, figures, activity.

Everything stays inside the helper's namespace: the scan's MATCH starts with it, and a value is
read only when its name does.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from vultr_core.cache.audit import AuditEntry, recent_actions
from vultr_core.cache.format import CacheStats, decode
from vultr_core.cache.protected import app_family
from vultr_core.cache.store import CacheHelper
from vultr_core.cache.tags import KeyInfo, TagInfo
from vultr_core.cache.valkey_calls import valkey_errors

DEFAULT_PAGE_SIZE = 50
# A sparse namespace in a big keyspace can need many SCAN calls for one page; stop at this
# many and let the user page on, rather than block a page render.
MAX_SCANS_PER_PAGE = 20
PREVIEW_ITEMS = 100
PREVIEW_BYTES = 64 * 1024
_GLOB_SPECIAL = re.compile(r"([*?\[\]\\])")
_ITEM_COLUMNS = {
    "hash": ["field", "value"],
    "list": ["index", "value"],
    "set": ["member"],
    "zset": ["member", "score"],
    "stream": ["id", "fields"],
}


@dataclass(frozen=True, slots=True)
class KeyRow:
    name: str
    type: str
    ttl_s: float | None
    # MEMORY USAGE; None where the server refuses that command (some managed plans do).
    size_bytes: int | None
    # For the app's own keys, what they hold (read-only in Cache Tools); None for the others.
    app_data: str | None = None


@dataclass(frozen=True, slots=True)
class KeyPage:
    rows: tuple[KeyRow, ...]
    # Pass back to get the next page; 0 once the scan has covered the whole keyspace.
    next_cursor: int


@dataclass(frozen=True, slots=True)
class KeyValue:
    name: str
    type: str
    ttl_s: float | None
    # Bytes for a string, items for anything else.
    length: int
    # A string's content, pretty-printed when it is JSON.
    text: str | None
    # The first items of a hash, list, set, sorted set or stream.
    rows: tuple[tuple[str, str], ...]
    truncated: bool
    # For a value CacheHelper stored: how long it took to compute, and its tags.
    compute_ms: float | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CacheSummary:
    tags: list[TagInfo]
    stats: CacheStats
    eviction_warning: str | None
    audit: list[AuditEntry]


def escape_glob(text: str) -> str:
    """``text`` as a SCAN pattern that matches only itself (keys may contain ``*?[]``)."""
    return _GLOB_SPECIAL.sub(r"\\\1", text)


def summarise(cache: CacheHelper) -> CacheSummary:
    """Tags, counters, the eviction check and recent actions: the page's header figures."""
    return CacheSummary(
        cache.tags(), cache.stats(), cache.eviction_warning(), recent_actions(cache)
    )


def browse_keys(
    cache: CacheHelper, *, pattern: str = "*", cursor: int = 0, page_size: int = DEFAULT_PAGE_SIZE
) -> KeyPage:
    """One page of the namespace's keys matching a glob, with type, TTL and size."""
    match = f"{escape_glob(cache.namespace)}:{pattern or '*'}"
    names: list[bytes] = []
    with valkey_errors(cache.client, "listing keys"):
        for _scan in range(MAX_SCANS_PER_PAGE):
            cursor, found = cast(
                tuple[int, list[bytes]],
                cache.client.scan(cursor, match=match, count=max(page_size, 100)),
            )
            names += found
            if cursor == 0 or len(names) >= page_size:
                break
        with cache.client.pipeline(transaction=False) as reads:
            for name in names:
                reads.type(name)
                reads.pttl(name)
                reads.memory_usage(name)
            figures = reads.execute(raise_on_error=False)  # type: ignore[no-untyped-call]
    rows = []
    for index, name in enumerate(dict.fromkeys(names)):
        kind, pttl, size = figures[index * 3 : index * 3 + 3]
        if pttl == -2:
            continue  # expired between SCAN and now
        text = name.decode(errors="replace")
        family = app_family(text, cache.namespace)
        rows.append(
            KeyRow(
                text,
                kind.decode() if isinstance(kind, bytes) else str(kind),
                pttl / 1000 if isinstance(pttl, int) and pttl >= 0 else None,
                size if isinstance(size, int) else None,
                None if family is None else family.what,
            )
        )
    return KeyPage(tuple(rows), int(cursor))


def read_value(cache: CacheHelper, name: str, *, limit: int = PREVIEW_ITEMS) -> KeyValue:
    """A key's content for display: a string in full up to 64 KB, other types' first items.

    Raises:
        ValueError: the key is outside the namespace, or does not exist.
    """
    if not name.startswith(f"{cache.namespace}:"):
        raise ValueError(f"{name!r} is outside the cache namespace {cache.namespace!r}")
    client = cache.client
    with valkey_errors(client, f"reading {name!r}"):
        kind = cast(bytes, client.type(name)).decode()
        pttl = cast(int, client.pttl(name))
        ttl_s = pttl / 1000 if pttl >= 0 else None
        if kind == "string":
            return _string_value(cache, name, ttl_s)
        length, rows = _items(cache, name, kind, limit)
    return KeyValue(name, kind, ttl_s, length, None, rows, truncated=len(rows) < length)


def describe_value(value: KeyValue) -> str:
    """One line about a key: type, size, TTL, and for a cached value its tags and compute time."""
    unit = "bytes" if value.type == "string" else "items"
    parts = [value.type, f"{value.length:,} {unit}"]
    parts.append("no TTL" if value.ttl_s is None else f"TTL {value.ttl_s:,.0f} s")
    if value.compute_ms is not None:
        parts.append(f"tags: {', '.join(value.tags) or 'none'}")
        parts.append(f"computed in {value.compute_ms:,.1f} ms")
    if value.truncated:
        parts.append("preview truncated")
    return " · ".join(parts)


def simulated_compute(value: Any, delay_s: float) -> Callable[[], Any]:
    """The playground's "expensive" computation: wait, then answer ``value``."""

    def compute() -> Any:
        time.sleep(delay_s)
        return value

    return compute


# Column names as the page shows them: words and units, not field names.
KEY_COLUMNS = ["Key", "Type", "TTL (s)", "Size (bytes)", "App's own data"]
KEY_INFO_COLUMNS = ["Key", "Exists", "Size (bytes)", "TTL (s)"]
TAG_COLUMNS = ["Tag", "Keys", "Keys still to delete", "Hit ratio", "Time saved (s)"]
TAG_STATS_COLUMNS = ["Tag", "Hit ratio", "Time saved (s)", "Hits", "Misses"]
AUDIT_COLUMNS = ["When", "Who", "Action", "Target", "Keys"]


def keys_frame(page: KeyPage) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (row.name, row.type, _whole_seconds(row.ttl_s), row.size_bytes, row.app_data or "")
            for row in page.rows
        ],
        columns=KEY_COLUMNS,
    )


def key_infos_frame(infos: Sequence[KeyInfo]) -> pd.DataFrame:
    return pd.DataFrame(
        [(info.key, info.exists, info.size_bytes, _whole_seconds(info.ttl_s)) for info in infos],
        columns=KEY_INFO_COLUMNS,
    )


def items_frame(value: KeyValue) -> pd.DataFrame:
    """A collection's previewed items, with columns named for its type."""
    columns = _ITEM_COLUMNS.get(value.type, ["item", "value"])
    return pd.DataFrame([row[: len(columns)] for row in value.rows], columns=columns)


def tags_frame(tags: list[TagInfo], stats: CacheStats) -> pd.DataFrame:
    """One row per tag: keys, keys an interrupted invalidation left, hit ratio, time saved."""
    rows = []
    for info in tags:
        counters = stats.by_tag.get(info.tag)
        rows.append(
            (
                info.tag,
                info.key_count,
                info.pending_invalidation,
                counters.hit_ratio if counters else None,
                counters.saved_ms / 1000 if counters else 0.0,
            )
        )
    return pd.DataFrame(rows, columns=TAG_COLUMNS)


def tag_stats_frame(stats: CacheStats) -> pd.DataFrame:
    """Hit ratio and time saved per tag, for the charts (tags with no calls left out)."""
    rows = [
        (tag, counters.hit_ratio, counters.saved_ms / 1000, counters.hits, counters.misses)
        for tag, counters in stats.by_tag.items()
        if counters.hit_ratio is not None
    ]
    return pd.DataFrame(rows, columns=TAG_STATS_COLUMNS)


def audit_frame(entries: list[AuditEntry]) -> pd.DataFrame:
    return pd.DataFrame(
        [(e.at, e.who, e.action, e.target, e.key_count) for e in entries],
        columns=AUDIT_COLUMNS,
    )


def _whole_seconds(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds)


def _string_value(cache: CacheHelper, name: str, ttl_s: float | None) -> KeyValue:
    """A cached value shows its value pretty-printed, with compute time and tags beside it."""
    length = cast(int, cache.client.strlen(name))
    head = cast(bytes, cache.client.getrange(name, 0, PREVIEW_BYTES - 1))
    complete = length <= PREVIEW_BYTES
    envelope = decode(head) if complete else None
    if envelope is not None:
        text = json.dumps(envelope.value, indent=2, ensure_ascii=False)
        return KeyValue(
            name, "string", ttl_s, length, text, (), False, envelope.compute_ms, envelope.tags
        )
    return KeyValue(
        name, "string", ttl_s, length, _pretty(head, complete=complete), (), not complete
    )


def _items(
    cache: CacheHelper, name: str, kind: str, limit: int
) -> tuple[int, tuple[tuple[str, str], ...]]:
    client = cache.client
    if kind == "hash":
        _, fields = cast(tuple[int, dict[bytes, bytes]], client.hscan(name, 0, count=limit))
        return cast(int, client.hlen(name)), _text_rows(list(fields.items())[:limit])
    if kind == "list":
        items = cast(list[bytes], client.lrange(name, 0, limit - 1))
        return cast(int, client.llen(name)), _text_rows(enumerate(items))
    if kind == "set":
        _, members = cast(tuple[int, list[bytes]], client.sscan(name, 0, count=limit))
        return cast(int, client.scard(name)), _text_rows((m, "") for m in members[:limit])
    if kind == "zset":
        scored = cast(list[tuple[bytes, float]], client.zrange(name, 0, limit - 1, withscores=True))
        return cast(int, client.zcard(name)), _text_rows(scored)
    if kind == "stream":
        entries = cast(list[tuple[bytes, dict[bytes, bytes]]], client.xrevrange(name, count=limit))
        described = [(entry_id, _fields_text(values)) for entry_id, values in entries]
        return cast(int, client.xlen(name)), _text_rows(described)
    if kind == "none":
        raise ValueError(f"{name!r} does not exist (it may just have expired)")
    return 0, ()


def _pretty(raw: bytes, *, complete: bool) -> str:
    text = raw.decode(errors="replace")
    if not complete:
        return text
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def _fields_text(values: dict[bytes, bytes]) -> str:
    return json.dumps(
        {k.decode(errors="replace"): v.decode(errors="replace") for k, v in values.items()},
        ensure_ascii=False,
    )


def _text_rows(pairs: Any) -> tuple[tuple[str, str], ...]:
    return tuple((_text(first), _text(second)) for first, second in pairs)


def _text(item: object) -> str:
    return item.decode(errors="replace") if isinstance(item, bytes) else str(item)
