"""How a failed write of the capture store is told to the crawl: one kind, one line.

The crawl decides from the kind whether to go on (one page could not be written) or
stop (a full disk: nothing more can be kept), and logs the line; neither may carry a
page's content, whatever an exception chose to put in its text.
"""

from __future__ import annotations

import errno
import sqlite3

from archive.errors import PressArchiveError

# An error message travels to the crawl's log: a cap keeps a page body out of it.
MAX_MESSAGE_CHARS = 300
_DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class StoreWriteError(PressArchiveError):
    """The store could not write (a full disk, an I/O error): what the failed calls
    were to store is not in the index, and the crawl state does not count it.

    `kind` is "disk_full" (nothing more can be written: the crawl stops), "warc"
    or "database"; the message is one line without page content."""

    def __init__(self, message: str, kind: str):
        super().__init__(message, kind)
        self.message = message
        self.kind = kind

    def __str__(self) -> str:
        return self.message


def short_message(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS] + " [...]"
    return text


def is_disk_full(exc: BaseException) -> bool:
    if isinstance(exc, OSError):
        return exc.errno in _DISK_FULL_ERRNOS
    if isinstance(exc, sqlite3.Error):
        # SQLITE_FULL: the database or its journal could not grow.
        return (getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL"
                or "disk is full" in str(exc))
    return False


def write_error(exc: BaseException, what: str) -> StoreWriteError:
    if is_disk_full(exc):
        kind = "disk_full"
    else:
        kind = "database" if isinstance(exc, sqlite3.Error) else "warc"
    return StoreWriteError(f"{what}: {short_message(exc)}", kind)
