"""How CacheHelper stores a value, and how its counters become figures.

A stored value is a header line, then the value's JSON::

    {"ms":12.5,"t":["instances","mgmt"]}
    {"label":"web-01", ...}

The header says how long computing the value took and which tags it carries. A hit parses only
the value and counts itself under the header's bytes; headers are parsed once per flush of the
counters, not once per hit, which keeps a hit within a JSON parse of a raw GET.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

HEADER_START = b'{"ms":'
# What a hit counts, per header: the rest (compute time, time saved) follows from the header.
COUNTS = ("hits", "misses", "lock_waits", "lock_wait_ms")


@dataclass(frozen=True, slots=True)
class CacheCounters:
    """Figures for the namespace or one tag. A hit is a call answered without computing."""

    hits: int = 0
    misses: int = 0
    computes: int = 0
    compute_ms: float = 0.0
    saved_ms: float = 0.0
    lock_waits: int = 0
    lock_wait_ms: float = 0.0

    @property
    def hit_ratio(self) -> float | None:
        calls = self.hits + self.misses
        return self.hits / calls if calls else None


@dataclass(frozen=True, slots=True)
class CacheStats:
    overall: CacheCounters
    by_tag: Mapping[str, CacheCounters]


class Envelope(NamedTuple):
    value: Any
    compute_ms: float
    tags: tuple[str, ...]
    header: bytes


def encode(value: object, compute_ms: float, tags: tuple[str, ...]) -> bytes:
    """The stored form of a value.

    Raises:
        ValueError: JSON cannot hold the value (a set, an object, bytes, NaN or infinity).
    """
    try:
        body = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"cannot cache a {type(value).__name__}: values are stored as JSON "
            f"(dict, list, str, int, float, bool, None) — {err}"
        ) from err
    # json.dumps escapes newlines inside strings, so the first newline ends the header.
    meta = {"ms": round(compute_ms, 3), "t": list(tags)}
    header = json.dumps(meta, ensure_ascii=False, separators=(",", ":"))
    return f"{header}\n{body}".encode()


def value_of(raw: bytes) -> tuple[bytes, Any] | None:
    """(header, value) of a stored value; None for one CacheHelper did not write."""
    header, _, body = raw.partition(b"\n")
    if not header.startswith(HEADER_START):
        return None
    try:
        return header, json.loads(body)
    except ValueError:
        return None


def decode(raw: bytes | None) -> Envelope | None:
    """A stored value with its header read; None when missing or not written by CacheHelper."""
    found = value_of(raw) if raw is not None else None
    if found is None:
        return None
    meta = read_header(found[0])
    return None if meta is None else Envelope(found[1], meta[0], meta[1], found[0])


def read_header(header: bytes) -> tuple[float, tuple[str, ...]] | None:
    try:
        meta = json.loads(header)
        return float(meta["ms"]), tuple(str(tag) for tag in meta["t"])
    except (ValueError, TypeError, KeyError):
        return None


def stats_fields(counted: Mapping[bytes, Mapping[str, float]]) -> dict[str, float]:
    """Counts per header as stats-hash increments: ``metric`` overall, ``metric|tag`` per tag."""
    increments: dict[str, float] = {}
    for header, counts in counted.items():
        meta = read_header(header)
        if meta is None:
            continue
        compute_ms, tags = meta
        figures = {
            "hits": counts["hits"],
            "misses": counts["misses"],
            "computes": counts["misses"],
            "compute_ms": compute_ms * counts["misses"],
            "saved_ms": compute_ms * counts["hits"],
            "lock_waits": counts["lock_waits"],
            "lock_wait_ms": counts["lock_wait_ms"],
        }
        for metric, amount in figures.items():
            if amount:
                for name in (metric, *(f"{metric}|{tag}" for tag in tags)):
                    increments[name] = increments.get(name, 0.0) + amount
    return increments


def parse_stats(raw: Mapping[bytes, bytes]) -> CacheStats:
    overall: dict[str, float] = {}
    by_tag: dict[str, dict[str, float]] = {}
    for name, amount in raw.items():
        metric, _, tag = name.decode().partition("|")
        target = by_tag.setdefault(tag, {}) if tag else overall
        target[metric] = float(amount)
    return CacheStats(
        _counters(overall), {tag: _counters(figures) for tag, figures in sorted(by_tag.items())}
    )


def _counters(figures: Mapping[str, float]) -> CacheCounters:
    values: dict[str, Any] = {}
    for item in fields(CacheCounters):
        amount = figures.get(item.name, 0.0)
        values[item.name] = amount if item.name.endswith("_ms") else round(amount)
    return CacheCounters(**values)
