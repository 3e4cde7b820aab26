"""settings/systemd and settings/cron: well-formed, and in step with the CLI and exit codes.

`systemd-analyze verify` checks the units when it is installed (with ExecStart pointed at
this checkout's pressarchive, since /opt/pressarchive does not exist here); a
configparser reading checks the keys that matter either way.
"""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive import exitcodes
from tests.conftest import REPO

SYSTEMD = REPO / "settings" / "systemd"
SERVICE = SYSTEMD / "pressarchive-crawl.service"
TIMER = SYSTEMD / "pressarchive-crawl.timer"
CRON = REPO / "settings" / "cron" / "pressarchive.cron"
INSTALLED_BIN = "/opt/pressarchive/.venv/bin/pressarchive"
ARCHIVE = "/var/lib/pressarchive/archive"


def read_unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(path.read_text())
    return parser


def crawl_help() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "archive.cli", "crawl", "--help"],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def check_crawl_command(argv: list[str]) -> None:
    """argv is `<bin> crawl --opt value ...`: every option exists in `crawl --help`."""
    assert argv[0] == INSTALLED_BIN
    assert argv[1] == "crawl"
    assert argv[argv.index("--archive") + 1] == ARCHIVE
    help_text = crawl_help()
    options = [arg for arg in argv[2:] if arg.startswith("-")]
    assert options
    for option in options:
        assert f"  {option.split('=')[0]} " in help_text or f" {option}," in help_text, option


def test_service_unit() -> None:
    unit = read_unit(SERVICE)
    service = unit["Service"]
    assert service["Type"] == "oneshot"
    assert service["User"] == "pressarchive"
    assert service["WorkingDirectory"]
    check_crawl_command(shlex.split(service["ExecStart"]))
    # "Finished with errors" is a run, not a failure; "could not run"/"locked" are.
    success = {int(code) for code in service["SuccessExitStatus"].split()}
    assert exitcodes.FINISHED_WITH_ERRORS in success
    assert not {exitcodes.COULD_NOT_RUN, exitcodes.LOCKED} & success
    # A stop (or the start timeout) lets Scrapy shut down and close its files.
    assert service["KillSignal"] == "SIGINT"
    assert service["TimeoutStartSec"] == "3h"
    assert service["TimeoutStopSec"]
    assert service["Nice"] and service["IOSchedulingClass"]
    for key in ("NoNewPrivileges", "PrivateTmp", "ProtectHome"):
        assert service[key] == "true", key
    assert service["ProtectSystem"] == "strict"
    assert ARCHIVE.startswith(service["ReadWritePaths"].rstrip("/") + "/")
    assert service["WorkingDirectory"] == service["ReadWritePaths"]


def test_timer_unit() -> None:
    timer = read_unit(TIMER)
    assert timer["Timer"]["OnCalendar"] == "*-*-* 00/4:00:00"
    assert timer["Timer"]["RandomizedDelaySec"] == "15min"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    # No Unit= line: the timer starts the service of the same name.
    assert "Unit" not in timer["Timer"] and TIMER.with_suffix(".service") == SERVICE


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    local_bin = Path(sys.executable).parent / "pressarchive"
    if not os.access(local_bin, os.X_OK):
        pytest.skip("pressarchive is not installed in this interpreter's bin")
    (tmp_path / SERVICE.name).write_text(
        SERVICE.read_text().replace(INSTALLED_BIN, str(local_bin))
    )
    shutil.copy(TIMER, tmp_path / TIMER.name)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / SERVICE.name), str(tmp_path / TIMER.name)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    calendar = subprocess.run(
        ["systemd-analyze", "calendar", "--iterations=2", read_unit(TIMER)["Timer"]["OnCalendar"]],
        capture_output=True, text=True, timeout=60,
    )
    assert calendar.returncode == 0, calendar.stderr


def cron_job() -> tuple[list[str], str]:
    jobs = [
        line for line in CRON.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#") and "=" not in line.split()[0]
    ]
    assert len(jobs) == 1, jobs
    fields = jobs[0].split(None, 5)
    return fields[:5], fields[5]


def test_cron_line() -> None:
    schedule, command = cron_job()
    assert schedule[1:] == ["*/4", "*", "*", "*"] and 0 <= int(schedule[0]) <= 59
    assert "%" not in command  # cron would turn it into a newline
    assert "flock" not in command  # the tool locks the archive itself
    assert subprocess.run(["sh", "-n", "-c", command], timeout=30).returncode == 0
    # The pressarchive invocation, up to its output redirection.
    words = shlex.split(command[command.index(INSTALLED_BIN):].split(">")[0])
    check_crawl_command(words)
    assert words[words.index("--log-level") + 1] == "WARNING"


@pytest.mark.parametrize(
    ("status", "mailed"),
    [
        (exitcodes.OK, False),
        (exitcodes.FINISHED_WITH_ERRORS, True),
        (exitcodes.COULD_NOT_RUN, True),
        (exitcodes.LOCKED, True),
    ],
)
def test_cron_line_prints_only_on_failure(tmp_path: Path, status: int, mailed: bool) -> None:
    """Run the cron command with a stand-in pressarchive: cron mails only what it prints."""
    # Log text with what a careless `echo "$out"` or cron's "%" would mangle.
    log = "WARNING: C:\\new\\tab 100% -n\nsummary\n"
    (tmp_path / "log").write_text(log)
    stub = tmp_path / "pressarchive"
    stub.write_text(f"#!/bin/sh\ncat '{tmp_path / 'log'}' >&2\nexit {status}\n")
    stub.chmod(0o755)
    _, command = cron_job()
    result = subprocess.run(
        ["/bin/sh", "-c", command.replace(INSTALLED_BIN, str(stub))],
        capture_output=True, text=True, timeout=30, env={"PATH": os.environ["PATH"]},
    )
    assert result.stderr == ""
    if mailed:
        assert result.stdout == log
    else:
        assert result.stdout == ""
