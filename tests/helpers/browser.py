"""Headless Chromium for the browser tests (tests/test_browser.py), driven by Selenium
through Debian's chromedriver (never Selenium Manager, which would download a browser).

ensure_chromium() installs Debian's `chromium` and `chromium-driver` when they are
missing (as root, with apt-get); browser_or_skip() skips with the reason only where that
cannot be done. Screenshots go to screenshot_dir().
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("chromium", "chromium-driver")
WAIT = 20.0
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def answers(url: str) -> bool:
    try:
        with _OPENER.open(url, timeout=5) as response:
            return response.status == 200
    except (OSError, urllib.error.URLError):
        return False


def start_serve(archive: Path, log: Path, timeout: float = 60.0,
                ) -> tuple[subprocess.Popen, str, str]:
    """`pressarchive serve` over `archive`, Datasette and pywb on free ports, once both
    answer: the process, Datasette's base URL and pywb's. Its output goes to `log`."""
    import sys

    from archive.samplesites.webarchive.pywb import free_port

    port, replay_port = free_port(), free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "archive.cli", "serve", "--archive", str(archive),
             "--port", str(port), "--replay-port", str(replay_port)],
            stdout=out, stderr=subprocess.STDOUT)
    base, replay = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{replay_port}"
    deadline = time.monotonic() + timeout
    while not (answers(f"{base}/search") and answers(f"{replay}/")):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait(timeout=30)
            pytest.fail(f"serve did not come up:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return proc, base, replay


def _binaries() -> tuple[str | None, str | None]:
    return (shutil.which("chromium") or shutil.which("chromium-browser"),
            shutil.which("chromedriver"))


def ensure_chromium() -> tuple[str, str] | str:
    """(browser, driver) paths, installing Debian's packages if needed; or why not."""
    browser, driver = _binaries()
    if browser and driver:
        return browser, driver
    if not shutil.which("apt-get"):
        return "chromium or chromedriver missing and no apt-get to install them"
    if os.geteuid() != 0:
        return "chromium or chromedriver missing; installing them needs root (apt-get)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", *PACKAGES])
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, env=env, timeout=900)
        if result.returncode != 0:
            return f"`{' '.join(step)}` failed: {(result.stderr or result.stdout)[-300:]}"
    browser, driver = _binaries()
    if browser and driver:
        return browser, driver
    return f"{' and '.join(PACKAGES)} installed but not found on PATH"


def screenshot_dir() -> Path:
    folder = Path(os.environ.get("PRESSARCHIVE_SCREENSHOTS") or REPO / "bench" / "out" / "browser")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Browser:
    """The few things the tests do with a page, each waiting as a person would."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver

    def get(self, url: str) -> None:
        self.driver.get(url)

    def url(self) -> str:
        return self.driver.current_url

    def _find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def wait_until(self, condition: Callable[[], object], timeout: float = WAIT) -> None:
        from selenium.common.exceptions import WebDriverException

        deadline = time.monotonic() + timeout
        while True:
            try:
                if condition():
                    return
            except WebDriverException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out on {self.url()}:\n{self.text('body')[:2000]}")
            time.sleep(0.1)

    def wait_for(self, css: str) -> None:
        self.wait_until(lambda: self._find(css).is_displayed())

    def type_into(self, css: str, text: str) -> None:
        self.wait_for(css)
        field = self._find(css)
        field.clear()
        field.send_keys(text)

    def click(self, css: str) -> None:
        self.wait_for(css)
        self._find(css).click()

    def click_link_text(self, text: str) -> None:
        from selenium.webdriver.common.by import By

        self.wait_until(lambda: self.driver.find_element(By.LINK_TEXT, text))
        self.driver.find_element(By.LINK_TEXT, text).click()

    def text(self, css: str) -> str:
        return self._find(css).text

    def script(self, source: str) -> Any:
        return self.driver.execute_script(source)

    def shot(self, path: Path) -> None:
        """A screenshot of the whole page (its height, up to 4000 px)."""
        # From the top, whatever a click scrolled to.
        height = self.script("window.scrollTo(0, 0); return document.documentElement.scrollHeight")
        self.driver.set_window_size(1280, max(800, min(int(height), 4000)))
        self.driver.save_screenshot(str(path))
        self.driver.set_window_size(1280, 900)
        SHOTS.append(path)
        print(f"screenshot: {path}")


@contextmanager
def browser_or_skip() -> Iterator[Browser]:
    found = ensure_chromium()
    if isinstance(found, str):
        pytest.skip(f"no headless Chromium: {found}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (requirements.lock pins it: `make test`)")
    binary, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=en"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield Browser(driver)
    finally:
        driver.quit()


# Screenshots taken in this run, listed by tests/conftest.py at the end.
SHOTS: list[Path] = []
