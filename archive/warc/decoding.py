"""Undoing HTTP transfer and content codings of archived bodies, with bounded output.

Archived bodies come from hostile servers: every decoder here stops at ``max_bytes`` of
output instead of trusting the compression ratio (decompression bombs).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import brotli
from backports import zstd

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
_STEP = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class ContentDecodingError(Exception):
    """A body could not be decoded: unknown coding, corrupt data, or too large."""


def dechunk(data: bytes) -> bytes | None:
    """The entity body of a chunked message, or None if ``data`` is not validly chunked.

    Strict on purpose: servers label plain bodies as chunked, and a partial decode would mix
    chunk-size lines into the content. Trailer fields after the last chunk are dropped.
    """
    parts = []
    pos = 0
    while True:
        eol = data.find(b"\r\n", pos)
        if eol < 0 or eol - pos > 1024:
            return None
        size_text = data[pos:eol].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return None
        if size < 0 or not size_text.isalnum():
            return None
        pos = eol + 2
        if size == 0:
            return b"".join(parts)
        if pos + size + 2 > len(data) or data[pos + size:pos + size + 2] != b"\r\n":
            return None
        parts.append(data[pos:pos + size])
        pos += size + 2


def _too_large(max_bytes: int) -> ContentDecodingError:
    return ContentDecodingError(f"decoded body exceeds {max_bytes} bytes")


def _zlib_decode(data: bytes, wbits: int, max_bytes: int, partial_ok: bool,
                 multi_member: bool = False) -> bytes:
    out = bytearray()
    while True:
        decoder = zlib.decompressobj(wbits)
        try:
            while data:
                out += decoder.decompress(data, max_bytes + 1 - len(out))
                if len(out) > max_bytes:
                    raise _too_large(max_bytes)
                data = decoder.unconsumed_tail
        except zlib.error as exc:
            raise ContentDecodingError(f"corrupt compressed body: {exc}") from None
        if not decoder.eof:
            if partial_ok:
                return bytes(out)
            raise ContentDecodingError("compressed body ends early")
        # Concatenated gzip members are one stream (RFC 1952); anything after the last
        # member that is not another member is ignored, as browsers do.
        data = decoder.unused_data
        if not (multi_member and data.startswith(_GZIP_MAGIC)):
            return bytes(out)


def _gzip(data: bytes, max_bytes: int, partial_ok: bool) -> bytes:
    return _zlib_decode(data, 16 + zlib.MAX_WBITS, max_bytes, partial_ok, multi_member=True)


def _deflate(data: bytes, max_bytes: int, partial_ok: bool) -> bytes:
    # "deflate" should be zlib-wrapped (RFC 9110 8.4.1.2) but many servers send raw deflate.
    wrapped = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
    wbits = zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS
    return _zlib_decode(data, wbits, max_bytes, partial_ok)


def _brotli(data: bytes, max_bytes: int, partial_ok: bool) -> bytes:
    decoder = brotli.Decompressor()
    out = bytearray()
    try:
        for start in range(0, len(data), _STEP):
            out += decoder.process(data[start:start + _STEP], output_buffer_limit=_STEP)
            # The limit only caps one call: pending output must be drained with empty input
            # (can_accept_more_data() may be True while output is still pending).
            while len(out) <= max_bytes and not decoder.is_finished():
                piece = decoder.process(b"", output_buffer_limit=_STEP)
                if not piece and decoder.can_accept_more_data():
                    break
                out += piece
            if len(out) > max_bytes:
                raise _too_large(max_bytes)
    except brotli.error as exc:
        raise ContentDecodingError(f"corrupt brotli body: {exc}") from None
    if not decoder.is_finished() and not partial_ok:
        raise ContentDecodingError("brotli body ends early")
    return bytes(out)


def _zstd(data: bytes, max_bytes: int, partial_ok: bool) -> bytes:
    out = bytearray()
    try:
        while True:
            decoder = zstd.ZstdDecompressor()
            out += decoder.decompress(data, max_bytes + 1 - len(out))
            while not decoder.eof and not decoder.needs_input and len(out) <= max_bytes:
                out += decoder.decompress(b"", max_bytes + 1 - len(out))
            if len(out) > max_bytes:
                raise _too_large(max_bytes)
            if not decoder.eof:
                if partial_ok:
                    return bytes(out)
                raise ContentDecodingError("zstd body ends early")
            # Concatenated zstd frames decode to the concatenation of their contents.
            data = decoder.unused_data
            if not data:
                return bytes(out)
    except zstd.ZstdError as exc:
        raise ContentDecodingError(f"corrupt zstd body: {exc}") from None


_DECODERS: dict[str, Callable[[bytes, int, bool], bytes]] = {
    "gzip": _gzip,
    "x-gzip": _gzip,
    "deflate": _deflate,
    "br": _brotli,
    "zstd": _zstd,
}


def decode_content(body: bytes, content_encoding: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   partial_ok: bool = False) -> bytes:
    """Undo a Content-Encoding list such as ``"gzip"`` or ``"deflate, br"``.

    Codings are undone last-applied first. ``partial_ok`` accepts a stream that ends early
    (a record the crawler marked truncated) and returns what could be decoded.
    """
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not body:
        # Bodiless responses (HEAD, 304) often still name a coding.
        return body
    for coding in reversed(codings):
        decoder = _DECODERS.get(coding)
        if decoder is None:
            raise ContentDecodingError(f"unsupported content-encoding {coding!r}")
        body = decoder(body, max_bytes, partial_ok)
    if len(body) > max_bytes:
        raise _too_large(max_bytes)
    return body
