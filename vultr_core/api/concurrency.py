"""Run independent calls at once: a page needing five lists waits for the slowest, not the sum."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

DEFAULT_MAX_WORKERS = 8


def run_concurrently(
    calls: Mapping[str, Callable[[], Any]], *, max_workers: int = DEFAULT_MAX_WORKERS
) -> dict[str, Any]:
    """Each call's result by name, the calls run in a thread pool.

    Every call runs to its end; then the first failure, in the order the calls were given,
    is raised, so no call is left running behind the caller's back.
    """
    if not calls:
        return {}
    with ThreadPoolExecutor(max_workers=min(max_workers, len(calls))) as pool:
        futures = {name: pool.submit(call) for name, call in calls.items()}
    return {name: future.result() for name, future in futures.items()}
