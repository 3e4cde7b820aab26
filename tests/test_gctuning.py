"""crawler.gctuning: the crawl process's garbage collector, frozen after start-up."""

from __future__ import annotations

import gc

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

import crawler.gctuning as gctuning


@pytest.fixture
def restore_gc():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)
    gctuning._applied = False


def test_engine_start_freezes_and_raises_the_threshold(restore_gc):
    crawler = get_crawler(settings_dict={"PRESSARCHIVE_GC_THRESHOLD": 12_345})
    extension = gctuning.GcTuning.from_crawler(crawler)
    gctuning._applied = False
    extension.engine_started()
    assert gc.get_threshold()[0] == 12_345
    assert gc.get_freeze_count() > 1000  # the imported modules' objects, at least
    # Once per process: a second crawler in the same process changes nothing.
    other = gctuning.GcTuning(99)
    other.engine_started()
    assert gc.get_threshold()[0] == 12_345


def test_zero_keeps_pythons_defaults():
    with pytest.raises(NotConfigured):
        gctuning.GcTuning.from_crawler(get_crawler(settings_dict={"PRESSARCHIVE_GC_THRESHOLD": 0}))
