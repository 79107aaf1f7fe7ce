"""Server processes owned by one test session: find the tool, start it, poll until it is ready
(with a deadline, never a fixed sleep), and stop it whatever happened.

`require_tools` is the one place a tier decides what to do when a tool is missing: on a
developer's machine it skips with a loud banner, under CI=true it fails (CI installs them:
.ci/run).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tests.support.servers import free_port

__all__ = ["free_port", "find_tool", "require_tools", "ManagedProcess", "poll_event", "tail",
           "children"]


def find_tool(name: str, *globs: str) -> str | None:
    """`name` on PATH, else the first match of `globs` (Debian keeps postgres off PATH)."""
    found = shutil.which(name)
    if found:
        return found
    for pattern in globs:
        matches = sorted(Path("/").glob(pattern.lstrip("/")), reverse=True)
        if matches:
            return str(matches[0])
    return None


def require_tools(tier: str, missing: Sequence[str]) -> None:
    """Skip loudly (developer machine) or fail (CI=true) when a tier's tools are missing."""
    if not missing:
        return
    reason = f"the {tier} needs " + "; ".join(missing)
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    banner = "!" * 78
    print(f"\n{banner}\n!! SKIPPING {tier}: {reason}\n{banner}", file=sys.stderr)
    pytest.skip(f"SKIPPED LOUDLY: {reason}")


def children(pid: int) -> list[int]:
    """The processes `pid` started (forked from its main thread) that still run."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class ManagedProcess:
    """One child process with its output in a log file."""

    def __init__(self, name: str, command: Sequence[str], log: Path, **popen: object) -> None:
        self.name = name
        self.log = log
        with log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own command lines
                list(command), stdout=out, stderr=subprocess.STDOUT, **popen  # type: ignore[call-overload]
            )

    @property
    def pid(self) -> int:
        return int(self.process.pid)

    def wait_until(self, ready: Callable[[], bool], deadline: float) -> None:
        """Polls `ready` until it is true; fails at once if the process exits."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited ({self.process.returncode}):\n{tail(self.log)}"
                )
            if ready():
                return
            # A bounded wait on the process itself: returns at once if it exits.
            try:
                self.process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                pass
        self.stop()
        raise RuntimeError(f"{self.name} was not ready within {deadline:.0f}s:\n{tail(self.log)}")

    def stop(self, sig: int = signal.SIGTERM, pid: int | None = None, grace: float = 20) -> None:
        """Sends `sig` (to `pid` if given, e.g. a server its wrapper started) and waits."""
        if self.process.poll() is not None:
            return
        try:
            os.kill(pid or self.process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def kill(self) -> None:
        """Ends the process abruptly (SIGKILL), as a crashed host would."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def poll_event(seconds: float) -> None:
    """A short pause between polls of something that is not a process we own."""
    threading.Event().wait(seconds)
