"""Cache Tools: the app's Valkey cache (keys, tags, figures) and its helper to try out."""

import functools
import json
from collections.abc import Callable

import streamlit as st

from ui import cache, clients, page
from ui.text import inert
from vultr_core.api.errors import VultrError
from vultr_core.cache.browser import (
    audit_frame,
    describe_value,
    items_frame,
    key_infos_frame,
    keys_frame,
    simulated_compute,
    tag_stats_frame,
    tags_frame,
)
from vultr_core.cache.store import MAX_TTL_S
from vultr_core.cache.tools import CacheTools, Operator

settings = page.start_page("Cache Tools")
state = st.session_state
Action = Callable[[CacheTools, Operator], str]


@st.dialog("Please confirm")
def confirm(message: str, yes: str, action: Action) -> None:
    """The one place a destructive action runs: after its Yes (STREAMLIT.md's flag pattern).

    The Yes reruns only this dialog, so who asks and the admin list are read again here.
    """
    st.write(message)
    left, right = st.columns(2)
    confirmed = left.button(yes, key="cache_yes", type="primary")
    cancelled = right.button("Cancel", key="cache_no")
    if confirmed:
        try:
            state["cache_flash"] = (
                "success",
                action(cache.cache_tools_now(), page.signed_in_operator()),
            )
        except VultrError as error:
            state["cache_flash"] = ("error", f"Could not finish. {inert(str(error))}")
        cache.clear_cache_views()
    if confirmed or cancelled:
        state["cache_confirm"] = None
        st.rerun()


def ask_first(label: str, key: str, message: str, yes: str, action: Action) -> None:
    """A destructive action's button, disabled for anyone the admin list leaves out, then its
    confirmation."""
    if st.button(label, key=key, type="primary", disabled=refused is not None):
        state["cache_confirm"] = key
    if state.get("cache_confirm") == key:
        confirm(message, yes, action)


def invalidate(tag: str, tools: CacheTools, operator: Operator) -> str:
    return f"Deleted {cache.counted(tools.invalidate_tag(operator, tag), 'key')} ({inert(tag)})."


def take(keys: tuple[str, ...], tools: CacheTools, operator: Operator) -> str:
    values = tools.take(operator, keys)
    state["cache_taken"] = dict(zip(keys, values, strict=True))
    found = sum(value is not None for value in values)
    return f"Took {found:,} of {cache.counted(len(keys), 'key')}."


def play_tags() -> list[str]:
    return [tag.strip() for tag in state["cache_play_tags"].split(",") if tag.strip()]


def get_or_compute() -> None:
    """The playground's Get or compute, run before the page is drawn, so the figures and tags
    above it already count this call."""
    try:
        value = json.loads(state["cache_play_value"])
        compute = simulated_compute(value, state["cache_play_delay"] / 1000)
        fetched = cache.cache_tools_now().fetch(
            page.signed_in_operator(),
            state["cache_play_key"],
            compute,
            state["cache_play_ttl"],
            tags=play_tags(),
        )
    except (VultrError, ValueError) as error:
        state["cache_play_error"] = f"Could not do that. {inert(str(error))}"
        return
    source = "computed" if fetched.source == "computed" else "hit"
    state[f"cache_play_{source}_ms"] = fetched.elapsed_ms
    state["cache_play_result"] = (fetched.source, fetched.elapsed_ms, fetched.value)
    cache.clear_cache_views()


def set_with_tags() -> None:
    """The playground's Set with tags, run before the page is drawn (see get_or_compute)."""
    key, tags = state["cache_play_key"], play_tags()
    try:
        value = json.loads(state["cache_play_value"])
        tools = cache.cache_tools_now()
        tools.set_with_tags(page.signed_in_operator(), key, value, tags, state["cache_play_ttl"])
    except (VultrError, ValueError) as error:
        state["cache_play_error"] = f"Could not do that. {inert(str(error))}"
        return
    state["cache_play_stored"] = (
        f"Stored {inert(key)} with tags {inert(', '.join(tags) or 'none')}."
    )
    cache.clear_cache_views()


try:
    helper = clients.cache_helper(settings)
    cache.seed_demo(settings)
    summary = cache.load_cache_summary(settings.cache_key, settings).value
except VultrError as error:
    page.render_error("the cache", error)
    st.stop()
refused = CacheTools(helper, settings).refusal(page.signed_in_operator())
kind, message = state.pop("cache_flash", ("", ""))
if kind:
    (st.success if kind == "success" else st.error)(message)
st.caption(cache.talking_to(settings, helper))
if refused is not None:
    st.info(f"Read-only for you: {inert(refused)}.", icon=":material/lock:")
if summary.eviction_warning:
    st.warning(summary.eviction_warning, icon=":material/warning:")
overall = summary.stats.overall
ratio, saved, tag_count, waits = st.columns(4)
ratio.metric("Hit ratio", f"{overall.hit_ratio:.0%}" if overall.hit_ratio is not None else "–")
saved.metric("Time saved", f"{overall.saved_ms / 1000:,.1f} s", help="Compute time hits avoided")
tag_count.metric("Tags", len(summary.tags))
waits.metric("Lock waits", overall.lock_waits, help="Callers that waited for another's result")

