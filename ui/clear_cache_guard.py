"""Refuse Streamlit's "clear caches" message from browsers.

Any websocket client, signed in or not, may send ``BackMsg(clear_cache=True)``, and Streamlit
1.67 then clears every session's caches with no check (``AppSession.handle_backmsg``). The
app's menu never offers it (``toolbarMode = "viewer"``), so no visitor loses anything when the
server drops that one message before Streamlit reads it; the shared clients already live
outside Streamlit's caches (ui.clients), this also keeps every user's data caches warm.
"""

from __future__ import annotations

from google.protobuf.message import DecodeError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit.proto.BackMsg_pb2 import BackMsg


def asks_to_clear_caches(frame: bytes | None) -> bool:
    """Whether a websocket frame is Streamlit's clear-caches request."""
    if not frame:
        return False
    try:
        kind: str | None = BackMsg.FromString(frame).WhichOneof("type")
    except DecodeError:
        return False  # not ours to judge: Streamlit reports a malformed frame itself
    return kind == "clear_cache"


class RefuseClearCache:
    """ASGI middleware: every websocket message passes but the clear-caches request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return

        async def receive_without_clear_cache() -> Message:
            while True:
                message = await receive()
                if message["type"] == "websocket.receive" and asks_to_clear_caches(
                    message.get("bytes")
                ):
                    continue
                return message

        await self.app(scope, receive_without_clear_cache, send)
