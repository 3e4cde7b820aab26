"""Where the data files of `settings/` are found (sources, boilerplate phrases, the
Datasette metadata): in a checkout, its `settings/` folder; in a non-editable install,
where pyproject.toml's data-files put them, `<prefix>/share/pressarchive/settings/`.
Every module asks here instead of computing a path from its own location.
"""

from __future__ import annotations

import sys
from pathlib import Path

CHECKOUT_SETTINGS = Path(__file__).resolve().parent.parent / "settings"
INSTALLED_SETTINGS = Path(sys.prefix) / "share" / "pressarchive" / "settings"


def settings_file(name: str) -> Path:
    """The file `name` of settings/: the checkout's if it has it, else the installed
    copy; the checkout's path if neither exists (so that an error names it)."""
    for directory in (CHECKOUT_SETTINGS, INSTALLED_SETTINGS):
        if (directory / name).is_file():
            return directory / name
    return CHECKOUT_SETTINGS / name
