"""What a person should change when an error comes from the settings rather than from one
call: a refused Vultr key, or a ``VULTR_API_URL`` without its ``/v2``.

Every section of a page (and every command) would otherwise repeat the same "HTTP 401"; the
app says this sentence once at the top, the command line once on stderr.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from vultr_core.api.errors import (
    ApiError,
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    VultrError,
)
from vultr_core.config import Settings
from vultr_core.url_credentials import host_port

API_VERSION_SEGMENT = "/v2"
REFUSED = {
    ("management", 401): "Vultr refused the API key: check VULTR_API_KEY.",
    ("management", 403): (
        "Vultr refused the API key for this request: check its access (ACLs) and its IP "
        "allow-list in the Vultr control panel."
    ),
    ("inference", 401): (
        "Vultr Serverless Inference refused the key: check VULTR_INFERENCE_API_KEY (the "
        "subscription's own key, not the account's)."
    ),
    ("inference", 403): (
        "Vultr Serverless Inference refused the key for this request: check the "
        "subscription's access."
    ),
}


def key_refusal(error: VultrError, settings: Settings) -> str | None:
    """The one sentence for a Vultr API that refused its key (401, 403), naming the setting
    to check; None for anything else, PostgreSQL's and Valkey's own refusals included."""
    if not isinstance(error, AuthenticationError | PermissionDeniedError):
        return None
    api = vultr_api_of(error, settings)
    status = 401 if isinstance(error, AuthenticationError) else 403
    return None if api is None else REFUSED[(api, status)]


def vultr_api_of(error: ApiError, settings: Settings) -> str | None:
    """Which Vultr API answered: ``management`` or ``inference``, by the path the request
    went to (the longer configured base path wins); None for errors without an HTTP path."""
    if error.path is None:
        return None
    bases = {
        "management": _base_path(settings.management_api_url),
        "inference": _base_path(settings.inference_api_url),
    }
    if settings.demo_mode:
        bases.pop("management")
    if settings.demo_inference:
        bases.pop("inference")
    matching = [(len(base), api) for api, base in bases.items() if _under(error.path, base)]
    return max(matching)[1] if matching else None


def missing_version_hint(error: VultrError, settings: Settings) -> str | None:
    """For a 404 from a ``VULTR_API_URL`` with no ``/v2``: the URL the person probably meant.

    Only the scheme, host, port and path are repeated: never a user name or password.
    """
    if not isinstance(error, NotFoundError) or settings.demo_mode:
        return None
    url = urlsplit(settings.management_api_url)
    path = url.path.rstrip("/")
    if path.endswith(API_VERSION_SEGMENT) or error.path is None:
        return None
    if not _under(error.path, path) or _under(error.path, _base_path(settings.inference_api_url)):
        return None
    where = host_port(settings.management_api_url)
    meant = urlunsplit((url.scheme, where, path + API_VERSION_SEGMENT, "", ""))
    return f"VULTR_API_URL has no {API_VERSION_SEGMENT}: did you mean {meant}?"


def settings_advice(error: VultrError, settings: Settings) -> str | None:
    """The sentence a person needs instead of a bare status, when the settings cause it."""
    return key_refusal(error, settings) or missing_version_hint(error, settings)


def _base_path(url: str) -> str:
    return urlsplit(url).path.rstrip("/")


def _under(path: str, base: str) -> bool:
    return path.startswith(base + "/")
