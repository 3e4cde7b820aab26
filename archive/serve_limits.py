"""Size limits on every connection Datasette opens, so that no single SQL expression
outlasts Datasette's time limit.

Datasette's time limit is a progress handler, which SQLite calls between virtual
machine steps: a function that works for seconds inside one step is never stopped.
Measured before these limits: `select length(randomblob(1000000000))` 4.8 s and 1 GB of
memory, `printf('%.*c',1e9,'x')` 7.9 s. Both cost nothing to prevent:

- SQLITE_LIMIT_LENGTH caps every string and blob (randomblob, zeroblob, replace, hex,
  group_concat, ... fail at once with "string or blob too big");
- printf()/format() are replaced by a check of their widths and precisions, then
  SQLite's own printf: its `%.*c` loops once per character even after the output hit
  the length cap, so the cap alone does not stop it;
- SQLITE_LIMIT_LIKE_PATTERN_LENGTH caps the patterns of LIKE and GLOB (Datasette's
  `__contains`, `__like` and `__glob` filters): matching costs up to text length times
  pattern length in one step.

These do not make arbitrary SQL safe (instr(), trim() and LIKE on long, repetitive
strings are still quadratic in one step): `pressarchive serve --public` turns arbitrary
SQL off. They apply in every mode, since they cost nothing.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from functools import partial

# Bytes. SQLite refuses to even read a stored value longer than this ("string or blob
# too big"), so it must exceed the longest article text: extraction parses at most
# max_html_bytes (20 MB) of HTML, and text decoded from it takes at most 3 UTF-8 bytes
# per input byte (windows-1252 or Latin-1 bytes above 0x7f become 2 or 3). 64 MiB is
# above that and 15 times below the gigabyte the hostile expressions asked for; a string
# of 64 MiB costs SQLite about 0.1 s to build.
TEXT_LENGTH_CAP = 64 * 1024 * 1024
# Characters. SQLite's default is 50,000; LIKE '%aaa…b%' of 100 characters against 12
# MB of repeated text took 3.5 s in one step, of 20 characters 0.6 s.
LIKE_PATTERN_CAP = 100
# Sum of the widths and precisions of one printf() call: about 8 ns per character of
# `%.*c`, so at most ~10 ms.
PRINTF_WIDTH_CAP = 1_000_000

# A printf conversion: flags, width, precision, length modifier, conversion character.
_CONVERSION = re.compile(r"%([-+ #0,!]*)(\*|[0-9]+)?(?:\.(\*|[0-9]+))?(l{0,2})(.)", re.DOTALL)
# SQLite reads a width given as text or a blob from the number it starts with (" 12abc"
# is 12). SQLite 3.40 reads "1e9" as 1: 1e9 here, so that no version reads more.
_LEADING_NUMBER = re.compile(r"\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
# The conversions that read no argument: `%%`, and `%n` (which in SQL writes nothing).
_NO_ARGUMENT = ("%", "n")


class PrintfTooWide(ValueError):
    """A printf() call asked for more characters than PRINTF_WIDTH_CAP."""


def _as_text(value: object) -> str:
    """What SQLite's printf reads as text: a blob byte for byte (the conversions are
    ASCII), a number as its digits, NULL as nothing."""
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return "" if value is None else str(value)


def _as_count(value: object) -> int:
    """The size of the number SQLite reads a `*` width or precision from: an integer or
    a real as it is, text or a blob by the number it starts with (overestimating is
    safe: it only refuses more)."""
    if isinstance(value, (str, bytes)):
        match = _LEADING_NUMBER.match(_as_text(value))
        value = float(match.group()) if match else 0.0
    if not isinstance(value, (int, float)) or value != value:  # NULL, NaN: 0
        return 0
    return int(min(abs(value), 2.0**62))


def printf_widths(fmt: object, args: Sequence[object]) -> Iterator[int]:
    """Every width and precision a printf() format asks for, literal or `*`, read from
    the arguments SQLite reads them from."""
    next_arg = 0
    for match in _CONVERSION.finditer(_as_text(fmt)):
        width, precision, conversion = match.group(2), match.group(3), match.group(5)
        for spec in (width, precision):
            if spec == "*":
                yield _as_count(args[next_arg]) if next_arg < len(args) else 0
                next_arg += 1
            elif spec:
                yield _as_count(spec)
        if conversion not in _NO_ARGUMENT:
            next_arg += 1


def bounded_printf(builtin: sqlite3.Connection, *args: object) -> object:
    """printf(fmt, args...) by SQLite's own printf (on a connection without this
    override), once its widths and precisions are known to be small."""
    if args and sum(printf_widths(args[0], args[1:])) > PRINTF_WIDTH_CAP:
        raise PrintfTooWide(f"printf() widths and precisions over {PRINTF_WIDTH_CAP:,}")
    placeholders = ", ".join("?" * len(args))
    return builtin.execute(f"select printf({placeholders})", args).fetchone()[0]


def quiet_printf_refusals() -> None:
    """No traceback on the server's stderr for a printf() refused (Datasette turns on
    tracebacks of SQL functions): the client is told the query failed."""
    previous = sys.unraisablehook

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if not isinstance(unraisable.exc_value, PrintfTooWide):
            previous(unraisable)

    sys.unraisablehook = hook


def limit_connection(conn: sqlite3.Connection) -> None:
    """Apply the limits above to `conn` (run for every connection Datasette opens)."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, TEXT_LENGTH_CAP)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH, LIKE_PATTERN_CAP)
    # SQLite's printf, for the checked calls: one per connection, used by the thread
    # that uses the connection (Datasette keeps a connection per thread).
    builtin = sqlite3.connect(":memory:", check_same_thread=False)
    builtin.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, TEXT_LENGTH_CAP)
    printf = partial(bounded_printf, builtin)
    for name in ("printf", "format"):  # format() is printf()'s other name (3.38+)
        conn.create_function(name, -1, printf, deterministic=True)
