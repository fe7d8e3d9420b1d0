"""Spend: what the account costs, for the Overview, Instances and Databases pages.

``load_spend`` sends every request the Overview needs at once, in the background; ``Spend``
computes each figure only when its own inputs loaded, so a section waits only for its own
requests and one failed request costs only the sections that need it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

import pandas as pd
import streamlit as st

from ui.clients import management_client
from ui.page import INVENTORY_TTL_S, Loaded, oldest, render_error, value
from ui.settings import settings
from vultr_core.api.cached_management import management_scope
from vultr_core.api.errors import ConfigurationError, VultrError
from vultr_core.api.models.billing import Account, Invoice
from vultr_core.api.models.compute import Plan
from vultr_core.api.models.databases import Database, DatabasePlan
from vultr_core.config import Secret, Settings
from vultr_core.health.valkey import (
    FALLBACK_CONNECT_TIMEOUT_S,
    FALLBACK_SOCKET_TIMEOUT_S,
    connect_valkey,
)
from vultr_core.history.persistent import data_folder
from vultr_core.inventory.frames import instances_frame
from vultr_core.spend.closed_invoices import (
    ClosedInvoices,
    DiskClosedInvoices,
    MemoryClosedInvoices,
    ValkeyClosedInvoices,
)
from vultr_core.spend.data import (
    PricedInventory,
    fetch_database_usage,
    fetch_inventory,
    fetch_invoice_history,
    price_inventory,
)
from vultr_core.spend.forecast import Forecast, forecast
from vultr_core.spend.history import MonthOverMonth, month_over_month
from vultr_core.spend.reconciliation import Reconciliation, charges_by_product, reconcile
from vultr_core.spend.waste import IdleCheck, check_idle_databases, databases_to_check

T = TypeVar("T")
# How long the invoices' items wait for the headline at most: past it, the page went wrong
# somewhere that did not say so, and the items go ahead.
HEADLINE_WAIT_S = 10.0


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_instances(cache_key: str, _settings: Settings) -> Loaded[pd.DataFrame]:
    frame = instances_frame(management_client(_settings).instances())
    return Loaded(frame, datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_account(cache_key: str, _settings: Settings) -> Loaded[Account]:
    return Loaded(management_client(_settings).account(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_pending_by_product(cache_key: str, _settings: Settings) -> Loaded[pd.DataFrame]:
    """This month's pending charges totalled by product: the few rows the books need, kept
    instead of the thousands of lines (a data cache unpickles its value on every run)."""
    lines = management_client(_settings).pending_charges()
    return Loaded(charges_by_product(lines), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_priced_inventory(cache_key: str, _settings: Settings) -> Loaded[PricedInventory]:
    """Every priced resource, costed as of the moment the lists arrived."""
    inventory = fetch_inventory(management_client(_settings))
    now = datetime.now(UTC)
    return Loaded(price_inventory(inventory, now=now), now)


@st.cache_resource(show_spinner=False)
def _demo_closed_invoices() -> MemoryClosedInvoices:
    return MemoryClosedInvoices()


@st.cache_resource(show_spinner=False)
def _valkey_closed_invoices(cache_key: str, _valkey_url: Secret) -> ValkeyClosedInvoices:
    # Quick to give up, like the shared management cache: Vultr is the way around.
    return ValkeyClosedInvoices(
        connect_valkey(
            _valkey_url,
            socket_timeout_s=FALLBACK_SOCKET_TIMEOUT_S,
            connect_timeout_s=FALLBACK_CONNECT_TIMEOUT_S,
        )
    )


def closed_invoices(current: Settings) -> ClosedInvoices:
    """Where closed invoices' items are kept: the configured Valkey, else local disk (the
    demo's organisation lives as long as the process, and so do its invoices)."""
    if current.valkey_url is not None:
        return _valkey_closed_invoices(current.cache_key, current.valkey_url)
    if current.demo_mode:
        return _demo_closed_invoices()
    return DiskClosedInvoices(data_folder(current) / "invoices")


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_invoices(cache_key: str, _settings: Settings) -> Loaded[list[Invoice]]:
    """The invoice list alone: last month's figures, without the items."""
    return Loaded(management_client(_settings).invoices(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_month_over_month(cache_key: str, _settings: Settings) -> Loaded[MonthOverMonth | None]:
    """The last two invoices compared by product, from their items (kept across restarts:
    they never change); the items themselves are not cached here, only the comparison."""
    invoices = load_invoices(cache_key, _settings).value
    history = fetch_invoice_history(
        management_client(_settings),
        closed_invoices(_settings),
        scope=management_scope(_settings),
        invoices=invoices,
    )
    return Loaded(month_over_month(history), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_idle_databases(cache_key: str, _settings: Settings) -> Loaded[IdleCheck]:
    """Idle databases among the most expensive ones (a usage request per database)."""
    resources = load_priced_inventory(cache_key, _settings).value.resources
    usage = fetch_database_usage(management_client(_settings), databases_to_check(resources))
    return Loaded(check_idle_databases(resources, usage), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_plans(cache_key: str, _settings: Settings) -> Loaded[list[Plan]]:
    return Loaded(management_client(_settings).plans(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_databases(cache_key: str, _settings: Settings) -> Loaded[list[Database]]:
    return Loaded(management_client(_settings).databases(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_database_plans(cache_key: str, _settings: Settings) -> Loaded[list[DatabasePlan]]:
    return Loaded(management_client(_settings).database_plans(), datetime.now(UTC))


SPEND_LOADERS = (
    load_account,
    load_pending_by_product,
    load_priced_inventory,
    load_invoices,
    load_month_over_month,
    load_idle_databases,
)


class Spend:
    """The Overview's figures, each computed only when its own inputs loaded.

    The loads run in the background from the start; a figure waits only for its own inputs,
    under a spinner where its section will be, so the page draws section by section. A method
    returns None after drawing the error of the first input that failed, in the section that
    asked for it.
    """

    WHAT: ClassVar[dict[str, str]] = {
        "account": "the account",
        "pending": "this month's pending charges",
        "invoices": "the invoices",
        "inventory": "the resource inventory",
        "history": "the invoices",
        "idle": "the databases' usage",
    }

    def __init__(
        self, pending: Mapping[str, Future[Loaded[Any]]], headline_drawn: threading.Event
    ) -> None:
        self._pending = pending
        self._headline_drawn = headline_drawn
        self._books: Reconciliation | None = None

    def result(self, name: str) -> Loaded[Any] | VultrError:
        """One load's result or its error, waited for under a spinner if it is not in yet.

        Anything but a VultrError is a bug and is raised.
        """
        future = self._pending[name]
        if not future.done():
            with st.spinner(f"Loading {self.WHAT[name]}…"):
                wait([future])
        error = future.exception()
        if error is None:
            return future.result()
        if isinstance(error, VultrError):
            return error
        raise error

    def headline_done(self) -> None:
        """The headline is drawn (or will not be): the loads held back for it may start."""
        self._headline_drawn.set()

    @property
    def fetched_at(self) -> datetime:
        """When the oldest of the loads was fetched ("data as of"), once all are in."""
        return oldest({name: self.result(name) for name in self._pending})

    def _values(self, *names: str) -> list[Any] | None:
        results = [self.result(name) for name in names]
        for name, result in zip(names, results, strict=True):
            if isinstance(result, VultrError):
                render_error(self.WHAT[name], result)
                return None
        return [result.value for result in results]  # type: ignore[union-attr]

    def loaded(self, name: str) -> Any | None:
        """A value without drawing its error (for optional extras such as deltas)."""
        return value(self.result(name))

    def account(self) -> Account | None:
        found = self._values("account")
        return found[0] if found else None

    def invoices(self) -> list[Invoice] | None:
        found = self._values("invoices")
        return found[0] if found else None

    def priced(self) -> PricedInventory | None:
        found = self._values("inventory")
        return found[0] if found else None

    def month_over_month(self) -> MonthOverMonth | None:
        """Last month against the one before; none on an error or with fewer than two
        invoices."""
        found = self._values("history")
        return found[0] if found else None

    def books(self) -> Reconciliation | None:
        """This month's books (worked out once: the metrics, a chart and the forecast ask)."""
        if self._books is not None:
            return self._books
        found = self._values("account", "pending", "inventory")
        if found is None:
            return None
        account, pending_by_product, priced = found
        if account.pending_charges_usd is None:
            st.warning(
                "Vultr sent no valid month-to-date total, so this section cannot be worked out.",
                icon=":material/warning:",
            )
            return None
        self._books = reconcile(
            priced.resources,
            pending_total_usd=account.pending_charges_usd,
            pending_by_product=pending_by_product,
        )
        return self._books

    def outlook(self) -> Forecast | None:
        books = self.books()
        priced = self.loaded("inventory")
        if books is None or priced is None:
            return None
        return forecast(priced.resources, books, now=priced.priced_at)

    def waste(self) -> pd.DataFrame | None:
        """Static waste and idle databases; without usage, the static part and its error."""
        priced = self.priced()
        if priced is None:
            return None
        idle = self.loaded("idle")
        if idle is None:
            self._values("idle")
            return priced.waste
        combined: pd.DataFrame = pd.concat([priced.waste, idle.idle], ignore_index=True)
        return combined


def load_spend(current: Settings) -> Spend:
    """Every request the Overview needs, sent at once in the background; nothing waits here.

    The headline figures' requests go first (Vultr's pacing serves requests in the order
    they ask for a turn). Database usage needs the inventory first (to pick the databases
    worth a request), and the invoices' items need the list: each runs as a chain after what
    it needs, and a failure there is its failure too. The items also wait for the inventory
    to be in (but not to have succeeded): asked for earlier, their pages would take turns
    ahead of the inventory's later pages of instances, which the forecast waits for. And
    they wait for the headline to be drawn (at most HEADLINE_WAIT_S): reading thousands of
    kept items is CPU the forecast's last steps would otherwise share.
    """
    key = current.cache_key
    pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="overview")
    pending: dict[str, Future[Loaded[Any]]] = {}
    headline_drawn = threading.Event()

    def after(
        first: str,
        then: Callable[[], T],
        *,
        behind: str | None = None,
        until: threading.Event | None = None,
    ) -> Callable[[], T]:
        def chain() -> T:
            pending[first].result()
            if behind is not None:
                wait([pending[behind]])
            if until is not None:
                until.wait(HEADLINE_WAIT_S)
            return then()

        return chain

    calls: dict[str, Callable[[], Loaded[Any]]] = {
        "account": lambda: load_account(key, current),
        "invoices": lambda: load_invoices(key, current),
        "pending": lambda: load_pending_by_product(key, current),
        "inventory": lambda: load_priced_inventory(key, current),
        "history": after(
            "invoices",
            lambda: load_month_over_month(key, current),
            behind="inventory",
            until=headline_drawn,
        ),
        "idle": after("inventory", lambda: load_idle_databases(key, current)),
    }
    for name, call in calls.items():
        pending[name] = pool.submit(call)
    # The threads finish their loads (and fill the caches) even if this run is stopped.
    pool.shutdown(wait=False)
    return Spend(pending, headline_drawn)


def warm_up() -> None:
    """What a fresh server's first Overview would otherwise pay before its figures, paid at
    start instead (app.py, in a thread of its own; no request is sent): the shared management
    client with its TLS context (tens of milliseconds)."""
    try:
        current = settings()
    except ConfigurationError:
        return  # the page says what to fix
    management_client(current)
