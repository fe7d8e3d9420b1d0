"""The Cache Tools views against a real Valkey: key pages, value previews, the audit log."""

from __future__ import annotations

import json

import pytest
import valkey

from vultr_core.cache.audit import recent_actions, record_action
from vultr_core.cache.browser import (
    PREVIEW_BYTES,
    browse_keys,
    escape_glob,
    items_frame,
    read_value,
    summarise,
    tags_frame,
)
from vultr_core.cache.store import CacheHelper
from vultr_core.cache.tools import CacheTools, Operator
from vultr_core.config import Settings

NAMESPACE = "test-browse"


@pytest.fixture
def cache(valkey_client: valkey.Valkey) -> CacheHelper:
    # Neighbours a careless prefix would list.
    valkey_client.mset({"outside:a": 1, "test-browse-other:v:a": 2, "test-browsev:a": 3})
    return CacheHelper(valkey_client, namespace=NAMESPACE)


def every_page(cache: CacheHelper, pattern: str = "*", page_size: int = 50) -> list[str]:
    names, cursor = [], 0
    while True:
        page = browse_keys(cache, pattern=pattern, cursor=cursor, page_size=page_size)
        names += [row.name for row in page.rows]
        cursor = page.next_cursor
        if cursor == 0:
            return names


def test_paging_through_the_namespace_lists_each_key_once_and_nothing_outside(
    cache: CacheHelper,
) -> None:
    cache.set_many({f"k{n}": n for n in range(300)}, ["t"])
    names = every_page(cache)
    expected = {cache.value_key(f"k{n}") for n in range(300)} | {
        f"{NAMESPACE}:tag:t",
        f"{NAMESPACE}:tags",
    }
    assert set(names) == expected
    assert len(names) == len(set(names))
    first = browse_keys(cache, page_size=50)
    assert 50 <= len(first.rows) < 310
    assert first.next_cursor != 0


def test_rows_carry_type_ttl_and_size(cache: CacheHelper, valkey_client: valkey.Valkey) -> None:
    cache.set_with_tags("report", {"total": 12.5}, ["reports"], ttl=600)
    rows = {row.name: row for row in browse_keys(cache).rows}
    value = rows[cache.value_key("report")]
    assert value.type == "string"
    assert value.ttl_s is not None
    assert 590 < value.ttl_s <= 600
    assert value.size_bytes == valkey_client.memory_usage(cache.value_key("report"))
    tag = rows[f"{NAMESPACE}:tag:reports"]
    assert (tag.type, tag.ttl_s) == ("zset", None)


def test_a_literal_pattern_finds_a_key_full_of_glob_characters_and_only_it(
    cache: CacheHelper,
) -> None:
    for key in ["a*b?[c]\\d", "aXb?[c]\\d", "a*bZ[c]\\d", "plain"]:
        cache.set_with_tags(key, 1, [])
    names = every_page(cache, pattern="v:" + escape_glob("a*b?[c]\\d"))
    assert names == [cache.value_key("a*b?[c]\\d")]
    assert len(every_page(cache, pattern="v:a*")) == 3


def test_a_cached_value_is_shown_pretty_printed_with_its_tags(cache: CacheHelper) -> None:
    cache.set_with_tags("doc", {"name": "ünïcødé", "items": [1, 2]}, ["docs"])
    shown = read_value(cache, cache.value_key("doc"))
    assert shown.type == "string"
    assert json.loads(shown.text or "") == {"name": "ünïcødé", "items": [1, 2]}
    assert "\n  " in (shown.text or ""), "indented"
    assert (shown.tags, shown.compute_ms, shown.truncated) == (("docs",), 0.0, False)


