"""Archived bytes to text: which encoding a page is in, and whether it is text at all.

Browsers' rules where they are known (WHATWG Encoding Standard, "the fallback
encoding"), tuned on the real pages of ../shared/realdata for the lies servers and pages
tell about their encoding.
"""

from __future__ import annotations

import codecs
import functools
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    # UTF-32 before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([^"';,\s]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([-\w:.]+)""", re.I)
# Browsers (WHATWG Encoding Standard) read these labels as windows-1252; pages labelled
# latin-1 really use the 0x80-0x9F quotes and dashes of windows-1252.
_AS_WINDOWS_1252 = {"ascii", "latin-1", "iso8859-1"}
_DISPLAY_NAMES = {f"cp125{i}": f"windows-125{i}" for i in range(9)}


def _windows_1252_lenient(exc: UnicodeError) -> tuple[str, int]:
    # The five bytes windows-1252 leaves undefined become the C1 controls of the same
    # value, as browsers do, instead of failing the whole page.
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error("pressarchive-c1", _windows_1252_lenient)


def _codec_name(label: str) -> str | None:
    """Python's canonical codec name for a charset label, or None if unknown/unusable."""
    label = label.strip().strip("\"'").lower()
    if not label:
        return None
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return None  # garbage labels such as "visual" are ignored
    if name in _AS_WINDOWS_1252:
        return "cp1252"
    try:
        # Text-to-bytes or bytes-to-bytes codecs (base64, rot13, zlib...) cannot decode HTML.
        codecs.decode(b"<", name)
        if not isinstance(codecs.decode(b"", name), str):
            return None
    except Exception:
        return None
    return name


@functools.cache
def _is_single_byte(name: str) -> bool:
    # One character per byte for every byte value; multi-byte codecs (shift_jis, cp949,
    # gb18030...) pair lead bytes with the next one.
    if name.startswith("utf"):
        return False
    return len(bytes(range(256)).decode(name, errors="replace")) == 256


# A page that fails to decode as UTF-8 is still read as UTF-8 (the bad bytes replaced) when
# at most this share of its non-ASCII sequences are invalid. Text really written in a
# single-byte encoding almost never forms valid multi-byte UTF-8 by accident, so nearly all
# of its non-ASCII sequences are invalid; a UTF-8 page broken by a stray byte (a teaser cut
# in the middle of a character, a latin-1 string in a template) has a few. On the real
# pages of ../shared/realdata: UTF-8 with stray bytes 0.2-4 % invalid, single-byte pages
# 78-100 %. Counted per character, not per byte, so that 2-byte Arabic or 3-byte CJK text
# weighs as much as Latin text.
_MAX_INVALID_SHARE = 0.2
# The encoding a browser falls back to in a locale that writes this language, for a page
# whose declarations all lie (WHATWG HTML, "the fallback encoding"); the page's own lang
# stands in for the reader's locale: an Arabic page in windows-1256 that claims UTF-8 is
# then read as Arabic, not as windows-1252 mojibake. Only the single-byte Windows code
# pages: a wrong guess garbles letters but loses no text, and they keep ASCII and the
# windows-1252 quotes and dashes (windows-1256 the French letters too) where they were.
_FALLBACK_BY_LANG = {
    **dict.fromkeys(("ar", "fa", "ur"), "cp1256"),
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk"), "cp1251"),
    "el": "cp1253",
    **dict.fromkeys(("he", "iw"), "cp1255"),
    "tr": "cp1254",
    **dict.fromkeys(("lt", "lv"), "cp1257"),
    "vi": "cp1258",
    "th": "cp874",
}
_HTML_LANG = re.compile(
    rb"""<html\b[^>]*?\blang\s*=\s*["']?\s*([a-zA-Z]{2,3})(?![a-zA-Z])"""
    rb"""|<meta[^>]*?content-language["']?[^>]*?content\s*=\s*["']?\s*([a-zA-Z]{2,3})(?![a-zA-Z])""",
    re.I,
)


def _mostly_utf8(body: bytes) -> str | None:
    """The body decoded as UTF-8 with U+FFFD for its invalid sequences, if they are few
    (see _MAX_INVALID_SHARE); None if the body is not mostly UTF-8."""
    text = body.decode("utf-8", errors="replace")
    genuine = body.count(b"\xef\xbf\xbd")  # U+FFFD the page itself contains
    invalid = text.count("\ufffd") - genuine
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))  # one per character
    valid = non_ascii - genuine - invalid
    if valid > 0 and invalid <= _MAX_INVALID_SHARE * (valid + invalid):
        return text
    return None


def _fallback_encoding(body: bytes) -> str:
    match = _HTML_LANG.search(body[:8192])
    if match:
        lang = (match.group(1) or match.group(2)).decode("ascii").lower()
        return _FALLBACK_BY_LANG.get(lang, "cp1252")
    return "cp1252"


def decode_html(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Decode an HTML body; returns (text, name of the encoding used).

    Order: BOM, HTTP charset, <meta> charset in the first 4 KB, UTF-8 if it decodes
    cleanly or mostly (a few invalid sequences become U+FFFD, see _MAX_INVALID_SHARE),
    else the single-byte fallback for the page's language (windows-1252 for most). A
    declared encoding the bytes do not decode in (a lying header) is skipped for the next
    signal. A declared single-byte encoding loses to UTF-8 when the body is (mostly) valid
    UTF-8 with non-ASCII bytes: real windows-1252 text almost never forms valid multi-byte
    UTF-8, while servers announcing latin-1 for UTF-8 pages are common.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace"), name

    declared: list[str] = []
    match = _HTTP_CHARSET.search(content_type or "")
    if match and (name := _codec_name(match.group(1))):
        declared.append(name)
    match = _META_CHARSET.search(body[:4096])
    if match and (name := _codec_name(match.group(1).decode("ascii", "replace"))):
        # A UTF-16/32 label we could read as ASCII cannot be true (WHATWG: use UTF-8).
        declared.append("utf-8" if name.startswith(("utf-16", "utf-32")) else name)

    utf8_text: str | None
    try:
        utf8_text = body.decode("utf-8")
    except UnicodeDecodeError:
        utf8_text = _mostly_utf8(body)
    non_ascii = not body.isascii()

    for name in declared:
        if utf8_text is not None and non_ascii and _is_single_byte(name):
            return utf8_text, "utf-8"
        try:
            return body.decode(name), _DISPLAY_NAMES.get(name, name)
        except UnicodeDecodeError:
            continue  # the declaration lies; try the next signal
    if utf8_text is not None:
        return utf8_text, "utf-8"
    # A declared multi-byte encoding with a few broken bytes is still far closer than
    # a single-byte guess would be.
    for name in declared:
        if name != "utf-8":
            return body.decode(name, errors="replace"), _DISPLAY_NAMES.get(name, name)
    name = _fallback_encoding(body)
    # windows-1252 leaves five bytes undefined (browsers map them to C1 controls); the
    # other fallbacks' undefined bytes become U+FFFD.
    errors = "pressarchive-c1" if name == "cp1252" else "replace"
    return body.decode(name, errors=errors), _DISPLAY_NAMES.get(name, name)


# Servers label anything text/html; these would otherwise be "extracted" as mojibake.
_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"\x89PNG", "PNG"),
    (b"GIF8", "GIF"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)


def binary_kind(body: bytes) -> str:
    """What binary data the body is (by its magic number, "PDF", "gzip"...); "" if none."""
    head = body[:8].lstrip()
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), "")
