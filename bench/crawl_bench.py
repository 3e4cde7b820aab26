"""Benchmark: crawling the scaled sample sites, bare Scrapy against ours.

    .venv/bin/python -W ignore bench/crawl_bench.py [--scale 1000] [--repeat 3]

Serves the five sample sites with SCALE generated articles each (5 x SCALE
pages, plus feeds, sitemaps, listings) from a separate process on 127.0.0.1,
then crawls them, each run in its own process, with the same Scrapy settings
(no delay, 16 concurrent requests, 8 per host, robots.txt obeyed); bare and warc
run REPEAT times each, alternating, and their medians are compared:

  bare   a plain Scrapy spider that only follows the same discovery links
         (sitemaps, feeds, listings) to the article pages; no WARC, no index,
         none of our extensions
  bare-gc  the same with the crawl's garbage-collector tuning (crawler/gctuning.py),
         to show what of our lead that tuning alone gives
  warc   our crawl with WARC writing (capture rows and crawl state too) but
         no extraction or article index; the archive writer process writes
  warc-inline  the same with PRESSARCHIVE_WARC_WRITER_PROCESS off: the
         records are written in the crawl process (what the writer saves)
  full   our crawl: WARC, extraction in worker processes, index

and reports pages per second and peak memory (RSS) of each, then re-extracts
the full crawl's archive and reports its peak memory. Both crawlers route
requests with the project's --via download handler (the bare spider needs it
to reach 127.0.0.1 under the real host names).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

COMMON = {
    "DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False, "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"),
    "ROBOTSTXT_OBEY": True,
    "TELNETCONSOLE_ENABLED": False, "REMOTE_CONTROL_ENABLED": False,
}


def serve(scale: int, port_file: Path) -> None:
    from archive.samplesites import make_server

    server = make_server("127.0.0.1", 0, scale=scale)
    port_file.write_text(str(server.server_address[1]))
    server.serve_forever()


def bare_spider_class():  # noqa: C901 - the baseline spider, kept in one piece to compare
    import scrapy

    from archive.sources import load_sources
    from crawler.discovery import DiscoveryError, feed_links, sitemap_links

    sources = load_sources()

    class BareSpider(scrapy.Spider):
        """Follows sitemaps, feeds and listings to article pages; keeps nothing."""

        name = "bare"

        async def start(self):
            for source in sources.values():
                for url in source.feeds:
                    yield scrapy.Request(url, self.parse_feed, cb_kwargs={"source": source})
                for url in source.sitemaps:
                    yield scrapy.Request(url, self.parse_sitemap, cb_kwargs={"source": source})
                for url in source.sections:
                    yield scrapy.Request(url, self.parse_listing,
                                         cb_kwargs={"source": source, "page": 1})

        def parse_feed(self, response, source):
            try:
                links = feed_links(response.body)
            except DiscoveryError:
                return
            for link in links:
                if source.is_article(link.url):
                    yield scrapy.Request(link.url, self.parse_article)

        def parse_sitemap(self, response, source):
            try:
                links = sitemap_links(response.body)
            except DiscoveryError:
                return
            for link in links:
                if link.is_sitemap:
                    yield scrapy.Request(link.url, self.parse_sitemap, cb_kwargs={"source": source})
                elif source.is_article(link.url):
                    yield scrapy.Request(link.url, self.parse_article)

        def parse_listing(self, response, source, page):
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                if source.is_article(url):
                    yield scrapy.Request(url, self.parse_article)
                elif source.is_listing(url) and page < source.max_listing_pages:
                    yield scrapy.Request(url, self.parse_listing,
                                         cb_kwargs={"source": source, "page": page + 1})

        def parse_article(self, response):
            return None

    return BareSpider


def run_variant(variant: str, via: str, archive: Path, result_file: Path) -> None:
    from scrapy.crawler import CrawlerProcess

    from archive.crawl import CrawlOptions, crawl_settings
    from archive.sources import load_sources

    settings = crawl_settings(CrawlOptions(archive=archive, via=via, delay=0.0,
                                           log_level="WARNING"))
    settings.setdict(COMMON, priority="cmdline")
    process = CrawlerProcess(settings)
    crawlers = []
    if variant in ("bare", "bare-gc"):
        settings.setdict({"DOWNLOADER_MIDDLEWARES": {}, "ITEM_PIPELINES": {}},
                         priority="cmdline")
        if variant == "bare":
            settings.set("EXTENSIONS", {}, priority="cmdline")
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(bare_spider_class())
        crawlers.append(crawler)
        process.crawl(crawler)
    else:
        if variant in ("warc", "warc-inline"):
            settings.set("PRESSARCHIVE_INDEX_ENABLED", False, priority="cmdline")
        if variant == "warc-inline":
            settings.set("PRESSARCHIVE_WARC_WRITER_PROCESS", False, priority="cmdline")
        process = CrawlerProcess(settings)
        for name in load_sources():
            crawler = process.create_crawler(name)
            crawlers.append(crawler)
            process.crawl(crawler)
    started, cpu_before = time.monotonic(), cpu_seconds()
    process.start()
    seconds = time.monotonic() - started
    cpu_self, cpu_children = (after - before for after, before in zip(cpu_seconds(), cpu_before,
                                                                      strict=True))
    responses = sum(c.stats.get_value("downloader/response_count", 0) for c in crawlers)
    articles = sum(c.stats.get_value("articles/ok", 0) for c in crawlers)
    # Extraction workers are forked by a fork server: not in this process's rusage.
    cpu_children += max((c.stats.get_value("extract/workers_cpu_seconds", 0.0)
                         for c in crawlers), default=0.0)
    workers_peak = max((c.stats.get_value("extract/workers_peak_rss_mb", 0.0)
                        for c in crawlers), default=0.0)
    result_file.write_text(json.dumps({"seconds": seconds, "responses": responses,
                                       "articles": articles, "cpu_self": cpu_self,
                                       "cpu_children": cpu_children,
                                       "extract_workers_peak_mb": workers_peak, **peak_rss()}))


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a running process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> tuple[float, float]:
    """CPU time (user + system) of this process and of its ended children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def peak_rss() -> dict[str, float]:
    """Peak RSS of this process and of its largest child process (the archive writer),
    MB. Extraction workers are not its children (a fork server forks them): they
    report their own memory."""
    return {
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def measure(args: list[str]) -> dict:
    """Run one variant in its own process; its result includes its peak RSS."""
    result_file = Path(tempfile.mktemp(suffix=".json"))
    subprocess.run([sys.executable, "-W", "ignore", __file__, *args, "--result",
                    str(result_file)], check=True)
    return json.loads(result_file.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of bare and of warc, alternating (medians compared)")
    parser.add_argument("--variant", choices=["bare", "bare-gc", "warc", "warc-inline", "full",
                                              "reextract"])
    parser.add_argument("--via")
    parser.add_argument("--archive")
    parser.add_argument("--result")
    args = parser.parse_args()
    if args.variant == "reextract":
        from archive.reextract import ReextractOptions, run_reextract
        from archive.sources import load_sources

        started = time.monotonic()
        report = run_reextract(ReextractOptions(archive=Path(args.archive),
                                                sources=load_sources()))
        Path(args.result).write_text(json.dumps({
            "seconds": time.monotonic() - started, "responses": report.records,
            "articles": report.outcomes.get("ok", 0),
            "extract_workers_peak_mb": report.worker_peak_rss_mb, **peak_rss()}))
        return
    if args.variant:
        run_variant(args.variant, args.via, Path(args.archive), Path(args.result))
        return

    work = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    port_file = work / "port"
    server = subprocess.Popen([sys.executable, "-c",
                               f"import sys; sys.path.insert(0, {str(REPO)!r}); "
                               f"from bench.crawl_bench import serve; from pathlib import Path; "
                               f"serve({args.scale}, Path({str(port_file)!r}))"])
    try:
        while not port_file.exists() or not port_file.read_text():
            time.sleep(0.1)
        via = f"http://127.0.0.1:{port_file.read_text()}"
        print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, "
              f"Python {platform.python_version()}; scale {args.scale} per source")
        # The machine's speed drifts by 20-30 % from minute to minute (a shared VM: the
        # sample server's CPU per page, the same work every time, moves as much), so
        # bare and warc alternate, REPEAT times each, and medians are compared.
        order = [v for _ in range(args.repeat) for v in ("bare", "warc")]
        order += ["bare-gc", "warc-inline", "full"]
        runs: dict[str, list[dict]] = {}
        for number, variant in enumerate(order):
            archive = work / f"{variant}-{number}"
            server_cpu = process_cpu_seconds(server.pid)
            result = measure(["--variant", variant, "--via", via, "--archive", str(archive)])
            server_cpu = process_cpu_seconds(server.pid) - server_cpu
            result["rate"] = result["responses"] / result["seconds"]
            result["server_cpu"] = server_cpu
            runs.setdefault(variant, []).append(result)
            print(f"{variant:<11}: {result['responses']} responses in {result['seconds']:.1f} s "
                  f"= {result['rate']:.1f} pages/s, {result['articles']} articles indexed, "
                  f"peak RSS {result['peak_mb']:.0f} MB (largest child "
                  f"{result['worker_peak_mb']:.0f} MB, extraction workers "
                  f"{result['extract_workers_peak_mb']:.0f} MB); CPU per page: crawl process "
                  f"{result['cpu_self'] * 1000 / result['responses']:.2f} ms, its children "
                  f"{result['cpu_children'] * 1000 / result['responses']:.2f} ms, sample "
                  f"server {server_cpu * 1000 / result['responses']:.2f} ms", flush=True)
            if variant == "full":
                full_archive = archive
            else:
                shutil.rmtree(archive, ignore_errors=True)
        rates = {variant: statistics.median(r["rate"] for r in results)
                 for variant, results in runs.items()}
        for variant in ("bare", "warc"):
            values = ", ".join(f"{r['rate']:.1f}" for r in runs[variant])
            print(f"{variant} runs: {values} pages/s; median {rates[variant]:.1f}")
        size = sum(p.stat().st_size for p in (full_archive / "warc").glob("*.warc.gz"))
        print(f"full crawl WARC: {size / 1e6:.1f} MB")
        result = measure(["--variant", "reextract", "--archive", str(full_archive)])
        print(f"reextract of the full crawl: {result['responses']} records in "
              f"{result['seconds']:.1f} s, peak RSS {result['peak_mb']:.0f} MB "
              f"(extraction workers {result['extract_workers_peak_mb']:.0f} MB)")
        bare = rates["bare"]
        print(f"bare Scrapy with the crawl's GC tuning (crawler/gctuning.py): "
              f"{rates['bare-gc']:.1f} pages/s; warc / that {rates['warc'] / rates['bare-gc']:.2f}")
        print(f"ratio warc/bare {rates['warc'] / bare:.2f} (medians of {args.repeat}; writer "
              f"in the crawl process: {rates['warc-inline'] / bare:.2f}), "
              f"full/bare {rates['full'] / bare:.2f}")
    finally:
        server.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
