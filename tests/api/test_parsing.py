import math
from datetime import UTC, datetime

import pandas as pd
import pytest

from tests.conftest import simulator_client
from vultr_core.api.parsing import (
    parse_bool,
    parse_count,
    parse_datetime,
    parse_float,
    parse_int,
    parse_percent,
    parse_price,
    parse_str_list,
    parse_usd,
)
from vultr_core.simulator import Simulator
from vultr_core.simulator.hostile_data import HOSTILE_DATES, UNTOUCHED


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


# Hostile values: each one took a page or a command down before it was read as "no value".


@pytest.mark.parametrize(
    "raw",
    [
        "0001-01-01T00:00:00+05:00",  # OverflowError in astimezone
        "9999-12-31T23:59:59-05:00",  # OverflowError in astimezone
        "2262-04-12T00:00:00+00:00",  # pandas: OutOfBoundsDatetime
        "0001-01-01 00:00:00",  # pandas: OutOfBoundsDatetime
        "1900-01-01",
        "99999999999",  # epoch seconds in the year 5138
        9_999_999_999,
    ],
)
def test_dates_out_of_range_are_none_not_overflows(raw: object) -> None:
    assert parse_datetime(raw) is None


def test_every_hostile_date_the_simulator_sends_reads_as_none() -> None:
    assert [parse_datetime(raw) for raw in HOSTILE_DATES if raw is not UNTOUCHED] == [None] * 5


@pytest.mark.parametrize(
    "raw", [math.nan, math.inf, -math.inf, "NaN", "Infinity", "-Infinity", "1e400", "nan"]
)
def test_nan_and_infinity_are_no_number(raw: object) -> None:
    assert parse_float(raw) is None
    assert parse_usd(raw) is None
    assert parse_int(raw) is None


@pytest.mark.parametrize(
    ("reader", "raw", "expected"),
    [
        (parse_count, 1e20, None),
        (parse_count, -4, None),
        (parse_count, "16", 16),
        (parse_count, 0, 0),
        (parse_int, 2**60, None),
        (parse_percent, -12.5, None),
        (parse_percent, 42.5, 42.5),
        (parse_percent, 1e20, None),
        (parse_usd, -25.5, -25.5),
        (parse_usd, 1e20, None),
        (parse_price, -5, None),
        (parse_price, "40.00", 40.0),
    ],
)
def test_numbers_outside_their_fields_range_are_none(
    reader: object, raw: object, expected: float | None
) -> None:
    assert callable(reader)
    assert reader(raw) == expected


def test_a_hostile_api_yields_only_values_pandas_and_arrow_can_hold() -> None:
    simulator = Simulator(size="small")
    simulator.set_faults(hostile_dates=True, hostile_numbers=True)
    with simulator_client(simulator) as client:
        instances = client.instances()
        account = client.account()
    created = [i.date_created for i in instances if i.date_created is not None]
    assert len(created) < len(instances)
    assert pd.to_datetime(created, utc=True).notna().all()
    vcpus = [i.vcpu_count for i in instances]
    assert None in vcpus
    assert all(count is None or 0 <= count <= 1_000_000_000 for count in vcpus)
    assert account.balance_usd is None
    assert account.last_payment_date is None
