"""Errors a user can cause: the CLI turns each into one clear line."""

from __future__ import annotations


class PressArchiveError(Exception):
    """Base class of errors whose message is meant for the user."""


class ConfigError(PressArchiveError):
    """The source configuration or a setting is wrong."""


class UnusableArchive(PressArchiveError):
    """The archive directory, its index or its crawl state cannot be used; `reason` says
    which way (archive/layout.py raises it, with one message per way and file)."""

    MISSING = "missing"  # no such directory or file
    WRONG_KIND = "wrong_kind"  # a file where a directory should be, or the reverse
    UNREADABLE = "unreadable"  # this user may not read it
    DAMAGED = "damaged"  # not SQLite, truncated or corrupt
    FOREIGN = "foreign"  # SQLite, but without this project's tables

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason

    def __reduce__(self) -> tuple:
        # Raised in the archive writer process and sent to the crawl: keep the reason.
        return type(self), (str(self), self.reason)
