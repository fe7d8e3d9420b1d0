"""Run calls side by side, each within its own time, and never wait past it.

A call still running at its timeout is reported as ``CheckTimeoutError`` at once and left
to end on its own client timeouts in a daemon thread: it never holds up the other calls, the
page, or the command line's exit (a ThreadPoolExecutor would join it at exit).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")


class CheckTimeoutError(Exception):
    """A call still running when its time was up."""

    def __init__(self, timeout_s: float) -> None:
        super().__init__(f"no answer within {timeout_s:g} s")
        self.timeout_s = timeout_s


def run_bounded(
    calls: Mapping[str, Callable[[], T]],
    timeouts_s: Mapping[str, float],
    *,
    default_timeout_s: float,
) -> dict[str, T | Exception]:
    """Each call's result or exception by name, each waited for at most its timeout
    (counted from the common start)."""
    results: dict[str, T | Exception] = {}
    lock = threading.Lock()
    done = {name: threading.Event() for name in calls}

    def run(name: str, call: Callable[[], T]) -> None:
        try:
            value: T | Exception = call()
        except Exception as err:  # handed back as the result, never raised in the thread
            value = err
        with lock:
            results.setdefault(name, value)
        done[name].set()

    for name, call in calls.items():
        threading.Thread(target=run, args=(name, call), name=f"bounded-{name}", daemon=True).start()
    started = time.monotonic()
    for name, finished in done.items():
        timeout_s = timeouts_s.get(name, default_timeout_s)
        if not finished.wait(max(timeout_s - (time.monotonic() - started), 0.0)):
            with lock:
                results.setdefault(name, CheckTimeoutError(timeout_s))
    with lock:
        return {name: results[name] for name in calls}
