"""The Cache Tools page, and the app caching its own management reads in a configured Valkey."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
import streamlit as st
import valkey
from streamlit.testing.v1 import AppTest

from tests.app.conftest import new_app, open_page, page_path
from tests.app.markup import seen
from tests.cache_support import closed_port
from ui.cache import talking_to
from ui.clients import close_shared_clients
from vultr_core.api.cached_management import management_scope, scope_tag
from vultr_core.cache.audit import recent_actions
from vultr_core.cache.demo_seed import DEMO_ENTRIES, DEMO_HITS, DEMO_MISSES, marker_key
from vultr_core.cache.store import MAX_TTL_S, CacheHelper
from vultr_core.clients import demo_simulator
from vultr_core.config import Secret, Settings
from vultr_core.health.embedded import embedded_valkey_url


@pytest.fixture
def cache(
    monkeypatch: pytest.MonkeyPatch, valkey_url: str, valkey_client: valkey.Valkey
) -> CacheHelper:
    """VALKEY_URL set to the test server; the helper in the app's own namespace."""
    monkeypatch.setenv("VALKEY_URL", valkey_url)
    return CacheHelper(valkey_client)


def table_with(page: AppTest, column: str) -> pd.DataFrame:
    """The first table that has this column (AppTest does not expose a table's key)."""
    return next(table.value for table in page.dataframe if column in table.value.columns)


def read(text: str) -> str:
    """What a reader sees of a Markdown body: what ui.text.inert did to it undone."""
    return seen(text)


def texts(page: AppTest) -> str:
    return " ".join(
        read(str(element.value)) for element in [*page.markdown, *page.success, *page.error]
    )


def test_in_demo_mode_the_page_works_on_the_embedded_valkey() -> None:
    page = open_page("cache_tools.py")
    assert not page.exception
    assert [m.label for m in page.metric][:4] == ["Hit ratio", "Time saved", "Tags", "Lock waits"]
    port = embedded_valkey_url().rsplit(":", 1)[1].split("/")[0]
    assert any(f"127.0.0.1:{port}" in caption.value for caption in page.caption)


def test_without_valkey_url_the_app_keeps_management_reads_out_of_valkey() -> None:
    embedded = valkey.Valkey.from_url(embedded_valkey_url())
    for key in embedded.scan_iter(match="vultr-dashboard:*mgmt:*"):
        embedded.unlink(key)
    page = open_page("instances.py")
    assert not page.exception
    assert list(embedded.scan_iter(match="vultr-dashboard:*mgmt:*")) == []


def test_the_key_browser_lists_the_namespace_and_shows_a_value(cache: CacheHelper) -> None:
    cache.set_with_tags("report", {"total_usd": 12.5}, ["reports"])
    cache.client.set("elsewhere", "not ours")
    page = open_page("cache_tools.py")
    listed = set(table_with(page, "Type")["Key"])
    assert "vultr-dashboard:tag:reports" in listed
    assert all(key.startswith("vultr-dashboard:") for key in listed)
    page.text_input(key="cache_pattern").input("v:rep*").run()
    assert list(table_with(page, "Type")["Key"]) == [cache.value_key("report")]
    page.selectbox(key="cache_pick").set_value(cache.value_key("report")).run()
    assert not page.exception
    assert json.loads(page.code[0].value) == {"total_usd": 12.5}
    assert any("tags: reports" in read(caption.value) for caption in page.caption)


def test_invalidating_a_tag_previews_then_deletes_after_confirmation(cache: CacheHelper) -> None:
    cache.set_many({"a": 1, "b": 2, "c": 3}, ["reports"])
    cache.set_with_tags("kept", 4, ["other"])
    page = open_page("cache_tools.py")
    page.selectbox(key="cache_tag").set_value("reports").run()
    assert "deletes **3** cached keys" in texts(page)
    assert set(table_with(page, "Exists")["Key"]) == {"a", "b", "c"}
    page.button(key="cache_invalidate").click().run()
    assert cache.preview_tag("reports").key_count == 3, "nothing deleted before the Yes"
    page.user = {"is_logged_in": True, "email": "ops@example.com"}
    page.button(key="cache_yes").click().run()
    assert not page.exception
    assert "Deleted 3 keys" in texts(page)
    assert cache.describe_keys(["a", "b", "c", "kept"])[3].exists
    assert not any(info.exists for info in cache.describe_keys(["a", "b", "c"]))
    (entry,) = recent_actions(cache)
    assert (entry.who, entry.action, entry.target, entry.key_count) == (
        "ops@example.com",
        "invalidate tag",
        "reports",
        3,
    )
    assert "ops@example.com" in set(table_with(page, "Who")["Who"])


