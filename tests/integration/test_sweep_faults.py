"""Sweep folders that check themselves: damaged, foreign or edited files, two writers,
a main process killed or terminated, disks that refuse writes, sizes refused up front."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from influence_sim.cli.commands import main
from influence_sim.errors import InfluenceSimError
from influence_sim.sweeps.folder import JOURNAL, LOCK, writer_lock
from influence_sim.sweeps.sweep import SweepResult, resume_sweep, run_sweep
from tests.integration.test_sweeps import _wait_for, sweep_file

PART = "metrics/part-00001.parquet"


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished sweep (6 chunks), copied afresh by each test that damages it."""
    tmp = tmp_path_factory.mktemp("finished")
    result = run_sweep(sweep_file(tmp), out=tmp / "out", executor=ThreadPoolExecutor(1))
    return result


@pytest.fixture
def sweep(finished, tmp_path):
    folder = tmp_path / finished.folder.name
    shutil.copytree(finished.folder, folder)
    return folder


def _tables(folder):
    result = SweepResult.load(folder)
    return result.runs, result.metrics


def _resume(folder):
    return resume_sweep(folder, executor=ThreadPoolExecutor(1))


def _resumes_to_the_same_tables(folder, finished, caplog, fragment):
    with caplog.at_level(logging.WARNING, logger="influence_sim"):
        resumed = _resume(folder)
    assert fragment in caplog.text  # the user is told
    for mine, theirs in zip(_tables(finished.folder), (resumed.runs, resumed.metrics), strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


def test_flipped_bytes_in_a_part_are_refused_and_rerun(sweep, finished, caplog):
    part = sweep / PART
    data = bytearray(part.read_bytes())
    for offset in range(64, 128):
        data[offset] ^= 0xFF
    part.write_bytes(bytes(data))
    with pytest.raises(InfluenceSimError, match=f"{PART}: has been altered"):
        SweepResult.load(sweep)
    SweepResult.load(sweep, verify=False)  # asked not to check, it does not
    _resumes_to_the_same_tables(sweep, finished, caplog, f"chunk 1: {PART} has been altered")


def test_a_truncated_part_is_refused_and_rerun(sweep, finished, caplog):
    part = sweep / PART
    part.write_bytes(part.read_bytes()[:-100])
    with pytest.raises(InfluenceSimError, match=r"bytes, .* were written"):
        SweepResult.load(sweep)
    assert main(["analyze", str(sweep)]) == 1  # analyze refuses it too
    _resumes_to_the_same_tables(sweep, finished, caplog, "were written; running it again")


def test_a_deleted_part_is_refused_and_rerun(sweep, finished, caplog):
    (sweep / PART).unlink()
    with pytest.raises(InfluenceSimError, match=f"{PART}: is missing"):
        SweepResult.load(sweep)
    _resumes_to_the_same_tables(sweep, finished, caplog, "is missing; running it again")


def test_a_part_copied_in_from_another_sweep_is_refused(sweep, tmp_path, finished, caplog):
    other = run_sweep(
        sweep_file(tmp_path, "other", seed=99), out=tmp_path / "o", executor=ThreadPoolExecutor(1)
    )
    shutil.copy(other.folder / PART, sweep / PART)
    with pytest.raises(InfluenceSimError, match=PART):
        SweepResult.load(sweep)
    _resumes_to_the_same_tables(sweep, finished, caplog, "running it again")
    # A part added under a new name, not in the journal, is refused as well.
    shutil.copy(other.folder / PART, sweep / "metrics" / "part-00099.parquet")
    with pytest.raises(InfluenceSimError, match="not written by this sweep"):
        SweepResult.load(sweep)


def test_a_part_copied_from_another_chunk_is_caught_by_its_keys(sweep):
    # Same sweep, same provenance, other runs: copy chunk 2's parts over chunk 1's and
    # forge the journal so the digests match: the keys still give it away.
    for kind in ("runs", "metrics"):
        shutil.copy(sweep / f"{kind}/part-00002.parquet", sweep / f"{kind}/part-00001.parquet")
    lines = (sweep / JOURNAL).read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    by_chunk = {e["chunk"]: e for e in entries}
    by_chunk[1]["parts"] = {
        name.replace("00002", "00001"): entry for name, entry in by_chunk[2]["parts"].items()
    }
    (sweep / JOURNAL).write_text("".join(json.dumps(e) + "\n" for e in by_chunk.values()))
    manifest = json.loads((sweep / "manifest.json").read_text())
    manifest.pop("journal")  # as if the journal's own digest had been forged too
    (sweep / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InfluenceSimError, match="holds other runs than its chunk's"):
        SweepResult.load(sweep)


def test_an_edited_spec_is_refused_on_resume_and_load(sweep, capsys):
    manifest = json.loads((sweep / "manifest.json").read_text())
    manifest["status"] = "running"
    (sweep / "manifest.json").write_text(json.dumps(manifest))
    spec = sweep / "spec.yaml"
    spec.write_text(spec.read_text().replace("seed: 5", "seed: 6"))
    assert main(["sweep", "--resume", str(sweep), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "spec.yaml: edited since the sweep started" in err
    assert "Traceback" not in err
    with pytest.raises(InfluenceSimError, match="edited since the sweep started"):
        SweepResult.load(sweep, partial=True)


def test_the_executor_may_change_in_the_spec(sweep):
    spec = sweep / "spec.yaml"
    text = spec.read_text()
    assert "workers: null" in text
    spec.write_text(text.replace("workers: null", "workers: 1"))
    _resume(sweep)
    SweepResult.load(sweep)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda f: (f / "manifest.json").write_text("{not json"), "manifest.json: damaged"),
        (lambda f: (f / "manifest.json").write_text("[]"), "not a JSON object"),
        (lambda f: (f / "spec.yaml").unlink(), "spec.yaml: is missing"),
        (lambda f: (f / "points.parquet").unlink(), "points.parquet: is missing"),
    ],
)
def test_damaged_set_up_files_get_one_clear_line(sweep, capsys, damage, message):
    damage(sweep)
    assert main(["sweep", "--resume", str(sweep), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert main(["analyze", str(sweep)]) == 1
    assert message in capsys.readouterr().err


def test_one_writer_at_a_time(sweep, capsys):
    with writer_lock(sweep):
        lock = json.loads((sweep / LOCK).read_text())
        assert lock["pid"] == os.getpid()
        assert main(["sweep", "--resume", str(sweep), "--quiet"]) == 1
        err = capsys.readouterr().err
        assert "another process is writing this sweep" in err
        assert f"PID {os.getpid()}" in err
    assert not (sweep / LOCK).exists()


def test_a_stale_lock_is_broken_and_a_live_writers_temporary_files_are_kept(sweep):
    # A lock left by a process that is gone is broken.
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (sweep / LOCK).write_text(json.dumps({"pid": dead.pid, "host": os.uname().nodename}))
    live = sweep / "runs" / f".part-00000.parquet.{os.getpid()}.tmp"
    gone = sweep / "runs" / f".part-00001.parquet.{dead.pid}.tmp"
    live.write_bytes(b"being written")
    gone.write_bytes(b"left behind")
    _resume(sweep)
    assert not (sweep / LOCK).exists()
    assert live.exists()  # a live process's file is never deleted
    assert not gone.exists()


def _start(path: Path, out: Path, name: str, workers: int) -> tuple[subprocess.Popen, Path]:
    """``influence-sim sweep`` in a child process, once its folder has appeared."""
    command = [sys.executable, "-m", "influence_sim", "sweep", str(path), "--out", str(out)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers), "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not list(out.glob(f"{name}-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    folders = list(out.glob(f"{name}-*"))
    if not folders:
        process.kill()
        process.wait()
        pytest.fail("the sweep folder did not appear")
    return process, folders[0]


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            alive.add(pid)
    return alive


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process tree from /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_no_process_of_the_sweep_outlives_its_main_process(tmp_path, sig):
    path = sweep_file(
        tmp_path, "long", replications=40, chunk_size=10, sampler={"method": "grid", "n": 5}
    )
    process, folder = _start(path, tmp_path / "out", "long", workers=2)
    try:
        assert _wait_for(folder / "runs" / "part-00002.parquet", 120)
        family = _descendants(process.pid)
        assert len(family) >= 3  # forkserver and two workers
        os.kill(process.pid, sig)  # the main process only
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while _alive(family) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(family), "processes of the sweep survived their main process"
        parts = sorted((folder / "runs").glob("part-*.parquet"))
        time.sleep(1.0)
        assert sorted((folder / "runs").glob("part-*.parquet")) == parts  # nobody writes
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
    if sig == signal.SIGTERM:
        assert process.returncode == 130
        assert not (folder / LOCK).exists()  # released on the way out
    assert main(["sweep", "--resume", str(folder), "--workers", "1", "--quiet"]) == 0


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_one_clear_line(tmp_path, capsys):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(out), "--quiet"]) == 1
        err = capsys.readouterr().err
        assert "cannot write" in err
        assert "Traceback" not in err
    finally:
        out.chmod(0o755)


