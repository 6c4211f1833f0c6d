"""Stopping `influence-sim dashboard` stops its server: no process of it left serving pages.

The command serves the dashboard through a child process (``solara run``). A service
manager, a container runtime or a shell's ``kill`` sends SIGTERM to the command only; the
command must take its child, and whatever that started, down with it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="needs /proc")

GRACE = 5.0
"""How long after the signal every process of the command may still be alive."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _alive(pid: int) -> bool:
    """Whether a process runs (a zombie, dead but not yet reaped, does not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _tree(root: int) -> list[int]:
    """``root`` and every process descended from it, from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, todo = [root], [root]
    while todo:
        pid = todo.pop()
        children = [child for child, parent in parents.items() if parent == pid]
        tree += children
        todo += children
    return tree


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait_until_served(server: subprocess.Popen[bytes], url: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the dashboard command exited with {server.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail("the dashboard did not start within 90 s")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_the_dashboard_command_stops_its_whole_process_tree(tmp_path, signum):
    pytest.importorskip("solara", reason="the dashboard extra is not installed")
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "influence_sim", "dashboard", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # as under a service manager: no terminal's Ctrl-C
    )
    tree = [server.pid]
    try:
        _wait_until_served(server, f"http://127.0.0.1:{port}/")
        tree = _tree(server.pid)
        assert len(tree) >= 2, "the command serves through a child process"
        sent = time.monotonic()
        os.kill(server.pid, signum)  # the command only, not its process group
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=GRACE)
        time.sleep(max(0.0, sent + GRACE - time.monotonic()))
        left = [pid for pid in tree if _alive(pid)]
        assert not left, (
            f"{len(left)} of {len(tree)} processes alive {GRACE:.0f} s after {signum!r}"
        )
        assert not _listening(port), f"port {port} still accepts connections"
        assert server.returncode == 0
    finally:
        for pid in tree:
            if _alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(timeout=10)
        log.close()
