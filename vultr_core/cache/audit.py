"""Who deleted what from the cache: destructive actions, appended to a stream in Valkey.

The stream lives inside the namespace (``N:audit``) so every replica writes to the same log; it
is capped near ``AUDIT_MAX_ENTRIES`` and each entry's ID carries the server's clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from vultr_core.cache.store import CacheHelper
from vultr_core.cache.valkey_calls import valkey_errors

AUDIT_MAX_ENTRIES = 10_000
TARGET_MAX_CHARS = 200


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    who: str
    action: str
    target: str
    key_count: int


def audit_key(cache: CacheHelper) -> str:
    return f"{cache.namespace}:audit"


def record_action(
    cache: CacheHelper, *, who: str, action: str, target: str, key_count: int
) -> None:
    """Append one action; the target is shortened so a long key list cannot bloat the log."""
    if len(target) > TARGET_MAX_CHARS:
        target = target[: TARGET_MAX_CHARS - 1] + "…"
    entry = {"who": who, "action": action, "target": target, "keys": str(key_count)}
    with valkey_errors(cache.client, "writing the cache audit log"):
        cache.client.xadd(audit_key(cache), entry, maxlen=AUDIT_MAX_ENTRIES, approximate=True)


def recent_actions(cache: CacheHelper, limit: int = 50) -> list[AuditEntry]:
    """The latest actions, newest first."""
    with valkey_errors(cache.client, "reading the cache audit log"):
        found = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            cache.client.xrevrange(audit_key(cache), count=limit),
        )
    return [_entry(entry_id, values) for entry_id, values in found]


def invalidate_tag_audited(cache: CacheHelper, tag: str, *, who: str) -> int:
    """invalidate_by_tag, then a line in the audit log saying who removed how many keys."""
    removed = cache.invalidate_by_tag(tag)
    record_action(cache, who=who, action="invalidate tag", target=tag, key_count=removed)
    return removed


def mget_and_delete_audited(cache: CacheHelper, keys: Sequence[str], *, who: str) -> list[Any]:
    """mget_and_delete, then a line in the audit log with the number of keys actually taken."""
    values = cache.mget_and_delete(keys)
    taken = sum(value is not None for value in values)
    record_action(cache, who=who, action="mget and delete", target=", ".join(keys), key_count=taken)
    return values


def _entry(entry_id: bytes, values: dict[bytes, bytes]) -> AuditEntry:
    milliseconds = int(entry_id.split(b"-", 1)[0])
    text = {name.decode(): value.decode(errors="replace") for name, value in values.items()}
    return AuditEntry(
        at=datetime.fromtimestamp(milliseconds / 1000, UTC),
        who=text.get("who", ""),
        action=text.get("action", ""),
        target=text.get("target", ""),
        key_count=int(text.get("keys", "0") or 0),
    )
