"""The run-rate treemap's tiles: each category's costliest resources one by one, the rest of
each category as one "Other" tile, so a chart of thousands of resources stays readable and
quick.

Every dollar stays in the picture: the tiles of a category add up to its resources' total.
``category_members`` lists what a category's tiles stand for, for the drill-down below it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

MAX_TILES = 60
"""Categories, resources and "Other" tiles together."""
TILE_COLUMNS = ["id", "label", "parent", "category", "value_usd", "members", "other"]
MEMBER_COLUMNS = ["label", "region", "plan", "status", "monthly_cost_usd"]


def _costliest(priced: pd.DataFrame) -> pd.DataFrame:
    """Costliest first; ties in a fixed order so the tiles do not shuffle between runs."""
    return priced.sort_values(
        ["monthly_cost_usd", "category", "label", "id"],
        ascending=[False, True, True, True],
        kind="stable",
    )


def run_rate_tiles(resources: pd.DataFrame, *, max_tiles: int = MAX_TILES) -> pd.DataFrame:
    """One row per tile: each category, its costliest resources, and "Other" for the rest.

    ``value_usd`` is 0 for a category (the chart sums its children) and ``members`` how many
    resources a tile stands for; ``other`` marks the grouped remainders. At most
    ``max_tiles`` rows (given room for each category and its "Other").
    """
    priced = _costliest(resources[resources["monthly_cost_usd"] > 0])
    categories = sorted(priced["category"].unique())
    shown = _tiles_per_category(priced, max_tiles)
    ranks = priced.groupby("category").cumcount()
    alone_rows = ranks < priced["category"].map(shown)
    alone, rest = priced[alone_rows], priced[~alone_rows]
    rows: list[tuple[Any, ...]] = [
        (name, name, "", name, 0.0, int((priced["category"] == name).sum()), False)
        for name in categories
    ]
    rows += [
        (
            f"{row.category}/{row.id}",
            str(row.label),
            row.category,
            row.category,
            row.monthly_cost_usd,
            1,
            False,
        )
        for row in alone.itertuples()
    ]
    for name, group in rest.groupby("category", sort=True):
        count = len(group)
        noun = "resource" if count == 1 else "resources"
        rows.append(
            (
                f"{name}/(other)",
                f"Other: {count} {noun}",
                str(name),
                str(name),
                float(group["monthly_cost_usd"].sum()),
                count,
                True,
            )
        )
    return pd.DataFrame(rows, columns=TILE_COLUMNS)


def _tiles_per_category(priced: pd.DataFrame, max_tiles: int) -> dict[str, int]:
    """How many resources each category shows alone: one tile at a time to the category
    with the most dollars per tile so far (D'Hondt), so a large category of cheap servers
    still shows its costliest ones beside a few expensive machines."""
    grouped = priced.groupby("category")["monthly_cost_usd"]
    totals = {str(name): float(total) for name, total in grouped.sum().items()}
    counts = {str(name): int(count) for name, count in grouped.size().items()}
    shown = dict.fromkeys(counts, 0)
    # Each category, and an "Other" for each category with resources not shown alone.
    used = 2 * len(counts)
    while True:
        open_ = [name for name in counts if shown[name] < counts[name]]
        if not open_:
            return shown
        name = max(open_, key=lambda n: (totals[n] / (shown[n] + 1), n))
        # The last one shown alone takes its category's "Other" tile's place.
        cost = 0 if shown[name] + 1 == counts[name] else 1
        if used + cost > max_tiles:
            return shown
        shown[name] += 1
        used += cost


def category_members(resources: pd.DataFrame, category: str) -> pd.DataFrame:
    """Every priced resource of ``category``, costliest first: what its tiles stand for."""
    priced = resources[(resources["monthly_cost_usd"] > 0) & (resources["category"] == category)]
    return _costliest(priced)[MEMBER_COLUMNS].reset_index(drop=True)