def test_a_read_only_folder_as_root_too(tmp_path, capsys, monkeypatch):
    # Root ignores permission bits; a refused write is simulated where the folder is made.
    import influence_sim.results.runs as results

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(results.Path, "mkdir", refuse)
    assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(tmp_path / "x"), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err
    assert "Traceback" not in err


def test_out_pointing_at_a_file_is_one_clear_line(tmp_path, capsys):
    file = tmp_path / "file"
    file.write_text("")
    assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(file), "--quiet"]) == 1
    assert "is a file; --out needs a folder" in capsys.readouterr().err
    assert main(["run", "kazakhstan-2022", "--replications", "1", "--out", str(file)]) == 1
    assert "is a file; --out needs a folder" in capsys.readouterr().err


def test_a_full_disk_is_one_clear_line_and_resume_works_after_space_is_freed(
    tmp_path, capsys, monkeypatch, finished
):
    import pyarrow.parquet as pq

    real = pq.write_table
    calls = {"n": 0}

    def filling(table, where, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 5:  # the disk fills after a few parts
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(pq, "write_table", filling)
    path = sweep_file(tmp_path)
    with pytest.raises(InfluenceSimError, match="the disk is full") as info:
        run_sweep(path, out=tmp_path / "full", executor=ThreadPoolExecutor(1))
    assert "--resume" in str(info.value)
    folder = next((tmp_path / "full").glob("small-*"))
    assert not list(folder.rglob("*.tmp"))  # nothing half-written left behind
    monkeypatch.setattr(pq, "write_table", real)  # space freed
    resumed = _resume(folder)
    for mine, theirs in zip(_tables(finished.folder), (resumed.runs, resumed.metrics), strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


def test_a_sweep_too_large_to_sample_is_refused_before_any_work(tmp_path, capsys):
    parameters = {f"dynamics.{name}": [0.01, 0.02] for name in ("unrest_decay", "threat_decay")}
    parameters.update({"powers.russia.security_capacity": [0.1, 1.0]})
    path = sweep_file(
        tmp_path, "huge", parameters=parameters, sampler={"method": "grid", "n": 5000}
    )
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "125,000,000,000 points" in err
    assert "n^D" in err
    assert not out.exists()  # refused before anything was written


def test_two_concurrent_resumes_one_writes_the_other_is_refused(tmp_path, finished):
    path = sweep_file(tmp_path, "pair", replications=40, chunk_size=10)
    first, folder = _start(path, tmp_path / "out", "pair", workers=1)
    try:
        assert _wait_for(folder / "runs" / "part-00001.parquet", 60)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        resume = [
            sys.executable,
            "-m",
            "influence_sim",
            "sweep",
            "--resume",
            str(folder),
            "--workers",
            "1",
            "--quiet",
        ]
        a = subprocess.Popen(resume, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # The killed run left its lock behind: wait until the first resume has broken it
        # and holds its own.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError):
                if json.loads((folder / LOCK).read_text())["pid"] == a.pid:
                    break
            time.sleep(0.05)
        else:
            pytest.fail("the first resume never took the lock")
        b = subprocess.run(resume, capture_output=True, text=True, timeout=120, check=False)
        assert b.returncode == 1
        assert "another process is writing this sweep" in b.stderr
        assert f"PID {a.pid}" in b.stderr
        _, err = a.communicate(timeout=300)
        assert a.returncode == 0, err
    finally:
        for process in (first,):
            if process.poll() is None:
                process.kill()
                process.wait()
    whole = run_sweep(path, out=tmp_path / "whole", executor=ThreadPoolExecutor(1))
    resumed = SweepResult.load(folder)
    for mine, theirs in zip(_tables(whole.folder), (resumed.runs, resumed.metrics), strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


def test_resuming_a_whole_sweep_changes_nothing(sweep):
    before = {p: p.read_bytes() for p in sweep.rglob("*") if p.is_file()}
    _resume(sweep)
    after = {p: p.read_bytes() for p in sweep.rglob("*") if p.is_file()}
    assert after == before


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs of 160 KiB (root only): a disk that fills, and can be made read-only."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(mount)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): " + done.stderr.decode().strip())
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_really_full_disk_then_freed(small_disk, tmp_path, capsys, finished):
    path = sweep_file(tmp_path)
    args = ["sweep", str(path), "--out", str(small_disk), "--workers", "1", "--quiet"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "cannot write: the disk is full" in err
    assert "--resume" in err
    assert "Traceback" not in err
    folder = next(small_disk.glob("small-*"))
    subprocess.run(["mount", "-o", "remount,size=20m", str(small_disk)], check=True)
    assert main(["sweep", "--resume", str(folder), "--workers", "1", "--quiet"]) == 0
    for mine, theirs in zip(_tables(finished.folder), _tables(folder), strict=True):
        pd.testing.assert_frame_equal(mine, theirs)


def test_a_really_read_only_folder(small_disk, tmp_path, capsys):
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    assert main(["sweep", str(sweep_file(tmp_path)), "--out", str(small_disk), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "cannot write: permission denied (a read-only folder?)" in err
    assert "Traceback" not in err
    assert main(["run", "kazakhstan-2022", "--replications", "1", "--out", str(small_disk)]) == 1
    err = capsys.readouterr().err
    assert "cannot write" in err
    assert "Traceback" not in err


def test_an_edited_spec_is_refused_by_its_hash_even_without_file_checksums(sweep, capsys):
    manifest = json.loads((sweep / "manifest.json").read_text())
    manifest["status"] = "running"
    del manifest["files"]  # as a folder from before checksums were kept
    (sweep / "manifest.json").write_text(json.dumps(manifest))
    spec = sweep / "spec.yaml"
    spec.write_text(spec.read_text().replace("chunk_size: 7", "chunk_size: 5"))
    assert main(["sweep", "--resume", str(sweep), "--quiet"]) == 1
    assert "hash to another value than the manifest's spec_sha256" in capsys.readouterr().err
