"""A sitecustomize module (FAULTS) that injects faults into every process of a
`pressarchive` run: commits failing as on a full disk, a WARC disk filling up, an audit
of every connection."""

from __future__ import annotations

FAULTS = '''
import builtins, errno, io, os, sqlite3, sys

MODE = os.environ.get("PRESSARCHIVE_TEST_FAULT", "")
AFTER = int(os.environ.get("PRESSARCHIVE_TEST_FAULT_AFTER", "0") or 0)
MARK = os.environ.get("PRESSARCHIVE_TEST_FAULT_MARK", "")
AUDIT_LOG = os.environ.get("PRESSARCHIVE_TEST_AUDIT_LOG", "")


def disk_is_full():
    return bool(MARK) and os.path.exists(MARK)


class Connection(sqlite3.Connection):
    """Commits fail as on a full disk: rolled back, "database or disk is full"."""

    def _fails(self):
        if not self.in_transaction:
            return False
        if MODE == "disk":
            return disk_is_full()
        name = os.path.basename(self.execute("pragma database_list").fetchone()[2])
        if MODE != "index-full" or not name.startswith("index"):
            return False
        if not disk_is_full():
            try:
                captures = self.execute("select count(*) from captures").fetchone()[0]
            except sqlite3.OperationalError:
                return False
            if captures <= AFTER:
                return False
            open(MARK, "w").close()
        return True

    def commit(self):
        if self._fails():
            self.rollback()
            raise sqlite3.OperationalError("database or disk is full")
        return super().commit()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None and self._fails():
            self.rollback()
            raise sqlite3.OperationalError("database or disk is full")
        return super().__exit__(exc_type, exc, tb)


class FillingFile(io.FileIO):
    """A WARC file on a disk with AFTER bytes free: a short write, then ENOSPC."""

    written = 0

    def write(self, data):
        room = 0 if disk_is_full() else AFTER - FillingFile.written
        if room < len(data):
            open(MARK, "w").close()
            if room <= 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            data = memoryview(data)[:room]
        FillingFile.written += len(data)
        return super().write(data)


real_open, real_connect = builtins.open, sqlite3.connect


def filling_open(file, mode="r", *args, **kwargs):
    if isinstance(file, (str, os.PathLike)) and os.fspath(file).endswith(".warc.gz.open"):
        return FillingFile(file, mode.replace("b", ""))
    return real_open(file, mode, *args, **kwargs)


def connect(*args, **kwargs):
    kwargs.setdefault("factory", Connection)
    return real_connect(*args, **kwargs)


def audit(event, args):
    """Every connection or name lookup that is not to 127.0.0.1, written down."""
    if event == "socket.connect":
        address = args[1]
        host = address[0] if isinstance(address, tuple) else None
    elif event == "socket.getaddrinfo":
        host = args[0]
    else:
        return
    if isinstance(host, bytes):
        host = host.decode()
    if host is not None and host not in ("127.0.0.1", "localhost"):
        with real_open(AUDIT_LOG, "a") as log:
            log.write(f"{os.getpid()} {event} {host}\\n")


if MODE:
    sqlite3.connect = connect
if MODE == "disk":
    builtins.open = filling_open
if AUDIT_LOG:
    sys.addaudithook(audit)
'''
