"""The ``BUDGETS`` setting: monthly budgets for the whole account, a tag or a category.

    BUDGETS="total=5000; tag:team:data=1200; category:compute=3000"

Parsing only, and nothing heavy imported, so ``config`` can check the setting when it reads
it (``budgets`` forecasts against them). A tag may hold ``:`` or ``=``: the amount is what
follows the last ``=``. Amounts are US dollars a month; ``$`` and thousands commas are allowed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

TOTAL, TAG, CATEGORY = "total", "tag", "category"
CATEGORY_NAMES = (
    "Compute",
    "Bare Metal",
    "Managed Databases",
    "Kubernetes",
    "Block Storage",
    "Object Storage",
    "Snapshots",
    "Usage-based / unattributed",
)
"""``vultr_core.spend.costs``'s categories (a test keeps the two lists equal)."""
SHOWN_CHARS = 40
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Budget:
    """A monthly budget: ``scope`` is total, tag or category; ``name`` the tag or category."""

    scope: str
    name: str
    monthly_usd: float

    @property
    def key(self) -> str:
        """``total``, ``tag:<tag>`` or ``category:<slug>``: stable, for alerts and JSON."""
        if self.scope == TOTAL:
            return TOTAL
        name = category_slug(self.name) if self.scope == CATEGORY else self.name
        return f"{self.scope}:{name}"

    @property
    def label(self) -> str:
        """How a person reads it: "All spend", "Tag team:data", "Compute"."""
        if self.scope == TOTAL:
            return "All spend"
        return f"Tag {self.name}" if self.scope == TAG else self.name


def category_slug(name: str) -> str:
    """``Managed Databases`` → ``managed-databases``."""
    return _NOT_ALPHANUMERIC.sub("-", name.lower()).strip("-")


def parse_budgets(text: str) -> tuple[Budget, ...]:
    """Budgets from ``scope=amount`` parts separated by ``;``.

    Raises:
        ValueError: a part is malformed, an amount is not a positive number, a category is
            unknown, or a scope is given twice; the message quotes the part.
    """
    budgets: list[Budget] = []
    for part in (piece.strip() for piece in text.split(";")):
        if part:
            budgets.append(_budget(part))
    keys = [budget.key for budget in budgets]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError(f"{_shown(key)} has two budgets; give each scope one")
    return tuple(budgets)


def _shown(text: str) -> str:
    short = text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 1] + "…"
    return repr(short)


def _budget(part: str) -> Budget:
    if "=" not in part:
        raise ValueError(f"{_shown(part)} is not scope=amount, e.g. total=5000")
    scope_text, amount_text = (piece.strip() for piece in part.rsplit("=", 1))
    amount = _amount(amount_text, part)
    lowered = scope_text.lower()
    if lowered == TOTAL:
        return Budget(TOTAL, "", amount)
    if lowered.startswith(f"{TAG}:") and scope_text[len(TAG) + 1 :].strip():
        return Budget(TAG, scope_text[len(TAG) + 1 :].strip(), amount)
    if lowered.startswith(f"{CATEGORY}:"):
        return Budget(CATEGORY, _category(scope_text[len(CATEGORY) + 1 :]), amount)
    raise ValueError(
        f"{_shown(part)} names no scope: use total=, tag:<tag>= or category:<category>="
    )


def _amount(text: str, part: str) -> float:
    cleaned = text.replace(",", "").removeprefix("$").strip()
    try:
        amount = float(cleaned)
    except ValueError:
        amount = math.nan
    if not (math.isfinite(amount) and amount > 0):
        raise ValueError(f"{_shown(part)} needs a positive amount in dollars a month")
    return amount


def _category(text: str) -> str:
    wanted = category_slug(text)
    for name in CATEGORY_NAMES:
        if category_slug(name) == wanted:
            return name
    choices = ", ".join(category_slug(name) for name in CATEGORY_NAMES)
    raise ValueError(f"{_shown(text.strip())} is not a category; use one of {choices}")
