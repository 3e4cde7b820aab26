"""Exit codes of `pressarchive`, for schedulers and scripts.

crawl and reextract use all of them; every other command exits COULD_NOT_RUN on an
error the user can cause (one "Error:" line: archive/cli/common.py turns every
PressArchiveError and ClickException into it), and `extract` FINISHED_WITH_ERRORS
when some of its files could not be extracted.

    0  OK                    the run finished and every source was crawled cleanly
    3  FINISHED_WITH_ERRORS  the run finished and the archive is consistent, but some
                             pages or sources failed (see the log), or it stopped on a
                             full disk (status disk_full); the next run retries
    4  COULD_NOT_RUN         nothing was done: bad configuration, archive unusable
    5  LOCKED                nothing was done: another run holds the archive (ArchiveLock)
    6  PROBLEMS_FOUND        `verify` checked the archive and found problems (listed), or
                             `health` flagged a source whose extraction figures fell
                             sharply (a site redesign)

Why these numbers: 1 is what click (and Python itself) exit with on an unexpected error
or an abort (click.ClickException, Ctrl-C) and 2 is click's usage error (bad option), so
a scheduler could not tell those apart from ours. Starting at 3 keeps every code below
this module's meaning unambiguous, and stays clear of the shell's 126-128+N (cannot
execute, not found, killed by signal N).

systemd's pressarchive-crawl.service lists FINISHED_WITH_ERRORS in SuccessExitStatus;
tests/test_scheduling_files.py checks that the unit and these numbers agree.
"""

from __future__ import annotations

OK = 0
FINISHED_WITH_ERRORS = 3
COULD_NOT_RUN = 4
LOCKED = 5
PROBLEMS_FOUND = 6

__all__ = ["OK", "FINISHED_WITH_ERRORS", "COULD_NOT_RUN", "LOCKED", "PROBLEMS_FOUND"]
