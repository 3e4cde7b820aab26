"""`python -m archive.cli`: the same as the `pressarchive` command."""

from archive.cli import main

main()
