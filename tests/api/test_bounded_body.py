"""Response bodies are capped once decoded, so a gzip bomb stops at the cap (issue 12 §2)."""

from __future__ import annotations

import gzip
import tracemalloc
import zlib
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.conftest import FIXED_NOW, SIMULATOR_URL, simulator_client
from vultr_core.api import errors
from vultr_core.api.bounded_body import BYTES_PER_MB, read_body
from vultr_core.api.deadline import Deadline
from vultr_core.clients import management_client
from vultr_core.config import Settings
from vultr_core.simulator import DEMO_API_KEY, Simulator
from vultr_core.simulator.hostile_wire import bomb_bytes

BOMB_MB = 64
CAP_MB = 2
DOCUMENT = b'{"account": {"name": "gzip"}}'


def test_a_gzip_bomb_stops_at_the_cap_with_little_memory(simulator: Simulator) -> None:
    bomb_bytes(BOMB_MB)  # built before measuring: it is the server's memory, not the client's
    simulator.set_faults(gzip_bomb_mb=BOMB_MB)
    with simulator_client(simulator, max_response_mb=CAP_MB) as client:
        tracemalloc.start()
        try:
            with pytest.raises(
                errors.ResponseTooLargeError, match=r"more than 2 MB \(VULTR_API_MAX_RESPONSE_MB\)"
            ):
                client.account()
            peak_bytes = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    # The cap, one inflate step, and the bytearray's growth: far from the bomb's 64 MB.
    assert peak_bytes < 4 * CAP_MB * BYTES_PER_MB
    assert len(simulator.request_log) == 1, "a body too large is not asked for again"


def test_the_cap_is_the_setting_and_holds_over_http() -> None:
    simulator = Simulator(size="small", now=FIXED_NOW)
    simulator.set_faults(gzip_bomb_mb=BOMB_MB)
    with simulator.serve() as server:
        settings = Settings.from_env(
            {
                "VULTR_API_KEY": DEMO_API_KEY,
                "VULTR_API_URL": f"{server.base_url}/v2",
                "VULTR_API_MAX_RESPONSE_MB": str(CAP_MB),
            }
        )
        with (
            management_client(settings) as client,
            pytest.raises(errors.ResponseTooLargeError, match="more than 2 MB"),
        ):
            client.account()


def test_a_cap_that_is_not_a_whole_number_is_a_configuration_error() -> None:
    with pytest.raises(errors.ConfigurationError, match="VULTR_API_MAX_RESPONSE_MB") as caught:
        Settings.from_env({"VULTR_API_MAX_RESPONSE_MB": "lots"})
    assert caught.value.setting == "VULTR_API_MAX_RESPONSE_MB"


def test_answers_within_the_cap_are_read_whole(simulator: Simulator) -> None:
    with simulator_client(simulator, max_response_mb=1) as client:
        assert len(client.instances()) == 30


class _Parts(httpx.SyncByteStream):
    """A body that arrives raw, in parts, as from a socket."""

    def __init__(self, content: bytes, parts: int = 4) -> None:
        step = max(1, len(content) // parts)
        self._parts = [content[start : start + step] for start in range(0, len(content), step)]

    def __iter__(self) -> Iterator[bytes]:
        yield from self._parts


def read(content: bytes, headers: dict[str, str], max_bytes: int = BYTES_PER_MB) -> bytes:
    request = httpx.Request("GET", f"{SIMULATOR_URL}/account")
    response = httpx.Response(200, headers=headers, stream=_Parts(content), request=request)
    deadline = Deadline(10.0, total_s=10.0)
    return read_body(response, deadline=deadline, max_bytes=max_bytes, setting="CAP")


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        # RFC 9110 says zlib-wrapped; some servers send raw deflate, which httpx also reads.
        ("deflate", lambda data: zlib.compress(data, wbits=-zlib.MAX_WBITS)),
        ("identity", lambda data: data),
    ],
)
def test_each_accepted_encoding_decodes(encoding: str, encode: Callable[[bytes], bytes]) -> None:
    assert read(encode(DOCUMENT), {"content-encoding": encoding}) == DOCUMENT


def test_stacked_encodings_are_refused() -> None:
    """gzip inside gzip multiplies a bomb's ratio; we only ever ask for one encoding."""
    twice = gzip.compress(gzip.compress(DOCUMENT))
    with pytest.raises(errors.MalformedResponseError, match="'gzip, gzip', which was not asked"):
        read(twice, {"content-encoding": "gzip, gzip"})


def test_a_corrupt_gzip_body_is_a_clear_error() -> None:
    with pytest.raises(errors.MalformedResponseError, match="not valid gzip"):
        read(b"this is not gzip at all", {"content-encoding": "gzip"})


def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    with pytest.raises(errors.ResponseTooLargeError, match=r"more than 1 MB \(CAP\)"):
        read(b"{}", {"content-length": str(BYTES_PER_MB + 1)})
