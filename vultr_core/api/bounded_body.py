"""Read a response body within a size cap and a deadline, whatever the server sends.

httpx inflates gzip and deflate in whole network reads: one 64 KB read of a gzip bomb becomes
64 MB at once, and stacked encodings (``gzip, gzip``) multiply that again. So the body is read
raw and inflated here, at most ``INFLATE_STEP_BYTES`` at a time, counting decoded bytes: memory
stays within the cap plus one step, and the deadline is checked between steps.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

import httpx

from vultr_core.api.deadline import Deadline
from vultr_core.api.errors import MalformedResponseError, ResponseTooLargeError
from vultr_core.api.paths import sent_path

BYTES_PER_MB = 1024 * 1024
INFLATE_STEP_BYTES = BYTES_PER_MB
# What we send as Accept-Encoding: the encodings read_body can inflate step by step.
ACCEPTED_ENCODINGS = "gzip, deflate"
_GZIP_WBITS = zlib.MAX_WBITS | 16
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_DEFLATE_WBITS = -zlib.MAX_WBITS


class _Inflater:
    """Inflates gzip or deflate in steps of at most INFLATE_STEP_BYTES of output."""

    def __init__(self, wbits: int, fallback_wbits: int | None = None) -> None:
        self._inflate = zlib.decompressobj(wbits)
        # "deflate" should be zlib-wrapped (RFC 9110 §8.4.1.2); some servers send it raw.
        self._fallback_wbits = fallback_wbits

    def decode(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                piece = self._inflate.decompress(data, INFLATE_STEP_BYTES)
            except zlib.error:
                if self._fallback_wbits is None:
                    raise
                self._inflate = zlib.decompressobj(self._fallback_wbits)
                self._fallback_wbits = None
                continue
            self._fallback_wbits = None
            data = self._inflate.unconsumed_tail
            if piece:
                yield piece

    def flush(self) -> bytes:
        return self._inflate.flush()


class _Identity:
    def decode(self, data: bytes) -> Iterator[bytes]:
        yield data

    def flush(self) -> bytes:
        return b""


def read_body(
    response: httpx.Response, *, deadline: Deadline, max_bytes: int, setting: str
) -> bytes:
    """The decoded body of an open (streamed) response.

    ``setting`` names the knob that sets ``max_bytes``, for the message.

    Raises:
        ResponseTooLargeError: more than ``max_bytes`` once decoded.
        MalformedResponseError: an encoding we did not ask for, or a corrupt one.
        TimeoutError: the deadline passed while the body was arriving.
        httpx.TransportError: the connection failed midway (the caller maps it).
    """
    method, path = response.request.method, sent_path(response.request)
    if response.is_stream_consumed:
        # A transport that answered with bytes in memory: httpx has decoded them already.
        chunks: Iterable[bytes] = (response.content,)
        encoding = ""
    else:
        chunks = response.iter_raw()
        encoding = response.headers.get("content-encoding", "").strip().lower()
    decoder = _decoder_for(encoding, method, path)
    declared = response.headers.get("content-length", "")
    if not encoding and declared.isdigit() and int(declared) > max_bytes:
        raise _too_large(method, path, max_bytes, setting)
    body = bytearray()
    try:
        for raw in chunks:
            for piece in decoder.decode(raw):
                body += piece
                if len(body) > max_bytes:
                    raise _too_large(method, path, max_bytes, setting)
                deadline.check(method, path, "reading the body")
            deadline.check(method, path, "reading the body")
        body += decoder.flush()
    except zlib.error as err:
        raise MalformedResponseError(
            f"{method} {path} sent a body that is not valid {encoding}: {err}",
            status=response.status_code,
            method=method,
            path=path,
        ) from err
    if len(body) > max_bytes:
        raise _too_large(method, path, max_bytes, setting)
    return bytes(body)


def _decoder_for(encoding: str, method: str, path: str) -> _Inflater | _Identity:
    if encoding in ("", "identity"):
        return _Identity()
    if encoding in ("gzip", "x-gzip"):
        return _Inflater(_GZIP_WBITS)
    if encoding == "deflate":
        return _Inflater(_ZLIB_WBITS, fallback_wbits=_RAW_DEFLATE_WBITS)
    # Stacked encodings ("gzip, gzip") multiply a bomb's ratio; we never ask for them.
    raise MalformedResponseError(
        f"{method} {path} answered with Content-Encoding {encoding!r}, which was not asked "
        f"for (we accept {ACCEPTED_ENCODINGS})",
        method=method,
        path=path,
    )


def _too_large(method: str, path: str, max_bytes: int, setting: str) -> ResponseTooLargeError:
    return ResponseTooLargeError(
        f"{method} {path} answered more than {max_bytes / BYTES_PER_MB:g} MB ({setting}); "
        "stopped reading",
        method=method,
        path=path,
    )
