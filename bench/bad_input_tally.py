"""The bad-input tally: every bad input of tests/test_bad_inputs.py through the real CLI.

Each case runs as its own `pressarchive` process (the entry point a user runs), on a
workspace of broken archives and files around a fresh demo archive, and counts as
one clear line when it exits with its documented code and writes one "Error:" line to
stderr (click's usage error for exit 2), no traceback. Prints the cases that did not,
then "N of M bad inputs gave one clear line". Nothing leaves 127.0.0.1.

    .venv/bin/python -W ignore bench/bad_input_tally.py
    .venv/bin/python -W ignore bench/bad_input_tally.py --repo /tmp/old-main   # another checkout
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.test_bad_inputs import (  # noqa: E402  (after the sys.path line above)
    CASES,
    BadInput,
    command_line,
    make_workspace,
    problems,
    write_toml,
)

CASE_TIMEOUT = 60.0


def demo_archive(work: Path) -> Path:
    archive = work / "demo-archive"
    subprocess.run([str(REPO / ".venv" / "bin" / "pressarchive"), "demo", "--no-serve",
                    "--archive", str(archive)], check=True, capture_output=True, cwd=work)
    return archive


def run_case(case: BadInput, paths: dict[str, Path], work: Path, repo: Path) -> list[str]:
    toml_path = work / "case-sources.toml"
    write_toml(case, toml_path)
    env = {k: v for k, v in os.environ.items() if k != "PRESSARCHIVE_ARCHIVE"}
    env["PYTHONPATH"] = str(repo)  # the code of that checkout, whatever the cwd
    command = [sys.executable, "-m", "archive.cli", *command_line(case, paths, toml_path)]
    cwd = work / "cwd"  # no ./archive-data or ./demo-archive to fall back on
    cwd.mkdir(exist_ok=True)
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd,
                              timeout=CASE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return [f"still running after {CASE_TIMEOUT:.0f} s"]
    return problems(case, done.returncode, done.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="checkout whose code runs the cases (default: this one)")
    args = parser.parse_args()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bad-inputs-") as tmp:
        work = Path(tmp)
        paths = make_workspace(work / "workspace", demo_archive(work))
        failed = 0
        for case in CASES:
            found = run_case(case, paths, work, args.repo.resolve())
            if found:
                failed += 1
                print(f"not one clear line: {case.name}: {'; '.join(found)}")
    clear = len(CASES) - failed
    print(f"{clear} of {len(CASES)} bad inputs gave one clear line "
          f"({args.repo.resolve()}, {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
