"""CSV downloads open in a spreadsheet as text: no cell runs as a formula, numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from vultr_core.inventory.spreadsheet import FORMULA_STARTS, spreadsheet_csv


def read_back(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "label",
    ['=HYPERLINK("http://127.0.0.1:9/x","click")', "+1+1", "-1+1", "@SUM(1)", "\t=1", "\r=1"],
)
def test_a_text_cell_a_spreadsheet_would_run_is_quoted_as_text(label: str) -> None:
    (row,) = read_back(spreadsheet_csv(pd.DataFrame({"label": [label]})))
    assert row["label"] == f"'{label}"


def test_numbers_dates_and_plain_text_are_left_as_they_are() -> None:
    frame = pd.DataFrame(
        {
            "label": ["web-1", "a=b"],
            "change_usd": [-12.5, 3.0],
            "nodes": pd.array([-1, None], dtype="Int64"),
            "created": pd.to_datetime(["2026-01-02", None], utc=True),
        }
    )
    rows = read_back(spreadsheet_csv(frame))
    assert [row["label"] for row in rows] == ["web-1", "a=b"]
    assert [row["change_usd"] for row in rows] == ["-12.5", "3.0"]
    assert [row["nodes"] for row in rows] == ["-1", ""]
    assert rows[0]["created"].startswith("2026-01-02")


def test_list_cells_are_joined_and_then_escaped() -> None:
    frame = pd.DataFrame({"tags": [["=cmd", "team:web"], ["team:data", "-x"], []]})
    assert [row["tags"] for row in read_back(spreadsheet_csv(frame))] == [
        "'=cmd;team:web",
        "team:data;-x",
        "",
    ]


def test_a_carriage_return_inside_a_cell_cannot_split_its_row() -> None:
    frame = pd.DataFrame({"label": ["first\rsecond", "plain"], "n": [1, 2]})
    rows = read_back(spreadsheet_csv(frame))
    assert [(row["label"], row["n"]) for row in rows] == [("first\rsecond", "1"), ("plain", "2")]


def test_no_text_cell_of_a_hostile_inventory_starts_like_a_formula() -> None:
    labels = [f"{start}PLANTED" for start in FORMULA_STARTS] + ["ok"]
    rows = read_back(spreadsheet_csv(pd.DataFrame({"label": labels, "cost": range(len(labels))})))
    assert [row["label"] for row in rows if row["label"].startswith(FORMULA_STARTS)] == []
    assert [row["cost"] for row in rows] == [str(n) for n in range(len(labels))]
