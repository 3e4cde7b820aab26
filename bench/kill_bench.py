"""Benchmark: kill -9 a crawl again and again, then count what was lost or corrupted.

    .venv/bin/python -m bench.kill_bench [--kills 20] [--scale 100] [--seed N] [--keep]

Serves the five sample sites (`pressarchive sample-sites --scale SCALE`: at 100, 528
article pages) on 127.0.0.1, then, on one archive directory:

1. Calibration, on a scratch archive: a fresh crawl, the same crawl again (nothing new),
   one with --recheck-all (conditional requests: 304s, revisits) and one with --recheck-all
   --no-conditional (every article downloaded and extracted again). When each opens its
   spiders, when the last spider starts closing, and when it exits place the kills; the
   fresh crawl must index exactly the site's articles.
2. KILLS times: `pressarchive crawl --archive DIR --via URL --delay 0 [mode flags]`, in
   its own session, killed with SIGKILL to the whole process group (crawl process,
   archive writer, extraction fork server and workers) at a seeded random moment:
   - early (15 %): during start-up (imports, lock, repair of the last kill's torn file,
     reconciling, Scrapy start), uniform over [0, time to "Spider opened");
   - mid (65 %): once the spiders opened, a delay uniform over the time until the last
     of them starts closing (each counted from the log, so a long start-up, such as
     reconciling what the last kill left unindexed, does not draw every kill into it);
   - end (20 %): a random delay after every spider logged "Closing spider", within the
     end phase (WARC file closed, CDXJ written, run recorded).
   The mode is a plain crawl (what a scheduled run does) while the index lacks some of
   the site's articles (killed mid-crawl: an end kill would find them all indexed), then
   a seeded choice of plain, recheck (--recheck-all) and refetch (--recheck-all
   --no-conditional), so that later kills still land on archiving and indexing work.
   A crawl that ends before its kill is listed as completed and the kill drawn again.
   After every crawl: the articles in DIR/index.db (and the change), the .open files
   left, `pressarchive verify --json` (problems other than those of the .open file a
   kill leaves), the lines of stderr (repairs, reconciled pages, tracebacks). Any other
   problem, a traceback, fewer articles than before or a process outliving its group's
   kill keeps copies of the archive before and after that crawl in the work directory.
3. One plain crawl run to completion (what the next scheduled run does); if the index
   still lacks some of the site's articles, one more with --recheck-all.
4. lost = the site's article URLs (archive.samplesites.catalog, kinds article and
   unrelated) not in the `articles` table of DIR/index.db; corrupt = the problems
   `pressarchive verify --json` reports, plus any *.open file it does not report;
   then `pressarchive reextract` must give the same article URLs and texts as the live
   index, and verify runs again on the rebuilt index (its new problems count as corrupt).
   Also reextract of a copy of the archive as the last kill that left a torn .open file
   left it: it must repair that file and keep every article the index had then.

Prints a table, diagnoses each lost article (its state row, captures, WARC records) and
each problem, and ends with `lost N, corrupt M over K kills`; exits 1 if N or M is not
zero, or if reextract fails or differs (the work directory is then kept). Each crawl has
a time limit (--crawl-timeout). At the defaults it takes 2-4 minutes on 2 cores.

One file over 500 lines on purpose: a benchmark run by hand, read top to bottom with its
results (docs/benchmarks.md), not a module anything imports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MODES = {
    "plain": [],
    "recheck": ["--recheck-all"],
    "refetch": ["--recheck-all", "--no-conditional"],
}
KILL_SHARES = {"early": 0.15, "end": 0.20}  # the rest: mid
TRACEBACK = "Traceback (most recent call last)"
# Log lines that mark the phase a crawl is in (the last one seen before the kill).
PHASE_MARKERS = (
    ("WARC repair:", "start-up: repaired"),
    ("were never indexed", "start-up: reconciling"),
    ("Scrapy ", "scrapy start"),
    ("Spider opened", "crawling"),
    ("Closing spider", "closing spiders"),
    ("closed WARC file", "WARC closed"),
    (" closed: ", "CDXJ, recording run"),
    ("status: ", "exiting"),
)


def pressarchive() -> list[str]:
    script = Path(sys.executable).parent / "pressarchive"
    return [str(script)] if script.exists() else [sys.executable, "-m", "archive.cli"]


@dataclass
class Crawl:
    """One crawl: how it was meant to end and what it left."""

    number: int
    mode: str
    kind: str  # early, mid, end, or final
    # Seconds after start (early), after "Spider opened" (mid), or after the last spider's
    # "Closing spider" (end).
    planned: float = 0.0
    killed: bool = False
    timed_out: bool = False
    at: float = 0.0  # seconds after start at the kill (or the end)
    phase: str = ""
    rc: int | None = None
    seconds: float = 0.0
    opened_at: float | None = None  # "Spider opened" first seen
    closing_at: float | None = None  # "Closing spider" seen for every spider opened
    before: int | None = None  # articles in the index before
    after: int | None = None
    index_error: str = ""
    open_files: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    reconciled: int = 0
    captures_added: int = 0  # said in the summary of a crawl that ends
    problems: list[dict] = field(default_factory=list)  # verify, other than unclosed files
    unclosed: int = 0
    tracebacks: list[str] = field(default_factory=list)
    survivors: int = 0  # processes of the group still there 30 s after SIGKILL
    log: Path | None = None

    @property
    def plan(self) -> str:
        if self.kind in ("mid", "end"):
            return f"{self.kind} +{self.planned:.2f}"
        if self.kind == "early":
            return f"early {self.planned:.2f}"
        return self.kind

    @property
    def outcome(self) -> str:
        if self.timed_out:
            return "TIME LIMIT"
        if self.killed:
            return f"killed {self.at:.2f}"
        return f"exit {self.rc}"

    @property
    def delta(self) -> str:
        if self.after is None:
            return f"- ({self.index_error})" if self.index_error else "-"
        if self.before is None:
            return str(self.after)
        return f"{self.after} ({self.after - self.before:+d})"


def start_server(scale: int, work: Path) -> tuple[subprocess.Popen, str]:
    log = work / "sample-sites.log"
    with open(log, "wb") as stderr:
        server = subprocess.Popen([*pressarchive(), "sample-sites", "--scale", str(scale),
                                   "--port", "0"], stdout=subprocess.DEVNULL, stderr=stderr,
                                  cwd=REPO, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        match = re.search(r"on http://127\.0\.0\.1:(\d+)/", log.read_text(errors="replace"))
        if match:
            return server, f"http://127.0.0.1:{match.group(1)}"
        if server.poll() is not None:
            break
        time.sleep(0.1)
    server.kill()
    raise SystemExit(f"the sample sites did not start:\n{log.read_text(errors='replace')}")


def site_articles(scale: int) -> set[str]:
    from archive.samplesites import catalog

    return {p.url for p in catalog(1, scale) if p.kind in ("article", "unrelated")}


def index_texts(archive: Path) -> tuple[dict[str, str] | None, str]:
    """url -> text of the `articles` table, read-only (None and why if unreadable)."""
    path = archive / "index.db"
    if not path.exists():
        return None, "no index.db"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return dict(conn.execute("select url, text from articles")), ""
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return None, str(exc)


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc."""
    members = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            fields = (proc / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(proc.name))
    return members


