"""The Streamlit side the pages share: settings, cached clients and loaders, error display.

Loaders are named ``load_*``; they call vultr_core and cache its results briefly. Pages never
do I/O themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

import pandas as pd
import streamlit as st

from app_settings import read_secrets, settings
from vultr_core import clients, health
from vultr_core.cache import CacheHelper, KeyInfo, TagPreview
from vultr_core.cache_browser import (
    CacheSummary,
    KeyPage,
    KeyValue,
    browse_keys,
    read_value,
    summarise,
)
from vultr_core.cached_management import (
    cached_management_client,
    invalidate_management_cache,
    management_scope,
)
from vultr_core.config import Settings
from vultr_core.costs import Forecast, Reconciliation, forecast, month_bounds, reconcile
from vultr_core.errors import ConfigurationError, VultrError
from vultr_core.formatting import format_balance, format_date, format_usd
from vultr_core.frames import instances_frame
from vultr_core.health import HealthReport
from vultr_core.health_charts import make_latency_distribution_figure, make_latency_history_figure
from vultr_core.health_history import HealthSample
from vultr_core.inference import ChatStream, InferenceClient, Model
from vultr_core.inference_session import PendingExchange
from vultr_core.inference_usage import UsageSummary, fetch_usage_summaries
from vultr_core.management import ManagementClient
from vultr_core.models import (
    Account,
    ChargeItem,
    ConnectionPools,
    Database,
    DatabaseAlert,
    DatabaseBackups,
    DatabasePlan,
    DatabaseUsage,
    Plan,
)
from vultr_core.pg_checks import ServerInfo
from vultr_core.postgres import PoolStats, PostgresReport
from vultr_core.probing import CheckResult, LatencySummary
from vultr_core.spend_data import (
    PricedInventory,
    fetch_database_usage,
    fetch_inventory,
    fetch_invoice_history,
    gather,
    price_inventory,
)
from vultr_core.spend_history import InvoiceHistory
from vultr_core.valkey import ValkeyReport, connect_valkey
from vultr_core.valkey_inventory import valkey_instances_frame
from vultr_core.waste import IdleCheck, check_idle_databases, databases_to_check

T = TypeVar("T")

# Inventory changes slowly and Vultr allows 30 requests/s: a minute is fresh enough, and the
# refresh button is there for the impatient.
INVENTORY_TTL_S = 60


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """A loader's result with the moment it was fetched, for "data as of" captions."""

    value: T
    fetched_at: datetime


@st.cache_resource(show_spinner=False, on_release=lambda client: client.close())
def _management_client(cache_key: str, _settings: Settings) -> ManagementClient:
    if _settings.valkey_url is not None:
        # A configured Valkey is shared by every replica: their reads are shared through it.
        return cached_management_client(_settings, cache_helper(_settings))
    return clients.management_client(_settings)


def management_client(current: Settings) -> ManagementClient:
    """One shared, thread-safe client per distinct configuration."""
    return _management_client(current.cache_key, current)


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_instances(cache_key: str, _settings: Settings) -> Loaded[pd.DataFrame]:
    frame = instances_frame(management_client(_settings).instances())
    return Loaded(frame, datetime.now(UTC))


# Spend: the Overview, Instances and Databases pages ------------------------------------------

