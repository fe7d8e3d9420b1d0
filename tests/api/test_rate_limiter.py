import threading

import pytest

from tests.conftest import FakeClock
from vultr_core.api.http import RateLimiter
from vultr_core.api.management import MANAGEMENT_BURST, MANAGEMENT_REQUESTS_PER_S


def test_a_full_bucket_lets_the_burst_through_without_waiting(clock: FakeClock) -> None:
    limiter = RateLimiter(10, 3, clock=clock, sleep=clock.sleep)
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert clock.sleeps == []


def test_beyond_the_burst_each_request_waits_one_interval(clock: FakeClock) -> None:
    limiter = RateLimiter(10, 1, clock=clock, sleep=clock.sleep)
    waits = [limiter.acquire() for _ in range(4)]
    assert waits == pytest.approx([0.0, 0.1, 0.1, 0.1])


def test_a_quiet_bucket_refills_only_up_to_its_burst(clock: FakeClock) -> None:
    limiter = RateLimiter(1, 2, clock=clock, sleep=clock.sleep)
    clock.now += 3600
    waits = [limiter.acquire() for _ in range(3)]
    assert waits == pytest.approx([0.0, 0.0, 1.0])


def test_per_minute_allows_that_many_in_any_rolling_minute(clock: FakeClock) -> None:
    limiter = RateLimiter.per_minute(60, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(180):
        limiter.acquire()
        stamps.append(clock.now)
    assert _most_in_any_window(stamps, 60.0) <= 60


def test_management_pacing_stays_under_vultrs_30_per_second(clock: FakeClock) -> None:
    limiter = RateLimiter(
        MANAGEMENT_REQUESTS_PER_S, MANAGEMENT_BURST, clock=clock, sleep=clock.sleep
    )
    stamps = []
    for _ in range(300):
        limiter.acquire()
        stamps.append(clock.now)
    assert _most_in_any_window(stamps, 1.0) < 30


def test_threads_share_one_budget() -> None:
    """Eight threads take 80 tokens from a 10/s bucket: the reservations add up to 7.9 s."""
    lock = threading.Lock()
    fake_now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    limiter = RateLimiter(10, 1, clock=lambda: fake_now[0], sleep=sleep)
    threads = [
        threading.Thread(target=lambda: [limiter.acquire() for _ in range(10)]) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # With the clock frozen, the n-th reservation waits n/10 s: no two share a slot.
    assert sorted(waits) == pytest.approx([n / 10 for n in range(1, 80)])


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="rate_per_s"):
        RateLimiter(0, 1)


def _most_in_any_window(stamps: list[float], window_s: float) -> int:
    most, start = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= window_s:
            start += 1
        most = max(most, end - start + 1)
    return most