def test_a_json_string_not_written_by_the_helper_is_still_pretty_printed(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    valkey_client.set(f"{NAMESPACE}:foreign", '{"a":[1,2]}')
    shown = read_value(cache, f"{NAMESPACE}:foreign")
    assert shown.text == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert (shown.tags, shown.compute_ms) == ((), None)


def test_a_megabyte_value_is_previewed_truncated_with_its_full_length(
    cache: CacheHelper, valkey_client: valkey.Valkey
) -> None:
    valkey_client.set(f"{NAMESPACE}:blob", "z" * (1024 * 1024))
    shown = read_value(cache, f"{NAMESPACE}:blob")
    assert shown.length == 1024 * 1024
    assert len(shown.text or "") == PREVIEW_BYTES
    assert shown.truncated


@pytest.mark.parametrize(
    ("kind", "write", "expected_rows", "columns"),
    [
        (
            "hash",
            lambda c, k: c.hset(k, mapping={"a": "1", "b": "2"}),
            {("a", "1"), ("b", "2")},
            ["field", "value"],
        ),
        ("list", lambda c, k: c.rpush(k, "x", "y"), {("0", "x"), ("1", "y")}, ["index", "value"]),
        ("set", lambda c, k: c.sadd(k, "m1", "m2"), {("m1", ""), ("m2", "")}, ["member"]),
        ("zset", lambda c, k: c.zadd(k, {"m": 2.5}), {("m", "2.5")}, ["member", "score"]),
    ],
)
def test_collections_are_previewed_item_by_item(
    cache: CacheHelper,
    valkey_client: valkey.Valkey,
    kind: str,
    write: object,
    expected_rows: set[tuple[str, str]],
    columns: list[str],
) -> None:
    name = f"{NAMESPACE}:{kind}"
    write(valkey_client, name)  # type: ignore[operator]
    shown = read_value(cache, name)
    assert (shown.type, shown.length, shown.text) == (kind, len(expected_rows), None)
    assert set(shown.rows) == expected_rows
    assert list(items_frame(shown).columns) == columns


def test_a_stream_is_previewed_newest_first(cache: CacheHelper) -> None:
    record_action(cache, who="a@example.com", action="invalidate tag", target="t1", key_count=3)
    record_action(cache, who="b@example.com", action="invalidate tag", target="t2", key_count=4)
    shown = read_value(cache, f"{NAMESPACE}:audit")
    assert shown.type == "stream"
    assert [json.loads(fields)["who"] for _, fields in shown.rows] == [
        "b@example.com",
        "a@example.com",
    ]


def test_reading_outside_the_namespace_or_a_missing_key_is_refused(cache: CacheHelper) -> None:
    with pytest.raises(ValueError, match="outside the cache namespace"):
        read_value(cache, "outside:a")
    with pytest.raises(ValueError, match="outside the cache namespace"):
        read_value(cache, "test-browse-other:v:a")
    with pytest.raises(ValueError, match="does not exist"):
        read_value(cache, f"{NAMESPACE}:v:never")


def test_destructive_actions_are_audited_with_who_what_and_how_many(cache: CacheHelper) -> None:
    tools = CacheTools(cache, Settings())
    cache.set_many({"a": 1, "b": 2, "c": 3}, ["t"])
    assert tools.invalidate_tag(Operator("ops@example.com"), "t") == 3
    cache.set_with_tags("x", 1, [])
    assert tools.take(Operator(), ["x", "missing"]) == [1, None]
    newest, oldest = recent_actions(cache)
    assert (newest.who, newest.action, newest.target, newest.key_count) == (
        "anonymous",
        "mget and delete",
        "x, missing",
        1,
    )
    assert (oldest.who, oldest.action, oldest.target, oldest.key_count) == (
        "ops@example.com",
        "invalidate tag",
        "t",
        3,
    )
    assert oldest.at <= newest.at


def test_a_long_key_list_is_shortened_in_the_audit_log(cache: CacheHelper) -> None:
    CacheTools(cache, Settings()).take(Operator(), [f"key-{n}" for n in range(500)])
    (entry,) = recent_actions(cache)
    assert len(entry.target) == 200
    assert entry.target.endswith("…")


def test_the_summary_brings_tags_figures_and_activity_together(cache: CacheHelper) -> None:
    cache.get_or_compute("a", lambda: 1, tags=["hot"])
    cache.get_or_compute("a", lambda: 1, tags=["hot"])
    CacheTools(cache, Settings()).invalidate_tag(Operator(), "none")
    summary = summarise(cache)
    frame = tags_frame(summary.tags, summary.stats)
    assert frame.to_dict("records") == [
        {
            "Tag": "hot",
            "Keys": 1,
            "Keys still to delete": 0,
            "Hit ratio": 0.5,
            "Time saved (s)": pytest.approx(summary.stats.by_tag["hot"].saved_ms / 1000),
        }
    ]
    assert [entry.target for entry in summary.audit] == ["none"]
