"""Closed invoices' items kept across restarts: on disk and in Valkey, per account, and
nothing kept that is corrupt or forged ever shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import valkey

from tests.conftest import simulator_client
from vultr_core.api.models.billing import ChargeItem
from vultr_core.simulator import DEMO_API_KEY, Simulator
from vultr_core.spend.closed_invoices import (
    KEY_PREFIX,
    VALKEY_TTL_S,
    ClosedInvoices,
    DiskClosedInvoices,
    ValkeyClosedInvoices,
    encode,
    entry_name,
)
from vultr_core.spend.data import fetch_invoice_history
from vultr_core.spend.history import InvoiceHistory

SCOPE = "account-a"
ITEM = ChargeItem(
    description="web-1 <script>alert(1)</script>",
    product="Cloud Compute",
    start_date=None,
    end_date=None,
    units=720.0,
    unit_type="hours",
    unit_price_usd=0.007,
    total_usd=5.0,
)


def item_requests(simulator: Simulator) -> list[str]:
    return [r.path for r in simulator.request_log if r.path.endswith("/items")]


def cold_start(simulator: Simulator, kept: ClosedInvoices, scope: str = SCOPE) -> InvoiceHistory:
    """A fresh client, as after a restart: only what ``kept`` holds survives."""
    simulator.clear_log()
    with simulator_client(simulator) as client:
        return fetch_invoice_history(client, kept, scope=scope)


def test_a_second_cold_start_asks_only_for_the_invoice_list(
    simulator: Simulator, tmp_path: Path
) -> None:
    first = cold_start(simulator, DiskClosedInvoices(tmp_path))
    ledger = simulator.organisation.ledger
    assert len(item_requests(simulator)) >= 2  # the last two invoices' items, paged

    again = cold_start(simulator, DiskClosedInvoices(tmp_path))
    assert item_requests(simulator) == []
    assert [r.path for r in simulator.request_log] == ["/v2/billing/invoices"]
    assert again == first
    assert len(again.latest_items) == len(ledger.invoice_items[ledger.invoices[0]["id"]])


def test_nothing_kept_names_the_api_key(simulator: Simulator, tmp_path: Path) -> None:
    cold_start(simulator, DiskClosedInvoices(tmp_path))
    files = list(tmp_path.iterdir())
    assert len(files) == 2
    assert all(DEMO_API_KEY not in file.read_text() for file in files)
    assert all(DEMO_API_KEY not in file.name for file in files)


def test_each_account_keeps_its_own(simulator: Simulator, tmp_path: Path) -> None:
    kept = DiskClosedInvoices(tmp_path)
    kept.put(SCOPE, "42", [ITEM])
    assert kept.get("account-b", "42") is None
    assert kept.get(SCOPE, "43") is None
    # An entry copied under another account's name is not that account's.
    kept.path("account-b", "42").write_bytes(kept.path(SCOPE, "42").read_bytes())
    assert kept.get("account-b", "42") is None
    assert kept.get(SCOPE, "42") == [ITEM]


HOSTILE = [
    b"not json at all",
    b"\xff\xfe\x00garbage",
    b"[]",
    b'{"scope": "account-a", "invoice": "42", "items": "rm -rf /"}',
    b'{"scope": "account-a", "invoice": "42", "items": [{"description": "x"}]}',
    b'{"scope": "account-a", "invoice": "42", "items": [{"__class__": "os.system"}]}',
    b"[" * 100_000 + b"]" * 100_000,
]


@pytest.mark.parametrize("content", HOSTILE, ids=range(len(HOSTILE)))
def test_a_corrupt_or_forged_file_is_ignored_and_fetched_again(
    simulator: Simulator, tmp_path: Path, content: bytes
) -> None:
    honest = cold_start(simulator, DiskClosedInvoices(tmp_path))
    for file in tmp_path.iterdir():
        file.write_bytes(content)

    again = cold_start(simulator, DiskClosedInvoices(tmp_path))
    assert again == honest
    assert len(item_requests(simulator)) >= 2
    # Written again whole: the next start reads them.
    cold_start(simulator, DiskClosedInvoices(tmp_path))
    assert item_requests(simulator) == []


def test_an_unwritable_folder_only_costs_the_requests(simulator: Simulator, tmp_path: Path) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    first = cold_start(simulator, DiskClosedInvoices(blocked / "invoices"))
    again = cold_start(simulator, DiskClosedInvoices(blocked / "invoices"))
    assert again == first
    assert len(item_requests(simulator)) >= 2


def test_entry_names_are_hex_whatever_the_invoice_id() -> None:
    name = entry_name(SCOPE, "../../etc/passwd\x00")
    assert len(name) == 40
    assert set(name) <= set("0123456789abcdef")


def test_valkey_keeps_them_with_an_expiry_and_ignores_forgeries(
    simulator: Simulator, valkey_client: valkey.Valkey
) -> None:
    kept = ValkeyClosedInvoices(valkey_client)
    first = cold_start(simulator, kept)
    keys: list[bytes] = sorted(valkey_client.keys(f"{KEY_PREFIX}*"))  # type: ignore[arg-type]
    assert len(keys) == 2
    ttls: list[int] = [valkey_client.ttl(key) for key in keys]  # type: ignore[misc]
    assert all(0 < ttl <= VALKEY_TTL_S for ttl in ttls)

    again = cold_start(simulator, ValkeyClosedInvoices(valkey_client))
    assert again == first
    assert item_requests(simulator) == []

    assert cold_start(simulator, kept, scope="account-b") == first
    assert len(item_requests(simulator)) >= 2  # another account asks for its own

    for key in keys:
        valkey_client.set(key, json.dumps({"scope": SCOPE, "invoice": "1", "items": []}))
    assert cold_start(simulator, kept) == first
    assert len(item_requests(simulator)) >= 2


def test_an_unreachable_valkey_only_costs_the_requests(simulator: Simulator) -> None:
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    down = valkey.Valkey(host="127.0.0.1", port=9, socket_connect_timeout=1)
    first = cold_start(simulator, ValkeyClosedInvoices(down))
    assert len(item_requests(simulator)) >= 2
    assert len(first.latest_items) > 0


def test_what_is_kept_is_json_never_a_pickle() -> None:
    document = json.loads(encode(SCOPE, "42", [ITEM]))
    assert document["items"][0]["description"] == ITEM.description
