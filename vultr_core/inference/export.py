"""A chat session written out: Markdown and JSON exports, and code that repeats a request.

The code snippets read the key from ``$VULTR_INFERENCE_API_KEY``: a transcript or a
screenshot of one never carries the key itself.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from vultr_core.inference.session import ChatParameters, Exchange, ReplyRecord, session_totals
from vultr_core.url_credentials import without_userinfo

KEY_VARIABLE = "VULTR_INFERENCE_API_KEY"


def to_markdown(exchanges: Sequence[Exchange], system_prompt: str, exported_at: datetime) -> str:
    lines = [f"# Inference chat, {exported_at:%Y-%m-%d %H:%M} UTC", ""]
    if system_prompt.strip():
        lines += ["**System prompt:**", "", _quote(system_prompt), ""]
    for exchange in exchanges:
        lines += ["## You", "", exchange.prompt, ""]
        for reply in exchange.replies.values():
            lines += [f"## {reply.model}", "", reply.text or "_(no text)_", ""]
            lines += [f"_{reply.error or reply.figures()}_", ""]
    lines.append(f"**Session:** {session_totals(exchanges).describe()}")
    return "\n".join(lines) + "\n"


def to_json(
    exchanges: Sequence[Exchange],
    system_prompt: str,
    parameters: ChatParameters,
    exported_at: datetime,
) -> str:
    totals = session_totals(exchanges)
    document = {
        "exported_at": exported_at.isoformat(),
        "system_prompt": system_prompt,
        "parameters": {k: v for k, v in asdict(parameters).items() if v not in (None, ())},
        "exchanges": [
            {
                "prompt": exchange.prompt,
                "replies": [_reply_json(lane, reply) for lane, reply in exchange.replies.items()],
            }
            for exchange in exchanges
        ],
        "totals": asdict(totals),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _reply_json(lane: str, reply: ReplyRecord) -> dict[str, Any]:
    record = asdict(reply)
    price = reply.price
    record["price"] = (
        None
        if price is None
        else {
            "input_usd_per_million": price.input_usd_per_m,
            "output_usd_per_million": price.output_usd_per_m,
            "as_of": price.as_of.isoformat() if price.as_of else None,
            "source": price.source,
        }
    )
    return {"lane": lane, **record}


def python_snippet(body: Mapping[str, Any], base_url: str) -> str:
    """The request with the ``openai`` SDK, which Vultr's docs point people to."""
    base_url = without_userinfo(base_url)
    arguments = ",\n".join(
        f"    {name}={value!r}" for name, value in body.items() if name != "stream"
    )
    return (
        "import os\n\n"
        "from openai import OpenAI\n\n"
        f'client = OpenAI(base_url={base_url!r}, api_key=os.environ["{KEY_VARIABLE}"])\n'
        "stream = client.chat.completions.create(\n"
        f"{arguments},\n"
        "    stream=True,\n"
        ")\n"
        "for chunk in stream:\n"
        "    if chunk.choices:\n"
        '        print(chunk.choices[0].delta.content or "", end="", flush=True)\n'
    )


def curl_snippet(body: Mapping[str, Any], base_url: str) -> str:
    base_url = without_userinfo(base_url)
    payload = json.dumps({**body, "stream": True}, indent=2, ensure_ascii=False)
    return (
        f"curl --no-buffer {shlex.quote(base_url.rstrip('/') + '/chat/completions')} \\\n"
        f'  -H "Authorization: Bearer ${KEY_VARIABLE}" \\\n'
        '  -H "Content-Type: application/json" \\\n'
        f"  -d {shlex.quote(payload)}\n"
    )


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.strip().splitlines())
