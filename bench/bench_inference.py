"""Streaming chat: InferenceClient.stream_chat vs raw httpx vs the openai SDK, same simulator.

All three stream the same reply from the simulator served over real HTTP on loopback and
are timed the same way: time to first token (from just before the call to the first text
delta) and total time (to the end of the stream). Two scenarios:

- ``paced``: the simulated model takes ``--first-token-ms`` to its first token and
  ``--token-ms`` per token, as a hosted model does; client overhead hides inside that.
- ``unpaced``: the model answers at once, so the figures are the clients' own cost
  (connection, parsing, pacing), which is what the ratios are about.

Runs interleave the clients (round-robin), and figures are medians, so drift on a busy
machine hits all three alike. The openai SDK is only in the ``bench`` dependency group:

    uv run --group bench python bench/bench_inference.py [--repeats 200] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
from openai import OpenAI

from vultr_core.inference.client import InferenceClient
from vultr_core.simulator import DEMO_INFERENCE_KEY, Simulator

MODEL = "kimi-k2-instruct"
MESSAGES = [{"role": "user", "content": "Give me three ways to lower a cloud bill."}]
# No client-side pacing in the way: the benchmark is about streaming, not the budget.
UNLIMITED_PER_MINUTE = 10**9

Timing = tuple[float, float, str]
Runner = Callable[[], Timing]


def raw_httpx_runner(base_url: str) -> Runner:
    """The baseline: a hand-written SSE loop on httpx, what a careful script would do."""
    client = httpx.Client(
        base_url=base_url, headers={"Authorization": f"Bearer {DEMO_INFERENCE_KEY}"}, timeout=30
    )
    body = {
        "model": MODEL,
        "messages": MESSAGES,
        "stream": True,
        "stream_options": {"include_usage": True},
    }

    def run() -> Timing:
        parts: list[str] = []
        first: float | None = None
        started = time.perf_counter()
        with client.stream("POST", "chat/completions", json=body) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data:"):
                    continue
                data = line[5:].strip()
                if data == "[DONE]":
                    break
                for choice in json.loads(data).get("choices", []):
                    content = choice.get("delta", {}).get("content")
                    if content:
                        first = first or time.perf_counter()
                        parts.append(content)
        return (first or started) - started, time.perf_counter() - started, "".join(parts)

    return run


def stream_chat_runner(base_url: str) -> Runner:
    client = InferenceClient(
        DEMO_INFERENCE_KEY, base_url=base_url, requests_per_minute=UNLIMITED_PER_MINUTE
    )

    def run() -> Timing:
        parts: list[str] = []
        first: float | None = None
        started = time.perf_counter()
        for delta in client.stream_chat(MESSAGES, model=MODEL):
            first = first or time.perf_counter()
            parts.append(delta)
        return (first or started) - started, time.perf_counter() - started, "".join(parts)

    return run


def openai_runner(base_url: str) -> Runner:
    client = OpenAI(base_url=base_url, api_key=DEMO_INFERENCE_KEY, max_retries=0)

    def run() -> Timing:
        parts: list[str] = []
        first: float | None = None
        started = time.perf_counter()
        stream = client.chat.completions.create(
            model=MODEL,
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
            stream_options={"include_usage": True},
        )
        for chunk in stream:
            for choice in chunk.choices:
                if choice.delta.content:
                    first = first or time.perf_counter()
                    parts.append(choice.delta.content)
        return (first or started) - started, time.perf_counter() - started, "".join(parts)

    return run


def scenario(simulator: Simulator, base_url: str, repeats: int) -> dict[str, Any]:
    runners = {
        "raw_httpx": raw_httpx_runner(base_url),
        "stream_chat": stream_chat_runner(base_url),
        "openai_sdk": openai_runner(base_url),
    }
    texts = {name: run()[2] for name, run in runners.items()}  # warm-up: connections, imports
    if len(set(texts.values())) != 1:
        raise SystemExit(f"the clients received different replies: {texts}")
    samples: dict[str, list[Timing]] = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            samples[name].append(run())
    figures = {
        name: {
            "ttft_ms": round(statistics.median(t[0] for t in runs) * 1000, 3),
            "total_ms": round(statistics.median(t[1] for t in runs) * 1000, 3),
        }
        for name, runs in samples.items()
    }
    ours = figures["stream_chat"]
    for baseline in ("raw_httpx", "openai_sdk"):
        for measure in ("ttft_ms", "total_ms"):
            ratio = ours[measure] / figures[baseline][measure]
            figures[f"stream_chat_vs_{baseline}"] = figures.get(f"stream_chat_vs_{baseline}", {})
            figures[f"stream_chat_vs_{baseline}"][measure.removesuffix("_ms")] = round(ratio, 3)
    figures["tokens"] = len(texts["stream_chat"].split())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=200, help="unpaced runs per client")
    parser.add_argument("--paced-repeats", type=int, default=10, help="paced runs per client")
    parser.add_argument("--first-token-ms", type=float, default=150.0)
    parser.add_argument("--token-ms", type=float, default=4.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    simulator = Simulator(size="empty")
    results = {}
    with simulator.serve() as server:
        base_url = f"{server.base_url}/v1"
        simulator.set_faults(first_token_ms=0.0, token_ms=0.0)
        results["unpaced"] = scenario(simulator, base_url, args.repeats)
        simulator.set_faults(first_token_ms=args.first_token_ms, token_ms=args.token_ms)
        results["paced"] = scenario(simulator, base_url, args.paced_repeats)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, figures in results.items():
        print(f"{name} ({figures['tokens']} tokens per reply):")
        for client in ("raw_httpx", "stream_chat", "openai_sdk"):
            f = figures[client]
            print(
                f"  {client:<12} first token {f['ttft_ms']:8.2f} ms   total {f['total_ms']:8.2f} ms"
            )
        for baseline, target in (("raw_httpx", "<= 1.1"), ("openai_sdk", "<= 1.0")):
            r = figures[f"stream_chat_vs_{baseline}"]
            print(
                f"  stream_chat / {baseline}: first token {r['ttft']:.2f}x, "
                f"total {r['total']:.2f}x (target {target})"
            )


if __name__ == "__main__":
    main()