# Per-database details are fetched for the one database picked; keep a few pickings warm.
DATABASE_DETAIL_ENTRIES = 64


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_account(cache_key: str, _settings: Settings) -> Loaded[Account]:
    return Loaded(management_client(_settings).account(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_pending_charges(cache_key: str, _settings: Settings) -> Loaded[list[ChargeItem]]:
    return Loaded(management_client(_settings).pending_charges(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_priced_inventory(cache_key: str, _settings: Settings) -> Loaded[PricedInventory]:
    """Every priced resource, costed as of the moment the lists arrived."""
    inventory = fetch_inventory(management_client(_settings))
    now = datetime.now(UTC)
    return Loaded(price_inventory(inventory, now=now), now)


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_invoice_history(cache_key: str, _settings: Settings) -> Loaded[InvoiceHistory]:
    return Loaded(fetch_invoice_history(management_client(_settings)), datetime.now(UTC))


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


@st.cache_data(ttl=INVENTORY_TTL_S, max_entries=DATABASE_DETAIL_ENTRIES, show_spinner=False)
def load_database_usage(
    cache_key: str, _settings: Settings, database_id: str
) -> Loaded[DatabaseUsage]:
    return Loaded(management_client(_settings).database_usage(database_id), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, max_entries=DATABASE_DETAIL_ENTRIES, show_spinner=False)
def load_database_alerts(
    cache_key: str, _settings: Settings, database_id: str
) -> Loaded[list[DatabaseAlert]]:
    """Alerts of the last week: a day is too short to see a pattern on a quiet database."""
    client = management_client(_settings)
    return Loaded(client.database_alerts(database_id, period="week"), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, max_entries=DATABASE_DETAIL_ENTRIES, show_spinner=False)
def load_database_backups(
    cache_key: str, _settings: Settings, database_id: str
) -> Loaded[DatabaseBackups]:
    return Loaded(management_client(_settings).database_backups(database_id), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, max_entries=DATABASE_DETAIL_ENTRIES, show_spinner=False)
def load_database_maintenance(
    cache_key: str, _settings: Settings, database_id: str
) -> Loaded[list[str]]:
    client = management_client(_settings)
    return Loaded(client.database_maintenance(database_id), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, max_entries=DATABASE_DETAIL_ENTRIES, show_spinner=False)
def load_connection_pools(
    cache_key: str, _settings: Settings, database_id: str
) -> Loaded[ConnectionPools]:
    client = management_client(_settings)
    return Loaded(client.database_connection_pools(database_id), datetime.now(UTC))


SPEND_LOADERS = (
    load_account,
    load_pending_charges,
    load_priced_inventory,
    load_invoice_history,
    load_idle_databases,
)
DATABASE_DETAIL_LOADERS = (
    load_database_usage,
    load_database_alerts,
    load_database_backups,
    load_database_maintenance,
    load_connection_pools,
)


def load_together(
    calls: Mapping[str, Callable[[], Loaded[Any]]], *, spinner: str
) -> dict[str, Loaded[Any] | VultrError]:
    """Several loaders at once; each name gets its result or its own error.

    The loaders run in worker threads (cached results are thread-safe), so they must not
    draw anything: one spinner here covers them all.
    """
    with st.spinner(spinner):
        return gather(calls)


def oldest(results: Mapping[str, Loaded[Any] | VultrError]) -> datetime:
    """When the oldest of these results was fetched ("data as of"); now if none loaded."""
    times = [result.fetched_at for result in results.values() if isinstance(result, Loaded)]
    return min(times, default=datetime.now(UTC))


def value(result: Loaded[T] | VultrError) -> T | None:
    """The loaded value, or None if it failed (for sections that do without it)."""
    return None if isinstance(result, VultrError) else result.value


def shown(result: Loaded[T] | VultrError, what: str) -> T | None:
    """The loaded value, or None after showing this section's error."""
    if isinstance(result, VultrError):
        render_error(what, result)
        return None
    return result.value


class Spend:
    """The Overview's figures, each computed only when its own inputs loaded.

    A method returns None after drawing the error of the first input that failed, in the
    section that asked for it.
    """

    WHAT: ClassVar[dict[str, str]] = {
        "account": "the account",
        "pending": "this month's pending charges",
        "inventory": "the resource inventory",
        "history": "the invoices",
        "idle": "the databases' usage",
    }

    def __init__(self, results: Mapping[str, Loaded[Any] | VultrError]) -> None:
        self.results = results
        self.fetched_at = oldest(results)

    def _values(self, *names: str) -> list[Any] | None:
        for name in names:
            result = self.results[name]
            if isinstance(result, VultrError):
                render_error(self.WHAT[name], result)
                return None
        return [self.results[name].value for name in names]  # type: ignore[union-attr]

    def loaded(self, name: str) -> Any | None:
        """A value without drawing its error (for optional extras such as deltas)."""
        return value(self.results[name])

    def account(self) -> Account | None:
        found = self._values("account")
        return found[0] if found else None

    def priced(self) -> PricedInventory | None:
        found = self._values("inventory")
        return found[0] if found else None

    def history(self) -> InvoiceHistory | None:
        found = self._values("history")
        return found[0] if found else None

    def books(self) -> Reconciliation | None:
        found = self._values("account", "pending", "inventory")
        if found is None:
            return None
        account, pending, priced = found
        return reconcile(
            priced.resources, pending_total_usd=account.pending_charges_usd, pending_lines=pending
        )

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
        return pd.concat([priced.waste, idle.idle], ignore_index=True)


def load_spend(current: Settings) -> Spend:
    """Everything the Overview shows, every request in flight at once.

    Database usage needs the inventory first (to pick the databases worth a request), so the
    two run as one chain beside the other loaders; a failed inventory skips the usage.
    """
    key = current.cache_key

    def inventory_then_idle() -> tuple[Loaded[Any] | VultrError, Loaded[Any] | VultrError]:
        try:
            inventory = load_priced_inventory(key, current)
        except VultrError as error:
            return error, error
        try:
            return inventory, load_idle_databases(key, current)
        except VultrError as error:
            return inventory, error

    results = load_together(
        {
            # The invoice items are the longest chain of requests: send them first.
            "history": lambda: load_invoice_history(key, current),
            "chain": inventory_then_idle,
            "account": lambda: load_account(key, current),
            "pending": lambda: load_pending_charges(key, current),
        },
        spinner="Loading spend…",
    )
    results["inventory"], results["idle"] = results.pop("chain")
    return Spend(results)


def render_spend_metrics(spend: Spend) -> None:
    """Month to date, forecast, balance and last payment, against last month."""
    account = spend.account()
    if account is None:
        return
    history: InvoiceHistory | None = spend.loaded("history")
    last_month = history.latest if history else None
    start, end = month_bounds(spend.fetched_at)
    share = (spend.fetched_at - start) / (end - start)
    # Two by two: dollar figures and their comparisons stay whole on a laptop screen.
    to_date, ahead = st.columns(2)
    balance, payment = st.columns(2)
    to_date.metric(
        "Month to date",
        format_usd(account.pending_charges_usd),
        delta=signed_usd(account.pending_charges_usd - last_month.amount_usd * share)
        if last_month
        else None,
        delta_color="inverse",
        delta_description="vs last month, same point",
        help="Vultr's own pending charges for this month so far.",
        border=True,
    )
    with ahead:
        outlook = spend.outlook()
        if outlook is not None:
            st.metric(
                "Month-end forecast",
                format_usd(outlook.per_resource_usd),
                delta=signed_usd(outlook.per_resource_usd - last_month.amount_usd)
                if last_month
                else None,
                delta_color="inverse",
                delta_description="vs last month",
                help="Each resource to the month's end under Vultr's caps, plus usage at its pace.",
                border=True,
            )
    balance.metric(
        "Balance",
        format_balance(account.balance_usd),
        delta=signed_usd(account.balance_usd - last_month.balance_usd) if last_month else None,
        delta_color="inverse",
        delta_description="since the last invoice",
        help="Vultr shows credit as a negative balance; here it says so in words. A fall "
        "means more credit or less owed.",
        border=True,
    )
    # An account that never paid has no payment date (and Vultr's amount 0): "none".
    paid = account.last_payment_amount_usd if account.last_payment_date else None
    payment.metric(
        "Last payment",
        format_usd(abs(paid)) if paid is not None else "none",
        delta=f"on {format_date(account.last_payment_date)}" if paid is not None else None,
        delta_color="off",
        delta_arrow="off",
        border=True,
    )


def signed_usd(amount: float) -> str:
    """``+$12.00`` / ``-$3.50``: a delta's sign decides the arrow Streamlit draws."""
    return ("+" if amount >= 0 else "") + format_usd(amount)


def render_waste_table(waste: pd.DataFrame, *, key: str) -> None:
    st.dataframe(
        waste,
        hide_index=True,
        key=key,
        column_order=["kind", "label", "region", "reason", "monthly_savings_usd"],
        column_config={
            "kind": st.column_config.TextColumn("What"),
            "label": st.column_config.TextColumn("Resource"),
            "region": st.column_config.TextColumn("Region"),
            "reason": st.column_config.TextColumn("Why"),
            "monthly_savings_usd": st.column_config.NumberColumn("Saves a month", format="dollar"),
        },
    )


def stopped_instances_list(stopped: pd.DataFrame, *, shown_at_most: int = 10) -> str:
    """A Markdown list of the costliest stopped instances, then how many more there are."""
    lines = [
        f"- **{row['label']}** ({row['region']}, {row['plan']}): "
        + (
            f"{format_usd(row['monthly_cost_usd'])} a month"
            if pd.notna(row["monthly_cost_usd"])
            else "price unknown"
        )
        for row in stopped.head(shown_at_most).to_dict("records")
    ]
    if len(stopped) > shown_at_most:
        lines.append(f"- and {len(stopped) - shown_at_most} more")
    return "\n".join(lines)


def render_changes_table(changes: pd.DataFrame, *, key: str) -> None:
    st.dataframe(
        changes,
        hide_index=True,
        key=key,
        column_config={
            "product": st.column_config.TextColumn("Product"),
            "previous_usd": st.column_config.NumberColumn("Month before", format="dollar"),
            "latest_usd": st.column_config.NumberColumn("Last month", format="dollar"),
            "change_usd": st.column_config.NumberColumn("Change", format="dollar"),
            "change_pct": st.column_config.NumberColumn("Change %", format="%.0f%%"),
            "flagged": st.column_config.CheckboxColumn("Jump"),
        },
    )


# Vultr takes a backup a day; a latest backup older than this means one was missed
# (vultr-api.md §4.1).
BACKUP_STALE_HOURS = 26


def load_database_details(current: Settings, database: Database) -> dict[str, Any]:
    """Usage, alerts, backups, maintenance and (PostgreSQL) pools of one database, at once.

    Kafka has no backups and only PostgreSQL has connection pools, so those are not asked.
    """
    key, database_id = current.cache_key, database.id
    calls: dict[str, Callable[[], Loaded[Any]]] = {
        "usage": lambda: load_database_usage(key, current, database_id),
        "alerts": lambda: load_database_alerts(key, current, database_id),
        "maintenance": lambda: load_database_maintenance(key, current, database_id),
    }
    if database.engine != "kafka":
        calls["backups"] = lambda: load_database_backups(key, current, database_id)
    if database.engine == "pg":
        calls["pools"] = lambda: load_connection_pools(key, current, database_id)
    return load_together(calls, spinner=f"Loading {database.label}…")


def render_database_usage(result: Loaded[DatabaseUsage] | VultrError) -> None:
    usage = shown(result, "the database's usage")
    if usage is None:
        return
    figures = [
        ("Disk", usage.disk_gb.percentage, usage.disk_gb, "GB"),
        ("Memory", usage.memory_mb.percentage, usage.memory_mb, "MB"),
        ("CPU", usage.cpu_percentage, None, ""),
    ]
    for column, (name, percentage, figure, unit) in zip(st.columns(3), figures, strict=True):
        if percentage is None or (figure is not None and not figure.maximum):
            column.metric(name, "—", help="Not reported for this engine.", border=True)
            continue
        of = f"{figure.current:,.1f} of {figure.maximum:,.0f} {unit}" if figure else "last hour"
        column.metric(
            name, f"{percentage:.0f}%", delta=of, delta_color="off", delta_arrow="off", border=True
        )
        column.progress(min(percentage, 100.0) / 100)


def render_database_backups(
    result: Loaded[DatabaseBackups] | VultrError | None, *, engine: str
) -> None:
    if result is None:
        st.info(f"Vultr keeps no backups for {engine}.", icon=":material/info:")
        return
    backups = shown(result, "the backups")
    if backups is None or not isinstance(result, Loaded):
        return
    if backups.latest is None:
        st.warning("No backup has been taken yet.", icon=":material/warning:")
        return
    age_hours = (result.fetched_at - backups.latest).total_seconds() / 3600
    st.metric(
        "Latest backup",
        f"{age_hours:.0f} h ago",
        delta=f"{backups.latest:%Y-%m-%d %H:%M} UTC",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    if age_hours > BACKUP_STALE_HOURS:
        st.warning(
            f"The latest backup is {age_hours:.0f} hours old: a daily backup was missed.",
            icon=":material/warning:",
        )


def render_database_maintenance(result: Loaded[list[str]] | VultrError, database: Database) -> None:
    window = f"{database.maintenance_dow.title()} {database.maintenance_time} UTC".strip()
    st.caption(f"Maintenance window: {window}")
    updates = shown(result, "the pending maintenance")
    if updates is None:
        return
    if not updates:
        st.success("No maintenance pending.", icon=":material/check_circle:")
    for update in updates:
        st.warning(f"Pending: {update}", icon=":material/build:")


def render_database_alerts(result: Loaded[list[DatabaseAlert]] | VultrError, *, key: str) -> None:
    alerts = shown(result, "the alerts")
    if alerts is None:
        return
    if not alerts:
        st.success("No alerts in the last week.", icon=":material/check_circle:")
        return
    st.dataframe(
        pd.DataFrame(
            [
                (alert.timestamp, alert.message_type, alert.description, alert.recommendation)
                for alert in alerts
            ],
            columns=["when", "type", "description", "recommendation"],
        ),
        hide_index=True,
        key=key,
        column_config={
            "when": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
            "type": st.column_config.TextColumn("Type"),
            "description": st.column_config.TextColumn("Description"),
            "recommendation": st.column_config.TextColumn("Recommendation"),
        },
    )


def render_connection_pools(result: Loaded[ConnectionPools] | VultrError, *, key: str) -> None:
    pools = shown(result, "the connection pools")
    if pools is None:
        return
    used = pools.connections_used / pools.connections_max if pools.connections_max else 0.0
    st.metric(
        "Connections in use",
        f"{pools.connections_used} of {pools.connections_max}",
        delta=f"{used:.0%}",
        delta_color="off",
        delta_arrow="off",
        border=True,
    )
    st.dataframe(
        pd.DataFrame(
            [(p.name, p.database, p.username, p.mode, p.size) for p in pools.pools],
            columns=["pool", "database", "user", "mode", "size"],
        ),
        hide_index=True,
        key=key,
        column_config={
            "pool": st.column_config.TextColumn("Pool"),
            "database": st.column_config.TextColumn("Database"),
            "user": st.column_config.TextColumn("User"),
            "mode": st.column_config.TextColumn("Mode"),
            "size": st.column_config.NumberColumn("Size"),
        },
    )


# The model list changes when Vultr adds or retires a model: rarely within a session.
INFERENCE_MODELS_TTL_S = 300


@st.cache_resource(show_spinner=False, on_release=lambda client: client.close())
def _inference_client(cache_key: str, _settings: Settings) -> InferenceClient:
    return clients.inference_client(_settings)


def inference_client(current: Settings) -> InferenceClient:
    """One shared client per configuration, so its rate limit covers every session."""
    return _inference_client(current.cache_key, current)


@st.cache_data(ttl=INFERENCE_MODELS_TTL_S, show_spinner="Loading models…")
def load_inference_models(cache_key: str, _settings: Settings) -> Loaded[list[Model]]:
    return Loaded(inference_client(_settings).list_models(), datetime.now(UTC))


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner="Loading inference usage…")
def load_inference_usage(cache_key: str, _settings: Settings) -> Loaded[list[UsageSummary]]:
    summaries = fetch_usage_summaries(management_client(_settings), _settings.inference_prices)
    return Loaded(summaries, datetime.now(UTC))


def open_chat_stream(current: Settings, pending: PendingExchange, lane: str) -> ChatStream:
    """Send one lane's prompt; the reply streams from the returned object (never cached)."""
    return inference_client(current).stream_chat(
        pending.messages[lane], model=pending.models[lane], **pending.parameters.as_kwargs()
    )


# Cache Tools, and the app's own cache ---------------------------------------------------------

# Each widget change reruns the page: a few seconds spare Valkey the same scans; actions clear them.
CACHE_VIEW_TTL_S = 5
CACHE_VIEW_ENTRIES = 32


@st.cache_resource(show_spinner=False, on_release=lambda helper: helper.client.close())
def _cache_helper(cache_key: str, _settings: Settings) -> CacheHelper:
    return CacheHelper(connect_valkey(clients.valkey_url(_settings)))


def cache_helper(current: Settings) -> CacheHelper:
    """The app's CacheHelper on VALKEY_URL (the embedded Valkey in demo mode)."""
    return _cache_helper(current.cache_key, current)


def drop_shared_management_cache(current: Settings) -> None:
    """Refresh means fresh for every replica: drop this account's shared management reads."""
    if current.valkey_url is None:
        return
    try:
        invalidate_management_cache(cache_helper(current), management_scope(current))
    except VultrError as error:
        st.toast(f"Could not clear the shared cache. {error}", icon=":material/warning:")


@st.cache_data(ttl=CACHE_VIEW_TTL_S, show_spinner=False)
def load_cache_summary(cache_key: str, _settings: Settings) -> Loaded[CacheSummary]:
    return Loaded(summarise(cache_helper(_settings)), datetime.now(UTC))


@st.cache_data(ttl=CACHE_VIEW_TTL_S, max_entries=CACHE_VIEW_ENTRIES, show_spinner=False)
def load_cache_keys(
    cache_key: str, _settings: Settings, pattern: str, cursor: int
) -> Loaded[KeyPage]:
    page = browse_keys(cache_helper(_settings), pattern=pattern, cursor=cursor)
    return Loaded(page, datetime.now(UTC))


@st.cache_data(ttl=CACHE_VIEW_TTL_S, max_entries=CACHE_VIEW_ENTRIES, show_spinner=False)
def load_cache_value(cache_key: str, _settings: Settings, name: str) -> Loaded[KeyValue]:
    return Loaded(read_value(cache_helper(_settings), name), datetime.now(UTC))


@st.cache_data(ttl=CACHE_VIEW_TTL_S, max_entries=CACHE_VIEW_ENTRIES, show_spinner=False)
def load_tag_preview(cache_key: str, _settings: Settings, tag: str) -> Loaded[TagPreview]:
    return Loaded(cache_helper(_settings).preview_tag(tag), datetime.now(UTC))


@st.cache_data(ttl=CACHE_VIEW_TTL_S, max_entries=CACHE_VIEW_ENTRIES, show_spinner=False)
def load_keys_preview(
    cache_key: str, _settings: Settings, keys: tuple[str, ...]
) -> Loaded[list[KeyInfo]]:
    return Loaded(cache_helper(_settings).describe_keys(keys), datetime.now(UTC))


CACHE_LOADERS = (
    load_cache_summary,
    load_cache_keys,
    load_cache_value,
    load_tag_preview,
    load_keys_preview,
)


def clear_cache_views() -> None:
    """After a change to the cache: every Cache Tools view reads Valkey again."""
    for loader in CACHE_LOADERS:
        loader.clear()


def render_error(what: str, error: VultrError) -> None:
    """One section's failure, in a sentence, without taking the page down."""
    reason = str(error)
    st.error(f"Could not load {what}. {reason[:1].upper()}{reason[1:]}", icon=":material/error:")


def render_freshness(fetched_at: datetime, *loaders: Any, key: str) -> None:
    """ "Data as of …" with a refresh button that drops those loaders' cached results."""
    caption, button = st.columns([4, 1], vertical_alignment="center")
    caption.caption(
        f"Data as of {fetched_at:%H:%M:%S} UTC · refreshed at most every {INVENTORY_TTL_S} s"
    )
    if button.button("Refresh", key=key, icon=":material/refresh:", width="stretch"):
        for loader in loaders:
            loader.clear()
        drop_shared_management_cache(settings())
        st.rerun()


def _auth_provider(auth: object) -> str | None:
    """The provider to pass to st.login: None for a single ``[auth]`` provider, else the name
    of the first ``[auth.<name>]`` section."""
    if not isinstance(auth, dict) or "client_id" in auth:
        return None
    return next((name for name, value in auth.items() if isinstance(value, dict)), None)


def require_sign_in() -> None:
    """With an ``[auth]`` section in secrets, nobody passes without signing in (OIDC).

    Without one the app is open to whoever reaches it, and the sidebar says so.
    """
    auth = read_secrets().get("auth")
    if not auth:
        st.sidebar.caption(":material/lock_open: Open access: no sign-in is configured.")
        return
    if not st.user.is_logged_in:
        st.title("Vultr Dashboard")
        st.info("Sign in to see your team's Vultr spend and services.", icon=":material/lock:")
        provider = _auth_provider(auth)
        st.button(
            "Sign in",
            key="auth_sign_in",
            icon=":material/login:",
            on_click=st.login,
            args=() if provider is None else (provider,),
        )
        st.stop()
    st.sidebar.caption(f":material/person: Signed in as {st.user.get('email', 'unknown')}")
    st.sidebar.button("Sign out", key="auth_sign_out", on_click=st.logout)


def start_page(title: str) -> Settings:
    """Every page's first line: sign-in, its title, valid settings (or a clear stop), the
    demo banner.

    This lives in each page rather than in app.py alone because Streamlit may run a file of
    ``pages/`` without the router: under AppTest, and on a fresh server's first request.
    """
    require_sign_in()
    st.title(title)
    try:
        current = settings()
    except ConfigurationError as error:
        st.error(f"The configuration needs fixing before this page can load. {error}")
        st.stop()
    if current.demo_mode:
        st.info(
            "**Demo mode**: these figures come from a simulated Vultr organisation, not your "
            "account. Set `VULTR_API_KEY` to see your own.",
            icon=":material/science:",
        )
    return current


# Health: the Overview's strip, the Databases page's connected PostgreSQL, the Valkey page ----

# A health answer older than this is no answer; the strip's auto-refresh interval is twice as
# long, so every automatic refresh checks afresh.
HEALTH_TTL_S = 15
HEALTH_REFRESH_S = 30
HISTORY_SAMPLES = 240
STATUS_BADGES = {
    "up": ":green-badge[:material/check_circle: Up]",
    "degraded": ":orange-badge[:material/warning: Degraded]",
    "down": ":red-badge[:material/error: Down]",
    "not configured": ":gray-badge[:material/remove_circle: Not configured]",
}
KEYSPACE_COLUMNS = ["db", "keys", "expires", "avg_ttl_ms"]
VERDICT_ICONS = {
    "ok": ":green[:material/check_circle:]",
    "warning": ":orange[:material/warning:]",
    "unavailable": ":gray[:material/block:]",
}


@st.cache_data(ttl=HEALTH_TTL_S, show_spinner=False)
def load_health(cache_key: str, _settings: Settings) -> Loaded[HealthReport]:
    """Every service at once; never raises: each service carries its own failure. The strip
    shows status, not rates, so a first Valkey check does not wait for a second sample."""
    return Loaded(health.check_health(_settings, wait_for_rates=False), datetime.now(UTC))


@st.cache_data(ttl=HEALTH_TTL_S, show_spinner=False)
def load_postgres_report(cache_key: str, _settings: Settings) -> Loaded[PostgresReport]:
    return Loaded(health.postgres_report(_settings), datetime.now(UTC))


@st.cache_data(ttl=HEALTH_TTL_S, show_spinner=False)
def load_valkey_report(cache_key: str, _settings: Settings) -> Loaded[ValkeyReport]:
    return Loaded(health.valkey_report(_settings), datetime.now(UTC))


def load_health_history(current: Settings, service: str) -> list[HealthSample]:
    """Not cached: each report above adds a sample, and the chart must show it at once.
    Reading the samples costs a memory read or one XREVRANGE."""
    return health.health_history(current).recent(service, HISTORY_SAMPLES)


@st.cache_data(ttl=INVENTORY_TTL_S, show_spinner=False)
def load_valkey_instances(cache_key: str, _settings: Settings) -> Loaded[pd.DataFrame]:
    """Managed Valkey instances with plan prices and usage; a usage that fails is left blank."""
    client = management_client(_settings)
    databases = client.databases(engine="valkey")
    usage_calls: dict[str, Callable[[], Any]] = {
        d.id: (lambda database_id=d.id: client.database_usage(database_id)) for d in databases
    }
    found = gather({"plans": client.database_plans, **usage_calls})
    plans = found.pop("plans")
    if isinstance(plans, VultrError):
        raise plans
    usage = {key: used for key, used in found.items() if not isinstance(used, VultrError)}
    return Loaded(valkey_instances_frame(databases, plans, usage), datetime.now(UTC))


def render_health_strip(current: Settings) -> None:
    """The Overview's health: one card per service, refreshing itself when asked to."""
    title, switch = st.columns([3, 1], vertical_alignment="center")
    title.subheader("Health")
    auto = switch.toggle(f"Auto-refresh every {HEALTH_REFRESH_S} s", key="ovw_health_auto")
    st.fragment(_render_health_cards, run_every=HEALTH_REFRESH_S if auto else None)(current)


def _render_health_cards(current: Settings) -> None:
    loaded = load_health(current.cache_key, current)
    services = loaded.value.services
    for column, service in zip(st.columns(len(services)), services, strict=True):
        with column.container(border=True, key=f"ovw_health_{service.service}"):
            st.markdown(f"**{service.label}** {STATUS_BADGES[service.status]}")
            st.metric("Latency", ms_text(service.latency_ms))
            if service.key_figure:
                st.caption(service.key_figure)
            if service.status == "down":
                st.error(service.reason, icon=":material/error:")
            elif service.status == "degraded":
                st.warning(service.reason, icon=":material/warning:")
            else:
                st.caption(service.reason)
    render_health_freshness(loaded.fetched_at, load_health, key="ovw_health_refresh")


def render_connected_postgres(current: Settings) -> None:
    """The Databases page's "Connected PostgreSQL": latency, checks, pool and server."""
    st.subheader("Connected PostgreSQL")
    if not health.is_configured(current, "postgres"):
        st.info(health.NOT_CONFIGURED_REASONS["postgres"] + ".", icon=":material/info:")
        return
    try:
        loaded = load_postgres_report(current.cache_key, current)
    except VultrError as error:
        render_error("the connected PostgreSQL", error)
        render_latency_history(current, "postgres", key="db_pg_history")
        render_health_freshness(datetime.now(UTC), load_postgres_report, key="db_pg_refresh")
        return
    report, server = loaded.value, loaded.value.server
    role = "replica" if server.is_replica else "primary"
    tls = "TLS" if server.ssl_in_use else "no TLS"
    st.caption(f"{report.where} · PostgreSQL {server.version} · {tls} · {role}")
    p50, p95, connections, size, hit_rate = st.columns(5)
    p50.metric("Latency p50", ms_text(report.latency.p50_ms), border=True)
    p95.metric("Latency p95", ms_text(report.latency.p95_ms), border=True)
    counts = server.connections
    connections.metric(
        "Connections", f"{counts.total} of {counts.usable}" if counts else "—", border=True
    )
    size.metric("Database size", size_text(server.size_bytes), border=True)
    hit_rate.metric("Table cache hits", percent_text(server.table_hit_rate), border=True)
    render_latency_charts(current, "postgres", report.latency, key="db_pg")
    render_checks(report.checks)
    pool, info = st.columns(2)
    pool.markdown("**Connection pool** (this app)")
    pool.dataframe(pool_stats_frame(report.pool), hide_index=True, key="db_pg_pool")
    info.markdown("**Server**")
    info.dataframe(server_info_frame(server), hide_index=True, key="db_pg_server")
    if server.long_running_queries:
        st.markdown("**Long-running queries**")
        st.dataframe(
            pd.DataFrame([vars(q) for q in server.long_running_queries]),
            hide_index=True,
            key="db_pg_long_queries",
        )
    render_health_freshness(loaded.fetched_at, load_postgres_report, key="db_pg_refresh")


def render_latency_charts(
    current: Settings, service: str, latency: LatencySummary, *, key: str
) -> None:
    """The last probe's round trips as a distribution, beside the service's history."""
    distribution, history = st.columns(2)
    with distribution:
        st.plotly_chart(
            make_latency_distribution_figure(
                latency, title=f"Last {len(latency.samples_ms)} round trips"
            ),
            width="stretch",
            key=f"{key}_distribution",
        )
    with history:
        render_latency_history(current, service, key=f"{key}_history")


def render_latency_history(current: Settings, service: str, *, key: str) -> None:
    samples = load_health_history(current, service)
    st.plotly_chart(
        make_latency_history_figure(samples, title="Latency over time"), width="stretch", key=key
    )


def render_checks(checks: Iterable[CheckResult]) -> None:
    """pghero's overview: one line per check, its verdict as an icon, in a sentence."""
    for check in checks:
        name = check.name[:1].upper() + check.name[1:]
        st.markdown(f"{VERDICT_ICONS[check.verdict]} **{name}** · {check.message}")


def pool_stats_frame(pool: PoolStats) -> pd.DataFrame:
    derived = {
        "saturation": percent_text(pool.saturation),
        "mean wait (ms)": number_text(pool.mean_wait_ms),
        "error rate": percent_text(pool.error_rate),
    }
    rows = [(name.replace("_", " "), str(value)) for name, value in pool.counters.items()]
    return pd.DataFrame([*derived.items(), *rows], columns=["figure", "value"])


def server_info_frame(server: ServerInfo) -> pd.DataFrame:
    counts = server.connections
    rows = [
        ("version", server.version),
        ("database", server.database),
        ("size", size_text(server.size_bytes)),
        ("uptime", duration_text(server.uptime_s)),
        ("connections", f"{counts.total} of {counts.max_connections} max" if counts else "—"),
        ("idle in transaction", str(counts.idle_in_transaction) if counts else "—"),
        (
            "table / index cache hits",
            f"{percent_text(server.table_hit_rate)} / {percent_text(server.index_hit_rate)}",
        ),
        ("role", "replica" if server.is_replica else f"primary, {server.replicas or 0} replica(s)"),
        ("replication lag", duration_text(server.replication_lag_s)),
        ("transactions before wraparound", number_text(server.transactions_left)),
        ("sees other users' sessions", "yes" if server.sees_all_sessions else "no (pg_monitor)"),
        *((f"{name} (unavailable)", reason) for name, reason in server.unavailable.items()),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


def render_health_freshness(fetched_at: datetime, loader: Any, *, key: str) -> None:
    caption, button = st.columns([4, 1], vertical_alignment="center")
    caption.caption(
        f"Checked at {fetched_at:%H:%M:%S} UTC · rechecked at most every {HEALTH_TTL_S} s"
    )
    if button.button("Check now", key=key, icon=":material/refresh:", width="stretch"):
        loader.clear()
        st.rerun()


def ms_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} ms"


def percent_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def number_text(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


def size_text(size_bytes: int | None) -> str:
    if size_bytes is None:
        return "—"
    return (
        f"{size_bytes / 1024**3:.2f} GiB"
        if size_bytes >= 1024**3
        else f"{size_bytes / 1024**2:.1f} MiB"
    )


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    days, rest = divmod(int(seconds), 86_400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {rest // 60} min"
    return f"{rest // 60} min" if rest >= 60 else f"{seconds:.1f} s"
