"""Is a local port free? Asked before a long crawl (the demo) or before starting two
servers (`serve`), so that a busy port is one line at once, not a traceback later."""

from __future__ import annotations

import socket

from archive.errors import PressArchiveError


def port_in_use(host: str, port: int) -> bool:
    """True if something listens on host:port (SO_REUSEADDR, as uvicorn and pywb bind:
    a port with connections in TIME_WAIT is free)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def require_free(host: str, port: int, what: str, option: str) -> None:
    """Raise PressArchiveError (one line, naming the option to change) if in use."""
    if port_in_use(host, port):
        raise PressArchiveError(f"port {port} on {host} ({what}) is already in use: stop "
                                f"what listens there or choose another with {option}")
