"""archive.extract.pool.ExtractorPool: same results as in-process, timeouts, crashes, threads.

Slow and crashing pages are simulated with `task_function`: the pool runs any importable
"module:function" in its workers on each ExtractionTask. `scripted_task` below is
that function. Spawned workers can import it because pytest puts this directory on
sys.path and multiprocessing hands sys.path to spawned children; passing the function
object lets the pool derive its dotted name from this module's real __name__.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from archive.extract import ExtractionResult, ExtractionTask, extract, extract_html
from archive.extract.pool import ExtractorPool, PoolClosed
from archive.sources import load_sources

FIXTURES = Path(__file__).parent / "fixtures" / "extract"
URL = "https://www.trtworld.com/middle-east/blinken-coalition-killed-more-than-10000-isis-militants-4521"
PAGE = (FIXTURES / "trtworld_article.html").read_bytes()


def make_pool(**kwargs) -> ExtractorPool:
    """A pool without the 3-4 s warm-up per worker, which these tests do not need."""
    kwargs.setdefault("warm_up", False)
    return ExtractorPool(**kwargs)


_KEPT: list[bytes] = []


def scripted_task(task: ExtractionTask) -> ExtractionResult:
    """Runs in the worker. b"sleep:<seconds>[:<marker file>]" sleeps (touching the marker
    first, so a test knows the task started) and answers the time it finished as its text;
    b"alloc:<MB>" allocates; b"keep:<MB>" allocates and keeps it (resident memory that
    stays); b"raise" raises; anything else is extracted normally."""
    body, url = task.body, task.url
    if isinstance(body, bytes) and body.startswith(b"sleep:"):
        _, seconds, *marker = body.decode().split(":", 2)
        if marker:
            Path(marker[0]).touch()
        time.sleep(float(seconds))
        return ExtractionResult(status="ok", url=url, text=repr(time.monotonic()))
    if body.startswith(b"alloc:"):
        block = bytearray(int(body[6:]) * 1024 * 1024)
        return ExtractionResult(status="ok", url=url, word_count=len(block))
    if body.startswith(b"keep:"):
        _KEPT.append(b"k" * (int(body[5:]) * 1024 * 1024))  # written, so resident
        return ExtractionResult(status="ok", url=url, word_count=len(_KEPT))
    if body == b"raise":
        raise ValueError("scripted failure")
    if body == b"gc?":
        import gc

        return ExtractionResult(status="ok", url=url, word_count=gc.get_threshold()[0],
                                text=str(gc.get_freeze_count()))
    if body == b"warm?":
        import archive.extract.warmup

        return ExtractionResult(status="ok", url=url,
                                text=str(archive.extract.warmup._warmed_up))
    return extract(task)


def wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def rules():
    return load_sources()["trtworld"].extraction


def test_pool_matches_in_process_extraction(rules):
    expected = extract_html(PAGE, URL, rules=rules, language="en", captured_at="2016-01-01")
    # The one test with the production warm-up (3-4 s per worker).
    with ExtractorPool(workers=1, timeout=30, warm_up=True) as pool:
        got = pool.extract(ExtractionTask(PAGE, URL, rules=rules, language="en",
                                          captured_at="2016-01-01"))
        assert got == expected
        assert got.status == "ok" and got.published == "2015-06-03"
        assert pool.tasks_done == 1 and pool.timeouts == 0 and pool.crashes == 0


def test_timeout_kills_and_replaces_the_worker(tmp_path):
    with make_pool(workers=1, timeout=1.0, task_function=scripted_task) as pool:
        pool.start()
        [first_pid] = pool.worker_pids()
        started = time.monotonic()
        result = pool.extract(ExtractionTask(b"sleep:60", "https://x/slow"))
        assert time.monotonic() - started < 10
        assert result.status == "timeout"
        assert result.url == "https://x/slow"
        assert result.error == "extraction exceeded 1s"
        assert pool.timeouts == 1
        wait_for(lambda: not alive(first_pid))
        # The replacement serves the next page.
        assert pool.extract(ExtractionTask(PAGE, URL)).status == "ok"
        assert first_pid not in pool.worker_pids()
        assert len(pool.worker_pids()) == 1


def test_worker_killed_during_a_task(tmp_path):
    marker = tmp_path / "started"
    results = []
    with make_pool(workers=1, timeout=60, task_function=scripted_task) as pool:
        caller = threading.Thread(
            target=lambda: results.append(
                pool.extract(ExtractionTask(f"sleep:60:{marker}".encode(), "https://x/k")))
        )
        caller.start()
        wait_for(marker.exists)
        [pid] = pool.worker_pids()
        os.kill(pid, signal.SIGKILL)
        caller.join(20)
        [result] = results
        assert result.status == "error"
        assert "worker died (killed by SIGKILL)" in result.error
        assert pool.crashes == 1
        assert pool.extract(ExtractionTask(PAGE, URL)).status == "ok"


def test_worker_killed_while_idle_is_replaced_transparently():
    with make_pool(workers=1, timeout=30, task_function=scripted_task) as pool:
        pool.start()
        [pid] = pool.worker_pids()
        os.kill(pid, signal.SIGKILL)
        wait_for(lambda: not alive(pid))
        # Not this page's fault: it is extracted by a replacement.
        assert pool.extract(ExtractionTask(PAGE, URL)).status == "ok"
        assert pool.crashes == 1


def test_memory_limit_turns_a_huge_allocation_into_an_error():
    with make_pool(workers=1, memory_limit_mb=400, task_function=scripted_task) as pool:
        result = pool.extract(ExtractionTask(b"alloc:1000", "https://x/huge"))
        assert result.status == "error"
        assert "MemoryError" in result.error
        # The worker survived and still works within its limit.
        assert pool.extract(ExtractionTask(b"alloc:10", "https://x/small")).status == "ok"


def test_task_exception_is_an_error_result():
    with make_pool(workers=1, task_function=scripted_task) as pool:
        result = pool.extract(ExtractionTask(b"raise", "https://x/r"))
        assert result.status == "error"
        assert result.error == "ValueError: scripted failure"
        assert pool.extract(ExtractionTask(PAGE, URL)).status == "ok"


def test_concurrent_callers(rules):
    expected = extract_html(PAGE, URL, rules=rules)
    results: list[ExtractionResult] = []
    lock = threading.Lock()

    def call() -> None:
        for _ in range(3):
            result = pool.extract(ExtractionTask(PAGE, URL, rules=rules))
            with lock:
                results.append(result)

    with make_pool(workers=2, timeout=30) as pool:
        threads = [threading.Thread(target=call) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert len(results) == 12
        assert all(result == expected for result in results)
        assert pool.tasks_done == 12
        assert len(pool.worker_pids()) <= 2


def test_workers_are_recycled_after_max_tasks():
    with make_pool(workers=1, max_tasks_per_worker=2, task_function=scripted_task) as pool:
        pool.start()
        [first] = pool.worker_pids()
        pool.extract(ExtractionTask(PAGE, URL))
        pool.extract(ExtractionTask(PAGE, URL))
        wait_for(lambda: not alive(first))
        assert pool.extract(ExtractionTask(PAGE, URL)).status == "ok"
        assert first not in pool.worker_pids()


def test_workers_are_recycled_when_their_memory_grows():
    with make_pool(workers=1, recycle_rss_mb=300, task_function=scripted_task) as pool:
        pool.start()
        [first] = pool.worker_pids()
        # Small pages do not grow a worker: it is kept, however many it does.
        for _ in range(3):
            assert pool.extract(ExtractionTask(PAGE, URL)).status == "ok"
        assert pool.worker_pids() == [first] and pool.recycled == 0
        # A page that leaves memory behind gets its worker replaced after it...
        grown = pool.extract(ExtractionTask(b"keep:400", "https://x/keep"))
        assert grown.status == "ok" and grown.word_count == 1
        wait_for(lambda: not alive(first))
        assert pool.recycled == 1
        # ...by a fresh one, which starts with nothing kept.
        assert pool.extract(ExtractionTask(b"keep:1", "https://x/fresh")).word_count == 1
        assert first not in pool.worker_pids()


def test_close_does_not_wait_for_a_worker_still_warming_up():
    # The production warm-up takes seconds; a worker still in it holds no page, so
    # close() kills it instead of waiting for it to finish (it used to wait, which
    # delayed the end of every rebuild whose last page started a replacement).
    pool = ExtractorPool(workers=1, warm_up=True, stop_timeout=30).start()
    [pid] = pool.worker_pids()
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 1.5
    assert pool.worker_pids() == []
    wait_for(lambda: not alive(pid), timeout=5)


def test_too_large_is_answered_without_a_worker():
    from archive.extract import ExtractionOptions

    with make_pool(workers=1) as pool:
        result = pool.extract(ExtractionTask(b"x" * 2000, "https://x/big",
                                             options=ExtractionOptions(max_html_bytes=1000)))
        assert result.status == "too_large"
        assert pool.worker_pids() == []  # nothing was started


def test_extract_many_keeps_order():
    tasks = [ExtractionTask(PAGE, f"{URL}?n={i}") for i in range(6)]
    tasks.insert(2, ExtractionTask(b"raise", "https://x/r"))
    with make_pool(workers=2, task_function=scripted_task) as pool:
        results = list(pool.extract_many(iter(tasks)))
    assert [r.url for r in results] == [t.url for t in tasks]
    assert [r.status for r in results] == ["ok", "ok", "error", "ok", "ok", "ok", "ok"]


def test_extract_many_keeps_workers_busy_past_a_slow_page():
    # Results come in order; the window lets the second worker go on with the pages after
    # a slow one instead of idling until it is done.
    tasks = [ExtractionTask(b"sleep:3", "https://x/slow")]
    tasks += [ExtractionTask(b"sleep:0.05", f"https://x/fast{i}") for i in range(12)]
    with make_pool(workers=2, task_function=scripted_task) as pool:
        results = list(pool.extract_many(iter(tasks), window=16))
    assert [r.url for r in results] == [t.url for t in tasks]
    slow_done = float(results[0].text)
    assert all(float(r.text) < slow_done for r in results[1:])


def test_extract_many_reads_ahead_within_window_and_bytes():
    def counted(count: list[int], n: int):
        for i in range(n):
            count[0] += 1
            yield ExtractionTask(PAGE, f"{URL}?n={i}")

    with make_pool(workers=2) as pool:
        read = [0]
        results = pool.extract_many(counted(read, 30), window=16)
        assert next(results).status == "ok"
        assert read[0] == 16  # the window, not the whole iterable
        assert len(list(results)) == 29
        # The bodies in flight are bounded too: past 2 x workers tasks, no more than
        # window_bytes (here less than one page).
        read = [0]
        results = pool.extract_many(counted(read, 30), window=16, window_bytes=len(PAGE) - 1)
        assert next(results).status == "ok"
        assert read[0] == 2 * 2 + 1
        results.close()


def test_extract_many_abandoned_does_not_run_what_it_read_ahead(tmp_path):
    tasks = [ExtractionTask(f"sleep:0.3:{tmp_path / str(i)}".encode(), f"https://x/{i}")
             for i in range(20)]
    with make_pool(workers=2, task_function=scripted_task) as pool:
        pool.start()
        results = pool.extract_many(iter(tasks), window=20)
        next(results)
        results.close()  # the pages running finish; the 20 read ahead are not all run
        started = len(list(tmp_path.iterdir()))
        time.sleep(1.0)
        assert len(list(tmp_path.iterdir())) == started
        assert started <= 6


def test_close_leaves_no_children_and_refuses_work(tmp_path):
    marker = tmp_path / "started"
    pool = make_pool(workers=2, timeout=60, task_function=scripted_task,
                         stop_timeout=0.5).start()
    pids = pool.worker_pids()
    assert len(pids) == 2
    outcome = []

    def busy() -> None:
        try:
            pool.extract(ExtractionTask(f"sleep:60:{marker}".encode(), "https://x/busy"))
        except PoolClosed as exc:
            outcome.append(exc)

    # One worker is busy at close time: it is killed after the grace period, and its
    # caller learns that the page was not extracted (not that the page is bad).
    caller = threading.Thread(target=busy)
    caller.start()
    wait_for(marker.exists)
    started = time.monotonic()
    pool.close()
    assert time.monotonic() - started < 10
    caller.join(20)
    assert not caller.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], PoolClosed)
    assert pool.crashes == 0
    assert pool.worker_pids() == []
    for pid in pids:
        wait_for(lambda pid=pid: not alive(pid), timeout=5)
    with pytest.raises(PoolClosed):
        pool.extract(ExtractionTask(PAGE, URL))
    pool.close()  # idempotent


def test_forkserver_start_method(rules):
    expected = extract_html(PAGE, URL, rules=rules)
    with make_pool(workers=1, start_method="forkserver") as pool:
        assert pool.extract(ExtractionTask(PAGE, URL, rules=rules)) == expected


def test_bad_task_function_fails_at_construction():
    with pytest.raises((ImportError, AttributeError, ValueError)):
        ExtractorPool(task_function="archive.extract:no_such_function")
    with pytest.raises(ValueError):
        ExtractorPool(task_function="no-colon")
    with pytest.raises(ValueError):
        ExtractorPool(start_method="fork")


def test_workers_are_forked_warm_from_the_fork_server():
    # warm_up=False: the worker itself does nothing; it is warm because the fork server
    # imported archive.extract.warm_worker before forking it, so neither the first worker nor
    # a replacement pays trafilatura's seconds-long warm-up again.
    with make_pool(workers=1, max_tasks_per_worker=1, task_function=scripted_task) as pool:
        assert pool.extract(ExtractionTask(b"warm?", URL)).text == "True"
        assert pool.extract(ExtractionTask(b"warm?", URL)).text == "True"  # a recycled worker
        assert pool.recycled >= 1
    with make_pool(workers=1, start_method="spawn", task_function=scripted_task) as pool:
        assert pool.extract(ExtractionTask(b"warm?", URL)).text == "False"


def test_start_without_waiting_returns_at_once_and_workers_follow():
    with make_pool(workers=2, task_function=scripted_task) as pool:
        pool.start(wait=False)
        wait_for(lambda: len(pool.worker_pids()) == 2)
        assert pool.extract(ExtractionTask(PAGE, URL)).status == "ok"
        assert len(pool.worker_pids()) == 2  # extract() started no third one


def test_close_while_starting_in_the_background_leaves_no_worker():
    pool = make_pool(workers=2, task_function=scripted_task)
    pool.start(wait=False)
    pool.close()
    time.sleep(0.5)  # the background start may still be connecting to the fork server
    wait_for(lambda: not pool.worker_pids())
    with pytest.raises(PoolClosed):
        pool.extract(ExtractionTask(PAGE, URL))


def test_worker_cpu_time_is_counted():
    with make_pool(workers=1, task_function=scripted_task) as pool:
        before = pool.worker_cpu_seconds
        for _ in range(3):
            pool.extract(ExtractionTask(PAGE, URL))
        assert pool.worker_cpu_seconds > before


@pytest.mark.parametrize("start_method", ["forkserver", "spawn"])
def test_workers_run_with_the_tuned_garbage_collector(start_method):
    from archive.gc_tuning import DEFAULT_THRESHOLD

    with make_pool(workers=1, start_method=start_method, task_function=scripted_task) as pool:
        answer = pool.extract(ExtractionTask(b"gc?", URL))
    assert answer.word_count == DEFAULT_THRESHOLD
    assert int(answer.text) > 1000  # what was imported before the first task is frozen
