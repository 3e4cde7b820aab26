"""Everything about an archive's SQLite index, and all of its SQL.

    schema.py   tables, the rows written to them (Capture, ArticleRow), stable row ids
    writer.py   IndexWriter: the one writer of an index (the crawl's, or a rebuild's)
    builds.py   rebuilt indexes in DIR/index-builds/ and how one is swapped in
    search.py   full-text search (the SQL `pressarchive search` and Datasette share)
    history.py  the versions of an article and what changed between them
    compare.py  two indexes compared per source (before and after a reextract)
    queries.py  the small read-only queries of other commands (status, export, demo)

Where the index file is and how it is opened is archive/layout.py. Nothing is imported
here: `pressarchive search` must not pay for sqlite-utils, which the writer needs.
"""