def wait_group_gone(pgid: int, timeout: float = 30) -> int:
    """Wait until no process of the group lives; returns how many outlived the timeout
    (they are killed then)."""
    deadline = time.monotonic() + timeout
    while (members := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in members:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return len(members)


def run_crawl(crawl: Crawl, archive: Path, via: str, logs: Path, timeout: float) -> Crawl:
    """Run one crawl; kill its process group as crawl.kind / crawl.planned say."""
    crawl.log = logs / f"crawl-{crawl.number:02d}-{crawl.mode}.log"
    command = [*pressarchive(), "crawl", "--archive", str(archive), "--via", via,
               "--delay", "0", *MODES[crawl.mode]]
    text = ""
    with open(crawl.log, "wb") as stderr:
        started = time.monotonic()
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=stderr,
                                   env=dict(os.environ, PYTHONUNBUFFERED="1"),
                                   start_new_session=True)
        kill_at = crawl.planned if crawl.kind == "early" else None
        with open(crawl.log, "rb") as reader:
            while True:
                now = time.monotonic() - started
                text += reader.read().decode("utf-8", "replace")
                if crawl.opened_at is None and "Spider opened" in text:
                    crawl.opened_at = now
                    if crawl.kind == "mid":
                        kill_at = now + crawl.planned
                if (crawl.closing_at is None
                        and 0 < text.count("Spider opened") <= text.count("Closing spider")):
                    crawl.closing_at = now
                    if crawl.kind == "end":
                        kill_at = now + crawl.planned
                if process.poll() is not None:
                    break
                if kill_at is not None and now >= kill_at or now >= timeout:
                    crawl.phase = phase_of(text)
                    crawl.at = now
                    crawl.killed = now < timeout
                    crawl.timed_out = not crawl.killed
                    try:
                        os.killpg(process.pid, signal.SIGKILL)  # writer, workers: all
                    except ProcessLookupError:
                        pass
                    process.wait()
                    crawl.survivors = wait_group_gone(process.pid)
                    break
                time.sleep(0.005)
        crawl.rc = process.returncode
        crawl.seconds = time.monotonic() - started
        if not crawl.killed:
            crawl.at = crawl.seconds
            # Its writer and workers have left, or leave when they see it gone.
            crawl.survivors = wait_group_gone(process.pid)
    text = crawl.log.read_text(errors="replace")
    crawl.tracebacks = tracebacks(text)
    crawl.repairs = [line.split("WARC repair: ", 1)[1] for line in text.splitlines()
                     if "WARC repair: " in line]
    match = re.search(r"(\d+) archived article page\(s\) were never indexed", text)
    crawl.reconciled = int(match.group(1)) if match else 0
    match = re.search(r"(\d+) archived response\(s\) an earlier run left without a capture", text)
    crawl.captures_added = int(match.group(1)) if match else 0
    return crawl


