"""settings/ is found in a checkout and, without one, where an install puts it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from archive import settings_files
from archive.settings_files import settings_file
from tests.conftest import REPO


def test_a_checkout_uses_its_own_settings_folder() -> None:
    assert settings_file("sources.toml") == REPO / "settings" / "sources.toml"


def test_without_a_checkout_the_installed_copy_is_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = tmp_path / "share" / "pressarchive" / "settings"
    installed.mkdir(parents=True)
    (installed / "sources.toml").write_text("")
    monkeypatch.setattr(settings_files, "CHECKOUT_SETTINGS", tmp_path / "no-checkout")
    monkeypatch.setattr(settings_files, "INSTALLED_SETTINGS", installed)
    assert settings_file("sources.toml") == installed / "sources.toml"
    # Neither: the checkout's path, which an error message then names.
    assert settings_file("boilerplate.txt") == tmp_path / "no-checkout" / "boilerplate.txt"


def test_every_settings_file_the_code_reads_is_installed() -> None:
    used = set()
    for path in (REPO / "archive").rglob("*.py"):
        used |= set(re.findall(r'settings_file\("([^"]+)"\)', path.read_text()))
    assert used >= {"sources.toml", "boilerplate.txt", "datasette-metadata.json"}
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    installed = pyproject["tool"]["setuptools"]["data-files"]["share/pressarchive/settings"]
    assert sorted(f"settings/{name}" for name in used) == sorted(installed)
    assert all((REPO / name).is_file() for name in installed)
