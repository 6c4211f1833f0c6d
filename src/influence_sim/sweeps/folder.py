"""A sweep folder that checks itself: one writer, a journal of checksums, verification.

Layout (``docs/sweeps.md``)::

    manifest.json        provenance; the size and SHA-256 of the set-up files below
    spec.yaml            the sweep spec
    base-scenario.yaml   the base as written (the calibrated world)
    reference-scenario.yaml  the world the base departs from, if it was made by overrides
    points.parquet       the sampled points
    chunks.jsonl         one line per finished chunk: each part's size and SHA-256
    runs/ metrics/ timeseries/   one Parquet part per chunk
    sweep.lock           while a process writes the folder: its PID and host

The folder appears whole (its set-up is written in a hidden folder and renamed). A
chunk counts as done when the journal records its parts and they match; on resume a
part that is missing, truncated, altered, from another sweep or holding the wrong
runs is run again, and the user is told. The journal is appended to (one line per
chunk), so recording a chunk costs the same however many chunks there are.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from influence_sim.errors import InfluenceSimError
from influence_sim.results.storage import (
    atomic_write,
    digest,
    pid_alive,
    problem_with,
    read_manifest_file,
    storage_error,
    verify,
)
from influence_sim.sweeps.chunks import PARTS, part_name

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
JOURNAL = "chunks.jsonl"
LOCK = "sweep.lock"


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write JSON under a temporary name and rename it into place."""
    atomic_write(path, lambda temporary: temporary.write_text(json.dumps(data, indent=2) + "\n"))


def read_manifest(folder: Path) -> dict[str, Any]:
    """A sweep folder's manifest.

    Raises:
        InfluenceSimError: If the folder is not a sweep folder or its manifest is damaged.
    """
    if not folder.is_dir():
        raise InfluenceSimError(f"{folder}: no such sweep folder")
    file = folder / MANIFEST
    if not file.is_file():
        raise InfluenceSimError(f"{folder}: not a sweep folder (no {MANIFEST})")
    manifest = read_manifest_file(
        file,
        "the sweep's provenance is lost, so it cannot be resumed or read safely: run the "
        "sweep again into a new folder",
    )
    if manifest.get("kind") != "sweep":
        raise InfluenceSimError(f"{folder}: not a sweep folder")
    return manifest


def check_setup(folder: Path, manifest: dict[str, Any]) -> None:
    """The base and points are those the sweep started with, and the spec is there.

    An edited ``spec.yaml`` is judged by the spec hash (``sweep.check_spec_hash``), so
    that its executor may change between runs while anything that shapes the results
    may not.

    Raises:
        InfluenceSimError: Naming a set-up file that is missing or was edited.
    """
    for name, entry in manifest.get("files", {}).items():
        problem = problem_with(folder, name, entry)
        if problem is None:
            continue
        if name == "spec.yaml" and problem != "is missing":
            continue  # judged by what it means: the spec hash (an executor may change)
        raise InfluenceSimError(
            f"{folder / name}: {problem}; the sweep cannot be resumed or read without it: "
            "restore the file, or run the sweep again into a new folder"
        )


# The journal of finished chunks.


def record_chunk(folder: Path, index: int, parts: dict[str, dict[str, Any]]) -> None:
    """Append one finished chunk's parts and their digests to the journal (and sync).

    Journals of earlier versions also name each chunk's kernel; readers ignore it.
    """
    entry: dict[str, Any] = {"chunk": index, "parts": parts}
    line = json.dumps(entry, sort_keys=True) + "\n"
    path = folder / JOURNAL
    try:
        with open(path, "a", encoding="utf-8") as journal:
            journal.write(line)
            journal.flush()
            os.fsync(journal.fileno())
    except OSError as exc:
        raise storage_error(path, exc) from None


def _journal_entries(folder: Path) -> Iterator[dict[str, Any]]:
    """The journal's lines as JSON objects; a torn last line (a kill mid-write) is skipped."""
    path = folder / JOURNAL
    if not path.is_file():
        return
    with open(path, encoding="utf-8", errors="replace") as journal:
        for line in journal:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield entry


def read_journal(folder: Path) -> dict[int, dict[str, dict[str, Any]]]:
    """Finished chunks by index: their parts' digests."""
    out: dict[int, dict[str, dict[str, Any]]] = {}
    for entry in _journal_entries(folder):
        try:
            out[int(entry["chunk"])] = dict(entry["parts"])
        except (ValueError, KeyError, TypeError):
            continue
    return out


# Chunks: what each should hold, and whether it does.


