"""The WARC layer: building, writing and reading WARC records (no Scrapy here).

``records`` builds warcio records, ``writer`` appends them to rolling ``.warc.gz`` files,
``reader`` reads any WARC or ARC file without raising on damaged ones.
"""
