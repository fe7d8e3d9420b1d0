from datetime import UTC, datetime

import pytest

from vultr_core.api.parsing import (
    parse_bool,
    parse_datetime,
    parse_float,
    parse_int,
    parse_str_list,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020-10-10T01:56:20+00:00", datetime(2020, 10, 10, 1, 56, 20, tzinfo=UTC)),
        ("2020-10-10T03:56:20+02:00", datetime(2020, 10, 10, 1, 56, 20, tzinfo=UTC)),
        ("2020-10-10T01:56:20Z", datetime(2020, 10, 10, 1, 56, 20, tzinfo=UTC)),
        ("2022-05-09 10:13:31", datetime(2022, 5, 9, 10, 13, 31, tzinfo=UTC)),
        ("2023-02-12 01:00:00 (UTC)", datetime(2023, 2, 12, 1, 0, tzinfo=UTC)),
        ("09-01-2021T00:00:00+00:00", datetime(2021, 9, 1, tzinfo=UTC)),
        ("2023-02-07", datetime(2023, 2, 7, tzinfo=UTC)),
        ("1735689600", datetime(2025, 1, 1, tzinfo=UTC)),
        (1735689600, datetime(2025, 1, 1, tzinfo=UTC)),
    ],
)
def test_every_vultr_date_format_reads_as_utc(raw: object, expected: datetime) -> None:
    assert parse_datetime(raw) == expected


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "2020-07-1414:22:38", "not a date", "2023-02-12 01:00:00 (PST)", None, [], True],
)
def test_unreadable_dates_are_none_not_errors(raw: object) -> None:
    assert parse_datetime(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"), [(57.03, 57.03), ("57.03", 57.03), (3, 3.0), ("", None), ("x", None)]
)
def test_money_reads_from_numbers_and_strings(raw: object, expected: float | None) -> None:
    assert parse_float(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("16751", 16751), (16751, 16751), ("2.0", 2), (True, None), ("nan", None), (None, None)],
)
def test_ints_read_from_numbers_and_strings(raw: object, expected: int | None) -> None:
    assert parse_int(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [(True, True), ("yes", True), ("no", False), (0, False), ("?", None)]
)
def test_bools_read_from_words(raw: object, expected: bool | None) -> None:
    assert parse_bool(raw) == expected


def test_string_lists_skip_junk_and_accept_a_lone_string() -> None:
    assert parse_str_list(["a", "", None, 3]) == ("a", "3")
    assert parse_str_list("solo") == ("solo",)
    assert parse_str_list(None) == ()
