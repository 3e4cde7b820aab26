"""The WARC files verify reads: every folder of the archive (ArchiveLayout.warc_folders():
DIR/warc, then each worker's DIR/workers/NAME/warc of a shared crawl), and how a file is
named in the record table, in messages, and in index.db.

A file's *key*, its name in the record table and in messages that point at another
file, is the name the CDXJ gives it (WarcFolder.replay_name()): its bare name in
DIR/warc, `../workers/NAME/warc/FILE` in a worker's folder. Keys are unique across
folders, so records of two folders never mix, and an archive with DIR/warc alone
reads exactly as before.

index.db's `warc_file` is a bare name (archive/capture/rows.py: the record's file
name, also after `reextract --from DIR/workers`), so a row is resolved by name across
every folder. A worker's files carry its name, so two folders cannot hold one name
unless files were copied by hand; verify reports that (the index could not tell the
two apart), and resolves such a row to the file whose record matches it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from archive.layout import WarcFolder
from archive.warc.writer import OPEN_SUFFIX


@dataclass(frozen=True)
class OpenFile:
    """A `.warc.gz.open` file found, and whether its folder's writer holds its lock."""

    path: Path
    being_written: bool


@dataclass
class ArchiveFiles:
    """The closed files verify scanned, by key and by bare name, and the `.open` ones."""

    archive: Path  # DIR
    # Worker name ("" for DIR itself) -> who holds that folder's archive lock now, said
    # as describe_holder() says it; only the folders whose writer is running.
    writers: dict[str, str] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)  # key -> path
    folders: dict[str, WarcFolder] = field(default_factory=dict)  # key -> its folder
    by_name: dict[str, list[str]] = field(default_factory=dict)  # bare name -> keys
    open_files: dict[str, OpenFile] = field(default_factory=dict)  # closed name -> file

    def add(self, folder: WarcFolder, path: Path) -> str:
        """A closed file about to be scanned; returns its key."""
        key = folder.replay_name(path.name)
        self.paths[key] = path
        self.folders[key] = folder
        self.by_name.setdefault(path.name, []).append(key)
        return key

    def add_open(self, folder: WarcFolder, path: Path) -> None:
        # By the name the file gets when closed: the name index rows give it.
        self.open_files.setdefault(path.name.removesuffix(OPEN_SUFFIX),
                                   OpenFile(path, folder.worker in self.writers))

    def path(self, key: str) -> Path:
        return self.paths[key]

    def keys_named(self, name: str) -> list[str]:
        """The scanned files whose bare name is `name` (an index row's warc_file)."""
        return self.by_name.get(name, [])

    def same_names(self) -> list[tuple[str, str]]:
        """(key, key of the first file of that name) for each further file of a name."""
        return [(key, keys[0]) for keys in self.by_name.values() for key in keys[1:]]
