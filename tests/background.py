"""Threads for tests of Stop: a call running in the background, and a simulated model that
holds its reply until the test lets it go."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

# How long a test waits for something that should already have happened: a bound that turns
# a hang into a failure, not a speed check.
WAIT_S = 10.0
POLL_S = 0.01


class Background:
    """``work()`` on a daemon thread, started at once; ``result`` or ``error`` once it ends."""

    def __init__(self, work: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], Any]) -> None:
        try:
            self.result = work()
        except BaseException as error:
            self.error = error

    def finished(self) -> bool:
        """Whether the work ended within WAIT_S."""
        self._thread.join(WAIT_S)
        return not self._thread.is_alive()


def wait_until(condition: Callable[[], bool]) -> None:
    """Poll until ``condition()`` holds; fail after WAIT_S."""
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(POLL_S)


class HeldModel:
    """A simulator ``token_sleep`` that lets the first ``free`` waits of each reply pass at
    once and holds every later one until ``release()``: a model that sends a few tokens, then
    stalls. A reply is a thread (the served simulator answers each connection on its own)."""

    def __init__(self, free: int = 1) -> None:
        self._free = free
        self._waits = threading.local()
        self._released = threading.Event()
        self._held = threading.Event()

    def __call__(self, seconds: float) -> None:
        waits = getattr(self._waits, "count", 0) + 1
        self._waits.count = waits
        if waits > self._free:
            self._held.set()
            self._released.wait(WAIT_S * 6)

    def is_held(self) -> bool:
        """Whether a reply is being held now (or was)."""
        return self._held.is_set()

    def release(self) -> None:
        self._released.set()
