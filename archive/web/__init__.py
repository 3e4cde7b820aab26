"""The research interface `pressarchive serve` adds to Datasette: a search page, article
pages with their citation and replay links, the captures of a URL (routes.py, with the
templates of templates/), the reads behind them (queries.py), citations (citation.py),
pywb beside Datasette (replay.py) and the check that a port is free (ports.py)."""
