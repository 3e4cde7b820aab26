"""`pressarchive status`: the last runs and each source's health."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path

from archive.index.queries import article_health
from archive.layout import ArchiveLayout


@dataclass
class SourceHealth:
    source: str
    urls_known: int = 0
    articles: int = 0
    edited: int = 0
    removed: int = 0
    due_now: int = 0
    last_ok_fetch: str = ""
    last_run_errors: dict[str, int] = field(default_factory=dict)


@dataclass
class StatusReport:
    archive: str
    runs: list[dict]
    sources: list[SourceHealth]

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        lines = [f"archive: {self.archive}", "", "last runs:"]
        lines.append(f"  {'id':>4}  {'started':<20}  {'finished':<20}  {'status':<21}  exit  "
                     "new/updated/removed  errors")
        for run in self.runs:
            counts = run["counts"]
            new = sum(c.get("new_articles", 0) for c in counts.values())
            updated = sum(c.get("updated_articles", 0) for c in counts.values())
            removed = sum(c.get("removed", 0) for c in counts.values())
            errors = sum(sum(c.get("errors", {}).values()) for c in counts.values())
            exit_code = "" if run["exit_code"] is None else run["exit_code"]
            lines.append(f"  {run['id']:>4}  {run['started']:<20}  {run['finished']:<20}  "
                         f"{run['status']:<21}  {exit_code!s:>4}  "
                         f"{new:>3}/{updated:>3}/{removed:>3}          {errors}")
        lines += ["", "sources:",
                  f"  {'source':<12} {'urls':>6} {'articles':>8} {'edited':>6} {'removed':>7} "
                  f"{'due':>5}  {'last good fetch':<20}  last run's errors"]
        for s in self.sources:
            errors = ", ".join(f"{k} {v}" for k, v in s.last_run_errors.items()) or "none"
            lines.append(f"  {s.source:<12} {s.urls_known:>6} {s.articles:>8} {s.edited:>6} "
                         f"{s.removed:>7} {s.due_now:>5}  {s.last_ok_fetch:<20}  {errors}")
        return "\n".join(lines)


def archive_status(archive: Path, runs: int = 10) -> StatusReport:
    """Read-only: needs no write access to the archive (see archive/layout.py)."""
    layout = ArchiveLayout(archive)
    with layout.read_state() as state:
        recent = _recent_runs(state, runs)
        health = _url_health(state)
    if layout.has_index():
        with layout.read_index() as index:
            for source, articles, edited, removed in article_health(index):
                entry = health.setdefault(source, SourceHealth(source))
                entry.articles, entry.edited, entry.removed = articles, edited, removed
    if recent:
        for source, counts in recent[0]["counts"].items():
            health.setdefault(source, SourceHealth(source)).last_run_errors = counts.get(
                "errors", {})
    return StatusReport(archive=str(archive), runs=recent,
                        sources=[health[name] for name in sorted(health)])


def _recent_runs(state: sqlite3.Connection, runs: int) -> list[dict]:
    cursor = state.execute(
        "select id, started, finished, status, exit_code, sources, counts from crawls "
        "order by id desc limit ?", [runs])
    names = [d[0] for d in cursor.description]
    recent = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for run in recent:
        run["sources"] = json.loads(run["sources"])
        run["counts"] = json.loads(run["counts"] or "{}")
    return recent


def _url_health(state: sqlite3.Connection) -> dict[str, SourceHealth]:
    health: dict[str, SourceHealth] = {}
    for source, urls, due, last_ok in state.execute(
        "select source, count(*), "
        "sum(next_due != '' and next_due <= strftime('%Y-%m-%dT%H:%M:%SZ','now')), "
        "max(case when last_status between 200 and 399 then last_fetched end) "
        "from urls group by source"
    ):
        health[source] = SourceHealth(source, urls_known=urls, due_now=due or 0,
                                      last_ok_fetch=last_ok or "")
    return health
