"""Who may call the HTTP API.

With ``DASHBOARD_API_TOKEN`` set, every route asks for ``Authorization: Bearer <token>``
(compared in constant time), except the bare up/down answer of the health route, which uptime
monitors poll without credentials. When the app has a sign-in and no token is set, the API
refuses: it must never be a way around the sign-in. With neither, it is open, like the app.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from vultr_core.web.problems import RouteError

BEARER = "bearer "


@dataclass(frozen=True)
class AccessRule:
    token: str | None
    sign_in_configured: bool


def authorised(rule: AccessRule, authorization: str | None) -> bool:
    """Whether the caller may see everything (full health details included)."""
    if rule.token is None:
        return not rule.sign_in_configured
    presented = _bearer(authorization)
    return presented is not None and hmac.compare_digest(
        presented.encode("utf-8", "surrogateescape"), rule.token.encode()
    )


def require(rule: AccessRule, authorization: str | None) -> None:
    """Raise the RouteError that refuses this caller, if any."""
    if rule.token is None:
        if rule.sign_in_configured:
            raise RouteError(
                403,
                "api_disabled",
                "The app requires sign-in, so its HTTP API is off: set DASHBOARD_API_TOKEN "
                "and send it as 'Authorization: Bearer <token>'.",
            )
        return
    presented = _bearer(authorization)
    if presented is None:
        raise RouteError(401, "unauthorized", "Send 'Authorization: Bearer <DASHBOARD_API_TOKEN>'.")
    if not authorised(rule, authorization):
        raise RouteError(403, "forbidden", "The bearer token is not the one configured.")


def _bearer(authorization: str | None) -> str | None:
    if authorization is None or not authorization.lower().startswith(BEARER):
        return None
    return authorization[len(BEARER) :].strip() or None