size = st.column_config.NumberColumn(format="localized")
# Keyed and tracked, so a rerun (after a confirmation, or a message above) keeps the open tab.
keys_tab, tags_tab, play_tab, take_tab, log_tab = st.tabs(
    ["Keys", "Tags", "Playground", "Take keys", "Activity"], key="cache_tab", on_change="rerun"
)
with keys_tab:
    pattern = st.text_input(
        "Key pattern",
        "*",
        key="cache_pattern",
        on_change=lambda: state.update(cache_cursor=0),
        help="A glob inside the namespace (v:* for values); \\ before *?[] matches them literally.",
    )
    try:
        cursor = state.get("cache_cursor", 0)
        key_page = cache.load_cache_keys(settings.cache_key, settings, pattern, cursor).value
        st.dataframe(keys_frame(key_page), hide_index=True, column_config={"Size (bytes)": size})
        st.caption(
            "Keys with *App's own data* are the app's own: shown here, never changed from here."
        )
        if key_page.next_cursor and st.button("Next page", key="cache_next"):
            state["cache_cursor"] = key_page.next_cursor
            st.rerun()
        names = [row.name for row in key_page.rows]
        if picked := st.selectbox("Show value", names, index=None, key="cache_pick"):
            shown = cache.load_cache_value(settings.cache_key, settings, picked).value
            st.caption(inert(describe_value(shown)))
            if shown.text is not None:
                st.code(shown.text, language="json")
            else:
                st.dataframe(items_frame(shown), hide_index=True)
    except (VultrError, ValueError) as error:
        st.error(f"Could not read the keys. {inert(str(error))}")

with tags_tab:
    percent = st.column_config.NumberColumn(format="percent")
    st.dataframe(
        tags_frame(summary.tags, summary.stats),
        hide_index=True,
        column_config={"Hit ratio": percent},
    )
    if tag := st.selectbox("Tag", [info.tag for info in summary.tags], index=None, key="cache_tag"):
        try:
            preview = cache.load_tag_preview(settings.cache_key, settings, tag).value
        except VultrError as error:
            page.render_error("the tag's keys", error)
        else:
            count = preview.key_count
            doomed = f"**{count:,}** {cache.plural(count, 'cached key')}"
            weight = cache.counted(preview.total_bytes, "byte")
            st.write(f"Invalidating {inert(tag)} deletes {doomed} ({weight}).")
            st.dataframe(
                key_infos_frame(preview.keys), hide_index=True, column_config={"Size (bytes)": size}
            )
            ask_first(
                "Invalidate…",
                "cache_invalidate",
                f"This deletes {doomed} tagged {inert(tag)}, for every replica.",
                "Delete them",
                functools.partial(invalidate, tag),
            )
    per_tag = tag_stats_frame(summary.stats)
    if not per_tag.empty:
        ratio_chart, saved_chart = st.columns(2)
        ratio_chart.bar_chart(per_tag, x="Tag", y="Hit ratio", horizontal=True)
        saved_chart.bar_chart(per_tag, x="Tag", y="Time saved (s)", horizontal=True)

with play_tab:
    st.text_input("Key", "playground:demo", key="cache_play_key")
    st.text_area("Value (JSON)", '{"answer": 42}', key="cache_play_value")
    st.text_input("Tags, comma-separated", "playground", key="cache_play_tags")
    ttl_col, delay_col = st.columns(2)
    ttl_col.number_input(
        "TTL (s)",
        min_value=1,
        max_value=int(MAX_TTL_S),
        value=300,
        key="cache_play_ttl",
        help=f"At most {MAX_TTL_S / 86400:,.0f} days.",
    )
    delay_col.slider("Simulated compute time (ms)", 0, 3000, 400, key="cache_play_delay")
    compute_col, set_col = st.columns(2)
    compute_col.button(
        "Get or compute",
        key="cache_play_run",
        type="primary",
        disabled=refused is not None,
        on_click=get_or_compute,
    )
    set_col.button(
        "Set with tags", key="cache_play_set", disabled=refused is not None, on_click=set_with_tags
    )
    if error_text := state.pop("cache_play_error", None):
        st.error(error_text)
    if stored := state.pop("cache_play_stored", None):
        st.success(stored)
    if result := state.pop("cache_play_result", None):
        source, elapsed_ms, value = result
        st.write(f"**{source}** in {elapsed_ms:,.1f} ms:")
        st.json(value)
    computed_ms, hit_ms = state.get("cache_play_computed_ms"), state.get("cache_play_hit_ms")
    slow, fast = st.columns(2)
    slow.metric("Last compute", "–" if computed_ms is None else f"{computed_ms:,.1f} ms")
    fast.metric("Last hit", "–" if hit_ms is None else f"{hit_ms:,.2f} ms")

with take_tab:
    lines = st.text_area("Keys to take, one per line", key="cache_take_keys")
    if keys := tuple(line for line in lines.splitlines() if line):
        try:
            found = cache.load_keys_preview(settings.cache_key, settings, keys).value
        except (VultrError, ValueError) as error:
            st.error(f"Could not look at those keys. {inert(str(error))}")
        else:
            st.dataframe(
                key_infos_frame(found), hide_index=True, column_config={"Size (bytes)": size}
            )
            ask_first(
                "Take and delete…",
                "cache_take",
                f"Reads and deletes **{len(keys):,}** {cache.plural(len(keys), 'key')} in one "
                "step: shown once, then gone.",
                "Take them",
                functools.partial(take, keys),
            )
    if "cache_taken" in state:
        st.json(state["cache_taken"])

with log_tab:
    st.dataframe(audit_frame(summary.audit), hide_index=True)
