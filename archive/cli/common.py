"""What every `pressarchive` command shares: the one `--archive` option, how the archive
folder is chosen, and how an error a user can cause becomes one line.

Errors a user can cause (a missing archive, a broken config, an unusable index)
become one line, "Error: ...", with the exit code archive/exitcodes.py documents:
the library raises PressArchiveError, and the command group turns every one that
reaches it into that line (exit 4, 5 for a held lock), as it does a command's own
click.ClickException. A bad option stays click's usage error (exit 2). Anything else
is a bug and keeps its traceback (exit 1).
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import click

from archive import exitcodes
from archive.errors import PressArchiveError
from archive.layout import ArchiveLayout

DEFAULT_ARCHIVES = ("archive-data", "demo-archive")


class UserError(click.ClickException):
    """An error the user can fix: "Error: MESSAGE" on stderr, and a documented exit code."""

    def __init__(self, message: str, exit_code: int = exitcodes.COULD_NOT_RUN) -> None:
        # One line whatever the message holds (a TOML or SQLite message, a file name).
        super().__init__(" ".join(message.split()))
        self.exit_code = exit_code


def user_error(exc: PressArchiveError) -> UserError:
    from archive.lock import ArchiveLocked

    code = exitcodes.LOCKED if isinstance(exc, ArchiveLocked) else exitcodes.COULD_NOT_RUN
    return UserError(str(exc), code)


class PressArchiveGroup(click.Group):
    """The command group: every user error of every command ends the same way."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except PressArchiveError as exc:
            raise user_error(exc) from exc
        except click.ClickException as exc:
            # A command's own ClickException is a user error too (the convention of
            # this package): exit 4, not the 1 of an unexpected error. Usage errors
            # (2) and codes set on purpose are kept.
            if exc.exit_code == 1:
                exc.exit_code = exitcodes.COULD_NOT_RUN
            raise


def resolve_archive(archive: str | None) -> Path:
    """--archive, else $PRESSARCHIVE_ARCHIVE, else ./archive-data or ./demo-archive."""
    if archive:
        return Path(archive)
    if os.environ.get("PRESSARCHIVE_ARCHIVE"):
        return Path(os.environ["PRESSARCHIVE_ARCHIVE"])
    for candidate in DEFAULT_ARCHIVES:
        if ArchiveLayout(candidate).index_db.exists():
            return Path(candidate)
    return Path(DEFAULT_ARCHIVES[0])


archive_option = click.option(
    "--archive", "archive", metavar="DIR", envvar="PRESSARCHIVE_ARCHIVE",
    help="Archive directory (WARC files, index.db). "
    "Default: $PRESSARCHIVE_ARCHIVE, ./archive-data or ./demo-archive.",
)


def is_date(value: str) -> bool:
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True
