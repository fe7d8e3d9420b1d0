"""What went wrong with an inference call, as one plain sentence for the chat page."""

from __future__ import annotations

from vultr_core.api.errors import (
    ApiError,
    AuthenticationError,
    ConnectionError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RequestCancelledError,
    ServerError,
    TimeoutError,
    VultrError,
)


def describe_error(error: VultrError, model: str) -> str:
    """What went wrong, as one plain sentence for the chat page: no status codes to decode."""
    detail = f" ({error.api_message})" if isinstance(error, ApiError) and error.api_message else ""
    if isinstance(error, AuthenticationError):
        return (
            "The inference API key was refused. Check VULTR_INFERENCE_API_KEY: it is the "
            "subscription's own key, not the account's API key."
        )
    if isinstance(error, PermissionDeniedError):
        return f"This key is not allowed to use {model}{detail}."
    if isinstance(error, RateLimitError):
        wait = (
            f"try again in {error.retry_after_s:.0f} seconds"
            if error.retry_after_s is not None
            else "wait a minute and try again"
        )
        return f"Vultr is rate limiting this key: {wait}."
    if isinstance(error, InvalidRequestError) and _about_context(error):
        return (
            f"The conversation is too long for {model}'s context window. Start a new "
            "conversation, shorten the prompt or lower max tokens."
        )
    if isinstance(error, NotFoundError | ServerError):
        return f"{model} is unavailable right now{detail}. Try again shortly or pick another model."
    if isinstance(error, InvalidRequestError):
        return f"Vultr rejected the request{detail}. Check the parameters in the sidebar."
    if isinstance(error, RequestCancelledError):
        return f"Stopped before {model} was asked."
    if isinstance(error, TimeoutError):
        return f"{model} did not answer in time: {error}."
    if isinstance(error, ConnectionError):
        return f"The connection to the inference API failed: {error}."
    return f"The inference API failed: {error}."


def _about_context(error: ApiError) -> bool:
    text = (error.api_message or error.message).lower()
    return "context" in text and ("length" in text or "window" in text)
