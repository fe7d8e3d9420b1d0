"""Valkey helpers against a real server."""

from __future__ import annotations

import threading

import pytest
import valkey

from vultr_core.errors import ConnectionError
from vultr_core.valkey import connect_valkey, mget_and_delete, valkey_error


def test_mget_and_delete_returns_values_in_key_order_and_removes_them(
    valkey_client: valkey.Valkey,
) -> None:
    valkey_client.mset({"a": "1", "b": "2", "c": "3"})
    values = mget_and_delete(valkey_client, ["c", "missing", "a"])
    assert values == [b"3", None, b"1"]
    assert valkey_client.exists("a", "c") == 0
    assert valkey_client.get("b") == b"2", "keys not asked for are untouched"


def test_mget_and_delete_of_nothing_sends_nothing(valkey_client: valkey.Valkey) -> None:
    valkey_client.set("kept", "x")
    assert mget_and_delete(valkey_client, []) == []
    assert valkey_client.get("kept") == b"x"


def test_mget_and_delete_handles_more_keys_than_lua_could_unpack(
    valkey_client: valkey.Valkey,
) -> None:
    keys = [f"bulk:{n}" for n in range(20_000)]
    valkey_client.mset({key: str(n) for n, key in enumerate(keys)})
    values = mget_and_delete(valkey_client, keys)
    assert values[0] == b"0"
    assert values[-1] == b"19999"
    assert valkey_client.dbsize() == 0


def test_each_value_is_taken_exactly_once_under_contention(valkey_client: valkey.Valkey) -> None:
    """Eight threads race for the same 200 keys: every value ends up with exactly one taker."""
    keys = [f"race:{n}" for n in range(200)]
    valkey_client.mset({key: key for key in keys})
    taken: list[bytes] = []
    lock = threading.Lock()
    url = valkey_client.connection_pool.connection_kwargs

    def take() -> None:
        own = valkey.Valkey(**url)
        for start in range(0, 200, 10):
            got = [v for v in mget_and_delete(own, keys[start : start + 10]) if v is not None]
            with lock:
                taken.extend(got)
        own.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken) == sorted(key.encode() for key in keys)


def test_a_closed_port_is_a_clear_connection_error_without_the_password() -> None:
    url = "redis://default:hunter2-sentinel@127.0.0.1:1/0"
    client = connect_valkey(url, connect_timeout_s=0.5)
    with pytest.raises(valkey.exceptions.ConnectionError) as caught:
        client.ping()
    error = valkey_error(caught.value, url, "checking the connection")
    assert isinstance(error, ConnectionError)
    assert "hunter2-sentinel" not in str(error)
    assert "redis://default:***@127.0.0.1:1/0" in str(error)
