"""Preloaded by the extraction workers' fork server (see archive/extract/pool.py).

Importing this module loads trafilatura and runs its one-off warm-up (dateparser compiles
regular expressions for some 200 locales: 2-3 s of CPU). Done once in the fork server,
every worker forked from it starts warm in milliseconds; spawned, each worker paid it
again, at every start and every recycling.
"""

from archive.extract.warmup import warm_up
from archive.gc_tuning import freeze_and_relax

try:
    warm_up()
except Exception:  # noqa: BLE001 - an exception here would kill the fork server
    pass  # workers then warm up on their own
# Frozen objects are never touched by a collection, so the workers forked from here
# share those pages with the fork server instead of copying them.
freeze_and_relax()