def test_cancelling_the_confirmation_deletes_nothing(cache: CacheHelper) -> None:
    cache.set_many({"a": 1, "b": 2}, ["reports"])
    page = open_page("cache_tools.py")
    page.selectbox(key="cache_tag").set_value("reports").run()
    page.button(key="cache_invalidate").click().run()
    page.button(key="cache_no").click().run()
    assert not page.exception
    assert cache.preview_tag("reports").key_count == 2
    assert recent_actions(cache) == []
    assert "cache_yes" not in [button.key for button in page.button]


def test_with_an_admin_list_others_see_the_cache_but_cannot_change_it(
    cache: CacheHelper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CACHE_ADMIN_EMAILS", "ops@example.com")
    cache.set_many({"a": 1, "b": 2}, ["reports"])
    app = new_app()
    app.user = {"is_logged_in": True, "email": "eve@example.com"}
    page = app.run().switch_page(page_path("cache_tools.py")).run()
    page.selectbox(key="cache_tag").set_value("reports").run()
    assert "eve@example.com is not one of them" in read(page.info[-1].value)
    assert set(table_with(page, "Exists")["Key"]) == {"a", "b"}, "reading is still allowed"
    for key in ("cache_invalidate", "cache_play_run", "cache_play_set"):
        assert page.button(key=key).disabled, key
    page.text_area(key="cache_take_keys").input("a").run()
    assert page.button(key="cache_take").disabled
    assert cache.preview_tag("reports").key_count == 2
    assert recent_actions(cache) == []


def test_a_listed_admin_may_invalidate(cache: CacheHelper, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CACHE_ADMIN_EMAILS", "eve@example.com, ops@example.com")
    cache.set_many({"a": 1, "b": 2}, ["reports"])
    app = new_app()
    app.user = {"is_logged_in": True, "email": "Ops@Example.com"}
    page = app.run().switch_page(page_path("cache_tools.py")).run()
    assert not page.info or "Read-only" not in read(page.info[-1].value)
    page.selectbox(key="cache_tag").set_value("reports").run()
    page.button(key="cache_invalidate").click().run()
    page.button(key="cache_yes").click().run()
    assert "Deleted 2 keys" in texts(page)
    assert cache.preview_tag("reports").key_count == 0


def test_with_an_admin_list_and_nobody_signed_in_the_cache_is_read_only(
    cache: CacheHelper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CACHE_ADMIN_EMAILS", "ops@example.com")
    page = open_page("cache_tools.py")
    assert "you are not signed in" in read(page.info[-1].value)
    assert page.button(key="cache_play_set").disabled


def test_taking_keys_shows_their_values_once_and_removes_them(cache: CacheHelper) -> None:
    cache.set_with_tags("job 1", {"id": 1}, [])
    cache.set_with_tags("ключ*", [2], [])
    page = open_page("cache_tools.py")
    page.text_area(key="cache_take_keys").input("job 1\nключ*\nmissing").run()
    preview = table_with(page, "Exists")
    assert list(preview["Exists"]) == [True, True, False]
    page.button(key="cache_take").click().run()
    page.button(key="cache_yes").click().run()
    assert not page.exception
    assert "Took 2 of 3 keys" in texts(page)
    assert json.loads(page.json[-1].value) == {"job 1": {"id": 1}, "ключ*": [2], "missing": None}
    assert not any(info.exists for info in cache.describe_keys(["job 1", "ключ*"]))
    assert [(e.action, e.key_count, e.who) for e in recent_actions(cache)] == [
        ("mget and delete", 2, "anonymous")
    ]


def test_the_playground_computes_once_then_hits_and_set_with_tags_stores(
    cache: CacheHelper,
) -> None:
    page = open_page("cache_tools.py")
    page.text_input(key="cache_play_key").input("pg:1").run()
    page.slider(key="cache_play_delay").set_value(50).run()
    page.button(key="cache_play_run").click().run()
    assert "**computed**" in texts(page)
    page.button(key="cache_play_run").click().run()
    assert "**hit**" in texts(page)
    figures = {m.label: m.value for m in page.metric}
    assert float(figures["Last compute"].split()[0]) >= 50
    assert figures["Last hit"].endswith("ms")
    assert cache.preview_tag("playground").key_count == 1
    page.text_input(key="cache_play_key").input("pg:2").run()
    page.text_input(key="cache_play_tags").input("a, b").run()
    page.button(key="cache_play_set").click().run()
    assert {t.tag for t in cache.tags()} >= {"playground", "a", "b"}
    assert cache.preview_tag("a").key_count == cache.preview_tag("b").key_count == 1


def test_a_value_that_is_not_json_is_refused_and_nothing_is_stored(cache: CacheHelper) -> None:
    page = open_page("cache_tools.py")
    page.text_area(key="cache_play_value").input("{not json").run()
    page.button(key="cache_play_set").click().run()
    assert [read(error.value) for error in page.error] == [
        "Could not do that. Expecting property name enclosed in double quotes: line 1 column 2 "
        "(char 1)"
    ]
    page.text_area(key="cache_play_value").input("NaN").run()
    page.button(key="cache_play_run").click().run()
    assert not page.exception
    (error,) = page.error
    assert "cannot cache a float: values are stored as JSON" in read(error.value)
    assert cache.describe_keys(["playground:demo"])[0].exists is False


def test_an_unreachable_valkey_is_a_clear_error_without_the_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(
        "VALKEY_URL", f"redis://default:hunter2-sentinel@127.0.0.1:{closed_port()}/0"
    )
    page = open_page("cache_tools.py")
    assert not page.exception
    assert any("Could not load the cache" in read(error.value) for error in page.error)
    assert "hunter2-sentinel" not in texts(page)


def test_with_valkey_url_replicas_share_management_reads_and_refresh_drops_them(
    cache: CacheHelper,
) -> None:
    first = open_page("instances.py")
    assert not first.exception
    tags = {info.tag for info in cache.tags()}
    assert any(tag.endswith(":instances") for tag in tags)

    # Another replica: its own Streamlit caches and clients are new, the shared Valkey is not.
    st.cache_data.clear()
    close_shared_clients()
    simulator = demo_simulator()
    simulator.clear_log()
    second = open_page("instances.py")
    assert len(second.dataframe[0].value) == len(first.dataframe[0].value)
    assert not [r for r in simulator.request_log if r.path == "/v2/instances"]

    second.button(key="inst_refresh").click().run()
    assert not second.exception
    assert [r for r in simulator.request_log if r.path == "/v2/instances"]


def balance_on_the_overview() -> str:
    """The Overview's balance as a fresh visitor sees it (the Streamlit caches emptied)."""
    st.cache_data.clear()
    return next(m.value for m in new_app().run().metric if m.label == "Balance")


def account_entry(cache: CacheHelper) -> str:
    """The management cache's key for the account read (without the namespace)."""
    (name,) = cache.client.scan_iter(match=f"{cache.namespace}:v:mgmt:*:account:*")
    return name.decode().removeprefix(f"{cache.namespace}:v:")


def test_set_with_tags_cannot_forge_the_balance_every_user_sees(cache: CacheHelper) -> None:
    real = balance_on_the_overview()
    key = account_entry(cache)
    page = open_page("cache_tools.py")
    page.text_input(key="cache_play_key").input(key).run()
    page.text_area(key="cache_play_value").input(json.dumps({"balance_usd": -999999.0})).run()
    page.text_input(key="cache_play_tags").input("").run()
    page.button(key="cache_play_set").click().run()
    assert not page.exception
    (error,) = page.error
    assert "is the app's own data (the management API cache)" in read(error.value)
    page.button(key="cache_play_run").click().run()
    assert "is the app's own data" in read(page.error[0].value)
    assert balance_on_the_overview() == real
    assert not real.startswith("$999,999")
    assert recent_actions(cache) == []


def test_the_app_s_own_tags_and_keys_cannot_be_invalidated_or_taken(cache: CacheHelper) -> None:
    balance_on_the_overview()
    key = account_entry(cache)
    tag = scope_tag(management_scope(Settings.from_env()))
    page = open_page("cache_tools.py")
    listed = table_with(page, "Type")
    assert set(listed.loc[listed["Key"] == cache.value_key(key), "App's own data"]) == {
        "the management API cache"
    }
    page.selectbox(key="cache_tag").set_value(tag).run()
    page.button(key="cache_invalidate").click().run()
    page.button(key="cache_yes").click().run()
    assert "Could not finish." in read(page.error[0].value)
    assert "is the app's own data (the management API cache's tags)" in read(page.error[0].value)
    page.text_area(key="cache_take_keys").input(f"playground:demo\n{key}").run()
    page.button(key="cache_take").click().run()
    page.button(key="cache_yes").click().run()
    assert "is the app's own data (the management API cache)" in read(page.error[0].value)
    assert cache.describe_keys([key])[0].exists
    assert cache.preview_tag(tag).key_count > 0
    assert recent_actions(cache) == []


def test_a_ttl_longer_than_the_maximum_never_reaches_the_cache(cache: CacheHelper) -> None:
    page = open_page("cache_tools.py")
    page.text_input(key="cache_play_key").input("long-lived").run()
    page.number_input(key="cache_play_ttl").set_value(10 * 365 * 86400).run()
    page.button(key="cache_play_set").click().run()
    assert not page.exception
    (info,) = cache.describe_keys(["long-lived"])
    assert info.ttl_s is not None
    assert info.ttl_s <= MAX_TTL_S


def test_a_listed_address_the_provider_has_not_verified_is_read_only(
    cache: CacheHelper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CACHE_ADMIN_EMAILS", "admin@example.com")
    cache.set_many({"a": 1}, ["reports"])
    app = new_app()
    app.user = {"is_logged_in": True, "email": "Admin@Example.com", "email_verified": False}
    page = app.run().switch_page(page_path("cache_tools.py")).run()
    assert "your sign-in provider has not verified Admin@Example.com" in read(page.info[-1].value)
    page.selectbox(key="cache_tag").set_value("reports").run()
    for key in ("cache_invalidate", "cache_play_run", "cache_play_set"):
        assert page.button(key=key).disabled, key
    assert cache.preview_tag("reports").key_count == 1


def test_the_admin_list_is_read_again_when_yes_is_pressed(
    cache: CacheHelper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CACHE_ADMIN_EMAILS", "ops@example.com")
    cache.set_many({"a": 1, "b": 2}, ["reports"])
    app = new_app()
    app.user = {"is_logged_in": True, "email": "ops@example.com", "email_verified": True}
    page = app.run().switch_page(page_path("cache_tools.py")).run()
    page.selectbox(key="cache_tag").set_value("reports").run()
    page.button(key="cache_invalidate").click().run()
    monkeypatch.setenv("CACHE_ADMIN_EMAILS", "ana@example.com")
    page.button(key="cache_yes").click().run()
    assert not page.exception
    assert "ops@example.com is not one of them" in read(page.error[0].value)
    assert cache.preview_tag("reports").key_count == 2
    assert recent_actions(cache) == []


# Demo contents, what the page is talking to, and what a click leaves on screen


@pytest.fixture
def throwaway_valkey() -> Iterator[valkey.Valkey]:
    """The embedded Valkey the demo uses, emptied: nothing seeded yet."""
    client = valkey.Valkey.from_url(embedded_valkey_url(), socket_timeout=5)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def tab_indexes(node: Any) -> Iterator[int]:
    """The tab each tab container on the page shows as open."""
    proto = getattr(node, "proto", None)
    if proto is not None and "tab_container" in {f.name for f, _ in proto.ListFields()}:
        yield proto.tab_container.default_tab_index
    for child in getattr(node, "children", {}).values():
        yield from tab_indexes(child)


def test_in_demo_mode_the_throwaway_valkey_holds_sample_keys_tags_and_figures(
    throwaway_valkey: valkey.Valkey,
) -> None:
    page = open_page("cache_tools.py")
    assert not page.exception
    helper = CacheHelper(throwaway_valkey)
    listed = set(table_with(page, "Type")["Key"])
    assert {helper.value_key(entry.key) for entry in DEMO_ENTRIES} <= listed
    tags = table_with(page, "Keys still to delete").set_index("Tag")
    assert tags.loc["feature-flags", "Keys"] == 3
    assert tags.loc["sessions", "Keys"] == 3
    figures = {m.label: m.value for m in page.metric}
    assert figures["Hit ratio"] == f"{DEMO_HITS / (DEMO_HITS + DEMO_MISSES):.0%}"
    assert figures["Tags"] == str(len({tag for entry in DEMO_ENTRIES for tag in entry.tags}))
    assert figures["Time saved"].startswith("16.")
    assert 0 < int(throwaway_valkey.ttl(helper.value_key("flags:new-billing-page"))) <= 15 * 60
    assert any("throwaway local Valkey" in c.value for c in page.caption)
    assert any("sample keys for the demo" in c.value for c in page.caption)


def test_demo_samples_never_go_into_a_configured_valkey(cache: CacheHelper) -> None:
    page = open_page("cache_tools.py")
    assert not page.exception
    demo_tags = {tag for entry in DEMO_ENTRIES for tag in entry.tags}
    assert not demo_tags & {info.tag for info in cache.tags()}
    assert not demo_tags & set(cache.stats().by_tag)
    assert cache.client.exists(marker_key(cache)) == 0
    assert not any(info.exists for info in cache.describe_keys([e.key for e in DEMO_ENTRIES]))
    caption = next(c.value for c in page.caption if c.value.startswith("Namespace "))
    assert "(`VALKEY_URL`)" in caption
    assert "throwaway" not in caption


def test_the_talking_to_line_names_a_configured_host_without_its_password() -> None:
    url = "redis://ops:hunter2-sentinel@cache.internal.example:6380/2"
    client = valkey.Valkey.from_url(url)
    line = talking_to(Settings(valkey_url=Secret(url)), CacheHelper(client))
    assert line == (
        "Namespace `vultr-dashboard` on `redis://cache.internal.example:6380/2` (`VALKEY_URL`)."
    )
    client.close()


def test_tag_figures_count_a_get_or_compute_in_the_same_run(cache: CacheHelper) -> None:
    page = open_page("cache_tools.py")
    page.text_input(key="cache_play_key").input("fresh:1").run()
    page.text_input(key="cache_play_tags").input("fresh").run()
    page.slider(key="cache_play_delay").set_value(0).run()
    page.button(key="cache_play_run").click().run()
    tags = table_with(page, "Keys still to delete").set_index("Tag")
    assert (tags.loc["fresh", "Keys"], tags.loc["fresh", "Hit ratio"]) == (1, 0.0)
    assert "fresh" in page.selectbox(key="cache_tag").options
    page.button(key="cache_play_run").click().run()
    tags = table_with(page, "Keys still to delete").set_index("Tag")
    assert tags.loc["fresh", "Hit ratio"] == 0.5
    assert "**hit**" in texts(page)


def test_after_an_invalidation_the_tags_tab_stays_open_and_counts_are_singular(
    cache: CacheHelper,
) -> None:
    cache.set_with_tags("only", {"n": 1}, ["solo"])
    page = open_page("cache_tools.py")
    assert list(tab_indexes(page.main)) == [0]
    page.session_state["cache_tab"] = "Tags"
    page.selectbox(key="cache_tag").set_value("solo").run()
    assert "deletes **1** cached key (" in texts(page)
    assert " bytes)" in texts(page)
    page.button(key="cache_invalidate").click().run()
    page.button(key="cache_yes").click().run()
    assert not page.exception
    assert "Deleted 1 key (solo)." in texts(page)
    assert list(tab_indexes(page.main)) == [1]
    assert page.session_state["cache_tab"] == "Tags"


def test_taking_one_key_says_key(cache: CacheHelper) -> None:
    cache.set_with_tags("job", {"id": 1}, [])
    page = open_page("cache_tools.py")
    page.text_area(key="cache_take_keys").input("job").run()
    page.button(key="cache_take").click().run()
    assert "Reads and deletes **1** key in one step" in texts(page)
    page.button(key="cache_yes").click().run()
    assert "Took 1 of 1 key." in texts(page)


def test_every_table_has_human_column_names(throwaway_valkey: valkey.Valkey) -> None:
    page = open_page("cache_tools.py")
    page.text_area(key="cache_take_keys").input("flags:new-billing-page").run()
    page.selectbox(key="cache_tag").set_value("sessions").run()
    columns = [str(column) for table in page.dataframe for column in table.value.columns]
    assert {"TTL (s)", "Size (bytes)", "Keys still to delete", "Time saved (s)"} <= set(columns)
    assert not [column for column in columns if "_" in column], columns
