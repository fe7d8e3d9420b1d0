"""The balance's change said in the balance's own words, never Vultr's sign."""

from __future__ import annotations

import math

import pytest

from vultr_core.formatting import BalanceChange, balance_change


@pytest.mark.parametrize(
    ("now", "then", "expected"),
    [
        # Vultr's sign: negative is credit. The case: owed $2,219.13, now $300 credit.
        (-300.0, 2219.13, BalanceChange("$2,519.13 more credit", "up", True)),
        (-300.0, -500.0, BalanceChange("$200.00 less credit", "down", False)),
        (-500.0, -300.0, BalanceChange("$200.00 more credit", "up", True)),
        (150.0, 100.0, BalanceChange("$50.00 more owed", "up", False)),
        (150.0, 400.0, BalanceChange("$250.00 less owed", "down", True)),
        (150.0, -100.0, BalanceChange("$250.00 more owed", "up", False)),
        # Zero now: said in the words of what it was.
        (0.0, -80.0, BalanceChange("$80.00 less credit", "down", False)),
        (0.0, 80.0, BalanceChange("$80.00 less owed", "down", True)),
        (-12.5, -12.5, BalanceChange("no change", "off", None)),
        (-12.5, -12.501, BalanceChange("no change", "off", None)),
    ],
)
def test_balance_change(now: float, then: float, expected: BalanceChange) -> None:
    assert balance_change(now, then) == expected


@pytest.mark.parametrize(
    ("now", "then"), [(None, 1.0), (1.0, None), (math.nan, 1.0), (1.0, math.inf)]
)
def test_no_change_is_said_without_both_figures(now: float | None, then: float | None) -> None:
    assert balance_change(now, then) is None
