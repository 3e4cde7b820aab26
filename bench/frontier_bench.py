"""Benchmark: the crawl shared through Redis (crawler/frontier/) by 1, 2 and 4 workers.

    .venv/bin/python -W ignore bench/frontier_bench.py [--scale 100] [--sources a,b,c]

Serves the sample sites with SCALE generated stories each from a process of its own,
starts a Redis server on 127.0.0.1 (Debian's redis-server), then crawls them:

  local      one `pressarchive crawl` without a frontier (Scrapy's memory queue)
  frontier-N N `pressarchive crawl --frontier` workers started together, one run

and reports pages (responses archived) per second, CPU seconds per page of each worker
(its own and its helper processes': the archive writer, the extraction workers), and
the queue's cost per request against the local crawl: Redis commands and Redis CPU per
request, and the extra CPU of a one-worker frontier crawl over the local one. Then a
paper simulation of the planned scale: Redis memory per queued request and per
fingerprint, measured on this Redis with this crawl's requests, and WARC bytes per day.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

RESPONSES = re.compile(r"^(\w+): (\d+) responses archived", re.M)


def serve(scale: int, port_file: Path) -> None:
    from archive.samplesites import make_server

    server = make_server("127.0.0.1", 0, scale=scale)
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


def start_sites(scale: int, work: Path) -> tuple[subprocess.Popen, str]:
    port_file = work / "port"
    process = subprocess.Popen([sys.executable, "-c", (
        "import sys; sys.path.insert(0, sys.argv[1]); from bench.frontier_bench import "
        "serve; serve(int(sys.argv[2]), __import__('pathlib').Path(sys.argv[3]))"),
        str(REPO), str(scale), str(port_file)])
    deadline = time.monotonic() + 300  # rendering SCALE stories per site takes a while
    while not port_file.exists() or not port_file.read_text():
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("the sample sites did not start")
        time.sleep(0.1)
    return process, f"http://127.0.0.1:{port_file.read_text()}"


def redis_info(url: str) -> dict:
    import redis

    info = redis.Redis.from_url(url).info()
    return {"commands": info["total_commands_processed"],
            "cpu": info["used_cpu_sys"] + info["used_cpu_user"],
            "memory": info["used_memory"]}


def crawl(args: list[str], workers: int, work: Path, label: str) -> dict:
    """Start `workers` crawl processes together; their pages, time and CPU."""
    processes = []
    for n in range(workers):
        log = open(work / f"{label}-{n}.log", "w")  # noqa: SIM115 - closed below
        extra = ["--worker", f"w{n}"] if "--frontier" in args else []
        processes.append((subprocess.Popen(
            [*args, *extra], cwd=REPO, stdout=subprocess.DEVNULL, stderr=log,
            env=dict(os.environ, PYTHONPATH=str(REPO))), log))
    started = time.monotonic()
    cpu, own = [], []
    for process, log in processes:
        # wait4: this worker's CPU with its helper processes' (writer, extraction).
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        log.close()
        cpu.append(usage.ru_utime + usage.ru_stime)
        text = Path(log.name).read_text()
        found = sum(int(n) for _name, n in RESPONSES.findall(text))
        if process.returncode not in (0, 3):
            raise RuntimeError(f"{label}: worker exited {process.returncode}: {text[-2000:]}")
        own.append(found)
    elapsed = time.monotonic() - started
    pages = sum(own)
    return {"label": label, "workers": workers, "pages": pages, "seconds": round(elapsed, 1),
            "pages_per_second": round(pages / elapsed, 1), "pages_per_worker": own,
            # Each worker's CPU over the pages it archived itself.
            "cpu_per_page_ms": [round(c / max(n, 1) * 1000, 2) for c, n in zip(cpu, own,
                                                                            strict=True)],
            "cpu_seconds": [round(c, 1) for c in cpu]}


def memory_per_entry(url: str) -> dict:
    """Redis bytes per queued request (scrapy-redis's pickled request in a sorted set)
    and per fingerprint (a 40-hex SHA1 in a set), for 20,000 of each."""
    import redis
    from scrapy import Request
    from scrapy_redis import picklecompat

    server = redis.Redis.from_url(url)
    count = 20_000
    pipe = server.pipeline()
    for n in range(count):
        request = Request(
            f"https://www.example-news.com/middle-east/coalition-strike-story-{n:07d}",
            cb_kwargs={"found_in": "sitemap", "listed_date": "2017-10-20"},
            meta={"pressarchive_article": True, "depth": 2})
        data = picklecompat.dumps(request.to_dict())
        pipe.zadd("bench:queue", {data: 0})
        pipe.sadd("bench:fingerprints", f"{n:040x}")
    pipe.execute()
    queue = server.memory_usage("bench:queue", samples=0)
    fingerprints = server.memory_usage("bench:fingerprints", samples=0)
    server.delete("bench:queue", "bench:fingerprints")
    states = url_state_bytes(server, count)
    return {"bytes_per_queued_request": round(queue / count),
            "bytes_per_fingerprint": round(fingerprints / count),
            "bytes_per_url_state": round(states / count)}


def url_state_bytes(server: Any, count: int) -> int:
    """Redis bytes of `count` article URLs' shared crawl state (archive/shared_state.py)
    as a 304 recheck leaves it: validators, schedule, two payload holders."""
    from archive.shared_state import PayloadHolder, SharedUrl
    from archive.state import UrlState

    key = "bench:state"
    pipe = server.pipeline()
    for n in range(count):
        page = f"https://www.example-news.com/middle-east/coalition-strike-story-{n:07d}"
        holder = PayloadHolder(f"<urn:uuid:{uuid.uuid4()}>", page, "2026-12-01T08:00:00Z",
                               f"sha1:{n:032X}")
        state = UrlState(page, "example", "article", "2026-12-01T08:00:00Z",
                         "2026-12-02T08:00:00Z", 304, f'"{n:016x}-gzip"',
                         "Tue, 01 Dec 2026 07:58:00 GMT", f"sha1:{n:032X}", 2,
                         "2026-12-08T08:00:00Z")
        pipe.hset(key, page, SharedUrl(state, "2026-12-02T08:00:00Z", holder,
                                       holder).encode())
    pipe.execute()
    used = server.memory_usage(key, samples=0)
    server.delete(key)
    return used


def warc_bytes_per_response(folder: Path) -> dict:
    from archive.warc.reader import iter_records

    sizes: dict[str, list[int]] = {"response": [], "revisit": [], "request": []}
    for path in folder.rglob("*.warc.gz"):
        for record in iter_records(path):
            if record.rec_type in sizes:
                sizes[record.rec_type].append(record.length)
    return {kind: round(sum(v) / len(v)) if v else 0 for kind, v in sizes.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--sources", default="trtworld,france24,ina,chinatopix,nina")
    parser.add_argument("--counts", default="1,2,4")
    options = parser.parse_args()
    from tests.helpers.redis_server import redis_server

    sources = options.sources.split(",")
    results: dict = {"machine": f"{platform.node()} {platform.machine()}, {os.cpu_count()} "
                     f"cores, Python {platform.python_version()}",
                     "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                     "scale": options.scale, "sources": sources, "runs": []}
    with tempfile.TemporaryDirectory() as tmp, redis_server(Path(tmp)) as url:
        work = Path(tmp)
        sites, via = start_sites(options.scale, work)
        try:
            base = [sys.executable, "-m", "archive.cli", "crawl", *sources, "--via", via,
                    "--delay", "0", "--workers", "1"]
            local = crawl([*base, "--archive", str(work / "local")], 1, work, "local")
            results["runs"].append(local)
            results["warc_record_bytes"] = warc_bytes_per_response(work / "local" / "warc")
            for n in (int(c) for c in options.counts.split(",")):
                before = redis_info(url)
                # A database each: the shared crawl state outlives runs, and the next
                # configuration must find its articles new, as the local crawl did.
                run = crawl([*base, "--archive", str(work / f"shared-{n}"), "--frontier",
                             f"{url}/{n}", "--frontier-run", f"bench-{n}"], n, work,
                            f"frontier-{n}")
                after = redis_info(url)
                requests = max(run["pages"], 1)
                run["redis_commands_per_request"] = round(
                    (after["commands"] - before["commands"]) / requests, 1)
                run["redis_cpu_per_request_ms"] = round(
                    (after["cpu"] - before["cpu"]) / requests * 1000, 3)
                results["runs"].append(run)
                print(json.dumps(run), file=sys.stderr)
            one = next((r for r in results["runs"] if r["label"] == "frontier-1"), None)
            if one:
                results["queue_cpu_per_request_ms"] = round(
                    (sum(one["cpu_seconds"]) - sum(local["cpu_seconds"]))
                    / max(local["pages"], 1) * 1000, 2)
            results["memory"] = memory_per_entry(url)
        finally:
            sites.terminate()
            sites.wait()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