@dataclass(frozen=True)
class Layout:
    """Which runs each chunk holds."""

    runs: int
    chunk_size: int
    replications: int
    spec_sha256: str

    @property
    def n_chunks(self) -> int:
        """How many chunks."""
        return -(-self.runs // self.chunk_size)

    def keys(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """The (point, replication) keys of a chunk's runs, in order."""
        runs = np.arange(index * self.chunk_size, min(self.runs, (index + 1) * self.chunk_size))
        return runs // self.replications, runs % self.replications


def part_problem(folder: Path, name: str, layout: Layout, index: int) -> str | None:
    """What is wrong with a part's content: provenance, or keys, or None."""
    import pyarrow.parquet as pq

    path = folder / name
    try:
        schema = pq.read_schema(path)
        meta = json.loads((schema.metadata or {}).get(b"influence_sim", b"{}"))
    except (OSError, ValueError) as exc:
        return f"cannot be read ({exc})"
    if meta.get("spec_sha256") != layout.spec_sha256:
        return "comes from another sweep (its provenance names another spec)"
    if name.startswith("timeseries/"):
        return None
    if "point" not in schema.names:
        return None if name.startswith("metrics/") else "has no point column"
    table = pq.read_table(path, columns=["point", "replication"])
    points = table.column("point").to_numpy()
    reps = table.column("replication").to_numpy()
    want_points, want_reps = layout.keys(index)
    if name.startswith("runs/"):
        if not (np.array_equal(points, want_points) and np.array_equal(reps, want_reps)):
            return "holds other runs than its chunk's (copied from another chunk?)"
        return None
    keys = points.astype(np.int64) * layout.replications + reps
    first = index * layout.chunk_size
    if (
        len(np.unique(keys)) != len(keys)
        or ((keys < first) | (keys >= first + len(want_points))).any()
    ):
        return "holds runs outside its chunk, or a run twice"
    return None


def chunk_problem(folder: Path, recorded: dict[str, dict[str, Any]] | None) -> str | None:
    """Why a chunk is not done (missing, damaged, foreign), or None if it is."""
    if recorded is None:
        return "not finished"
    for name, entry in recorded.items():
        problem = problem_with(folder, name, entry)
        if problem is not None:
            return f"{name} {problem}"
    return None


def adopt_unrecorded(
    folder: Path, index: int, layout: Layout, kinds: tuple[str, ...]
) -> dict[str, Any] | None:
    """Digests of a chunk written but not journaled, when every part is whole and right.

    That happens when the main process died between a worker's rename and the journal.
    """
    parts = {}
    for kind in kinds:
        name = part_name(kind, index)
        if not (folder / name).is_file() or part_problem(folder, name, layout, index):
            return None
        parts[name] = digest(folder / name)
    return parts


def remove_parts(folder: Path, index: int) -> None:
    """Delete a chunk's parts, so it is run again from nothing."""
    for kind in PARTS:
        (folder / part_name(kind, index)).unlink(missing_ok=True)


def verify_sweep(folder: Path, manifest: dict[str, Any], layout: Layout) -> None:
    """Check a complete sweep: set-up files, every part's digest, provenance and keys.

    Raises:
        InfluenceSimError: Naming what is wrong and what to do.
    """
    if "files" not in manifest:
        raise InfluenceSimError(
            f"{folder / MANIFEST}: records no checksums (written by a version before they were "
            "kept), so the sweep cannot be verified; load it with verify=False if you trust it"
        )
    check_setup(folder, manifest)
    hint = (
        f"the sweep folder is damaged; `influence-sim sweep --resume {folder}` runs the "
        "damaged chunks again"
    )
    journal_entry = manifest.get("journal")
    if isinstance(journal_entry, dict):
        verify(folder, {JOURNAL: journal_entry}, hint=hint)
    journal = read_journal(folder)
    wrong = []
    for index in range(layout.n_chunks):
        recorded = journal.get(index)
        if recorded is None:
            wrong.append(f"{folder / part_name('runs', index)}: not recorded as finished")
            continue
        for name, entry in recorded.items():
            problem = problem_with(folder, name, entry) or part_problem(folder, name, layout, index)
            if problem:
                wrong.append(f"{folder / name}: {problem}")
        if len(wrong) >= 10:
            break
    for kind in PARTS:  # a part the journal does not know of was copied in
        for path in (
            sorted((folder / kind).glob("part-*.parquet")) if (folder / kind).is_dir() else []
        ):
            name = path.relative_to(folder).as_posix()
            index = int(path.stem.removeprefix("part-"))
            if name not in journal.get(index, {}):
                wrong.append(f"{path}: not written by this sweep (not in its journal)")
    if wrong:
        raise InfluenceSimError("\n".join([*wrong[:10], hint]))


# One writer at a time.


@contextlib.contextmanager
def writer_lock(folder: Path) -> Iterator[None]:
    """Hold ``sweep.lock`` while writing; refuse while another live process holds it.

    A lock left by a process that is gone (on this host) is broken and taken.

    Raises:
        InfluenceSimError: If another process holds the lock, or it cannot be written.
    """
    path = folder / LOCK
    host = socket.gethostname()
    mine = {"pid": os.getpid(), "host": host, "since": datetime.now(UTC).isoformat()}
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = json.loads(path.read_text())
                pid, where = int(holder["pid"]), str(holder["host"])
            except (OSError, ValueError, KeyError, TypeError):
                holder, pid, where = {}, -1, host  # unreadable: written by a process cut short
            if where == host and not pid_alive(pid):
                log.info("%s: breaking a stale lock of PID %s, which is gone", folder, pid)
                path.unlink(missing_ok=True)
                continue
            raise InfluenceSimError(
                f"{folder}: another process is writing this sweep (PID {pid} on {where}, since "
                f"{holder.get('since', '?')}); wait for it to finish or stop it. If it is gone "
                f"(another host cannot be checked from here), delete {path}"
            ) from None
        except OSError as exc:
            raise storage_error(path, exc) from None
        with os.fdopen(fd, "w") as out:
            json.dump(mine, out)
        break
    else:  # pragma: no cover - two processes broke the same stale lock at once
        raise InfluenceSimError(f"{folder}: could not take {path}; try again")
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            if json.loads(path.read_text()).get("pid") == os.getpid():
                path.unlink()


def clean_temporary(folder: Path) -> None:
    """Remove temporary part files whose writer is gone (a live one's are left alone)."""
    for kind in PARTS:
        directory = folder / kind
        for stale in directory.glob(".part-*.tmp") if directory.is_dir() else []:
            # .part-00003.parquet.<pid>.tmp
            pid_text = stale.name.rsplit(".", 2)[-2]
            if not pid_text.isdigit() or not pid_alive(int(pid_text)):
                stale.unlink(missing_ok=True)
