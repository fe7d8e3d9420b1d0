"""Who changed what in the cache from Cache Tools: every write and delete, appended to a stream
in Valkey (the actions themselves: vultr_core.cache.tools).

The stream lives inside the namespace (``N:audit``) so every replica writes to the same log; it
is capped near ``AUDIT_MAX_ENTRIES`` and each entry's ID carries the server's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

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
