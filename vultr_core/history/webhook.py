"""Posting alerts to a webhook: Slack-compatible JSON, retried with backoff within a deadline.

The payload is Slack's incoming-webhook shape (``text`` as the fallback, ``blocks`` of
mrkdwn sections), which Mattermost, Rocket.Chat and most chat tools accept too. The URL is a
credential (a Slack webhook's path is its token): no message or log line here names it.
Retries follow the API clients' rule (``api.http.RetryPolicy``): 429, 5xx, timeouts and
dropped connections, with exponential backoff and full jitter, within ``deadline_s``.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any

import httpx

from vultr_core.api.errors import (
    ApiError,
    ConnectionError,
    RateLimitError,
    TimeoutError,
    error_class_for_status,
)
from vultr_core.api.http import USER_AGENT, Clock, Retrier, RetryPolicy, Sleep, parse_retry_after
from vultr_core.formatting import terminal_text
from vultr_core.redaction import Secret, redact

DEFAULT_WEBHOOK_TIMEOUT_S = 5.0
DEFAULT_WEBHOOK_DEADLINE_S = 30.0
WEBHOOK_ATTEMPTS = 4
# Slack's limits: 50 blocks a message, 3,000 characters a section.
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000


def slack_text(text: str) -> str:
    """Outside text for Slack's mrkdwn: its three control characters escaped, as Slack asks
    (api.slack.com/reference/surfaces/formatting#escaping), and terminal controls removed, so
    a label cannot make a link, a mention or a fake line; secrets masked."""
    cleaned = terminal_text(redact(text))
    return cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(title: str, sections: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """``title`` and (heading, text) sections as a Slack message."""
    blocks: list[dict[str, Any]] = [
        # Plain text, which Slack never formats: only controls and secrets to remove.
        {
            "type": "header",
            "text": {"type": "plain_text", "text": terminal_text(redact(title))[:150]},
        }
    ]
    shown = sections[: MAX_BLOCKS - 2]
    for heading, text in shown:
        body = f"*{slack_text(heading)}*\n{slack_text(text)}"
        section = {"type": "mrkdwn", "text": body[:MAX_SECTION_CHARS]}
        blocks.append({"type": "section", "text": section})
    if len(sections) > len(shown):
        more = f"…and {len(sections) - len(shown)} more."
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": more}})
    lines = [f"{heading}: {text}" for heading, text in sections]
    return {"text": slack_text("\n".join([title, *lines]))[:MAX_SECTION_CHARS], "blocks": blocks}


def post_webhook(
    url: Secret,
    payload: dict[str, Any],
    *,
    transport: httpx.BaseTransport | None = None,
    timeout_s: float = DEFAULT_WEBHOOK_TIMEOUT_S,
    deadline_s: float = DEFAULT_WEBHOOK_DEADLINE_S,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    rng: random.Random | None = None,
) -> None:
    """POST ``payload`` as JSON; retried on 429, 5xx, timeouts and network failures.

    Raises:
        ApiError: the webhook refused it (another 4xx), or kept failing until the deadline.
    """
    retrier = Retrier(
        RetryPolicy(max_attempts=WEBHOOK_ATTEMPTS, deadline_s=deadline_s),
        clock=clock,
        sleep=sleep,
        rng=rng,
    )
    with httpx.Client(
        transport=transport, follow_redirects=False, headers={"User-Agent": USER_AGENT}
    ) as client:

        def attempt(remaining_s: float) -> None:
            wait_s = max(0.1, min(timeout_s, remaining_s))
            try:
                response = client.post(url.reveal(), json=payload, timeout=wait_s)
            except httpx.TimeoutException:
                raise TimeoutError(
                    f"the alert webhook did not answer within {wait_s:.0f} s"
                ) from None
            except httpx.TransportError as error:
                raise ConnectionError(
                    f"could not reach the alert webhook ({type(error).__name__})"
                ) from None
            if response.status_code >= 400:
                raise _refused(response)

        retrier.call(attempt, what="the alert webhook")


def _refused(response: httpx.Response) -> ApiError:
    status = response.status_code
    message = f"the alert webhook answered HTTP {status}"
    error_class = error_class_for_status(status)
    if error_class is RateLimitError:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        return RateLimitError(message, status=status, retry_after_s=retry_after)
    return error_class(message, status=status)