def phase_of(text: str) -> str:
    phase = "start-up"
    for line in text.splitlines():
        for marker, name in PHASE_MARKERS:
            if marker in line and (marker != "Scrapy " or " started" in line):
                phase = name
    return phase


def tracebacks(text: str) -> list[str]:
    """Each traceback in a log: its first frame's line and its last line."""
    found = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if TRACEBACK in line:
            tail = [ln for ln in lines[i + 1:i + 200] if ln and not ln.startswith(" ")]
            found.append(tail[0] if tail else line)
    return found


def verify(archive: Path, logs: Path, name: str) -> tuple[dict | None, str]:
    result = subprocess.run([*pressarchive(), "verify", "--archive", str(archive), "--json"],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    (logs / f"verify-{name}.log").write_text(result.stdout + result.stderr)
    try:
        return json.loads(result.stdout), result.stderr
    except json.JSONDecodeError:
        return None, f"verify exit {result.returncode}: {result.stderr.strip()[-500:]}"


def is_unclosed(problem: dict) -> bool:
    """What verify says of the .open file a kill leaves (torn, index rows pointing into it):
    the next crawl repairs it."""
    return problem["path"].endswith(".open")


def after_crawl(crawl: Crawl, archive: Path, logs: Path) -> None:
    texts, crawl.index_error = index_texts(archive)
    crawl.after = None if texts is None else len(texts)
    crawl.open_files = sorted(p.name for p in (archive / "warc").glob("*.open"))
    if not (archive / "warc").is_dir() and not (archive / "index.db").exists():
        return  # killed before it created anything: nothing to verify
    report, error = verify(archive, logs, f"{crawl.number:02d}")
    if report is None:
        crawl.problems = [{"path": str(archive), "offset": 0, "message": error}]
        return
    crawl.problems = [p for p in report["problems"] if not is_unclosed(p)]
    crawl.unclosed = len(report["problems"]) - len(crawl.problems)


def calibrate(via: str, work: Path, site: set[str], timeout: float) -> dict[str, dict]:
    """Durations of each mode on a scratch archive: fresh, nothing new, recheck, refetch."""
    archive, logs = work / "calibration", work / "logs"
    figures = {}
    for number, (name, mode) in enumerate([("new", "plain"), ("plain", "plain"),
                                           ("recheck", "recheck"), ("refetch", "refetch")]):
        crawl = run_crawl(Crawl(-1 - number, mode, "calibration"), archive, via, logs, timeout)
        texts, error = index_texts(archive)
        if crawl.rc != 0 or crawl.tracebacks or texts is None:
            raise SystemExit(f"calibration crawl {name} failed (exit {crawl.rc}, {error}): "
                             f"see {crawl.log}")
        if name == "new" and set(texts) != site:
            raise SystemExit(
                f"a clean crawl does not index exactly the site's articles: "
                f"{len(site - set(texts))} missing (e.g. {sorted(site - set(texts))[:3]}), "
                f"{len(set(texts) - site)} not in the catalog "
                f"(e.g. {sorted(set(texts) - site)[:3]}); see {crawl.log}")
        opened = crawl.opened_at or 1.0
        closing = max(crawl.closing_at or crawl.seconds, opened + 0.1)
        figures[name] = {"opened": opened, "closing": closing,
                         "end": max(crawl.seconds - closing, 0.05)}
        print(f"calibration {name:<8} ({' '.join(MODES[mode]) or 'plain crawl'}): "
              f"{crawl.seconds:.1f} s: spiders opened at {opened:.2f} s, all closing at "
              f"{closing:.2f} s, end phase {figures[name]['end']:.2f} s; {len(texts)} articles",
              flush=True)
    shutil.rmtree(archive, ignore_errors=True)
    return figures


def expected(mode: str, figures: dict[str, dict], missing: int, total: int) -> dict:
    """Expected duration and phases of a crawl of this mode now."""
    if mode != "plain":
        return figures[mode]
    new, base = figures["new"], figures["plain"]
    share = min(max(missing / total, 0.0), 1.0)
    return {key: base[key] + (new[key] - base[key]) * share for key in base}


def kill_kinds(kills: int, rng: random.Random) -> list[str]:
    early = round(kills * KILL_SHARES["early"]) if kills >= 3 else 0
    end = max(round(kills * KILL_SHARES["end"]), 1) if kills >= 2 else 0
    kinds = ["early"] * early + ["end"] * end + ["mid"] * (kills - early - end)
    rng.shuffle(kinds)
    return kinds


def plan_kill(kind: str, shape: dict, rng: random.Random) -> float:
    if kind == "early":
        return rng.uniform(0.0, shape["opened"])
    if kind == "end":
        return rng.uniform(0.0, shape["end"])
    return rng.uniform(0.0, shape["closing"] - shape["opened"])


def reextract_torn(archive: Path, logs: Path) -> dict:
    """`pressarchive reextract` of a copy of the archive as a kill left it (a torn .open
    file, an index behind the WARCs): the rebuild must keep every article of that index."""
    live, _ = index_texts(archive)
    live = live or {}
    index_before = (archive / "index.db").resolve()
    result = subprocess.run([*pressarchive(), "reextract", "--archive", str(archive)],
                            cwd=REPO, capture_output=True, text=True, timeout=900)
    (logs / "reextract-torn.log").write_text(result.stdout + result.stderr)
    rebuilt, _ = index_texts(archive)
    rebuilt = rebuilt or {}
    lost = set(live) - set(rebuilt)
    differ = {u for u in set(live) & set(rebuilt) if live[u] != rebuilt[u]}
    swapped = (archive / "index.db").resolve() != index_before
    open_left = len(list((archive / "warc").glob("*.open")))
    return {"rc": result.returncode, "before": len(live), "after": len(rebuilt), "lost": lost,
            "differ": differ, "swapped": swapped, "open_left": open_left,
            "stderr": result.stderr,
            "ok": result.returncode == 0 and swapped and not lost and not differ
            and not open_left}


def snapshot(archive: Path, dest: Path) -> None:
    shutil.rmtree(dest, ignore_errors=True)
    if archive.exists():
        shutil.copytree(archive, dest, symlinks=True)


def state_runs(archive: Path) -> dict[str, int]:
    try:
        conn = sqlite3.connect(f"file:{archive / 'state' / 'state.db'}?mode=ro", uri=True)
        try:
            return dict(conn.execute("select status, count(*) from crawls group by status"))
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return {f"unreadable: {exc}": 0}


def warc_records_for(archive: Path, urls: set[str]) -> dict[str, list[str]]:
    """url -> 'file@offset type status' of every record about it (warcio, tolerant)."""
    from warcio.archiveiterator import ArchiveIterator

    found: dict[str, list[str]] = {url: [] for url in urls}
    for path in sorted((archive / "warc").glob("*.warc.gz*")):
        try:
            with open(path, "rb") as fh:
                iterator = ArchiveIterator(fh)
                for record in iterator:
                    url = record.rec_headers.get_header("WARC-Target-URI")
                    if url in found and record.rec_type in ("response", "revisit"):
                        status = record.http_headers.get_statuscode() if record.http_headers \
                            else "?"
                        found[url].append(f"{path.name}@{iterator.get_record_offset()} "
                                          f"{record.rec_type} {status}")
        except Exception as exc:  # noqa: BLE001 - a torn file: report where reading stopped
            for url in found:
                found[url].append(f"{path.name}: unreadable past here ({exc.__class__.__name__})")
    return found


def diagnose_lost(archive: Path, lost: set[str], limit: int = 10) -> list[str]:
    lines = []
    urls = set(sorted(lost)[:limit])
    records = warc_records_for(archive, urls)
    for url in sorted(urls):
        lines.append(f"  {url}")
        for label, db, query in (
                ("state", archive / "state" / "state.db",
                 "select kind, first_seen, last_fetched, last_status, fetches, next_due "
                 "from urls where url = ?"),
                ("capture", archive / "index.db",
                 "select id, status, rec_type, warc_file, warc_offset, fetched_at "
                 "from captures where url = ? order by id"),
                ("non_article", archive / "index.db",
                 "select status, error, fetched_at from non_articles where url = ?")):
            try:
                conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
                try:
                    rows = conn.execute(query, (url,)).fetchall()
                finally:
                    conn.close()
            except sqlite3.Error as exc:
                rows = [(f"{db.name} unreadable: {exc}",)]
            lines += [f"    {label}: {row}" for row in rows] or [f"    {label}: no row"]
        lines += [f"    warc: {r}" for r in records[url]] or ["    warc: no record"]
    if len(lost) > limit:
        lines.append(f"  ... and {len(lost) - limit} more")
    return lines


def print_table(crawls: list[Crawl]) -> None:
    header = ("#", "mode", "kill plan", "outcome", "phase at kill", "reconciled", "repairs",
              "articles (change)", ".open", "verify", "tracebacks")
    rows = [header]
    for c in crawls:
        rows.append((str(c.number), c.mode, c.plan, c.outcome, c.phase or "-",
                     str(c.reconciled), str(len(c.repairs)), c.delta,
                     str(len(c.open_files)),
                     f"{len(c.problems)}" + (f" (+{c.unclosed} unclosed)" if c.unclosed else ""),
                     str(len(c.tracebacks))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def main() -> int:  # noqa: C901 - a bench script's sequence of phases, read top to bottom
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--scale", type=int, default=100,
                        help="generated articles per source (100: 528 articles in all)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the kill plan (default: a random one, printed)")
    parser.add_argument("--crawl-timeout", type=float, default=180.0,
                        help="time limit of one crawl, seconds")
    parser.add_argument("--work", help="work directory (default: a new one in $TMPDIR)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work directory (it is kept anyway on failure)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    rng = random.Random(seed)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="kill-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    archive, logs = work / "archive", work / "logs"
    logs.mkdir(exist_ok=True)
    begun = time.monotonic()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(f"kills {args.kills}, scale {args.scale}, seed {seed}; work directory {work}",
          flush=True)
    site = site_articles(args.scale)
    server, via = start_server(args.scale, work)
    failed = True
    try:
        print(f"sample sites on {via}: {len(site)} articles", flush=True)
        figures = calibrate(via, work, site, args.crawl_timeout)
        crawls: list[Crawl] = []
        kinds = kill_kinds(args.kills, rng)
        kills = attempts = 0
        torn_from: Crawl | None = None
        count = 0
        while kills < args.kills and attempts < 2 * args.kills + 5:
            attempts += 1
            missing = len(site) - count
            if missing > 0 and kinds[kills] == "end" and "mid" in kinds[kills:]:
                # While articles are new, kill mid-crawl: an end kill finds them all indexed.
                other = kinds.index("mid", kills)
                kinds[kills], kinds[other] = kinds[other], kinds[kills]
            kind = kinds[kills]
            if missing > 0:
                mode = "plain"
            else:
                mode = rng.choice(list(MODES))
            shape = expected(mode, figures, missing, len(site))
            crawl = Crawl(len(crawls) + 1, mode, kind, plan_kill(kind, shape, rng), before=count)
            snapshot(archive, work / "before-last")
            run_crawl(crawl, archive, via, logs, args.crawl_timeout)
            after_crawl(crawl, archive, logs)
            crawls.append(crawl)
            kills += crawl.killed
            anomaly = (crawl.problems or crawl.tracebacks or crawl.survivors or crawl.timed_out
                       or (crawl.after or 0) < count
                       or (not crawl.killed and crawl.rc not in (0, 3)))
            if anomaly:
                if (work / "before-last").exists():
                    os.replace(work / "before-last", work / f"before-{crawl.number:02d}")
                snapshot(archive, work / f"after-{crawl.number:02d}")
            count = crawl.after or 0
            if crawl.open_files and crawl.after:
                snapshot(archive, work / "torn-last")  # for reextract of a torn archive
                torn_from = crawl
            print(f"crawl {crawl.number:2d} {mode:<7} {crawl.plan:<11} {crawl.outcome:<13} "
                  f"phase {crawl.phase or '-':<20} articles {crawl.delta:<11} "
                  f"reconciled {crawl.reconciled:3d}, repairs {len(crawl.repairs)}, "
                  f".open {len(crawl.open_files)}, verify problems {len(crawl.problems)}"
                  f"{', TRACEBACK' if crawl.tracebacks else ''}"
                  f"{', ANOMALY: snapshots kept' if anomaly else ''}", flush=True)
        shutil.rmtree(work / "before-last", ignore_errors=True)

        # What the next scheduled run makes of it; --recheck-all only if still needed.
        final = run_crawl(Crawl(len(crawls) + 1, "plain", "final", before=count),
                          archive, via, logs, args.crawl_timeout)
        after_crawl(final, archive, logs)
        crawls.append(final)
        texts, error = index_texts(archive)
        missing_after_plain = site - set(texts or {})
        plain_diagnosis = diagnose_lost(archive, missing_after_plain) if missing_after_plain \
            else []
        if missing_after_plain:
            final = run_crawl(Crawl(len(crawls) + 1, "recheck", "final", before=final.after),
                              archive, via, logs, args.crawl_timeout)
            after_crawl(final, archive, logs)
            crawls.append(final)
            texts, error = index_texts(archive)
        live = texts or {}
        lost = site - set(live)
        extra = set(live) - site

        report, verify_error = verify(archive, logs, "final")
        problems = report["problems"] if report else [
            {"path": str(archive), "offset": 0, "message": verify_error}]
        corrupt = max(report["problems_total"], len(problems)) if report else 1
        not_checked = report.get("not_checked", []) if report else []
        leftovers = sorted(str(p) for p in (archive / "warc").glob("*.open"))
        unreported = [p for p in leftovers if not any(q["path"] == p for q in problems)]
        corrupt += len(unreported)

        index_before = (archive / "index.db").resolve()
        started = time.monotonic()
        result = subprocess.run([*pressarchive(), "reextract", "--archive", str(archive)],
                                cwd=REPO, capture_output=True, text=True, timeout=900)
        reextract_seconds = time.monotonic() - started
        (logs / "reextract.log").write_text(result.stdout + result.stderr)
        swapped = (archive / "index.db").resolve() != index_before
        rebuilt, rebuilt_error = index_texts(archive)
        rebuilt = rebuilt or {}
        torn = reextract_torn(work / "torn-last", logs) if torn_from else None
        report2, verify2_error = verify(archive, logs, "after-reextract")
        problems2 = report2["problems"] if report2 else [
            {"path": str(archive), "offset": 0, "message": verify2_error}]
        seen = {(p["path"], p["offset"], p["message"]) for p in problems}
        new_problems = [p for p in problems2
                        if (p["path"], p["offset"], p["message"]) not in seen]
        problems += new_problems
        corrupt += len(new_problems)

        print()
        print_table(crawls)
        killed = [c for c in crawls if c.killed]
        by_kind = {k: sum(c.kind == k for c in killed) for k in ("early", "mid", "end")}
        by_mode = {m: sum(c.mode == m for c in killed) for m in MODES}
        phases: dict[str, int] = {}
        for c in killed:
            phases[c.phase] = phases.get(c.phase, 0) + 1
        print()
        finals = sum(c.kind == "final" for c in crawls)
        ended = sum(c.kind != "final" and not c.killed for c in crawls)
        print(f"kills: {len(killed)} ({', '.join(f'{k} {n}' for k, n in by_kind.items())}; "
              f"modes {', '.join(f'{m} {n}' for m, n in by_mode.items())}); {ended} crawl(s) "
              f"ended before their kill; {finals} final crawl(s)")
        print("phases at kill: " + ", ".join(f"{p} {n}" for p, n in sorted(phases.items())))
        print(f"runs in state.db: {state_runs(archive)}")
        repairs = [r for c in crawls for r in c.repairs]
        cut = [int(m.group(1)) for r in repairs if (m := re.search(r"cut (\d+) bytes", r))]
        print(f".open files repaired by the next crawl: {len(repairs)}, {len(cut)} of them torn "
              f"({sum(cut)} bytes cut), the others complete; reconciled at start-up "
              f"{sum(c.reconciled for c in crawls)} article pages (counted again when a crawl "
              f"was killed while reconciling); capture rows added for responses a killed run "
              f"archived without one: {sum(c.captures_added for c in crawls)} (said only by "
              f"crawls that ended)")
        print(f"site articles: {len(site)}; in the index after the final crawl(s): {len(live)}"
              f"{f' ({error})' if error else ''}; not indexed by the next plain crawl: "
              f"{len(missing_after_plain)}; lost: {len(lost)}; in the index but not on the "
              f"site: {len(extra)}")
        if plain_diagnosis:
            print("not indexed by the next plain crawl (before the --recheck-all one):")
            print("\n".join(plain_diagnosis))
        if lost:
            print("lost articles:")
            print("\n".join(diagnose_lost(archive, lost)))
        print(f"verify: {report['files_checked'] if report else '?'} files, "
              f"{report['records_checked'] if report else '?'} records, "
              f"{report['index_rows_checked'] if report else '?'} index rows; problems "
              f"{len(problems)}, .open files left {len(leftovers)} "
              f"({len(unreported)} not reported by verify)")
        for problem in problems[:20]:
            print(f"  {problem['path']}@{problem['offset']}: {problem['message']}")
        during = [(c.number, p) for c in crawls for p in c.problems]
        if during:
            print(f"verify problems right after a crawl (other than its .open file): "
                  f"{len(during)}")
            for number, p in during[:20]:
                print(f"  after crawl {number}: {Path(p['path']).name}@{p['offset']}: "
                      f"{p['message']}")
        if not_checked:
            print(f"verify did not check: {not_checked}")
        differ = sorted(u for u in set(live) & set(rebuilt) if live[u] != rebuilt[u])
        same = result.returncode == 0 and swapped and set(live) == set(rebuilt) and not differ
        print(f"reextract (exit {result.returncode}, {reextract_seconds:.1f} s, "
              f"{'new index swapped in' if swapped else 'INDEX NOT SWAPPED IN'}): "
              f"{len(rebuilt)} articles{f' ({rebuilt_error})' if rebuilt_error else ''}; "
              + ("same URLs and texts as the live index" if same else
                 f"DIFFERS: only live {len(set(live) - set(rebuilt))}, only rebuilt "
                 f"{len(set(rebuilt) - set(live))}, texts differ {len(differ)}"))
        if result.returncode != 0:
            print(f"  reextract stderr: {result.stderr.strip()[-1000:]}")
        for url in sorted((set(live) ^ set(rebuilt)) | set(differ))[:10]:
            print(f"  {url}")
        if torn_from and torn:
            print(f"reextract of the archive as kill {torn_from.number} left it "
                  f"({torn_from.mode}, {torn_from.phase}, {len(torn_from.open_files)} .open "
                  f"file(s), {torn['before']} articles indexed): exit {torn['rc']}, "
                  f"{torn['after']} articles, .open left {torn['open_left']}, index "
                  f"{'swapped in' if torn['swapped'] else 'NOT SWAPPED IN'}; articles of the "
                  f"index it lacks {len(torn['lost'])}, texts differ {len(torn['differ'])}")
            if torn["rc"] != 0:
                print(f"  reextract stderr: {torn['stderr'][-1000:]}")
            for url in sorted(torn["lost"] | torn["differ"])[:10]:
                print(f"  {url}")
            same = same and torn["ok"]
        all_tracebacks = [(c.number, t) for c in crawls for t in c.tracebacks]
        all_tracebacks += [("reextract", t) for t in tracebacks(result.stderr)]
        if torn:
            all_tracebacks += [("reextract torn", t) for t in tracebacks(torn["stderr"])]
        print(f"tracebacks in crawl stderr: {len(all_tracebacks)}")
        for number, line in all_tracebacks[:20]:
            print(f"  crawl {number}: {line}")
        survivors = sum(c.survivors for c in crawls)
        if survivors:
            print(f"processes still alive 30 s after their group was killed: {survivors}")
        print(f"bench time {time.monotonic() - begun:.0f} s; logs in {logs}")
        print(f"lost {len(lost)}, corrupt {corrupt} over {len(killed)} kills")
        failed = bool(lost or corrupt or not same)
        return 1 if failed else 0
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        if failed or args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
