import builtins

import pytest

from vultr_core.api import errors


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, errors.InvalidRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (405, errors.InvalidRequestError),
        (422, errors.InvalidRequestError),
        (429, errors.RateLimitError),
        (500, errors.ServerError),
        (502, errors.ServerError),
        (504, errors.ServerError),
    ],
)
def test_each_status_maps_to_its_error_type(status: int, expected: type) -> None:
    assert errors.error_class_for_status(status) is expected


def test_every_error_is_a_vultr_error_and_network_ones_are_builtin_too() -> None:
    for error_type in (
        errors.ConfigurationError,
        errors.AuthenticationError,
        errors.RateLimitError,
        errors.MalformedResponseError,
        errors.TimeoutError,
        errors.ConnectionError,
    ):
        assert issubclass(error_type, errors.VultrError)
    assert issubclass(errors.TimeoutError, builtins.TimeoutError)
    assert issubclass(errors.ConnectionError, builtins.ConnectionError)


def test_errors_carry_status_and_the_apis_message() -> None:
    error = errors.RateLimitError(
        "GET /v2/account failed with HTTP 429: Rate limit exceeded",
        api_message="Rate limit exceeded",
        retry_after_s=2.0,
    )
    assert error.status == 429
    assert error.api_message == "Rate limit exceeded"
    assert error.retry_after_s == 2.0
    assert str(error) == "GET /v2/account failed with HTTP 429: Rate limit exceeded"
