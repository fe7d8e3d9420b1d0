"""The items of closed invoices, kept across restarts: Vultr never changes an issued invoice.

A cold start then asks Vultr only for the invoice list, this month and the inventory, not for
the pages of last month's and the month before's items again. The items are kept in Valkey
when one is configured (every replica shares them), else in a folder on local disk.

Entries are JSON (records as their fields, never pickled: whoever can write there must not be
able to run code in the app), named by a digest of the account's scope and of the invoice id,
and carry both: an entry that does not decode, or that names another account or invoice, is
ignored and fetched again. The scope is ``management_scope`` (a digest of the key and the
API's URL), so entries of different keys never mix and no key is ever stored.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import valkey

from vultr_core.api.cached_management import from_json, model_fingerprint, to_json
from vultr_core.api.errors import VultrError
from vultr_core.api.models.billing import ChargeItem
from vultr_core.cache.protected import CLOSED_INVOICE_KEY_PREFIX

log = logging.getLogger(__name__)

# Valkey names of the kept items: outside CacheHelper's namespace (no tag, no TTL sweep), and
# one of the app's own key families, which Cache Tools may read but never change.
KEY_PREFIX = CLOSED_INVOICE_KEY_PREFIX
VALKEY_TTL_S = 400 * 24 * 3600
"""Long past the two months the Overview reads: old entries go by themselves."""
MAX_ENTRY_BYTES = 16 * 1024 * 1024
"""A larger entry is not the app's: ignored rather than decoded."""
ITEMS_TYPE = list[ChargeItem]


class ClosedInvoices(Protocol):
    """Where a closed invoice's items are kept: ``get`` answers None for anything unusable."""

    def get(self, scope: str, invoice_id: str) -> list[ChargeItem] | None: ...

    def put(self, scope: str, invoice_id: str, items: Sequence[ChargeItem]) -> None: ...


def entry_name(scope: str, invoice_id: str) -> str:
    """A name made of hex digits only, whatever the invoice id the API sent."""
    digest = hashlib.sha256(f"{scope}\x00{invoice_id}\x00{model_fingerprint()}".encode())
    return digest.hexdigest()[:40]


def encode(scope: str, invoice_id: str, items: Sequence[ChargeItem]) -> bytes:
    document = {"scope": scope, "invoice": invoice_id, "items": to_json(list(items))}
    return json.dumps(document, separators=(",", ":")).encode()


def decode(data: bytes | None, scope: str, invoice_id: str) -> list[ChargeItem] | None:
    """The items ``encode`` wrote for this account and invoice, or None for anything else."""
    if data is None or len(data) > MAX_ENTRY_BYTES:
        return None
    try:
        document: Any = json.loads(data)
        if not isinstance(document, dict):
            raise ValueError("not an object")
        if document.get("scope") != scope or document.get("invoice") != invoice_id:
            raise ValueError("another account's or invoice's entry")
        items: list[ChargeItem] = from_json(document.get("items"), ITEMS_TYPE)
    except (ValueError, TypeError, RecursionError) as error:
        log.warning("ignoring a kept invoice entry that does not decode: %s", error)
        return None
    return items


class MemoryClosedInvoices:
    """Kept for this process only (demo mode: its organisation lives as long as the process)."""

    def __init__(self) -> None:
        self._entries: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, scope: str, invoice_id: str) -> list[ChargeItem] | None:
        with self._lock:
            data = self._entries.get(entry_name(scope, invoice_id))
        return decode(data, scope, invoice_id)

    def put(self, scope: str, invoice_id: str, items: Sequence[ChargeItem]) -> None:
        with self._lock:
            self._entries[entry_name(scope, invoice_id)] = encode(scope, invoice_id, items)


class DiskClosedInvoices:
    """One JSON file per invoice in ``folder``, written whole (a temporary file renamed)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path(self, scope: str, invoice_id: str) -> Path:
        return self.folder / f"{entry_name(scope, invoice_id)}.json"

    def get(self, scope: str, invoice_id: str) -> list[ChargeItem] | None:
        try:
            with self.path(scope, invoice_id).open("rb") as file:
                data = file.read(MAX_ENTRY_BYTES + 1)
        except OSError:
            return None
        return decode(data, scope, invoice_id)

    def put(self, scope: str, invoice_id: str, items: Sequence[ChargeItem]) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as file:
                file.write(encode(scope, invoice_id, items))
            os.replace(temporary, self.path(scope, invoice_id))
        except OSError as error:
            # Not kept: the next cold start asks Vultr again, nothing worse.
            log.warning("could not keep a closed invoice's items in %s: %s", self.folder, error)


class ValkeyClosedInvoices:
    """One Valkey string per invoice, expiring after VALKEY_TTL_S."""

    def __init__(self, client: valkey.Valkey) -> None:
        self.client = client

    def get(self, scope: str, invoice_id: str) -> list[ChargeItem] | None:
        try:
            data = self.client.get(KEY_PREFIX + entry_name(scope, invoice_id))
        except (valkey.ValkeyError, VultrError, OSError) as error:
            log.warning("kept invoices unavailable in Valkey: %s", error)
            return None
        return decode(data if isinstance(data, bytes) else None, scope, invoice_id)

    def put(self, scope: str, invoice_id: str, items: Sequence[ChargeItem]) -> None:
        name = KEY_PREFIX + entry_name(scope, invoice_id)
        try:
            self.client.set(name, encode(scope, invoice_id, items), ex=VALKEY_TTL_S)
        except (valkey.ValkeyError, VultrError, OSError) as error:
            log.warning("could not keep a closed invoice's items in Valkey: %s", error)
