"""Limits before work: inputs that never end, runs too big for memory, ports not to be had."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time

import pytest

from influence_sim.cli.commands import main
from influence_sim.drivers.runner import run
from influence_sim.engine.compile import compile_scenario
from influence_sim.errors import InfluenceSimError
from influence_sim.format.loading import load_scenario
from influence_sim.results.memory import BUDGET_VARIABLE, estimate_run_bytes
from tests.conftest import SCENARIOS

KZ = SCENARIOS / "kazakhstan-2022.yaml"
LIMIT = 512 * 2**20  # address space a child reading a hostile file may use


def _bounded(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The CLI in a child with bounded memory and time."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 * LIMIT, 4 * LIMIT))

    return subprocess.run(
        [sys.executable, "-m", "influence_sim", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        check=False,
    )


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_a_device_is_refused_without_reading_it(device):
    if not os.path.exists(device):
        pytest.skip(f"{device} does not exist here")
    started = time.monotonic()
    done = _bounded("run", device, "--quiet")
    assert done.returncode == 1
    assert f"{device}: is not a regular file" in done.stderr
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 30


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    done = _bounded("validate", str(fifo), timeout=30)  # hung for ever before
    assert done.returncode == 1
    assert "is not a regular file" in done.stderr


def test_a_file_is_read_no_further_than_the_cap(tmp_path, monkeypatch):
    """A file that grows after its size was checked is still read only to the cap."""
    import influence_sim.format.yamlio as yamlio

    path = tmp_path / "growing.yaml"
    path.write_text("name: x\n" + "# padding\n" * 10_000)  # 100 kB
    monkeypatch.setattr(yamlio, "MAX_BYTES", 1_000)
    real_open = open
    read = []

    class Counting:
        def __init__(self, stream):
            self.stream = stream

        def read(self, size=-1):
            data = self.stream.read(size)
            read.append(len(data))
            return data

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.stream.close()

    def counting_open(file, mode="r", *args, **kwargs):
        stream = real_open(file, mode, *args, **kwargs)
        return Counting(stream) if str(file) == str(path) and "b" in mode else stream

    small = path.stat()
    monkeypatch.setattr(yamlio, "open", counting_open, raising=False)
    # The size check saw a small file (it grew afterwards): the read must still stop.
    monkeypatch.setattr(
        yamlio.FilePath,
        "stat",
        lambda self, **kw: type("S", (), {"st_mode": small.st_mode, "st_size": 10})(),
    )
    with pytest.raises(InfluenceSimError, match="more than 1,000 bytes"):
        yamlio.read_yaml_file(path, "growing.yaml")
    assert read == [1_001]


def test_the_memory_estimate_covers_every_table(monkeypatch, capsys):
    compiled = compile_scenario(load_scenario(KZ))
    # The case passed the old guard (alignment rows only) and used over 4 GiB.
    assert estimate_run_bytes(compiled, 300_000, 1000) > 4 * 2**30
    monkeypatch.setenv(BUDGET_VARIABLE, "2GiB")
    started = time.monotonic()
    code = main(["run", "kazakhstan-2022", "--replications", "300000", "--record-every", "1000"])
    assert code == 1
    err = capsys.readouterr().err
    assert "300,000 replications recorded every 1000 steps would need about" in err
    assert "GiB of memory, more than the INFLUENCE_SIM_MAX_MEMORY budget (2.0 GiB)" in err
    assert "--record-every" in err
    assert time.monotonic() - started < 20  # refused before the work, not after
    monkeypatch.setenv(BUDGET_VARIABLE, "lots")
    with pytest.raises(InfluenceSimError, match="expected a size such as '8GiB'"):
        run(KZ, replications=1)


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads VmHWM from /proc")
def test_the_memory_estimate_is_close_to_what_a_run_uses():
    """Peak memory of a real run (tables built and saved) against the estimate."""
    # VmHWM, the peak resident memory of this process's own memory map: ru_maxrss would
    # carry over the (larger) peak of the test process that forked it.
    code = f"""
import tempfile
from influence_sim.drivers.runner import run

def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024

before = peak()
result = run({str(KZ)!r}, replications=400)
with tempfile.TemporaryDirectory() as d:
    result.save(d)
print(peak() - before)
"""
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    used = int(done.stdout.split()[-1])
    estimate = estimate_run_bytes(compile_scenario(load_scenario(KZ)), 400, 1)
    assert used < estimate < 2 * used, (used, estimate)  # cautious, not wildly so


def test_the_dashboard_refuses_a_bad_port_before_its_banner(capsys):
    assert main(["dashboard", "--port", "99999"]) == 1
    captured = capsys.readouterr()
    assert "a port is a number from 1 to 65535" in captured.err
    assert "influence-sim dashboard:" not in captured.out
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--port", str(port)]) == 1
    captured = capsys.readouterr()
    assert f"127.0.0.1:{port} is in use" in captured.err
    assert "influence-sim dashboard:" not in captured.out


def test_leftovers_of_killed_runs_are_found_and_removed(tmp_path, capsys):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".kazakhstan-2022-x.partial-{dead.pid}"
    live = tmp_path / f".kazakhstan-2022-y.partial-{os.getpid()}"
    for folder in (stale, live):
        folder.mkdir()
        (folder / "alignment.parquet").write_bytes(b"half")
    assert main(["clean", str(tmp_path), "--dry-run"]) == 0
    assert f"would remove {stale}" in capsys.readouterr().out
    assert stale.exists()
    assert main(["clean", str(tmp_path)]) == 0
    assert not stale.exists()
    assert live.exists()  # a live process's folder is left alone
    # The next run into the same folder removes stale leftovers by itself.
    stale.mkdir()
    run(KZ, replications=1).save(tmp_path)
    assert not stale.exists()
    assert live.exists()
