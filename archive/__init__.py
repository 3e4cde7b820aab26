"""Press Archive: WARC archive, extraction, index and search for coalition press coverage."""

__version__ = "0.1.0"
