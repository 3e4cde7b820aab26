"""What ``verify`` found: problems (each with its file and offset), what it checked, and
what it left unchecked and why."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive.errors import PressArchiveError

# Listed at most; a broken archive can have a problem per record, and all are counted.
_MAX_PROBLEMS = 1000


class VerifyError(PressArchiveError):
    """The archive cannot be verified at all (no such directory)."""


@dataclass(frozen=True)
class Problem:
    path: Path
    offset: int | None  # None: the problem concerns the whole file
    message: str

    def __str__(self) -> str:
        where = f"offset {self.offset}" if self.offset is not None else "whole file"
        return f"{self.path}: {where}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "offset": self.offset, "message": self.message}


@dataclass
class VerifyReport:
    archive_dir: Path
    files_checked: int = 0
    records_checked: int = 0
    index_rows_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    problems_total: int = 0  # more than len(problems) if the list was capped
    # What was not checked and why (a running crawl's file): said, not counted.
    notes: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problems_total == 0

    def add(self, path: Path, offset: int | None, message: str) -> None:
        self.problems_total += 1
        if len(self.problems) < _MAX_PROBLEMS:
            self.problems.append(Problem(path, offset, message))

    def summary(self) -> str:
        checked = (f"{self.files_checked} WARC file(s), {self.records_checked} records"
                   + (f", {self.index_rows_checked} index rows" if self.index_rows_checked
                      else ""))
        if self.ok:
            return f"OK: {checked} checked, no problems"
        omitted = self.problems_total - len(self.problems)
        more = f" ({omitted} not listed)" if omitted else ""
        return f"FAILED: {self.problems_total} problem(s){more}; {checked} checked"

    def format(self) -> str:
        """One line per problem (file, offset, what is wrong), then a summary line."""
        problems = sorted(self.problems, key=lambda p: (str(p.path), p.offset or 0))
        notes = [f"not checked: {note}" for note in self.notes]
        return "\n".join([*notes, *(str(p) for p in problems), self.summary()])

    def to_dict(self) -> dict[str, Any]:
        return {
            "archive": str(self.archive_dir), "ok": self.ok,
            "files_checked": self.files_checked, "records_checked": self.records_checked,
            "index_rows_checked": self.index_rows_checked,
            "problems_total": self.problems_total,
            "problems": [p.to_dict() for p in self.problems],
            "not_checked": [p.to_dict() for p in self.notes],
        }
