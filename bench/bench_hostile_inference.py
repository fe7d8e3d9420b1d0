"""The inference client against a hostile model server (issue 12 §1, §2, §3 replies).

Each case prints its figure beside a baseline measured in the same run:

- ``keep-alive``: a stream that sends only ``: keep-alive`` comments (served over loopback):
  seconds until it ends, against the idle limit, and a healthy reply's time;
- ``stop``: Stop (``close()`` from another thread) while a reader waits for the next token:
  seconds until the reader's thread ends and connections the client still holds, against a
  finished healthy reply;
- ``retry``: Stop during a 429's 3 s Retry-After wait: requests the simulator received after
  Stop, with the cancel event (the chat page's) against without it (what the page did before);
- ``sse``: CPU seconds to decode one 16 MiB event read in 4 KiB chunks, against the same
  event in one chunk and against a decoder that concatenates its buffer on every read (the
  quadratic one this replaced); then the default 1 MiB cap refusing it;
- ``beacon``: URLs a browser would fetch from the Markdown the page hands it, for a reply that
  carries the conversation to a remote host: the raw reply (what the page showed before)
  against the inert one.

    uv run python bench/bench_hostile_inference.py [--case sse ...] [--idle-s 2] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from vultr_core.api.errors import RequestCancelledError, ResponseTooLargeError, VultrError
from vultr_core.inference.client import InferenceClient
from vultr_core.inference.markup import reply_blocks
from vultr_core.inference.sse import SseDecoder
from vultr_core.simulator import DEMO_INFERENCE_KEY, Simulator
from vultr_core.simulator.inference_hostile import (
    KEEP_ALIVE_ONLY,
    OVERSIZED_EVENT_BYTES,
    SLOW_DRIP,
    beacon_text,
)

MODEL = "kimi-k2-instruct"
MESSAGES = [{"role": "user", "content": "Our launch code is tangerine-42"}]
UNLIMITED_PER_MINUTE = 10**6
KEEP_ALIVE_INTERVAL_MS = 200.0
DRIP_INTERVAL_MS = 60_000.0
RETRY_AFTER_S = 3.0
STOP_AFTER_S = 0.5
READ_BYTES = 4096
# What a browser fetches from Markdown: an image (inline or by reference) or an HTML tag's src.
FETCHED = re.compile(r"!\[[^\]]*\](?:\(([^)\s]+)|\[[^\]]*\])|<img\s+src=\"([^\"]+)\"", re.I)


def timed(call: Callable[[], object]) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        call()
        outcome = "ok"
    except VultrError as err:
        outcome = f"{type(err).__name__}: {str(err)[:90]}"
    return time.perf_counter() - started, outcome


def keep_alive_case(idle_s: float) -> dict[str, Any]:
    sim = Simulator(size="empty")
    with sim.serve() as server:
        client = InferenceClient(
            DEMO_INFERENCE_KEY,
            base_url=f"{server.base_url}/v1",
            requests_per_minute=UNLIMITED_PER_MINUTE,
            idle_s=idle_s,
        )
        healthy_s, _ = timed(lambda: list(client.stream_chat(MESSAGES, model=MODEL)))
        sim.set_faults(hostile_reply=KEEP_ALIVE_ONLY, hostile_interval_ms=KEEP_ALIVE_INTERVAL_MS)
        hostile_s, outcome = timed(lambda: list(client.stream_chat(MESSAGES, model=MODEL)))
        client.close()
    return {
        "case": "keep-alive",
        "idle_limit_s": idle_s,
        "healthy_reply_s": round(healthy_s, 3),
        "keep_alive_stream_ended_after_s": round(hostile_s, 2),
        "outcome": outcome,
    }


def stop_case() -> dict[str, Any]:
    sim = Simulator(size="empty")
    with sim.serve() as server:
        client = InferenceClient(
            DEMO_INFERENCE_KEY,
            base_url=f"{server.base_url}/v1",
            requests_per_minute=UNLIMITED_PER_MINUTE,
        )
        list(client.stream_chat(MESSAGES, model=MODEL))
        held_after_healthy = _connections_in_use(client)
        sim.set_faults(hostile_reply=SLOW_DRIP, hostile_interval_ms=DRIP_INTERVAL_MS)
        stream = client.stream_chat(MESSAGES, model=MODEL)
        reader = threading.Thread(target=lambda: list(stream), daemon=True)
        reader.start()
        time.sleep(STOP_AFTER_S)
        stopped_at = time.perf_counter()
        stream.close()
        reader.join(DRIP_INTERVAL_MS / 1000)
        reader_ended_s = time.perf_counter() - stopped_at
        held_after_stop = _connections_in_use(client)
        client.close()
    return {
        "case": "stop",
        "reader_thread_ended_after_stop_s": round(reader_ended_s, 4),
        "reader_alive": reader.is_alive(),
        "connections_in_use_after_stop": held_after_stop,
        "connections_in_use_after_a_healthy_reply": held_after_healthy,
        "next_token_due_in_s": DRIP_INTERVAL_MS / 1000,
    }


def _connections_in_use(client: InferenceClient) -> int:
    """Connections the client's pool has handed out and not had back (a benchmark may look
    inside: httpx exposes no count)."""
    pool = client._client._transport._pool  # type: ignore[attr-defined]
    return sum(1 for connection in pool.connections if not connection.is_idle())


def retry_case() -> dict[str, Any]:
    def requests_after_stop(cancel: threading.Event | None) -> int:
        sim = Simulator(size="empty")
        sim.set_faults(
            path_prefix="/v1/chat", status_code=429, status_count=1, retry_after_s=RETRY_AFTER_S
        )
        client = InferenceClient(
            DEMO_INFERENCE_KEY,
            base_url="http://sim.invalid/v1",
            transport=sim.transport(),
            requests_per_minute=UNLIMITED_PER_MINUTE,
        )

        def call() -> None:
            with contextlib.suppress(RequestCancelledError):
                client.stream_chat(MESSAGES, model=MODEL, cancel=cancel).close()

        caller = threading.Thread(target=call, daemon=True)
        caller.start()
        time.sleep(STOP_AFTER_S)
        if cancel is not None:
            cancel.set()
        sent_before = len(sim.request_log)
        caller.join(RETRY_AFTER_S + 2)
        return len(sim.request_log) - sent_before

    return {
        "case": "retry",
        "retry_after_s": RETRY_AFTER_S,
        "requests_after_stop_with_cancel": requests_after_stop(threading.Event()),
        "requests_after_stop_without_cancel": requests_after_stop(None),
    }


def sse_case() -> dict[str, Any]:
    payload = b"data: " + b"x" * OVERSIZED_EVENT_BYTES + b"\n\n"
    chunks = [payload[i : i + READ_BYTES] for i in range(0, len(payload), READ_BYTES)]
    generous = 2 * len(payload)

    def cpu_s(decode: Callable[[], object]) -> float:
        started = time.process_time()
        decode()
        return time.process_time() - started

    def linear(pieces: list[bytes]) -> None:
        decoder = SseDecoder(max_event_bytes=generous)
        events = [event for piece in pieces for event in decoder.feed(piece)]
        assert len(events) == 1

    def capped() -> None:
        decoder = SseDecoder()
        try:
            for piece in chunks:
                decoder.feed(piece)
        except ResponseTooLargeError:
            return
        raise AssertionError("the cap did not hold")

    return {
        "case": "sse",
        "event_mib": OVERSIZED_EVENT_BYTES // 2**20,
        "one_chunk_cpu_s": round(cpu_s(lambda: linear([payload])), 3),
        "4kib_chunks_cpu_s": round(cpu_s(lambda: linear(chunks)), 3),
        "4kib_chunks_concatenating_cpu_s": round(cpu_s(lambda: _concatenating(chunks)), 2),
        "default_cap_refused_after_cpu_s": round(cpu_s(capped), 4),
    }


def _concatenating(chunks: list[bytes]) -> int:
    """The shape of the decoder before issue 12: the pending bytes joined to every new chunk
    and searched again from their start, so an event of n bytes in reads of k costs n²/k."""
    pending, lines = b"", 0
    for chunk in chunks:
        buffer = pending + chunk
        start = 0
        while (end := buffer.find(b"\n", start)) >= 0:
            lines += 1
            start = end + 1
        pending = buffer[start:]
    return lines


def beacon_case() -> dict[str, Any]:
    reply = beacon_text(MESSAGES)
    shown = "\n".join(b.text for b in reply_blocks(reply) if b.kind == "markdown")
    return {
        "case": "beacon",
        "urls_fetched_from_the_raw_reply": len(FETCHED.findall(reply)),
        "urls_fetched_from_the_shown_reply": len(FETCHED.findall(shown)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cases = ["keep-alive", "stop", "retry", "sse", "beacon"]
    parser.add_argument("--case", action="append", choices=cases)
    parser.add_argument("--idle-s", type=float, default=2.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    runners: dict[str, Callable[[], dict[str, Any]]] = {
        "keep-alive": lambda: keep_alive_case(args.idle_s),
        "stop": stop_case,
        "retry": retry_case,
        "sse": sse_case,
        "beacon": beacon_case,
    }
    results = [runners[name]() for name in args.case or cases]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for result in results:
        figures = ", ".join(f"{k}={v}" for k, v in result.items() if k != "case")
        print(f"{result['case']:>10}: {figures}")


if __name__ == "__main__":
    main()
